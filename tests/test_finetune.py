"""Fault injection for `xltnb.finetune`: a run killed midway (SIGKILL) resumes from its last complete checkpoint
and ends with exactly the numbers and weights of an uninterrupted run."""
import json, os, signal, subprocess, sys, textwrap
from pathlib import Path

import pytest
import torch

ROOT = Path(__file__).resolve().parents[1]

# One run of `finetune` on a tiny model, in its own process so that it can be killed like a real run.
# KILL_AT: the update after which the process SIGKILLs itself (0: never); it is not a checkpoint step.
SCRIPT = textwrap.dedent('''
    import os, signal, sys, json
    from transformers import TrainerCallback
    torch.set_num_threads(1)
    sys.path.insert(0, {root!r})
    from xltnb.finetune import finetune
    kill_at = int(sys.argv[2])
    class Kill(TrainerCallback):
        def on_step_end(self, args, state, control, **kw):
            if state.global_step == kill_at: os.kill(os.getpid(), signal.SIGKILL)
    r = finetune(tiny_model_and_tokenizer(), tiny_task(), lr=3e-3, max_steps=12, eval_steps=4, batch_size=8,
                 out_dir=sys.argv[1], progress=False, callbacks=[Kill()], seed=3)
    torch.save(r.model.state_dict(), os.path.join(sys.argv[1], 'final.pt'))
    evals = [h['eval_accuracy'] for h in r.log_history if 'eval_accuracy' in h]
    print(json.dumps(dict(dev=r.dev_accuracy, best=r.best_checkpoint, evals=evals, resumed_from=r.resumed_from,
                          losses=[h['loss'] for h in r.log_history if 'loss' in h])))
''')


# Until xltnb.world lands: a tiny random BERT and a tiny NLI set (to be replaced by load_encoder('world-tiny') and
# load_task('world-nli')).
FIXTURE = textwrap.dedent('''
    import random, torch
    from datasets import Dataset
    from tokenizers import Tokenizer, models, pre_tokenizers, processors
    from transformers import BertConfig, BertForSequenceClassification, PreTrainedTokenizerFast
    WORDS = 'ana bo cy di cat cup hat box has likes not here'.split()
    def tiny_model_and_tokenizer():
        vocab = {w: i for i, w in enumerate(['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'] + WORDS)}
        t = Tokenizer(models.WordLevel(vocab, unk_token='[UNK]')); t.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
        t.post_processor = processors.TemplateProcessing(single='[CLS] $A [SEP]', pair='[CLS] $A [SEP] $B:1 [SEP]:1',
                                                         special_tokens=[('[CLS]', 2), ('[SEP]', 3)])
        tok = PreTrainedTokenizerFast(tokenizer_object=t, pad_token='[PAD]', unk_token='[UNK]', cls_token='[CLS]',
                                      sep_token='[SEP]', mask_token='[MASK]')
        torch.manual_seed(0)
        cfg = BertConfig(vocab_size=len(tok), hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                         intermediate_size=64, max_position_embeddings=64, num_labels=3)
        return BertForSequenceClassification(cfg), tok
    def _nli(n, seed):
        r = random.Random(seed); rows = []
        for i in range(n):
            a, o = r.choice(WORDS[:4]), r.choice(WORDS[4:8]); lab = i % 3
            h = {0: f"{a} has {o}", 1: f"{a} likes {o}", 2: f"{a} has not {o}"}[lab]
            rows.append(dict(premise=f"{a} has {o} here", hypothesis=h, label=lab))
        return Dataset.from_list(rows)
    def tiny_task(): return {'train': _nli(64, 0), 'dev': _nli(24, 1)}
''')


def _run(script, out, kill_at):
    return subprocess.run([sys.executable, str(script), str(out), str(kill_at)], capture_output=True, text=True,
                          timeout=300, env={**os.environ, 'HF_HUB_OFFLINE': '1', 'XLTNB_THREADS': '1'})


@pytest.fixture(scope='module')
def script(tmp_path_factory):
    p = tmp_path_factory.mktemp('scripts') / 'run_finetune.py'
    p.write_text(FIXTURE + SCRIPT.format(root=str(ROOT)))
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
