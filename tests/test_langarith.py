"Language arithmetic: what the notebook cannot test (widgets driven by `.value`, caches, library quirks, bad inputs)."
import logging, tempfile

import pandas as pd
import pytest
import torch
from transformers import BertConfig, BertForMaskedLM
from transformers.utils import logging as hf_logging

from xltnb.methods.langarith import (LAMBDA_GRID, MLM_HEAD, add_language_adapter, adapter_mlm_loss, adapter_state,
                                     lambda_figure, lambda_inspector, madx_model, merge_adapters, select_lambda,
                                     train_language_adapter, train_task_adapter, use_language)

hf_logging.set_verbosity_error(); logging.getLogger('adapters').setLevel(logging.ERROR)
torch.set_num_threads(1)


def _tiny():
    from xltnb.encoders import world_tokenizer
    tok = world_tokenizer('smoke')
    torch.manual_seed(0)
    cfg = BertConfig(vocab_size=len(tok), hidden_size=16, num_hidden_layers=2, num_attention_heads=2,
                     intermediate_size=32, max_position_embeddings=64)
    return madx_model((BertForMaskedLM(cfg), tok))


def _curve():
    rows = [dict(lang=l, lam=lam, split=s, accuracy=a) for l, shift in (('es', 0.0), ('fr', 0.1))
            for lam in LAMBDA_GRID
            for s, a in (('dev', 0.5 + shift - (lam - 0.3) ** 2), ('test', 0.48 + shift - (lam - 0.4) ** 2))]
    return pd.DataFrame(rows)


def test_inspector_slider_and_menu_redraw():
    curve = _curve()
    box = lambda_inspector(curve, a='fr', b='en')
    assert box.slider.value == select_lambda(curve[curve['lang'] == 'es']) == 0.3  # starts at the λ chosen on dev
    box.slider.value = 0.7
    title = box.figure.layout.title.text
    acc = 100 * curve.query("lang == 'es' and lam == 0.7 and split == 'dev'")['accuracy'].item()
    assert 'λ=0.7' in title and f'dev {acc:.1f}' in title and title.startswith('es')
    box.menu.value = 'fr'
    assert box.figure.layout.title.text.startswith('fr')
    assert len(box.figure.data) == 2  # dev and test lines, redrawn (not appended)
    xs = [s.x0 for s in box.figure.layout.shapes]
    assert 0.7 in xs  # the slider line


def test_figure_without_lang_column_and_without_dev():
    c = _curve().query("lang == 'es'").drop(columns='lang')
    fig = lambda_figure(c, lam=0.0)
    assert [t.name for t in fig.data] == ['dev', 'test']
    only_test = c[c['split'] == 'test']
    fig = lambda_figure(only_test)  # no dev rows: no chosen-λ marker, no error
    assert len(fig.layout.shapes) == 0


def test_merge_after_save_pretrained():
    # adapters 1.3.0: save_pretrained unlinks prefix-tuning layers; deleting/overwriting a merge must still work
    model, tok = _tiny()
    for n in ('a', 'b'): add_language_adapter(model, n, init_seed=0)
    with tempfile.TemporaryDirectory() as d: model.save_pretrained(d)
    merge_adapters(model, 'm', 'a', 'b', 0.2)
    merge_adapters(model, 'm', 'a', 'b', 0.6)  # overwrite
    assert sum('invertible' in k for k in adapter_state(model, 'm')) == 8


def test_task_adapter_cache_restores_weights(tmp_path):
    from xltnb.tasks import load_task
    task = {s: load_task('world-nli', 'en', s, world='smoke').select(range(48)) for s in ('train', 'dev')}
    corpus = load_task('world-bitext', 'en', 'dev', world='smoke')['sentence'][:40]
    states = []
    for _ in range(2):  # the second run reloads everything from disk
        model, tok = _tiny()
        train_language_adapter(model, tok, 'en', corpus, max_steps=2, batch_size=8, lr=1e-2, out_dir=tmp_path / 'la')
        res = train_task_adapter(model, tok, task, task_name='nli', max_steps=2, batch_size=16, lr=1e-2,
                                 out_dir=tmp_path / 'ft', progress=False)
        states.append(({k: v.clone() for k, v in model.state_dict().items()}, res.cached))
    (s1, c1), (s2, c2) = states
    assert (c1, c2) == (False, True)
    assert set(s1) == set(s2) and all(torch.equal(s1[k], s2[k]) for k in s1)


def _smoke_corpus(lang, n=120):
    from xltnb.world import make_world
    c = make_world('smoke').corpus(lang)
    return c[:n], c[-40:]  # training sentences, held-out sentences


def test_trained_adapter_lowers_its_languages_heldout_loss():
    "On the smoke world: an adapter trained on `es` lowers the held-out `es` loss from its untrained start."
    model, tok = _tiny()
    train, held = _smoke_corpus('es')
    info = train_language_adapter(model, tok, 'es', train, init_seed=1, max_steps=30, lr=1e-2, batch_size=16,
                                  max_length=32, heldout={'es': held, 'en': _smoke_corpus('en')[1]}, eval_every=10)
    add_language_adapter(model, 'untrained', init_seed=1)  # the shared initialisation, not trained
    start, end = (adapter_mlm_loss(model, tok, a, held, max_length=32) for a in ('untrained', 'es'))
    # a random tiny encoder leaves little to learn (measured at this seed on CPU: 6.405 -> 6.372 nats), but the
    # drop is deterministic and well clear of zero
    assert end < start - 0.02, (start, end)
    # the curve: every 10 steps, both languages, starting at the untrained loss and ending at the trained one
    assert [(r['step'], r['lang']) for r in info['curve']] == [(s, l) for s in (0, 10, 20, 30) for l in ('es', 'en')]
    es = [r['loss'] for r in info['curve'] if r['lang'] == 'es']
    assert es[0] == pytest.approx(start, abs=1e-4) and es[-1] == pytest.approx(end, abs=1e-4)


def test_loss_curves_leave_training_unchanged_and_model_state_restored():
    "Measuring the curves draws no random numbers training uses: same weights with and without them."
    train, held = _smoke_corpus('fr', 48)
    states = []
    for kw in ({}, dict(heldout={'fr': held}, eval_every=2)):
        model, tok = _tiny()
        train_language_adapter(model, tok, 'fr', train, max_steps=4, lr=1e-2, batch_size=8, max_length=32, **kw)
        states.append(adapter_state(model, 'fr'))
    assert all(torch.equal(states[0][k], states[1][k]) for k in states[0])
    # adapter_mlm_loss puts back the active adapters, head and training mode it found
    add_language_adapter(model, 'other')
    model.active_adapters = 'other'; model.train()
    before = model.active_adapters
    a = adapter_mlm_loss(model, tok, 'fr', held, max_length=32)
    assert model.active_adapters == before and model.training and model.active_head == MLM_HEAD
    # fixed masks: the same number twice; no adapter differs from the trained one
    assert adapter_mlm_loss(model, tok, 'fr', held, max_length=32) == a
    assert adapter_mlm_loss(model, tok, None, held, max_length=32) != a
    assert adapter_mlm_loss(model, tok, 'fr', held, max_length=32, seed=1) != a


def test_bad_inputs():
    model, tok = _tiny()
    add_language_adapter(model, 'a')
    with pytest.raises(ValueError, match="no adapter 'zz'; the model has: a"):
        merge_adapters(model, 'm', 'a', 'zz', 0.5)
    with pytest.raises(ValueError, match=r"lam must be in \[0, 1\], got -0.1"):
        merge_adapters(model, 'm', 'a', 'a', -0.1)
    with pytest.raises(ValueError, match="no adapter 'task'"):
        use_language(model, 'a', 'task')
    with pytest.raises(ValueError, match="no language adapter 'en'"):
        train_task_adapter(model, tok, 'world-nli', world='smoke')
    bert = BertForMaskedLM(BertConfig(vocab_size=20, hidden_size=8, num_hidden_layers=1, num_attention_heads=1,
                                      intermediate_size=8)).bert
    with pytest.raises(ValueError, match="no masked-LM head"):
        madx_model((bert, tok))


# ---- the paper notebook's parameters and presets (its first two code cells, as papermill runs them)
from pathlib import Path
import yaml
from paper_head import paper_head
ROOT = Path(__file__).resolve().parents[1]


def _head(**overrides): return paper_head('langarith', **overrides)


@pytest.mark.parametrize('preset', ['smoke', 'cpu', 'gpu', 'paper'])
def test_preset_files_validate(preset, monkeypatch):
    from xltnb.core import ResourceUnavailable
    monkeypatch.setenv('HF_HUB_OFFLINE', '1')
    params = yaml.safe_load((ROOT / 'configs' / 'langarith' / f'{preset}.yaml').read_text()) or {}
    assert params.get('preset', 'smoke') == preset  # smoke.yaml: only what differs from the notebook's defaults
    if preset in ('smoke', 'cpu'):
        ns = _head(**params)
        assert ns['GRID'][0] == 0.0 and ns['GRID'][-1] == 1.0 and all(t != 'en' for t, _ in ns['PAIRS'])
    elif not torch.cuda.is_available():
        with pytest.raises(ResourceUnavailable, match=rf"preset '{preset}' needs .*presets that run here: smoke, cpu"):
            _head(**params)


def test_paper_preset_has_the_papers_settings():
    p = yaml.safe_load((ROOT / 'configs' / 'langarith' / 'paper.yaml').read_text())
    assert p['models'] == ['xlm-roberta-base', 'bert-base-multilingual-cased'] and p['task'] == 'xnli'
    assert (p['la_steps'], p['la_batch'], p['la_lr']) == (250000, 64, 1e-4)
    # MNLI's task adapter: the classification setting (5 epochs), not the NER script's 100
    assert (p['ta_batch'], p['ta_lr'], p['ta_epochs']) == (16, 1e-4, 5.0)
    assert (p['max_length'], p['seeds']) == (128, [42, 51, 99])
    assert len({t.split(':')[0] for t in p['pairs']}) == 13  # XNLI's targets minus Thai


def test_bad_parameters_fail_before_any_work():
    from xltnb.core import ParamError
    with pytest.raises(ParamError, match="unknown parameter"): _head(lamda=0.5)
    with pytest.raises(ParamError, match="'pawsx' is not allowed"): _head(task='pawsx')
    with pytest.raises(NotImplementedError, match="task 'wikiann'.*not in the xltnb harness"): _head(task='wikiann')
    with pytest.raises(ValueError, match="pairs must look like 'target:related', got 'es'"): _head(pairs=['es'])
    with pytest.raises(ValueError, match="include both ends 0 and 1"): _head(grid=[0.2, 0.5, 1.0])


def test_xlmr_backbone_merge_includes_invertible_adapter():
    # the paper's backbones are XLM-R and mBERT: the same path (head conversion, merge on base_model) on a tiny XLM-R
    from transformers import XLMRobertaConfig, XLMRobertaForMaskedLM
    from xltnb.methods.langarith import MLM_HEAD
    tok = _tiny()[1]
    torch.manual_seed(0)
    cfg = XLMRobertaConfig(vocab_size=len(tok), hidden_size=16, num_hidden_layers=2, num_attention_heads=2,
                           intermediate_size=32, max_position_embeddings=70, pad_token_id=tok.pad_token_id)
    model, _ = madx_model((XLMRobertaForMaskedLM(cfg), tok))
    assert type(model).__name__ == 'XLMRobertaAdapterModel' and MLM_HEAD in model.heads
    for n in ('a', 'b'): add_language_adapter(model, n, init_seed=3)
    with torch.no_grad():
        for k, p in model.named_parameters():
            if 'adapters.a.' in k: p.add_(1.0)
    merge_adapters(model, 'm', 'a', 'b', 0.25)
    sa, sb, sm = (adapter_state(model, n) for n in 'abm')
    assert sum('invertible' in k for k in sm) == 8 and set(sm) == set(sa)
    assert all(torch.equal(sm[k], 0.25 * sa[k] + 0.75 * sb[k]) for k in sm)


def test_task_adapter_reduction_sets_its_bottleneck(tmp_path):
    "A world encoder is 128-d: reduction 16 leaves a task adapter 8 units; the notebooks' ta_reduction reaches it."
    from xltnb.tasks import load_task
    task = {s: load_task('world-nli', 'en', s, world='smoke').select(range(16)) for s in ('train', 'dev')}
    for r in (16, 4):
        model, tok = _tiny()
        add_language_adapter(model, 'en', init_seed=0)
        train_task_adapter(model, tok, task, task_name='nli', reduction=r, max_steps=1, batch_size=8, lr=1e-3,
                           out_dir=tmp_path / f'r{r}', progress=False)
        downs = [v for k, v in adapter_state(model, 'nli').items() if 'adapter_down' in k and k.endswith('weight')]
        assert downs and {w.shape[0] for w in downs} == {model.config.hidden_size // r}


def test_paper_pairs_never_merge_an_adapter_with_itself():
    "Every preset's pairs pass `check_pairs` (the old paper preset had de:en, sw:en, tr:en: zero-shot en ⊕ en)."
    import yaml
    from pathlib import Path
    from xltnb.methods.langarith import check_pairs
    for f in sorted((Path(__file__).resolve().parents[1] / 'configs' / 'langarith').glob('*.yaml')):
        pairs = (yaml.safe_load(f.read_text()) or {}).get('pairs')  # a smoke file may hold only comments
        if pairs: assert len(check_pairs(pairs)) == len(pairs), f
    with pytest.raises(ValueError, match='en ⊕ en'): check_pairs(['de:nl', 'sw:en'])


def test_paper_notebook_refuses_a_self_merge_before_training():
    from paper_head import paper_head
    with pytest.raises(ValueError, match="pair 'tr:en'.*en ⊕ en"): paper_head('langarith', pairs=['es:fr', 'tr:en'])
    assert paper_head('langarith', pairs=['es:fr'])['PAIRS'] == [('es', 'fr')]


def test_paper_task_adapter_epochs_are_the_classification_setting():
    "MNLI's task adapter trains the shared paper protocol's epochs (XTREME's 5), not the NER script's 100."
    import yaml
    from pathlib import Path
    from xltnb.protocol import PROTOCOLS
    cfg = yaml.safe_load((Path(__file__).resolve().parents[1] / 'configs' / 'langarith' / 'paper.yaml').read_text())
    assert cfg['task'] == 'xnli' and cfg['ta_epochs'] == PROTOCOLS['paper'].per_task('epochs', 'xnli') == 5.0


def test_shipped_adapters_are_safetensors():
    "Every shipped language adapter's weights are safetensors: a pickle can run code when it is loaded."
    from xltnb.methods.langarith import LA_ASSETS
    folders = sorted(LA_ASSETS.glob('*/adapter'))
    assert folders, f'no shipped language adapters in {LA_ASSETS}'
    pickled = [str(d) for d in folders if any(d.glob('*.bin')) or any(d.glob('*.pt'))]
    assert not pickled, f'pickled adapter weights ship: {pickled}; convert them with adapter_to_safetensors'
    assert all((d / 'adapter.safetensors').is_file() for d in folders)


def test_world_close_makes_es_a_dialect_of_fr_for_tasks_and_corpora():
    "`world_close`: the page's tasks and adapter corpora come from the world where es is a dialect of fr (0: default)."
    from xltnb.core import ParamError
    from xltnb.world import as_world, make_world
    ns = _head(world_close=0.9)
    w = as_world(ns['TKW']['world'])
    assert ns['WORLD'] == dict(preset='smoke', close=0.9) and w.specs['es'].dialect and w.key != make_world('smoke').key
    assert ns['WORLD_TAG'] == dict(world_close=0.9)  # every record says which world it was measured on
    default = _head()
    assert default['TKW']['world'] == 'smoke' and default['WORLD_TAG'] == {}  # the default world: records as before
    with pytest.raises(ParamError, match="world_close"): _head(world_close=1.5)


@pytest.mark.parametrize('env, says', [(dict(SEEDS='5,100'), "'5' is not a pilot seed"),
                                       (dict(CLOSE='1.5'), "CLOSE: a share in [0, 1]"),
                                       (dict(BASE='other'), "BASE: 'other' unknown")])
def test_close_pilot_refuses_reference_seeds_and_bad_settings(env, says):
    "tools/la_close_pilot.sh stops before any work (exit 2): a reference seed, a share outside [0, 1], an unknown base."
    import os, subprocess
    r = subprocess.run(['bash', str(ROOT / 'tools' / 'la_close_pilot.sh')], env={**os.environ, **env},
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 2 and says in r.stderr, (r.returncode, r.stderr)
