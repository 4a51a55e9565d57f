"""Robust training (xltnb.methods.robust): what the notebook examples cannot show — the inspector driven through
its widgets, bad synonym files, the methods through the harness's `finetune`, the standard/generalized link the
paper notebook relies on, the presets, and the step-cost bench."""
import json, os, sys
from pathlib import Path

import numpy as np
import pytest
import torch
import yaml

os.environ.setdefault('HF_HUB_OFFLINE', '1')
ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / 'tests' / 'data' / 'counter_fitted_sample.json'

from xltnb.methods.robust import (AdversarialTraining, RandomizedSmoothing, RSDA, RobustInspector, load_neighbors,
                                  rsda_augment, world_synonyms, FUNCTION_WORDS)


@pytest.fixture(scope='module')
def pairs():
    import datasets
    return datasets.Dataset.from_dict({
        'premise': ['a good film shows the big city', 'he bought a small car', 'the old river'],
        'hypothesis': ['the film is good', 'the car is tiny', 'a quick house'], 'label': [0, 2, 1]})


@pytest.fixture(scope='module')
def tiny():
    from xltnb.encoders import load_encoder
    torch.manual_seed(0)
    return load_encoder('world-tiny', head='seq-cls', num_labels=3)


# --- synonym files ---------------------------------------------------------------------------------------------

def test_sample_file_is_counter_fitted_format():
    raw = json.loads(SAMPLE.read_text())
    assert isinstance(raw, dict) and all(isinstance(v, list) for v in raw.values())
    nb = load_neighbors(SAMPLE)
    assert set(nb) == set(raw) - set(FUNCTION_WORDS)
    assert nb['bought'] == ['purchased', 'acquired', 'buys']  # itself dropped
    assert nb['city'] == ['municipality', 'town', 'cities'] or nb['city'] == ['town', 'municipality', 'cities']


@pytest.mark.parametrize('text, msg', [('{"a": [', 'not JSON'), ('["a", "b"]', 'expected a JSON object'),
                                       ('{"good": "fine"}', "entry 'good'"), ('{"good": [1, 2]}', "entry 'good'")])
def test_bad_neighbours_files_name_the_problem(tmp_path, text, msg):
    f = tmp_path / 'nb.json'; f.write_text(text)
    with pytest.raises(ValueError, match=msg): load_neighbors(f)


def test_world_synonyms_drive_rsda_on_the_world_task():
    from xltnb.tasks import load_task
    from xltnb.world import make_world
    syn = world_synonyms('smoke', 'en')
    assert syn and all(w not in ns and ns for w, ns in syn.items())
    train = load_task('world-nli', 'en', 'train', world='smoke').select(range(200))
    aug = RSDA('world:smoke', n=2, seed=3).prepare(None, None, train)
    assert len(aug) == 400 and aug['label'] == [l for l in train['label'] for _ in range(2)]
    vocab = make_world('smoke').vocabulary('en')
    changed = 0
    for row, src in zip(aug, [r for r in train for _ in range(2)]):
        for f in ('premise', 'hypothesis'):
            for a, b in zip(row[f].split(' '), src[f].split(' ')):
                assert a == b or a in syn[b]
                assert a in vocab
                changed += a != b
    assert changed > 0  # the world's synonyms do occur in its training set
    assert aug['premise'] == RSDA('world:smoke', n=2, seed=3).prepare(None, None, train)['premise']


def _naive_rsda(rows, nb, n, seed):
    """RS-DA written out by hand: row i's draws come from one generator seeded with (seed, i), i its index in the
    set; the premise's n copies first, then the hypothesis'; a word with synonyms is drawn uniformly from itself and
    them, in order."""
    out = {'premise': [], 'hypothesis': []}
    for i, row in enumerate(rows):
        rng = np.random.default_rng([seed, i])
        for f in ('premise', 'hypothesis'):
            for _ in range(n):
                words = []
                for w in row[f].split(' '):
                    options = [w] + nb.get(w, [])
                    words.append(options[rng.integers(len(options))] if len(options) > 1 else w)
                out[f].append(' '.join(words))
    return out


def test_rsda_copies_do_not_depend_on_batching(pairs, monkeypatch):
    import datasets
    nb = load_neighbors(SAMPLE)
    whole = rsda_augment(pairs, nb, n=3, seed=5)
    want = _naive_rsda(pairs, nb, 3, 5)
    assert whole['premise'] == want['premise'] and whole['hypothesis'] == want['hypothesis']
    assert whole['label'] == [l for l in pairs['label'] for _ in range(3)]
    assert whole['premise'] != [p for p in pairs['premise'] for _ in range(3)]  # words were replaced
    # a row on its own is row 0 of its set: seeded by its index there, not by its position in a batch
    alone = [rsda_augment(pairs.select([i]), nb, n=3, seed=5) for i in range(len(pairs))]
    for i, a in enumerate(alone):
        naive = _naive_rsda(pairs.select([i]), nb, 3, 5)
        assert a['premise'] == naive['premise'] and a['hypothesis'] == naive['hypothesis'], i
    assert alone[0]['premise'] == whole['premise'][:3]
    assert any(a['premise'] != whole['premise'][3 * i:3 * i + 3] for i, a in enumerate(alone) if i)
    # the size of the batches `Dataset.map` hands over changes nothing
    real_map = datasets.Dataset.map
    monkeypatch.setattr(datasets.Dataset, 'map', lambda self, fn, **kw: real_map(self, fn, **{**kw, 'batch_size': 1}))
    one_at_a_time = rsda_augment(pairs, nb, n=3, seed=5)
    assert one_at_a_time['premise'] == whole['premise'] and one_at_a_time['hypothesis'] == whole['hypothesis']


# --- the inspector, driven through its widgets ------------------------------------------------------------------

def test_inspector_widget_updates_on_value(pairs, tiny):
    model, tok = tiny
    insp = RobustInspector(pairs, load_neighbors(SAMPLE), n=3, model=model, tokenizer=tok,
                           at=AdversarialTraining(eps=0.2, relative=False))
    first = insp.table.value
    assert 'copy 2' in first and 'film' in first
    insp.index.value = 2
    assert 'river' in insp.table.value and insp.table.value != first
    n_tok = len(tok(pairs[2]['premise'], pairs[2]['hypothesis'])['input_ids'])
    assert len(insp.figure.data[0].y) == n_tok
    assert np.allclose(insp.figure.data[0].y, 0.2, atol=1e-5)  # every token's perturbation on the ε-sphere
    before = insp.table.value
    insp.seed.value = 123
    assert insp.table.value != before  # another seed, other draws
    insp.seed.value = 7; insp.index.value = 0
    assert insp.table.value == first  # back to the start: same view


# --- the methods through the harness ----------------------------------------------------------------------------

@pytest.mark.parametrize('method', [AdversarialTraining(eps=0.1, steps=2), RandomizedSmoothing(radius=0.1, draws=2),
                                    RSDA('world:smoke', n=2)], ids=lambda m: m.name)
def test_methods_run_through_finetune(tmp_path, method):
    from xltnb.finetune import finetune
    res = finetune('world-tiny', 'world-nli', method=method, seed=0, out_dir=tmp_path / method.name, max_steps=3,
                   eval_steps=3, batch_size=8, lr=1e-3, world='smoke', progress=False)
    losses = [h['loss'] for h in res.log_history if 'loss' in h]
    assert res.global_step == 3 and res.dev_accuracy is not None and all(np.isfinite(losses))
    run = json.loads((tmp_path / method.name / 'run.json').read_text())
    assert run['method']['name'] == method.name and run['method'] == method.config()


def test_at_loss_is_clean_plus_adversarial_and_costs_one_pass_per_step(tiny):
    """Counts forward passes: AT with K steps = K ascent passes (the first shared with the clean loss) + 1."""
    model, tok = tiny
    model.eval()
    enc = tok(['the dog runs', 'Max pulls the big bird'], ['a dog runs', 'the bird'], padding=True, return_tensors='pt')
    batch = dict(enc, labels=torch.tensor([0, 1]))
    calls = []
    h = model.register_forward_hook(lambda *a: calls.append(1))
    for k in (1, 2, 3):
        calls.clear(); AdversarialTraining(steps=k).loss(model, batch)
        assert len(calls) == k + 1
        calls.clear(); AdversarialTraining(steps=k, init='random').loss(model, batch)
        assert len(calls) == k + 2
    calls.clear(); RandomizedSmoothing(draws=4).loss(model, batch)
    assert len(calls) == 1  # the draws run as one batch
    h.remove()


def test_at_backpropagates_the_clean_pass_once(tiny):
    """The clean pass's one backward seeds the ascent and gives the clean gradient: K+1 backward passes reach the
    encoder's output for AT with K steps (an extra backward of the clean loss made it K+2), K+2 for a random start."""
    model, tok = tiny
    model.eval()
    enc = tok(['the dog runs', 'Max pulls the big bird'], ['a dog runs', 'the bird'], padding=True, return_tensors='pt')
    batch = dict(enc, labels=torch.tensor([0, 1]))
    back = []
    last = model.base_model.encoder.layer[-1]
    def hook(module, inputs, out):  # returns None: the output stays as it is
        (out[0] if isinstance(out, tuple) else out).register_hook(lambda g: back.append(1))
    h = last.register_forward_hook(hook)
    try:
        for k in (1, 2, 3):
            for init, want in (('zero', k + 1), ('random', k + 2)):
                back.clear(); model.zero_grad(set_to_none=True)
                AdversarialTraining(steps=k, init=init).loss(model, batch).backward()
                assert len(back) == want, (k, init, len(back))
    finally: h.remove()


def test_at_one_step_raises_the_loss_and_keeps_its_gradient(tiny):
    """K=1 from zero: the adversarial loss is above the clean one on a fixed batch, and the one-backward loss has the
    value and the parameter gradient of clean + adversarial computed with two graphs."""
    from xltnb.methods.robust import embeds_loss
    model, tok = tiny
    model.eval()
    enc = tok(['the dog runs', 'Max pulls the big bird'], ['a dog runs', 'the bird'], padding=True, return_tensors='pt')
    batch = dict(enc, labels=torch.tensor([0, 1]))
    at = AdversarialTraining(steps=1)
    p = at.perturb(model, batch)
    adv = embeds_loss(model, p['emb'] + p['delta'], p['rest'], batch['labels'])
    assert adv.item() > p['clean'].item() + 1e-6, (adv.item(), p['clean'].item())
    params = [w for w in model.parameters() if w.requires_grad]
    want = torch.autograd.grad(p['clean'] + adv, params, allow_unused=True)
    model.zero_grad(set_to_none=True)
    fused = at.loss(model, batch); fused.backward()
    assert abs(fused.item() - (p['clean'] + adv).item()) < 1e-5
    for w, g in zip(params, want):
        got = w.grad if w.grad is not None else torch.zeros_like(w)
        torch.testing.assert_close(got, g if g is not None else torch.zeros_like(w), rtol=1e-4, atol=1e-6)


def test_generalized_diagonal_is_the_standard_setting(tiny):
    """The paper notebook reads the standard records off the generalized matrix's diagonal. A fresh world-tiny
    predicts one class for every row, so any two accuracies on the same labels agree; its shape drawn wider (std
    0.5) gives predictions that vary from row to row."""
    from xltnb.encoders import build_encoder
    from xltnb.evaluate import generalized_matrix, predict, zero_shot
    from xltnb.tasks import load_task
    tok = tiny[1]
    model = build_encoder('bert', 'tiny', tok, head='seq-cls', num_labels=2, seed=0, initializer_range=0.5).eval()
    sets = {l: load_task('world-paws', l, 'test', world='smoke').select(range(40)) for l in ('en', 'de', 'hi')}
    assert len(set(predict(model, tok, sets['en']).tolist())) > 1
    mat, zs = generalized_matrix(model, tok, sets), zero_shot(model, tok, sets)
    assert mat.values.min() < mat.values.max(), mat  # the pairs are told apart
    for l in sets: assert mat.loc[l, l] == pytest.approx(zs[l])


# --- presets ----------------------------------------------------------------------------------------------------

# (every preset's keys are parameters of the notebook, of the right type: tests/test_configs.py)


def _run_notebook(tmp_path, params):
    import papermill as pm
    with pytest.raises(pm.PapermillExecutionError) as e:
        pm.execute_notebook(str(ROOT / 'nbs' / 'papers' / 'robust.ipynb'), str(tmp_path / 'x.ipynb'), parameters=params,
                            cwd=str(ROOT), progress_bar=False, kernel_name='python3')
    return e


@pytest.mark.slow  # a kernel per case
@pytest.mark.parametrize('preset', ['gpu', 'paper'])
def test_gpu_presets_stop_with_a_clear_message_here(tmp_path, preset):
    from xltnb.core import available_devices
    if 'cuda' in available_devices(): pytest.skip('a GPU is here')
    params = yaml.safe_load((ROOT / 'configs' / 'robust' / f'{preset}.yaml').read_text())
    params['out_dir'] = str(tmp_path / 'out')
    e = _run_notebook(tmp_path, params)
    assert 'ResourceUnavailable' in e.value.ename and f"preset {preset!r} needs a CUDA GPU" in e.value.evalue
    assert 'presets that run here: smoke, cpu' in e.value.evalue
    assert not (tmp_path / 'out' / 'results.jsonl').exists()


@pytest.mark.slow  # a kernel per case
@pytest.mark.parametrize('over, msg', [
    (dict(rt_methods=['baseline', 'rs-da'], synonyms='nope.json'), "real text needs 'wordnet' (WordNet 3.0, offline)"),
    (dict(rt_methods=['rs-rp']), "rt_methods ['rs-rp'] must include 'baseline'"),
    # (no `why` at all: the page reads the rest of its smoke preset's file, whose `why` covers its own departure)
    (dict(rt_protocol={'tasks': ['msg-para']}, why=''), "need a reason"),
    (dict(preset='paper', realtext=True), "realtext: the realtext testbed has no protocol at preset 'paper'")])
def test_realtext_parameters_fail_clearly_before_any_work(tmp_path, over, msg):
    e = _run_notebook(tmp_path, dict(out_dir=str(tmp_path / 'out'), **over))
    assert msg in e.value.evalue
    assert not (tmp_path / 'out' / 'config.json').exists()


# --- the bench --------------------------------------------------------------------------------------------------

def test_bench_reports_ratios(tmp_path, capsys):
    sys.path.insert(0, str(ROOT / 'bench'))
    import robust_step
    rc = robust_step.main(['--layers', '1', '--hidden', '32', '--vocab', '100', '--seq', '8', '--batch', '4',
                           '--steps', '1,2', '--draws', '2', '--reps', '2', '--warmup', '0',
                           '--json', str(tmp_path / 'b.json')])
    rows = json.loads((tmp_path / 'b.json').read_text())['rows']
    assert [r['method'] for r in rows] == ['baseline', 'at K=1', 'at K=2', 'rs-rp draws=2']
    assert rows[0]['ratio'] == 1.0 and all(r['ratio'] > 0 for r in rows)
    assert rc in (0, 1) and 'x baseline' in capsys.readouterr().out


def test_paper_preset_holds_epochs_equal_and_reads_the_neighbours_file_as_is():
    "At `paper` every arm trains the same epochs over its own training set (the official scripts); RS-DA: file as is."
    from xltnb.protocol import protocol
    cfg = yaml.safe_load((ROOT / 'configs' / 'robust' / 'paper.yaml').read_text())
    P = protocol('paper', cfg['protocol'], cfg['why'])
    assert all(P.per_task('steps', t) == 0 for t in P.tasks)  # no update budget: the epochs decide, per arm
    assert {t: P.per_task('epochs', t) for t in P.tasks} == {'xnli': 1, 'pawsx': 3}
    assert cfg['rsda_drop'] == 'none' and 'equal epochs' in cfg['why']


def test_rsda_drop_reads_a_file_as_it_is():
    "The official perturb.py applies no stop-word list of its own: drop=() keeps every entry of the file."
    raw = json.loads(SAMPLE.read_text())
    as_is, default = RSDA(SAMPLE, drop=()), RSDA(SAMPLE)
    assert set(as_is.neighbors) == set(raw) and not set(default.neighbors) & set(FUNCTION_WORDS)
    assert as_is.config()['synonyms'] != default.config()['synonyms']  # a different table, a different run


def test_equal_epochs_give_rsda_n_times_the_updates_and_both_budgets_are_read(tmp_path):
    from xltnb.finetune import finetune
    from xltnb.methods.robust import training_budget
    from xltnb.tasks import load_task
    tr = load_task('world-nli', 'en', 'train', world='smoke')
    data = {'train': tr.select(range(16)), 'dev': load_task('world-nli', 'en', 'dev', world='smoke').select(range(8))}
    got = {}
    for name, m in (('baseline', None), ('rs-da', RSDA('world:smoke', n=3))):
        res = finetune('world-tiny', data, method=m, seed=0, out_dir=tmp_path / name, epochs=1, batch_size=8, lr=1e-3,
                       world='smoke', progress=False)
        got[name] = training_budget(res)
    assert got == {'baseline': dict(updates=2, epochs=1.0), 'rs-da': dict(updates=6, epochs=1.0)}
