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


@pytest.mark.slow  # every smoke arm trained
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


def test_speed_args_on_cuda_and_cpu(monkeypatch):
    "CPU: no workers, no pinning, the old evaluation batch; CUDA: pinned non-blocking copies, workers, big eval."
    monkeypatch.delenv('XLTNB_LOADER_WORKERS', raising=False)  # the default, whatever ran before in this process
    from transformers import TrainingArguments
    from xltnb.finetune import EVAL_BATCH, Method, speed_args, training_args

    class Stateful(Method):
        def collate(self, features): return features  # a collate of its own: it stays in the main process
    cpu = speed_args(32, cuda=False)
    assert cpu == dict(logging_nan_inf_filter=False, dataloader_pin_memory=False,
                       accelerator_config={'non_blocking': False}, dataloader_num_workers=0)
    gpu = speed_args(32, Method(), cuda=True)
    assert gpu['dataloader_num_workers'] == 2 and gpu['dataloader_pin_memory']
    assert gpu['accelerator_config'] == {'non_blocking': True} and gpu['per_device_eval_batch_size'] == EVAL_BATCH
    assert speed_args(32, Stateful(), cuda=True)['dataloader_num_workers'] == 0
    assert speed_args(512, cuda=True)['per_device_eval_batch_size'] == 1024
    a = TrainingArguments('/tmp/x', use_cpu=True, **gpu)  # every key is one TrainingArguments takes
    assert a.accelerator_config.non_blocking and not a.logging_nan_inf_filter
    t = training_args('/tmp/x', 0, 1e-3, 1.0, 16, 12, None, False, Method(), dataloader_num_workers=1)
    assert t.dataloader_num_workers == 1 and t.per_device_eval_batch_size == 32  # a keyword wins; CPU eval batch kept


def _tiny_run(out, **kw):
    from xltnb.finetune import finetune
    r = finetune('world-tiny', 'world-nli', seed=0, out_dir=out, lr=1e-3, batch_size=16, max_steps=12, max_length=64,
                 world='smoke', progress=False, **kw)
    return r.dev_accuracy, [h['loss'] for h in r.log_history if 'loss' in h]


def test_collation_in_workers_changes_nothing(tmp_path):
    """The same run with its batches collated in two dataloader workers (as on CUDA) gives the same losses and dev
    accuracy; persistent workers would not (one seed fewer drawn from torch's generator per pass: other dropout
    masks)."""
    import torch
    torch.set_num_threads(1)
    base = _tiny_run(tmp_path / 'a')
    assert _tiny_run(tmp_path / 'b', dataloader_num_workers=2, dataloader_prefetch_factor=4) == base
    assert _tiny_run(tmp_path / 'c', dataloader_num_workers=2, dataloader_persistent_workers=True) != base


def test_length_grouped_batches(tmp_path):
    "`group_by_length=True` (a keyword of `finetune`, so part of the run's identity) gives batches of similar length."
    from transformers.trainer_pt_utils import LengthGroupedSampler
    from xltnb.encoders import world_tokenizer
    from xltnb.finetune import Collator, MethodTrainer, encode, training_args
    from xltnb.tasks import load_task
    tok = world_tokenizer('smoke')
    ds = encode(load_task('world-nli', 'en', 'train', world='smoke'), tok, ('premise', 'hypothesis'), 64)
    def spread(group):
        tr = MethodTrainer(model=_model(), train_dataset=ds, eval_dataset=ds, data_collator=Collator(tok),
                           processing_class=tok, args=training_args(tmp_path, 0, 1e-3, 1.0, 16, 12, None, False,
                                                                   group_by_length=group))
        dl = tr.get_train_dataloader()
        lens = [int(b['attention_mask'].sum(1).max() - b['attention_mask'].sum(1).min()) for b, _ in zip(dl, range(20))]
        return tr, sum(lens) / len(lens)
    grouped, g = spread(True)
    _, r = spread(False)
    assert isinstance(grouped._get_train_sampler(ds), LengthGroupedSampler) and g < r / 2


def _model():
    from xltnb.encoders import load_encoder
    return load_encoder('world-tiny', head='seq-cls', num_labels=3)[0]
