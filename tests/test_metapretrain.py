"""Meta-pretraining: what the notebook's examples cannot show: the calls made to the project's MLM pretraining
(phase 2 gets phase 1's model and the same tokenizer), equal compute over a sweep of splits, bad inputs,
and the paper notebook's `paper` preset stopping with a clear message offline."""
import json
from pathlib import Path

import pytest
from paper_head import paper_head
import torch

import xltnb.encoders as enc
from xltnb.core import content_hash
from xltnb.methods import metapretrain as mp

ROOT = Path(__file__).resolve().parents[1]
LANGS = ['en', 'de', 'ru']
KW = dict(batch_size=4, seq_len=32, heldout=20, eval_every=2)


@pytest.fixture(scope='module')
def setup():
    torch.set_num_threads(1)
    init = enc.load_encoder('world-tiny', head='mlm')
    return init, enc.world_corpora('smoke', LANGS)


@pytest.fixture
def spy(monkeypatch):
    "Record every call of `pretrain_mlm` (the model's weights on entry and exit, the tokenizer, the budget)."
    calls, real = [], enc.pretrain_mlm
    def wrapped(model, tokenizer, corpora, out_dir, **kw):
        rec = dict(model=model, tokenizer=tokenizer, langs=list(corpora), start=mp.weights_hash(model), **kw)
        out = real(model, tokenizer, corpora, out_dir, **kw)
        calls.append(dict(rec, end=mp.weights_hash(model)))
        return out
    monkeypatch.setattr(enc, 'pretrain_mlm', wrapped)
    return calls


def test_phase2_continues_phase1(setup, spy, tmp_path):
    init, corp = setup
    run = mp.pretrain_arm(init, corp, total_steps=6, phase1=0.5, out_dir=tmp_path / 'meta', **KW)
    assert [c['langs'] for c in spy] == [['en'], LANGS]
    assert [c['steps'] for c in spy] == [3, 3]
    assert spy[1]['model'] is spy[0]['model']  # the same model object is trained on
    assert spy[1]['start'] == spy[0]['end'] != spy[0]['start']  # from exactly the weights phase 1 ended with
    assert spy[1]['tokenizer'] is spy[0]['tokenizer'] is init[1]  # one tokenizer, one vocabulary
    assert spy[0]['start'] == mp.weights_hash(init[0])  # started from the given initialization ...
    assert spy[0]['model'] is not init[0]  # ... copied, so the caller's model is untouched
    assert [p['start'] for p in run.phases] == [c['start'] for c in spy]
    assert [p['end'] for p in run.phases] == [c['end'] for c in spy]
    saved = json.loads((tmp_path / 'meta' / 'run.json').read_text())
    assert saved['compute'] == 6 * 4 * 32 and saved['phases'] == run.phases


def test_sweep_has_equal_compute(setup, spy, tmp_path):
    init, corp = setup
    runs = {p: mp.pretrain_arm(init, corp, total_steps=4, phase1=p, out_dir=tmp_path / str(p), **KW)
            for p in (0.0, 0.25, 0.5, 0.75)}
    assert mp.check_equal_compute({p: r.phases for p, r in runs.items()}) == 4 * 4 * 32
    assert {p: [ph['steps'] for ph in r.phases] for p, r in runs.items()} == \
        {0.0: [4], 0.25: [1, 3], 0.5: [2, 2], 0.75: [3, 1]}
    # the steps Trainer actually took, summed over the calls, equal the budget in every arm
    assert sum(c['steps'] for c in spy) == 4 * 4
    assert {r.phases[0]['start'] for r in runs.values()} == {mp.weights_hash(init[0])}  # one shared init
    # a cached arm is loaded, not trained again
    n = len(spy)
    again = mp.pretrain_arm(init, corp, total_steps=4, phase1=0.5, out_dir=tmp_path / '0.5', **KW)
    assert len(spy) == n and mp.weights_hash(again.model) == runs[0.5].phases[-1]['end']


def test_bad_inputs(setup, tmp_path):
    init, corp = setup
    with pytest.raises(ValueError, match=r"phase1 must be in \[0, 1\)"): mp.split_budget(10, -0.1)
    with pytest.raises(ValueError, match='total_steps must be a positive int'): mp.split_budget(0, 0.5)
    with pytest.raises(ValueError, match="source 'en' must be one of"):
        mp.pretrain_arm(init, {'de': corp['de']}, total_steps=2, out_dir=tmp_path / 'x', **KW)
    with pytest.raises(ValueError, match=r"no corpus for \['fr'\]"):
        mp.run_phases(init[0], init[1], mp.plan(2, 0.5, ['en', 'fr']), corp, tmp_path / 'y')
    with pytest.raises(AssertionError, match='unequal compute'):
        mp.check_equal_compute({'a': mp.plan(4, 0.5, LANGS, 4, 32), 'b': mp.plan(4, 0.0, LANGS, 4, 16)})


def _head_cells(**overrides): return paper_head('metapretrain', **overrides)


def test_paper_preset_stops_offline():
    from xltnb.core import ResourceUnavailable
    with pytest.raises(ResourceUnavailable, match=r"preset 'paper' needs .*presets that run here: smoke, cpu"):
        _head_cells(preset='paper')


def test_paper_params_checked():
    from xltnb.core import ParamError
    with pytest.raises(ParamError, match="unknown parameter"): _head_cells(phase_one=0.5)
    with pytest.raises(ParamError, match="parameter 'total_steps' must be int"): _head_cells(total_steps='many')
    with pytest.raises(ValueError, match=r"sweep: every item must be in \(0, 1\)"): _head_cells(sweep=[0.25, 1.0])
    assert _head_cells(seeds='0,1,2')['seeds'] == [0, 1, 2]
    with pytest.raises(ValueError, match='pretrain_seeds must be a non-empty list'): _head_cells(pretrain_seeds=[])


def test_pretraining_seeds_pair_fine_tuning_seeds():
    "Fine-tuning seed seeds[i] uses pretraining seed pretrain_seeds[i % n]: every arm of one seed shares its init."
    assert _head_cells(seeds=[0, 1, 2], pretrain_seeds=[0, 1])['pt_of'] == {0: 0, 1: 1, 2: 0}
    assert _head_cells(seeds=[5, 7], pretrain_seeds=[3])['pt_of'] == {5: 3, 7: 3}
    assert _head_cells(preset='cpu', seeds=[], pretrain_seeds=[0, 1])['pt_of'] == {0: 0, 1: 1, 2: 0}  # protocol's seeds


def test_arms_differ_only_in_data_one_schedule_and_optimizer(setup, spy, monkeypatch, tmp_path):
    "Both arms: the same learning rate at every update and one AdamW carried across phases; equal tokens."
    init, corp = setup
    lrs, real = [], mp.one_schedule
    def recorded(model, total_steps, *a, **kw):
        opt, sched = real(model, total_steps, *a, **kw)
        seq = []; lrs.append(seq)
        opt.register_step_post_hook(lambda o, args, kwargs: seq.append(o.param_groups[0]['lr']))
        return opt, sched
    monkeypatch.setattr(mp, 'one_schedule', recorded)
    meta = mp.pretrain_arm(init, corp, total_steps=8, phase1=0.5, out_dir=tmp_path / 'meta', **KW)
    base = mp.pretrain_arm(init, corp, total_steps=8, phase1=0.0, out_dir=tmp_path / 'base', **KW)
    assert len(lrs) == 2 and len(lrs[0]) == 8 and lrs[0] == lrs[1]  # one schedule, step for step, in both arms
    warm = lrs[0].index(max(lrs[0]))  # one warm-up, then one decay through the switch (a restart would rise again)
    assert warm < 4 and lrs[0][warm:] == sorted(lrs[0][warm:], reverse=True) and lrs[0][4] > 0
    (o1, s1), (o2, s2) = spy[0]['optimizers'], spy[1]['optimizers']  # the meta arm's two calls: the same objects
    assert o1 is o2 and s1 is s2
    assert [p['opt_step'] for p in meta.phases] == [4, 8] and [p['opt_step'] for p in base.phases] == [8]
    assert mp.check_equal_compute({'meta': meta.phases, 'multilingual-only': base.phases}) == 8 * 4 * 32  # equal tokens


# Shipped arms: the world encoder is the multilingual-only arm, an arm is served by its key and only by it


@pytest.fixture(scope='module')
def shipped(tmp_path_factory):
    "The smoke recipe's world encoder, and the multilingual-only arm at its seed shipped as a pointer to it."
    torch.set_num_threads(1)
    d = tmp_path_factory.mktemp('shipped')
    we = enc.pretrain_world_encoder('smoke', out=d / 'we')
    got = mp.ship_arms('smoke', phase1s=(), seeds=(), baseline_seeds=(0,), assets=d / 'assets', world_dir=we)
    return d, we, got


def test_world_encoder_is_the_multilingual_only_arm(shipped):
    "`pretrain_world_encoder` and `pretrain_arm(phase1=0)` on one recipe make the same weights (float16 on disk)."
    from safetensors.torch import load_file
    d, we, got = shipped
    assert got == [d / 'assets' / 'multilingual-only-ps0']
    assert not (got[0] / 'model.safetensors').exists()  # stored once
    run = mp.pretrain_arm(**mp.recipe_arm('smoke', 0.0, 0), out_dir=d / 'trained', assets='')
    assert run.shipped is None and (d / 'trained' / 'run.json').exists()  # trained here, not served
    world = load_file(str(we / 'model.safetensors'))
    arm = {k: v.half() for k, v in run.model.state_dict().items()}
    assert set(world) <= set(arm)
    assert max((world[k].float() - arm[k].float()).abs().max().item() for k in world) == 0


def test_shipped_arm_served_by_key(shipped, capsys):
    d, we, _ = shipped
    args = mp.recipe_arm('smoke', 0.0, 0)
    run = mp.pretrain_arm(**args, out_dir=d / 'unused', assets=d / 'assets')
    assert 'read from the shipped asset' in capsys.readouterr().out and not (d / 'unused').exists()
    assert run.model_dir == we.resolve() and run.shipped['encoder'] is None  # a temporary world encoder: no name
    assert mp.weights_hash(run.model) == mp.weights_hash(enc.load_encoder(str(we), head='mlm')[0])
    world_curves = json.loads((we / 'curves.json').read_text())  # its curves, on the arm's axes
    assert [(c['step'], c['lang'], c['mlm_acc']) for c in run.curves] == \
        [(c['step'], c['lang'], c['mlm_acc']) for c in world_curves]
    assert {c['phase'] for c in run.curves} == {'multilingual'} and run.curves[-1]['tokens'] == run.compute
    assert run.phases[0]['start'] == mp.weights_hash(args['init'][0])  # the arm's initialization


@pytest.mark.parametrize('change', [dict(lr=2e-3), dict(seed=1), dict(total_steps=10)])
def test_changed_setting_is_trained_not_served(shipped, change, capsys):
    d, _, _ = shipped
    args = mp.recipe_arm('smoke', 0.0, change.get('seed', 0)) | change
    out = d / f"changed-{'-'.join(change)}"
    run = mp.pretrain_arm(**args, out_dir=out, assets=d / 'assets')
    said = capsys.readouterr().out
    assert run.shipped is None and run.model_dir == out / 'model' and 'read from the shipped asset' not in said
    assert 'pretraining the arm' in said and 'phase 1 (multilingual' in said  # trained here, with progress


def test_ship_from_finished_runs(shipped, tmp_path):
    "`src`: arms finished in DIR/p<percent>-ps<seed> are shipped (float16, loads as float32); unfinished ones refused."
    d, _, _ = shipped
    src, assets = tmp_path / 'arms', tmp_path / 'assets'
    with pytest.raises(FileNotFoundError, match=r'no finished arm .*p50-ps1'):
        mp.ship_arms('smoke', (0.5,), (1,), (), src=src, assets=assets)
    args = mp.recipe_arm('smoke', 0.5, 1) | dict(total_steps=8)  # a shorter run stands in (another key) ...
    mp.pretrain_arm(**args, out_dir=src / 'p50-ps1', assets='')
    with pytest.raises(FileNotFoundError, match='no finished arm'):  # ... and is not taken for the recipe's arm
        mp.ship_arms('smoke', (0.5,), (1,), (), src=src, assets=assets)
    full = mp.recipe_arm('smoke', 0.5, 1)
    trained = mp.pretrain_arm(**full, out_dir=src / 'p50-ps1', resume=False, assets='')
    got = mp.ship_arms('smoke', (0.5,), (1,), (), src=src, assets=assets, command='xltnb pretrain-arms ...')
    assert got == [assets / 'meta50-ps1']
    meta = json.loads((got[0] / 'run.json').read_text())
    assert meta['command'] == 'xltnb pretrain-arms ...' and meta['recipe'] == mp.ARM_RECIPES['smoke']
    assert meta['weights_sha256'] == content_hash(got[0] / 'model.safetensors', n=64)
    assert [p['name'] for p in meta['phases']] == ['monolingual', 'multilingual'] and meta['torch'] == torch.__version__
    served = mp.pretrain_arm(**full, assets=assets)
    assert served.model_dir == got[0] and next(served.model.parameters()).dtype == torch.float32
    sd = trained.model.state_dict()
    assert max((v - sd[k]).abs().max().item() for k, v in served.model.state_dict().items()) < 1e-2  # float16
    (got[0] / 'model.safetensors').write_bytes(b'changed')
    with pytest.raises(ValueError, match='does not hold the weights its run.json names'):
        mp.pretrain_arm(**full, assets=assets)


def test_added_arm_ships_with_its_whole_multilingual_phase(tmp_path):
    "`added_seeds`: English for half the recipe's steps, then all of them multilingual, shipped as meta50-added-ps<s>."
    torch.set_num_threads(1)
    src, assets = tmp_path / 'arms', tmp_path / 'assets'
    args = mp.recipe_arm('smoke', 0.5, 0, added=True)
    mp.pretrain_arm(**args, out_dir=src / 'p50-added-ps0', assets='')
    got = mp.ship_arms('smoke', (0.5,), (), (), added_seeds=(0,), src=src, assets=assets)
    assert got == [assets / 'meta50-added-ps0']
    meta = json.loads((got[0] / 'run.json').read_text())
    steps = mp.ARM_RECIPES['smoke']['steps']
    assert [(p['name'], p['steps']) for p in meta['phases']] == [('monolingual', steps // 2), ('multilingual', steps)]
    assert meta['compute'] == 3 * steps // 2 * args['batch_size'] * args['seq_len']  # more than an arm of the recipe
    assert mp.pretrain_arm(**args, assets=assets).model_dir == got[0]  # served by key
