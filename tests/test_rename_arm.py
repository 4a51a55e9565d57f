"tools/rename_arm.py: an arm of a measured file gets a new name, with the reason in its provenance; bad input fails."
import json, subprocess, sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

def _file(d: Path):
    recs = [dict(method=m, seed=s, value=0.5) for m in ('baseline', 'salt') for s in (0, 1)]
    (d / 'ref.jsonl').write_text(''.join(json.dumps(r) + '\n' for r in recs))
    (d / 'ref.json').write_text(json.dumps(dict(what='a grid', command='make it')))

def _run(d, *args):
    cmd = [sys.executable, str(ROOT / 'tools/rename_arm.py'), 'ref', *args, '--to', str(d)]
    return subprocess.run(cmd, capture_output=True, text=True)

def test_rename_keeps_values_and_says_why(tmp_path):
    _file(tmp_path)
    p = _run(tmp_path, 'salt=salt-oracle', '--why', 'the headline moved off the oracle')
    assert p.returncode == 0, p.stderr
    recs = [json.loads(l) for l in (tmp_path / 'ref.jsonl').read_text().splitlines()]
    assert [(r['method'], r['seed'], r['value']) for r in recs] == [
        ('baseline', 0, 0.5), ('baseline', 1, 0.5), ('salt-oracle', 0, 0.5), ('salt-oracle', 1, 0.5)]
    meta = json.loads((tmp_path / 'ref.json').read_text())
    assert meta['what'] == 'a grid'
    assert {k: meta['renamed'][0][k] for k in ('old', 'new', 'why')} == dict(
        old='salt', new='salt-oracle', why='the headline moved off the oracle')

@pytest.mark.parametrize('pair,msg', [('at=at-2', "holds no arm 'at'; it holds: baseline, salt"),
                                      ('salt=baseline', "already holds an arm 'baseline'"),
                                      ('salt', "each rename is OLD=NEW (split at the first '='), got 'salt'")])
def test_rename_refuses_bad_input(tmp_path, pair, msg):
    _file(tmp_path)
    before = (tmp_path / 'ref.jsonl').read_text()
    p = _run(tmp_path, pair, '--why', 'x')
    assert p.returncode == 2 and msg in p.stderr, p.stderr
    assert (tmp_path / 'ref.jsonl').read_text() == before  # nothing written


@pytest.mark.slow  # runs a paper twice
def test_a_rename_survives_a_later_append(tmp_path):
    "tools/measured.py --append rewrites the provenance file: the renames stay in it."
    from xltnb.results import make_records, write_records
    def run(name, seed):
        d = tmp_path / name; d.mkdir()
        write_records(d / 'results.jsonl', make_records({'en': 0.9}, paper='salt', method='salt', task='world-nli',
                                                        model='m', preset='cpu', seed=seed))
        (d / 'config.json').write_text(json.dumps({'params': {'seeds': [seed]}}))
        return str(d)
    ship = lambda d, *more: subprocess.run([sys.executable, str(ROOT / 'tools/measured.py'), d, 'ref', '--what', 'W',
                                            '--where', 'here', '--command', 'C', '--to', str(tmp_path), *more],
                                           capture_output=True, text=True)
    assert ship(run('a', 0)).returncode == 0
    assert _run(tmp_path, 'salt=salt-oracle', '--why', 'renamed').returncode == 0
    p = ship(run('b', 1), '--append')
    assert p.returncode == 0, p.stderr
    meta = json.loads((tmp_path / 'ref.json').read_text())
    assert [(r['old'], r['new']) for r in meta['renamed']] == [('salt', 'salt-oracle')] and meta['seeds'] == [0, 1]

def test_rename_an_encoder(tmp_path):
    "--field model renames the encoder records name (a machine's cache path -> what the encoder is), nothing else."
    d = tmp_path
    recs = [dict(method='baseline', model=m, seed=0, value=v)
            for m, v in (('/x/cache/enc1', 0.5), ('world-small', 0.6))]
    (d / 'ref.jsonl').write_text(''.join(json.dumps(r) + '\n' for r in recs))
    (d / 'ref.json').write_text(json.dumps(dict(what='a grid')))
    p = _run(d, '/x/cache/enc1=world-small@order=en', '--field', 'model', '--why', 'portable')
    assert p.returncode == 0, p.stderr
    got = [json.loads(l) for l in (d / 'ref.jsonl').read_text().splitlines()]
    assert [(r['method'], r['model'], r['value']) for r in got] == [
        ('baseline', 'world-small@order=en', 0.5), ('baseline', 'world-small', 0.6)]
    assert json.loads((d / 'ref.json').read_text())['renamed'][0]['field'] == 'model'
    p = _run(d, 'nope=x', '--field', 'model', '--why', 'x')
    assert p.returncode == 2 and "holds no encoder 'nope'" in p.stderr, p.stderr
