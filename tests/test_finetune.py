"""Fault injection for `xltnb.finetune`: a run killed midway (SIGKILL) resumes from its last complete checkpoint
and ends with exactly the numbers and weights of an uninterrupted run (world-tiny on the smoke world's NLI task)."""
import json, os, signal, subprocess, sys, textwrap
from pathlib import Path

import pytest
import torch

ROOT = Path(__file__).resolve().parents[1]

# One run of `finetune` on a tiny model, in its own process so that it can be killed like a real run.
# KILL_AT: the update after which the process SIGKILLs itself (0: never); it is not a checkpoint step.
SCRIPT = textwrap.dedent('''
    import os, signal, sys, json
    import torch
    from transformers import TrainerCallback
    torch.set_num_threads(1)
    sys.path.insert(0, {root!r})
    from xltnb.finetune import finetune
    kill_at = int(sys.argv[2])
    class Kill(TrainerCallback):
        def on_step_end(self, args, state, control, **kw):
            if state.global_step == kill_at: os.kill(os.getpid(), signal.SIGKILL)
    r = finetune('world-tiny', 'world-nli', world='smoke', lr=2e-3, max_steps=12, eval_steps=4, batch_size=8,
                 out_dir=sys.argv[1], progress=False, callbacks=[Kill()], seed=3)
    torch.save(r.model.state_dict(), os.path.join(sys.argv[1], 'final.pt'))
    evals = [h['eval_accuracy'] for h in r.log_history if 'eval_accuracy' in h]
    print(json.dumps(dict(dev=r.dev_accuracy, best=r.best_checkpoint, evals=evals, resumed_from=r.resumed_from,
                          losses=[h['loss'] for h in r.log_history if 'loss' in h])))
''')


def _run(script, out, kill_at):
    return subprocess.run([sys.executable, str(script), str(out), str(kill_at)], capture_output=True, text=True,
                          timeout=300, env={**os.environ, 'HF_HUB_OFFLINE': '1', 'XLTNB_THREADS': '1'})


@pytest.fixture(scope='module')
def script(tmp_path_factory):
    p = tmp_path_factory.mktemp('scripts') / 'run_finetune.py'
    p.write_text(SCRIPT.format(root=str(ROOT)))
    return p


def _last_json(proc):
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_kill_and_resume_matches_uninterrupted(script, tmp_path):
    ref = _last_json(_run(script, tmp_path / 'full', 0))
    assert ref['resumed_from'] is None and len(ref['evals']) == 3

    killed = _run(script, tmp_path / 'killed', 6)  # midway between the checkpoints at updates 4 and 8
    assert killed.returncode == -signal.SIGKILL
    assert sorted(p.name for p in (tmp_path / 'killed').glob('checkpoint-*')) == ['checkpoint-4']
    assert not (tmp_path / 'killed' / 'result.json').exists()
    partial = tmp_path / 'killed' / 'checkpoint-5'  # as if a kill had cut a save short: no trainer_state.json
    partial.mkdir(); (partial / 'model.safetensors').write_bytes(b'truncated')

    got = _last_json(_run(script, tmp_path / 'killed', 0))
    assert got['resumed_from'] == 'checkpoint-4' and not partial.exists()
    assert (got['dev'], got['best'], got['evals']) == (ref['dev'], ref['best'], ref['evals'])
    assert got['losses'][-2:] == ref['losses'][-2:]  # the losses logged after the restart are the same numbers
    a, b = torch.load(tmp_path / 'full' / 'final.pt'), torch.load(tmp_path / 'killed' / 'final.pt')
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)

    again = _last_json(_run(script, tmp_path / 'full', 1))  # a finished run is loaded: it would die at update 1
    assert again['dev'] == ref['dev'] and again['evals'] == ref['evals']
