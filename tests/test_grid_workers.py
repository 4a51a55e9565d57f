"""tools/grid_workers.py: a grid of small runs over concurrent worker processes gives the records of one run after
another, resumes where it stopped, and refuses an arm no page has."""
import json, sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / 'tools'))
import grid_workers as gw  # noqa: E402

ARGS = ['--preset', 'smoke', '--papers', 'robust', '--arms', 'baseline,at', '--seeds', '0,1']


def _records(out: Path) -> list[dict]:
    return [{k: v for k, v in json.loads(l).items() if k not in gw.SKIP}
            for l in (out / 'results.jsonl').read_text().splitlines()]


@pytest.mark.slow  # eight smoke runs
def test_two_workers_give_the_sequential_records(tmp_path, monkeypatch):
    "Four smoke runs (world-nli; baseline and AT; seeds 0, 1) on two workers and one at a time, in two empty stores."
    monkeypatch.setenv('XLTNB_LOADER_WORKERS', '1')  # the one-at-a-time grid sets it here, in this process
    for name, workers in (('seq', '1'), ('par', '2')):
        monkeypatch.setenv('XLTNB_RUNS', str(tmp_path / f'store-{name}'))  # the workers inherit it
        assert gw.main(ARGS + ['--workers', workers, '--out', str(tmp_path / name)]) == 0
    seq, par = _records(tmp_path / 'seq'), _records(tmp_path / 'par')
    assert len(seq) > 0 and par == seq
    assert {(r['method'], r['seed']) for r in seq} == {(m, s) for m in ('baseline', 'at') for s in (0, 1)}
    st = json.loads((tmp_path / 'par' / 'status.json').read_text())
    assert st['jobs'] == st['finished'] == 4 and st['states'] == {'ran': 4} and st['workers'] == 2
    runs = sorted(p.parent.name for p in (tmp_path / 'store-par').rglob('result.json'))
    assert len(runs) == len(set(runs)) == 4  # each job its own run folder
    # resumable: a second call finds every job done and trains nothing
    assert gw.main(ARGS + ['--workers', '2', '--out', str(tmp_path / 'par')]) == 0
    assert json.loads((tmp_path / 'par' / 'status.json').read_text())['states'] == {'done before': 4}
    assert _records(tmp_path / 'par') == seq


def test_deadline_leaves_jobs_for_the_next_call(tmp_path, monkeypatch):
    "Past its deadline a grid starts no job; the status says so and results.jsonl holds only finished jobs."
    monkeypatch.setenv('XLTNB_RUNS', str(tmp_path / 'store'))
    monkeypatch.setenv('XLTNB_LOADER_WORKERS', '1')  # a one-at-a-time grid sets it in this process: undone after
    grid = gw.jobs(['robust'], 'smoke', 'world', [0], ['baseline'], {})
    st = gw.run_grid(grid, tmp_path / 'g', deadline_s=-1, log=lambda s: None)
    assert st == {**st, 'jobs': 1, 'finished': 0, 'states': {'left (deadline)': 1}}
    assert (tmp_path / 'g' / 'results.jsonl').read_text() == ''


def test_unknown_arm_and_paper(capsys):
    with pytest.raises(ValueError, match="no page of robust has the arm 'salt' at smoke"):
        gw.jobs(['robust'], 'smoke', 'world', [0], ['salt'], {})
    with pytest.raises(ValueError, match="salt has no arm 'rs-da' on the realtext testbed"):
        gw.jobs(['salt'], 'gpu', 'realtext', [0], None, {'rt_methods': ['baseline', 'rs-da']})
    with pytest.raises(SystemExit):
        gw.main(['--papers', 'baseline', '--out', '/tmp/x'])
    assert "--papers: unknown 'baseline'; known: salt, robust" in capsys.readouterr().err


def test_shared_arms_run_once():
    "SALT's and robust training's pages share baseline and baseline-2x: the real-text gpu grid lists each once."
    grid = gw.jobs(['salt', 'robust'], 'gpu', 'realtext', [0], None, {})
    ids = [gw.job_id(j) for j in grid]
    assert len(ids) == len(set(ids)) == 3 * 8  # three tasks, eight arms
    assert {j['arm'] for j in grid} == {'baseline', 'baseline-2x', 'salt', 'salt-cs', 'salt-mixup', 'at', 'rs-rp',
                                        'rs-da'}
