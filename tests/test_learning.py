"""Fine-tuning learns: on a small task that a bag of words separates, the harness's `finetune` (plain, and with the
adversarial-training hook) takes a scratch world-tiny far above the majority class in a few dozen updates, and the
identical run with learning rate 0 stays at it with its weights untouched. Test accuracy is counted here, with the
model's own forward pass, not with `xltnb.evaluate`."""
import math, os

import numpy as np
import pytest
import torch

os.environ.setdefault('HF_HUB_OFFLINE', '1')
from xltnb.encoders import load_encoder
from xltnb.finetune import finetune
from xltnb.methods.robust import AdversarialTraining

STEPS, BATCH, LR = 30, 16, 3e-3  # 30 updates of 16 examples: 1.5 passes over the training set
N_LABELS, GROUP, LENGTH = 3, 8, 5


def _word_groups():
    "Three disjoint groups of 8 words, each word one token of world-tiny's tokenizer (the smoke world's English)."
    from xltnb.world import make_world
    tok = load_encoder('world-tiny')[1]
    words = sorted(w for w in make_world('smoke').vocabulary('en') if w.isalpha() and len(tok.tokenize(w)) == 1)
    assert len(words) >= N_LABELS * GROUP, f'only {len(words)} one-token words in the smoke world'
    words = [str(w) for w in np.random.default_rng(0).permutation(words)[:N_LABELS * GROUP]]
    return [words[i * GROUP:(i + 1) * GROUP] for i in range(N_LABELS)]


@pytest.fixture(scope='module')
def task():
    "Sentences of 5 words drawn from one group; the label is the group. Train 320, dev 60, test 90."
    import datasets
    groups = _word_groups()
    def make(n, seed):
        rng = np.random.default_rng(seed)
        y = rng.integers(0, N_LABELS, n)
        return datasets.Dataset.from_dict(dict(sentence=[' '.join(rng.choice(groups[k], LENGTH)) for k in y],
                                               label=[int(k) for k in y]))
    return {'train': make(320, 1), 'dev': make(60, 2)}, make(90, 3)


def _test_accuracy(model, tok, ds) -> float:
    "Share of test rows whose argmax logit is the label, one plain forward pass over the whole set."
    model.eval()
    with torch.no_grad():
        logits = model(**tok(list(ds['sentence']), padding=True, return_tensors='pt')).logits
    return float((logits.argmax(-1).numpy() == np.array(list(ds['label']))).mean())


def _run(task, tmp_path, lr, method=None):
    model, tok = load_encoder('world-tiny', head='seq-cls', num_labels=N_LABELS, seed=0)
    before = {k: v.clone() for k, v in model.state_dict().items()}
    r = finetune((model, tok), task, method=method, seed=0, lr=lr, max_steps=STEPS, batch_size=BATCH,
                 out_dir=tmp_path / f"{method.name if method else 'plain'}-lr{lr:g}", resume=False, progress=False)
    assert r.global_step == STEPS and not r.cached
    moved = [k for k, v in r.model.state_dict().items() if not torch.equal(v, before[k])]
    losses = [h['loss'] for h in r.log_history if 'loss' in h]
    return r, moved, losses


@pytest.mark.parametrize('method', [None, AdversarialTraining(eps=0.1, steps=1)],
                         ids=lambda m: m.name if m else 'plain')
def test_learns_and_learning_rate_zero_does_not(task, tmp_path, method):
    train_dev, test = task
    majority = max(np.bincount(list(test['label']))) / len(test)
    assert majority < 0.45, majority  # three roughly balanced classes: the floor the runs are read against

    r, moved, losses = _run(train_dev, tmp_path, LR, method)
    acc = _test_accuracy(r.model, r.tokenizer, test)
    assert acc >= majority + 0.4, f'lr={LR}: test accuracy {acc:.3f}, majority {majority:.3f}, losses {losses}'
    assert losses[-1] < losses[0], losses
    assert any('encoder.layer' in k for k in moved) and any('classifier' in k for k in moved), moved

    r0, moved0, losses0 = _run(train_dev, tmp_path, 0.0, method)
    acc0 = _test_accuracy(r0.model, r0.tokenizer, test)
    assert acc0 < majority + 0.1, f'lr=0: test accuracy {acc0:.3f}, majority {majority:.3f}'
    assert moved0 == [], f'lr=0 moved {moved0[:5]}'
    if method is not None:  # the hook's loss drives training: clean + adversarial, each about ln 3 at the start
        assert losses[0] > 1.5 * math.log(N_LABELS) and losses0[0] > 1.5 * math.log(N_LABELS), (losses, losses0)
