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


@pytest.mark.slow  # trains three times
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


# --- the baseline paper notebook: the harness end to end under papermill ---------------------------------------
import yaml

NB = ROOT / 'nbs' / 'papers' / 'baseline.ipynb'


def _notebook_params():
    nb = json.loads(NB.read_text())
    cell = next(c for c in nb['cells'] if 'parameters' in c.get('metadata', {}).get('tags', []))
    ns = {}; exec(''.join(cell['source']), ns)
    return {k: v for k, v in ns.items() if not k.startswith('__')}


def _papermill(tmp_path, *args):
    "The baseline notebook under papermill, its fine-tuning runs in a store of its own (tmp_path/store)."
    r = subprocess.run([str(Path(sys.executable).parent / 'papermill'), str(NB), str(tmp_path / 'out.ipynb'),
                        '--cwd', str(tmp_path), '-p', 'out_dir', str(tmp_path / 'run'), *args],
                       capture_output=True, text=True, timeout=600,
                       env={**os.environ, 'HF_HUB_OFFLINE': '1', 'XLTNB_RUNS': str(tmp_path / 'store')})
    return r, None


def _store_runs(tmp_path) -> list[str]:
    "The fine-tuning runs in the test's store, as task/method/model/seed."
    return sorted('/'.join(p.parent.relative_to(tmp_path / 'store' / 'finetune').parts[:3]) + '/'
                  + p.parent.name.split('-')[0] for p in (tmp_path / 'store' / 'finetune').rglob('run.json'))


@pytest.mark.parametrize('preset', ['smoke', 'cpu', 'gpu', 'paper'])
def test_baseline_presets_write_to_their_folder_and_name_measured_runs_that_ship(preset):
    "(Every key a parameter of the right type, smoke.yaml only what differs from the defaults: tests/test_configs.py.)"
    own = yaml.safe_load((ROOT / 'configs' / 'baseline' / f'{preset}.yaml').read_text()) or {}
    cfg = {**_notebook_params(), **own}
    assert cfg['preset'] == preset and cfg['out_dir'] == f'_runs/baseline/{preset}'
    from xltnb.results import measured_path
    for name in ([cfg['dial_records']] if cfg.get('dial_records') else []) + cfg.get('world_records', []):
        assert measured_path(name).is_file()  # measured runs that ship with the package


CPU_YAML = ROOT / 'configs' / 'baseline' / 'cpu.yaml'
# (papermill's arguments, the same values as papermill injects them, the message); each is checked in the page's own
# set-up call in this process (milliseconds); `KERNEL` marks the one case per kind of error also run under papermill
BAD = [
    (['-p', 'floor_seeds', 'x'], dict(floor_seeds='x'), "parameter 'floor_seeds' must be int, got 'x'"),
    (['-p', 'lr', '0.1'], dict(lr=0.1), "unknown parameter(s) 'lr'"),  # the protocol's: a departure, with its reason
    (['-y', 'protocol: {tasks: [world-nli]}'], dict(protocol={'tasks': ['world-nli']}),
     "departures from the smoke protocol (tasks) need a reason"),
    (['-y', 'protocol: {stepz: 3}', '-p', 'why', 'x'], dict(protocol={'stepz': 3}, why='x'),
     "unknown protocol setting 'stepz'; known: models"),
    (['-p', 'modle', 'world-small'], dict(modle='world-small'), "unknown parameter(s) 'modle'; allowed: preset, seeds"),
    (['-f', str(CPU_YAML), '-p', 'seeds', '0,x'], {**yaml.safe_load(CPU_YAML.read_text()), 'seeds': '0,x'},
     "seeds must be a list of ints"),
    (['-p', 'floor_seeds', '-1'], dict(floor_seeds=-1),
     "floor_seeds must be >= 0, got -1 (floor_seeds: fine-tune that floor on the first"),
    (['-p', 'dial_records', 'dial.jsonl'], dict(dial_records='dial.jsonl'),
     "dial_records: measured records 'dial.jsonl': no such file; give a results.jsonl path or one of: baseline-"),
    (['-p', 'world_order', 'svo'], dict(world_order='svo'),
     "parameter 'world_order': 'svo' is not allowed; allowed: mixed, en, own"),
    (['-p', 'paws_lexical', '-1'], dict(paws_lexical=-1),
     "paws_lexical must be >= 0, got -1.0 (paws_lexical: weight of world-paws' lexical"),
    (['-y', 'world_records: [x.jsonl]'], dict(world_records=['x.jsonl']),
     "world_records: measured records 'x.jsonl': no such file"),
]
KERNEL = {6: 'a parameter out of range', 3: 'a protocol departure', 7: 'a measured file'}


@pytest.mark.parametrize('args, over, message', BAD)
def test_baseline_wrong_parameter_fails_in_its_set_up(tmp_path, args, over, message):
    "The page's set-up call, `setup_paper(globals(), 'baseline', **baseline_setup(floor_model))`, on those values."
    from xltnb.baseline import baseline_setup
    from xltnb.paper import setup_paper
    ns = {**_notebook_params(), 'out_dir': str(tmp_path / 'run'), **over}
    with pytest.raises(Exception) as e: setup_paper(ns, 'baseline', **baseline_setup(ns['floor_model']))
    assert message in str(e.value)
    assert not (tmp_path / 'run').exists()


@pytest.mark.slow  # a kernel per case
@pytest.mark.parametrize('case', sorted(KERNEL), ids=[KERNEL[k] for k in sorted(KERNEL)])
def test_baseline_wrong_parameter_fails_before_any_training_under_papermill(tmp_path, case):
    args, _, message = BAD[case]
    r, _ = _papermill(tmp_path, *args)
    assert r.returncode != 0 and message in r.stdout + r.stderr
    assert not (tmp_path / 'store').exists() and not (tmp_path / 'run' / 'results.jsonl').exists()


@pytest.mark.slow  # a kernel
def test_baseline_gpu_preset_stops_with_a_clear_message_here(tmp_path):
    "(The paper preset, and the same check without a kernel: tests/test_cli.py.)"
    from xltnb.core import available_devices
    if 'cuda' in available_devices(): pytest.skip('a GPU is here')
    r, _ = _papermill(tmp_path, '-f', str(ROOT / 'configs' / 'baseline' / 'gpu.yaml'))
    assert "preset 'gpu' needs a CUDA GPU" in r.stdout + r.stderr
    assert 'presets that run here: smoke, cpu' in r.stdout + r.stderr
    assert not (tmp_path / 'run' / 'results.jsonl').exists()


@pytest.mark.slow  # end to end through papermill
def test_baseline_runs_with_a_preset_file_and_overrides(tmp_path):
    r, _ = _papermill(tmp_path, '-f', str(ROOT / 'configs' / 'baseline' / 'smoke.yaml'), '-p', 'seeds', '0,1',
                      '-y', 'protocol: {tasks: [world-paws], steps: {world-paws: 4}, pair_langs: [en, sw]}',
                      '-p', 'why', 'a quick test', '-y', 'realtext: false', '-p', 'rt_bitext', '',
                         '-p', 'out_dir', str(tmp_path / 'run'))  # world only
    assert r.returncode == 0, (r.stdout + r.stderr)[-3000:]
    from xltnb.results import load_records
    recs = load_records(tmp_path / 'run' / 'results.jsonl')
    cfg = json.loads((tmp_path / 'run' / 'config.json').read_text())
    assert cfg['params']['seeds'] == [0, 1] and cfg['protocol']['steps'] == {'world-paws': 4}
    assert 'torch' in cfg['versions']
    assert cfg['departures']['why'] == 'a quick test'
    test = [r for r in recs if r['metric'] == 'accuracy' and r['split'] == 'test' and 'lang' in r]
    assert {r['method'] for r in test} == {'baseline', 'floor-scratch', 'floor-heuristic'}
    assert {r['seed'] for r in test} == {0, 1} and {r['task'] for r in recs} == {'world-paws'}
    assert ({(r['lang_a'], r['lang_b']) for r in recs if 'lang_a' in r}
            == {('en', 'en'), ('en', 'sw'), ('sw', 'en'), ('sw', 'sw')})
    assert {r['metric'] for r in recs} >= {'accuracy', 'accuracy_by_edit', 'retrieval', 'cosine', 'cosine_random',
                                           'pair_cosine'}
    pc = [r for r in recs if r['metric'] == 'pair_cosine']  # the pretrained encoder's view of each edit kind
    # world-paws' edits: no syn / alt items by default (paws_lexical 0)
    assert {r['edit'] for r in pc} == {'conj-swap', 'swap', 'conj-obj-swap', 'passive', 'passive-swap'}
    assert all(-1 <= r['value'] <= 1 for r in pc)
    # at smoke the floor's encoder is the baseline's (a random world-tiny): one run per seed serves both arms
    assert _store_runs(tmp_path) == ['world-paws/baseline/world-tiny/seed0', 'world-paws/baseline/world-tiny/seed1']


@pytest.mark.slow  # end to end through papermill
def test_baseline_runs_on_another_world(tmp_path):
    """world_order='own' and paws_lexical=1 fine-tune and test on that world (each target in its own word order,
    world-paws with its lexical items: the defaults before 2026-11-23), and the records say so."""
    r, _ = _papermill(tmp_path, '-p', 'world_order', 'own', '-p', 'paws_lexical', '1',
                      '-y', 'protocol: {tasks: [world-paws], steps: {world-paws: 2}, models: [world-small]}',
                      '-p', 'why', 'a quick test', '-p', 'floor_model', '', '-p', 'bitext', '', '-y', 'realtext: false',
                      '-p', 'rt_bitext', '', '-p', 'dial_records', '')
    assert r.returncode == 0, (r.stdout + r.stderr)[-3000:]
    from xltnb.results import load_records
    from xltnb.world import make_world
    recs = [r for r in load_records(tmp_path / 'run' / 'results.jsonl') if r['metric'] == 'accuracy_by_edit']
    assert recs and all(r['order'] == 'own' and r['paws_lexical'] == 1 for r in recs)
    assert {'syn', 'alt'} <= {r['edit'] for r in recs}  # the lexical items are in
    run_json = next((tmp_path / 'store' / 'finetune' / 'world-paws' / 'baseline').glob('*/seed0-*/run.json'))
    run = json.loads(run_json.read_text())
    # fine-tuned and tested on that world
    assert run['world'] == {'preset': 'smoke', 'order': 'own', 'paws_lexical': 1.0}
    # world-small: the recipe pretrained on that world
    enc = json.loads((Path(run['model']) / 'recipe.json').read_text())
    assert enc['recipe']['world'] == {'preset': 'smoke', 'order': 'own'}  # paws_lexical changes tasks, not the corpora
    assert make_world('smoke', order='own').key != make_world('smoke').key


@pytest.mark.slow  # end to end through papermill
def test_baseline_draws_the_measured_dial_with_its_own_numbers(tmp_path):
    "The measured dial the presets draw is drawn from its records: avg_xen per arm and overlap, and the gap."
    r, _ = _papermill(tmp_path, '-y', 'protocol: {tasks: [world-nli], steps: {world-nli: 2}}', '-p', 'why', 'quick',
                      '-p', 'floor_model', '',
                      '-p', 'bitext', '', '-y', 'realtext: false', '-p', 'rt_bitext', '')
    assert r.returncode == 0, (r.stdout + r.stderr)[-3000:]
    import yaml
    from xltnb.core import read_jsonl
    from xltnb.results import measured_path
    name = _notebook_params()['dial_records']  # smoke runs the notebook's defaults
    assert name == yaml.safe_load((ROOT / 'configs' / 'baseline' / 'cpu.yaml').read_text())['dial_records']
    recs = read_jsonl(measured_path(name))
    assert {(r['order'], r['paws_lexical']) for r in recs} == {('mixed', 0.0)}  # measured on today's default world
    xs = sorted({r['overlap'] for r in recs if 'overlap' in r})
    assert xs[0] == 0.0 and xs[-1] == 1.0 and len(xs) >= 3, xs  # none -> full
    def avg_xen(method):  # one seed in the file: the plain mean over the target languages
        v = [r['value'] for r in recs if r['method'] == method and r['lang'] != 'en' and r['metric'] == 'accuracy']
        assert len(v) == 7, method
        return 100 * sum(v) / len(v)
    outs = [o for c in json.loads((tmp_path / 'out.ipynb').read_text())['cells']
            if 'dial_sources' in ''.join(c['source']) for o in c.get('outputs', [])]
    titles = [o['data']['application/vnd.plotly.v1+json']['layout']['title']['text'] for o in outs
              if 'application/vnd.plotly.v1+json' in o.get('data', {})]
    assert titles == [f'world-nli: avg_xen vs the overlap dial (measured: {name}, order=mixed, paws_lexical=0.0, '
                      'another budget than this run; stars: this run)']  # its world and, when it differs, its budget
    names = [t['name'] for o in outs if 'application/vnd.plotly.v1+json' in o.get('data', {})
             for t in o['data']['application/vnd.plotly.v1+json']['data']]
    assert 'this run: smoke world, order=mixed, paws_lexical=0.0' in names
    table = next(''.join(o['data']['text/plain']) for o in outs
                 if 'baseline − floor-scratch' in ''.join(o.get('data', {}).get('text/plain', '')))
    n = len(xs)
    rows = {l.rsplit(None, n)[0].strip(): [float(x) for x in l.split()[-n:]] for l in table.splitlines()[2:]}
    assert rows['baseline'][-1] == round(avg_xen('baseline (overlap 1.0)'), 1)
    assert rows['floor-scratch'][0] == round(avg_xen('floor-scratch (overlap 0.0)'), 1)
    mid = xs[len(xs) // 2]
    gap = avg_xen(f'baseline (overlap {mid})') - avg_xen(f'floor-scratch (overlap {mid})')
    assert abs(rows['baseline − floor-scratch'][len(xs) // 2] - gap) < 0.051
    gaps = [avg_xen(f'baseline (overlap {x})') - avg_xen(f'floor-scratch (overlap {x})') for x in xs]
    line = next(''.join(o['data']['text/markdown']) for o in outs
                if 'pretraining lifts' in ''.join(o.get('data', {}).get('text/markdown', '')))
    assert f"{min(gaps):.1f} to {max(gaps):.1f} points" in line, line  # the line reads the file, not typed numbers
    lo, hi = avg_xen('baseline (overlap 0.0)'), avg_xen('baseline (overlap 1.0)')
    assert f"{lo:.1f}% at overlap 0.0 to {hi:.1f}% at 1.0" in line, line
