"""mOthello: what the notebooks cannot test: round trips over many games, multi-process determinism, the widget
driven through `.value`, and the paper notebook end to end (papermill) incl. its refusal of GPU presets."""
import json
import os
from pathlib import Path

import numpy as np
import pytest
import torch

from xltnb.othello.engine import playable, random_games
from xltnb.othello.mothello import (encode, make_gpt, make_languages, run_experiments,
                                    train_gpt)

ROOT = Path(__file__).resolve().parents[1]
torch.set_num_threads(1)


@pytest.mark.parametrize("kinds,anchors", [(['atomic', 'split', 'compositional'], 0),
                                           (['split', 'atomic', 'compositional'], 5)])
def test_encode_round_trip(kinds, anchors):
    "Every game written in every language decodes back to its squares, word by word."
    for size in (6, 8):
        L = make_languages(kinds, anchors, seed=4, size=size)
        words = {li: {tuple(L.table[li, q, :L.lengths[li, q]]): q for q in playable(size)} for li in range(len(L))}
        for li in range(len(L)):
            assert len(words[li]) == len(playable(size))  # each language is unambiguous
        g = random_games(300, seed=1, size=size); lang = np.arange(300) % len(L)
        e = encode(L, g, lang)
        for b in range(300):
            toks, last = e.tokens[b].tolist(), e.last[b].tolist()
            got, cur = [], []
            for t, is_last in zip(toks, last):
                if t == 0: break
                cur.append(t)
                if is_last: got.append(words[lang[b]][tuple(cur)]); cur = []
            assert got == [q for q in g[b] if q >= 0]


def test_anchor_tokens_shared_only_on_anchors():
    L = make_languages(['atomic', 'split', 'compositional'], n_anchors=4, seed=2, size=6)
    assert len(L.anchors) == 4
    for q in playable(6):
        w = [tuple(L.table[li, q, :L.lengths[li, q]]) for li in range(3)]
        assert (w[0] == w[1] == w[2]) == (q in L.anchors)
    with pytest.raises(ValueError, match="n_anchors=40 must be in 0..32"):
        make_languages(['atomic'], n_anchors=40, size=6)


TINY = dict(kinds=['atomic', 'split'], n_anchors=1, steps=4, batch_size=8, pool=100, d=16, n_head=2, probe_train=10,
            probe_test=5, acc_games=5, probe_steps=5, probe_hidden=8)


@pytest.mark.slow  # trains the arms twice
def test_parallel_runs_equal_serial_runs():
    "Two models side by side in separate processes give the numbers a serial run gives."
    cfgs = [dict(TINY, seed=0), dict(TINY, seed=1, unified=True, prefix=True, ft_steps=2, ft_evals=1)]
    ser, par = run_experiments(cfgs, workers=1, progress=False), run_experiments(cfgs, workers=2, progress=False)
    for a, b in zip(ser, par):
        assert [r['value'] for r in a['records']] == [r['value'] for r in b['records']]
    assert ser[0]['records'] != ser[1]['records']


def test_board_widget_driven_by_value():
    from xltnb.othello.board import board_widget, fit_probe
    torch.manual_seed(0)
    L = make_languages(['atomic', 'compositional'], size=6)
    m = make_gpt(L, d=16, n_head=2)
    train_gpt(m, L, random_games(100, size=6), steps=3, batch_size=8)
    g = random_games(4, seed=5, size=6)
    w = board_widget(m, L, g, fit_probe(m, L, g, 0, layer=2, steps=5))
    assert w.figure.layout.annotations[0].text == 'true board after move 1'
    z0 = np.asarray(w.figure.data[0].z).copy()
    w.move_slider.value = 12
    assert w.figure.layout.annotations[0].text == 'true board after move 13'
    assert not np.array_equal(np.asarray(w.figure.data[0].z), z0)
    w.game_slider.value = 3
    assert w.move_slider.max == int((g[3] >= 0).sum()) - 1
    z3 = np.asarray(w.figure.data[0].z)
    from xltnb.othello.engine import replay
    assert np.array_equal(z3[::-1].ravel(), replay(g[3:4], 6).boards[0, w.move_slider.value].astype(float))


def _papermill(tmp_path, **params):
    import papermill as pm
    os.environ.setdefault('HF_HUB_OFFLINE', '1')
    return pm.execute_notebook(str(ROOT / 'nbs/papers/mothello.ipynb'), str(tmp_path / 'out.ipynb'),
                               parameters=params, cwd=str(ROOT), progress_bar=False, kernel_name='python3')


def test_paper_notebook_smoke_writes_records(tmp_path):
    from xltnb.core import read_jsonl
    from xltnb.results import check_record
    _papermill(tmp_path, out_dir=str(tmp_path / 'run'))
    recs = read_jsonl(tmp_path / 'run/results.jsonl')
    for r in recs: check_record(r)
    assert {r['paper'] for r in recs} == {'mothello'}
    assert {r['metric'] for r in recs} == {'legal_move_acc', 'probe_acc'}
    assert {r['method'] for r in recs} >= {'untrained', 'naive', 'anchors', 'unified'}
    assert any(r.get('phase') == 'finetune' for r in recs)
    probes = [r for r in recs if r['metric'] == 'probe_acc' and r['phase'] == 'pretrain']
    assert {r['layer'] for r in probes} == {0, 1, 2} and {r['probe_layer'] for r in recs} == {1}  # every layer; reads 1
    games = {r['games'] for r in recs if r['metric'] == 'legal_move_acc' and r['group'] == 'finetune'}
    assert games == {'random', 'prefix'}
    assert {r['checkpoint'] for r in recs if r['phase'] == 'finetune'} == {'start', 'during', 'end'}
    cfg = json.loads((tmp_path / 'run/config.json').read_text())
    assert cfg['params']['preset'] == 'smoke' and 'torch' in cfg['versions']


@pytest.mark.slow  # a kernel
def test_paper_notebook_gpu_preset_stops_clearly(tmp_path):
    if torch.cuda.is_available(): pytest.skip("a GPU is present")
    import papermill as pm
    with pytest.raises(pm.PapermillExecutionError, match="presets that run here: smoke, cpu"):
        _papermill(tmp_path, preset='gpu', device='cuda', out_dir=str(tmp_path / 'run'))
    with pytest.raises(pm.PapermillExecutionError, match="unknown parameter"):
        _papermill(tmp_path, stepz=3, out_dir=str(tmp_path / 'run'))


def test_paper_preset_finetunes_as_the_paper_about_4_epochs_over_102400_games():
    "Fine-tuning at `paper`: 102,400 games, 400 updates of 1,024 (4 epochs), not 5,000 updates over 2M games."
    import yaml
    cfg = yaml.safe_load((Path(__file__).resolve().parents[1] / 'configs' / 'mothello' / 'paper.yaml').read_text())
    assert cfg['ft_pool'] == 102_400 and cfg['ft_steps'] * cfg['batch_size'] == 4 * cfg['ft_pool']


def test_finetuning_draws_from_its_own_pool(monkeypatch):
    "`ft_pool` sizes the fine-tuning games (0: the pretraining pool), nothing else."
    import xltnb.othello.mothello as mo
    asked, real = [], mo.random_games
    monkeypatch.setattr(mo, 'random_games', lambda n, seed=0, **kw: asked.append((n, seed)) or real(n, seed=seed, **kw))
    small = dict(kinds=['atomic', 'atomic'], steps=1, batch_size=8, pool=40, probe_train=5, probe_test=5, acc_games=5,
                 probe_steps=1, ft_steps=1, ft_evals=1, prefix=True)
    mo.run_experiment(dict(small, ft_pool=30))
    assert (30, 4000) in asked and (40, 1000) in asked
    asked.clear(); mo.run_experiment(small)
    assert (40, 4000) in asked


def test_board_pilot_relative_target_and_pilot_seeds():
    "The pilot's 'mine / theirs' board (the library's) follows who just moved; the pilot refuses reference seeds."
    import sys
    from types import SimpleNamespace
    sys.path.insert(0, str(ROOT / 'tools'))
    from mothello_board_pilot import main
    from xltnb.othello.mothello import board_targets
    boards = np.array([[[0, 1, 2, 1]], [[0, 1, 2, 1]]], np.int8)  # two moves: the same board (1 black, 2 white)
    player = np.array([[1], [2]], np.int8)  # black moved, then white
    rel = board_targets(SimpleNamespace(boards=boards, player=player), 'relative')
    assert rel.tolist() == [[[0, 1, 2, 1]], [[0, 2, 1, 2]]]
    with pytest.raises(SystemExit) as e: main(['--seed', '3'])
    assert e.value.code == 2


def test_board_pilot_writes_records_a_rerun_replaces(tmp_path):
    "The pilot's run folder holds valid records of every probe, ready for tools/measured.py; a rerun replaces them."
    import sys
    sys.path.insert(0, str(ROOT / 'tools'))
    from mothello_board_pilot import main
    from xltnb.results import load_records
    args = ['--seed', '100', '--layers', '1', '--d', '16', '--steps', '20', '--probe-games', '10',
            '--model-dir', str(tmp_path / 'models'), '--out', str(tmp_path / 'run')]
    main(args)
    recs = load_records(tmp_path / 'run' / 'results.jsonl')
    probes = [r for r in recs if r['metric'] == 'probe_acc']
    assert {(r['target'], r['arm'], r['lang_b']) for r in probes} == {
        (t, a, b) for t in ('absolute', 'relative') for a in ('trained', 'untrained') for b in ('atomic0', 'atomic1')}
    assert all(0 <= r['value'] <= 1 and r['seed'] == 100 for r in recs) and all(r['layer'] == 1 for r in probes)
    assert sorted(r['lang'] for r in recs if r['metric'] == 'legal_move_acc') == ['atomic0', 'atomic1']
    main(args)  # the same setting again: its records are replaced, not doubled
    again = load_records(tmp_path / 'run' / 'results.jsonl')
    assert len(again) == len(recs) and [r['value'] for r in again] == [r['value'] for r in recs]
    cfg = json.loads((tmp_path / 'run' / 'config.json').read_text())
    assert cfg['runs']['L1-d16-n20-s100-p10']['cpu_s']['train_cpu_s'] >= 0


def test_training_cut_short_continues_from_its_checkpoint_as_if_never_cut(tmp_path):
    "A run stopped after its checkpoint and started again ends with the same weights and losses as one never stopped."
    L = make_languages(['atomic', 'atomic'], size=6)
    pool = random_games(60, seed=1, size=6)

    def model():
        torch.manual_seed(0)
        return make_gpt(L, d=16, n_head=2, dropout=0.1)  # dropout: the torch random state must come back too

    whole = model()
    losses = train_gpt(whole, L, pool, steps=7, batch_size=8, seed=3)

    def cut(step):
        if step == 5: raise KeyboardInterrupt
    ck = tmp_path / 'train.pt'
    with pytest.raises(KeyboardInterrupt):
        train_gpt(model(), L, pool, steps=7, batch_size=8, seed=3, checkpoint=ck, checkpoint_every=3,
                  callback=cut, every=1)
    assert torch.load(ck, weights_only=False)['step'] == 3
    torch.manual_seed(123)  # another global random state: the checkpoint's must win
    again = model()
    assert train_gpt(again, L, pool, steps=7, batch_size=8, seed=3, checkpoint=ck, checkpoint_every=3) == losses
    assert all(torch.equal(a, b) for a, b in zip(whole.state_dict().values(), again.state_dict().values()))
    assert torch.load(ck, weights_only=False)['step'] == 7


def test_experiments_cut_short_resume_and_drop_their_checkpoint(tmp_path, monkeypatch):
    "`run_experiments` with a cache keeps a model's training state until its result is written, then removes it."
    import functools

    import xltnb.othello.mothello as mo
    cfg = dict(kinds=['atomic', 'atomic'], steps=5, batch_size=8, pool=40, d=16, n_head=2, probe_train=5,
               probe_test=5, acc_games=5, probe_steps=1)
    whole = run_experiments([cfg], workers=1, progress=False, cache_dir=tmp_path / 'whole')[0]
    monkeypatch.setattr(mo, 'train_gpt', functools.partial(mo.train_gpt, checkpoint_every=2))
    calls, real = [], mo._training_state
    def state_then_cut(*a):
        calls.append(a[5])
        if len(calls) == 2: raise KeyboardInterrupt  # the second checkpoint (step 4) is never written
        return real(*a)
    monkeypatch.setattr(mo, '_training_state', state_then_cut)
    cache = tmp_path / 'cut'
    with pytest.raises(KeyboardInterrupt): run_experiments([cfg], workers=1, progress=False, cache_dir=cache)
    [ck] = cache.glob('*.train.pt')
    assert torch.load(ck, weights_only=False)['step'] == 2
    monkeypatch.setattr(mo, '_training_state', real)
    resumed = run_experiments([cfg], workers=1, progress=False, cache_dir=cache)[0]
    assert resumed['records'] == whole['records'] and resumed['final_loss'] == whole['final_loss']
    assert not list(cache.glob('*.train.pt')) and len(list(cache.glob('*.json'))) == 1
