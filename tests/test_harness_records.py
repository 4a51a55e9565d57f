"""The harness's speed settings (`xltnb.finetune.training_args`: no NaN/inf filter on the logged loss, non-blocking
pinned copies, dataloader workers and large evaluation batches where CUDA) change no record on the CPU.

A smoke grid (world-tiny at the `smoke` protocol; world-nli and world-paws; baseline, AT and RS-DA; seed 0) is trained
into an empty run store and its records, with each run's logged losses, are compared with
`tests/data/harness-smoke-records.json`, written by this file's `main` from the code before those settings (how and
when: the file's `made` field). Two things are left out of the comparison: a run's wall time (`train_s`) and whether
it was read from the store (`cached`); everything else, the run folder's key prefix included, must be equal.

    .venv/bin/python tests/test_harness_records.py   # rewrite the fixture (only when the records are meant to change)
"""
import json, os, subprocess, sys
from pathlib import Path

import pytest

FIXTURE = Path(__file__).parent / 'data' / 'harness-smoke-records.json'
SKIP = ('train_s', 'cached')  # wall time and store hits: not what a run measured
ARMS = ('baseline', 'at', 'rs-da')
TASKS = ('world-nli', 'world-paws')


def smoke_grid(runs: Path) -> dict:
    "Train the smoke grid into the run store `runs`; its records (less SKIP) and each run's logged training losses."
    os.environ['XLTNB_RUNS'] = str(runs)
    import torch
    from xltnb.methods.robust import robust_method
    from xltnb.paper import notebook_params
    from xltnb.protocol import protocol, run_arm
    from xltnb.reproduce import load_preset
    torch.set_num_threads(1)
    p = {**{k: v.default for k, v in notebook_params('robust').items()}, **load_preset('robust', 'smoke')}
    P = protocol('smoke')
    recs, losses = [], {}
    for task in TASKS:
        for name in ARMS:
            arm = run_arm(P, task, 'world-tiny', robust_method(name, task, p, 0, P.world), seed=0)
            recs += [{k: v for k, v in r.items() if k not in SKIP} for r in arm.records]
            losses[f'{task} {name}'] = [h['loss'] for h in arm.result.log_history if 'loss' in h]
    return dict(records=recs, losses=losses)


def test_smoke_records_unchanged(tmp_path):
    "The smoke grid's records and losses equal the fixture's, made before the harness's speed settings."
    want = json.loads(FIXTURE.read_text())
    code = ("import json, sys; sys.path.insert(0, 'tests'); from test_harness_records import smoke_grid; "
            f"print(json.dumps(smoke_grid(__import__('pathlib').Path({str(tmp_path / 'runs')!r}))))")
    out = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True,
                         cwd=Path(__file__).resolve().parents[1], env={**os.environ, 'HF_HUB_OFFLINE': '1'})
    assert out.returncode == 0, out.stderr[-3000:]
    got = json.loads(out.stdout.strip().splitlines()[-1])
    assert len(got['records']) == len(want['records']) > 0
    assert got['losses'] == want['losses']
    diff = [(g, w) for g, w in zip(got['records'], want['records']) if g != w]
    assert not diff, f"{len(diff)} records differ, the first: {diff[0]}"


def main():
    "Write the fixture from this checkout's code (a fresh run store in a temporary folder)."
    import platform, tempfile, time
    import torch
    with tempfile.TemporaryDirectory() as d:
        got = smoke_grid(Path(d))
    commit = subprocess.run(['git', 'rev-parse', '--short', 'HEAD'], capture_output=True, text=True).stdout.strip()
    made = (f"python tests/test_harness_records.py at commit {commit}, {time.strftime('%Y-%m-%d', time.gmtime())}, "
            f"torch {torch.__version__}, {platform.machine()}, 1 torch thread: the harness before the speed settings")
    FIXTURE.parent.mkdir(parents=True, exist_ok=True)
    FIXTURE.write_text(json.dumps(dict(made=made, **got), indent=0) + '\n')
    print(f"{FIXTURE}: {len(got['records'])} records, {len(got['losses'])} runs")


if __name__ == '__main__':
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    main()
