"""bench/: main_job_cost.py reads a run folder right (each run counted once, by the paper that trained it);
reference_cost.py counts runs once per encoder; eval_pairs.py finds the earlier evaluation and the library's equal."""
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / 'bench'))
from main_job_cost import costs, table  # noqa: E402


def rec(paper, method, seed, run, train_s, cached=False, lang='en'):
    return dict(paper=paper, method=method, seed=seed, run=run, train_s=train_s, cached=cached, lang=lang,
                task='world-nli', model='world-small', metric='accuracy', split='test', value=0.5)


def make_run(d: Path):
    (d / 'salt').mkdir(parents=True); (d / 'robust').mkdir(); (d / 'mothello').mkdir()
    status = [dict(paper='salt', preset='cpu', ok=True, wall_s=600.0),
              dict(paper='robust', preset='cpu', ok=True, wall_s=300.0),
              dict(paper='mothello', preset='cpu', ok=False, wall_s=60.0)]
    (d / 'status.json').write_text(json.dumps(status))
    salt = [rec('salt', 'baseline', 0, 'b0', 100.0, lang=l) for l in ('en', 'de')]  # one run, two records
    salt += [rec('salt', 'salt', 0, 's0', 200.0), rec('salt', 'salt', 1, 's1', 220.0)]
    robust = [rec('robust', 'baseline', 0, 'b0', 100.0, cached=True),  # trained by SALT: counted there
              rec('robust', 'at', 0, 'a0', 150.0)]
    for p, rs in (('salt', salt), ('robust', robust)):
        (d / p / 'results.jsonl').write_text(''.join(json.dumps(r) + '\n' for r in rs))
    nb = {'cells': [{'cell_type': 'code', 'source': ['# a comment\n', 'train_everything()\n'],
                     'metadata': {'papermill': {'duration': 50.0}}},
                    {'cell_type': 'code', 'source': ['plot()'], 'metadata': {'papermill': {'duration': 2.0}}},
                    {'cell_type': 'markdown', 'source': ['text'], 'metadata': {}}]}
    (d / 'mothello' / 'executed.ipynb').write_text(json.dumps(nb))


def test_each_run_counts_once_where_it_was_trained(tmp_path):
    make_run(tmp_path)
    c = costs(tmp_path)
    papers = {p['paper']: p for p in c['papers']}
    assert (papers['salt']['runs'], papers['salt']['train_s']) == (3, 520.0)
    assert (papers['robust']['runs'], papers['robust']['train_s']) == (1, 150.0)
    assert papers['mothello']['runs'] == 0 and papers['mothello']['ok'] is False
    assert papers['mothello']['slowest'] == [dict(s=50.0, cell='train_everything()'), dict(s=2.0, cell='plot()')]
    arms = {(a['paper'], a['method']): (a['runs'], a['train_s']) for a in c['arms']}
    assert arms == {('salt', 'baseline'): (1, 100.0), ('salt', 'salt'): (2, 420.0), ('robust', 'at'): (1, 150.0)}
    assert c['arms'][0]['method'] == 'salt'  # the costliest arm first
    t = table(c)
    assert 'add up to 16.0 minutes' in t and '| mothello (failed) |' in t
    assert '| salt | world-nli | world-small | salt | 2 | 7.0 | 210 |' in t


def test_a_folder_without_a_run_is_a_clear_error(tmp_path):
    p = subprocess.run([sys.executable, str(ROOT / 'bench' / 'main_job_cost.py'), str(tmp_path)], capture_output=True,
                       text=True)
    assert p.returncode == 2 and 'holds no status.json' in p.stderr


def test_the_file_names_its_preset_and_how_it_was_measured(tmp_path):
    make_run(tmp_path / 'run')
    out = tmp_path / 'cost.json'
    subprocess.run([sys.executable, str(ROOT / 'bench' / 'main_job_cost.py'), str(tmp_path / 'run'), '--json', str(out),
                    '--note', 'beside another job'], check=True, capture_output=True)
    c = json.loads(out.read_text())
    assert c['preset'] == 'cpu' and c['measured'].endswith('beside another job') and ' cores, ' in c['measured']
    assert c['command'].startswith('python bench/main_job_cost.py ') and '--note' in c['command']
    assert [p['paper'] for p in c['papers']] == ['salt', 'robust', 'mothello']


def test_reference_cost_counts_each_run_once_per_encoder(tmp_path):
    "bench/reference_cost.py: a run's evaluations count once; the same run id under two encoders is two runs."
    from reference_cost import reference_cost, table as cost_table
    recs = [rec('metapretrain', 'metapretrain', 0, 'seed0-x', 60.0, lang=l) for l in ('en', 'de')]
    recs[1]['encoder'] = recs[0]['encoder'] = 'meta50-ps0'
    recs.append(dict(rec('metapretrain', 'metapretrain', 0, 'seed0-x', 90.0), encoder='meta50-ps1'))
    recs.append(dict(paper='mothello', seed=3, metric='probe_acc', value=0.9))  # no train_s: seeds only
    f = tmp_path / 'reference-x.jsonl'; f.write_text(''.join(json.dumps(r) + '\n' for r in recs))
    c = reference_cost(f)
    assert (c['runs'], c['train_s'], c['seeds']) == (2, 150.0, [0, 3])
    t = cost_table([c], 0.5).splitlines()
    assert t[2] == '| reference-x.jsonl | 0-3 (2) | 2 | 2 | 1 |' and t[-1] == '| all | | 2 | 2 | 1 |'


def test_eval_pairs_bench_finds_the_two_evaluations_equal(tmp_path):
    "bench/eval_pairs.py: the earlier per-pair evaluation and the library's agree on every row and cell (smoke world)."
    out = tmp_path / 'eval.json'
    r = subprocess.run([sys.executable, str(ROOT / 'bench' / 'eval_pairs.py'), '--task', 'world-paws',
                        '--json', str(out)], capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 0, r.stdout + r.stderr
    res = json.loads(out.read_text())
    assert res['rows_equal'] and res['cells_equal'] and res['varied'] and res['pairs'] == 64
