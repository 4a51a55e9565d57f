"`xltnb reproduce` end to end at the smoke preset: every paper, records contract, report, kill + resume, corruption."
import json, math, os, signal, subprocess, time
from pathlib import Path
import pytest
from xltnb.reproduce import available_papers, PAPERS

# the test command's fast tier runs every paper once at smoke (`smoke_run`) and checks that run and its report; the
# slow tier (`slow`) reproduces again: killed and resumed, corrupted, a cpu report, with real text off

BUILT = available_papers()
CONTRACT = ('paper', 'method', 'task', 'model', 'preset', 'seed', 'split', 'metric', 'value')

def reproduce(xltnb_bin, out, *papers, extra=(), quiet=True, **kw):
    return subprocess.run([xltnb_bin, 'reproduce', *papers, '--preset', 'smoke', '--out', str(out),
                           *(['--quiet'] if quiet else []), *extra],
                          capture_output=True, text=True, stdin=subprocess.DEVNULL, **kw)

def contract_view(path: Path) -> list:
    "The records' contract fields as (identity, value) pairs sorted by identity."
    recs = [json.loads(l) for l in path.read_text().splitlines() if l.strip()]
    keys = CONTRACT[:-1] + ('lang', 'lang_a', 'lang_b')
    return sorted((json.dumps({k: r.get(k) for k in keys}, sort_keys=True), r['value']) for r in recs)

def same_records(a: Path, b: Path) -> bool:
    """Same records, same values, up to float32 resolution: torch's CPU reductions may differ in the last bit of a
    float32 between processes (seen: a cosine of 0.95300329 vs 0.95300323)."""
    va, vb = contract_view(a), contract_view(b)
    return [k for k, _ in va] == [k for k, _ in vb] and all(
        x == y or (isinstance(x, float) and isinstance(y, float) and math.isclose(x, y, rel_tol=1e-6, abs_tol=1e-7))
        for (_, x), (_, y) in zip(va, vb))

@pytest.fixture(scope='module')
def smoke_run(tmp_path_factory, xltnb_bin):
    assert BUILT, 'no paper notebook exists in nbs/papers'
    out = tmp_path_factory.mktemp('smoke')
    # two papers side by side (as `make reproduce` runs them): the kill/resume and corruption tests below then also
    # check that a paper's records do not depend on whether it ran alone or beside another
    # its own run store: the test below counts the fine-tuning runs that the papers made in it
    env = {**os.environ, 'XLTNB_RUNS': str(out/'_runs')}
    t0 = time.time(); r = reproduce(xltnb_bin, out, *BUILT, extra=('--jobs', '2'), env=env); wall = time.time() - t0
    return out, r, wall

def test_every_built_paper_runs_at_smoke(smoke_run):
    out, r, wall = smoke_run
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    for p in BUILT:
        d = out/p
        assert (d/'executed.ipynb').exists() and (d/'config.json').exists(), p
        recs = [json.loads(l) for l in (d/'results.jsonl').read_text().splitlines()]
        assert recs, f'{p} wrote no records'
        for rec in recs:
            missing = [k for k in CONTRACT if k not in rec]
            assert not missing, f'{p}: record lacks {missing}: {rec}'
            assert ('lang' in rec) or ('lang_a' in rec and 'lang_b' in rec), f'{p}: record has no language: {rec}'
            assert rec['paper'] == p and rec['preset'] == 'smoke'
        cfg = json.loads((d/'config.json').read_text())
        resolved = cfg.get('params', cfg)  # the resolved parameters, at the top level or under 'params'
        assert resolved.get('preset') == 'smoke', f'{p}: config.json lacks the resolved preset'
        assert any(k in cfg for k in ('versions', 'packages')), f'{p}: config.json lacks package versions'
    assert json.loads((out/'status.json').read_text())

def test_the_baseline_is_trained_once_per_task_and_seed(smoke_run):
    "Three papers compare with the baseline; each (task, seed) of it is one run in the store, and all three read it."
    out, r, _ = smoke_run
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    runs = sorted((out/'_runs'/'finetune').glob('*/baseline/world-tiny/*/result.json'))
    from xltnb.protocol import PROTOCOLS
    P = PROTOCOLS['smoke']
    assert sorted(p.parents[3].name for p in runs) == sorted(P.tasks) * len(P.seeds), runs  # one run per (task, seed)
    read = {}
    for paper in ('baseline', 'salt', 'robust'):
        recs = [json.loads(l) for l in (out/paper/'results.jsonl').read_text().splitlines()]
        read[paper] = {r['run'] for r in recs if r['method'] == 'baseline' and r['task'] == 'world-nli' and 'run' in r}
    assert len(read['baseline']) == 1 and read['baseline'] == read['salt'] == read['robust'], read
    # and the same numbers: the arm is evaluated once, on the same test items
    acc = {p: sorted((r['lang'], r['value']) for r in map(json.loads, (out/p/'results.jsonl').read_text().splitlines())
                     if r['method'] == 'baseline' and r['task'] == 'world-nli' and r['metric'] == 'accuracy'
                     and r['split'] == 'test' and 'lang' in r) for p in ('baseline', 'salt', 'robust')}
    assert acc['baseline'] == acc['salt'] == acc['robust'] and acc['baseline']

def test_report_shows_every_paper_with_a_table_a_figure_and_a_verdict(smoke_run, root, browser):
    "The report, opened in Chromium by the check tools/check_report.py runs: per paper a table, a figure, a verdict."
    out, r, _ = smoke_run
    assert (root/'nbs'/'papers'/'report.ipynb').exists(), 'nbs/papers/report.ipynb is missing'
    from check_report import check
    assert check(out, browser=browser) == [], r.stdout[-2000:]


def test_a_report_of_an_empty_or_broken_run_fails_the_check(smoke_run, tmp_path, browser):
    "A report built from a run whose papers wrote nothing, or wrote a corrupt file, does not pass the check."
    import shutil
    from check_report import check
    from xltnb.reproduce import build_report
    out, _, _ = smoke_run
    empty = tmp_path/'empty'; empty.mkdir()
    shutil.copy(out/'status.json', empty/'status.json')  # every paper says it ran, none left records
    build_report(empty, 'smoke', progress=False)
    problems = check(empty, browser=browser)
    assert any('no table with numbers' in p for p in problems) and any('no verdict' in p for p in problems), problems
    broken = tmp_path/'broken'; shutil.copytree(out, broken, ignore=shutil.ignore_patterns('_runs', 'report.*'))
    (broken/'salt'/'results.jsonl').write_text('{"paper": "salt", "value": \n')  # cut off mid-record
    assert 'FAILED' in (build_report(broken, 'smoke', progress=False) or '')
    assert check(broken, browser=browser) == [f'{broken/"report.html"} does not exist']


@pytest.mark.slow  # a reproduction
def test_all_lists_missing_papers_and_fails(tmp_path, xltnb_bin):
    missing = [p for p in PAPERS if p not in BUILT]
    if not missing: pytest.skip('every planned paper is built')
    r = reproduce(xltnb_bin, tmp_path, missing[0])
    assert r.returncode == 1 and f'{missing[0]}: not built yet' in r.stdout

def _checkpoint_of_an_unfinished_run(store: Path, method: str):
    "A complete checkpoint (trainer state written) of a `method` run that has not finished, or None."
    for ck in sorted(store.glob(f'finetune/*/{method}/*/*/checkpoint-*/trainer_state.json')):
        if not (ck.parents[1]/'result.json').exists(): return ck.parent
    return None

def _kernels_of(pid: int) -> list[int]:
    "The notebook kernels process `pid` started (its children that run ipykernel)."
    out = []
    for d in Path('/proc').iterdir():
        if not d.name.isdigit(): continue
        try: stat, cmd = (d/'stat').read_text(), (d/'cmdline').read_bytes()
        except OSError: continue
        if int(stat.rsplit(')', 1)[1].split()[1]) == pid and b'ipykernel' in cmd: out.append(int(d.name))
    return out

def _group_of(kernels: list[int]) -> dict[int, bytes]:
    "The processes in the kernels' process groups (a kernel leads its own: its worker processes are in it), pid -> cmd."
    out = {}
    for d in Path('/proc').iterdir():
        if not d.name.isdigit(): continue
        try: stat, cmd = (d/'stat').read_text(), (d/'cmdline').read_bytes()
        except OSError: continue
        if int(stat.rsplit(')', 1)[1].split()[2]) in kernels: out[int(d.name)] = cmd
    return out

def _running(pid: int, cmd: bytes) -> bool:
    "Is process `pid` (that ran `cmd`) still running (a zombie, dead and not yet reaped, is not)?"
    try: stat, now = Path(f'/proc/{pid}/stat').read_text(), Path(f'/proc/{pid}/cmdline').read_bytes()
    except OSError: return False
    return stat.rsplit(')', 1)[1].split()[0] not in ('Z', 'X') and now == cmd

def _gone_within(procs: dict[int, bytes], seconds: float) -> bool:
    deadline = time.time() + seconds
    while any(_running(k, c) for k, c in procs.items()):
        if time.time() > deadline: return False
        time.sleep(0.05)
    return True

@pytest.mark.slow  # three reproductions, one killed
def test_kill_mid_paper_and_resume(tmp_path, xltnb_bin):
    """Killed while a paper trains (as soon as an unfinished run has written a checkpoint), `--resume` skips the
    paper that had finished, resumes the interrupted run from its newest checkpoint, and gives the records of a run
    that was never interrupted. The kill reaches the kernel too (it is in a session of its own, so killing the
    command's group does not): once it is gone nothing writes, whenever the kill landed, and the checkpoint read
    here is the one the resumed run finds."""
    papers = ['baseline', 'salt']
    # SALT's runs a little longer than smoke's, so there is time between its checkpoints to kill it
    over = ['--set', 'protocol={"tasks": ["world-nli"], "steps": {"world-nli": 60}}',
            '--set', 'why=a longer run to kill']
    store, out = tmp_path/'store', tmp_path/'killed'
    env = {**os.environ, 'XLTNB_RUNS': str(store)}
    cmd = [xltnb_bin, 'reproduce', *papers, '--preset', 'smoke', '--out', str(out), '--quiet', *over]
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL,
                         start_new_session=True, env=env)
    deadline, ck = time.time() + 900, None
    while time.time() < deadline and p.poll() is None:
        ck = _checkpoint_of_an_unfinished_run(store, 'salt')
        if ck is not None: break
        time.sleep(0.05)
    procs = _group_of(_kernels_of(p.pid))
    os.killpg(p.pid, signal.SIGKILL); p.wait()
    assert ck is not None, 'no SALT checkpoint appeared before the run ended'
    assert procs and _gone_within(procs, 10), f'kernel processes {procs} still running after the command was killed'
    assert (out/'baseline'/'done.json').exists() and not (out/'salt'/'done.json').exists()
    run_folder = ck.parent
    from xltnb.finetune import last_checkpoint  # the run may have written more checkpoints before the kill landed
    ck = Path(last_checkpoint(run_folder))
    assert not (run_folder/'result.json').exists() and (ck/'trainer_state.json').exists()  # killed mid-run
    r2 = subprocess.run(cmd + ['--resume'], capture_output=True, text=True, stdin=subprocess.DEVNULL, env=env)
    assert r2.returncode == 0, r2.stdout[-3000:] + r2.stderr[-3000:]
    assert '[baseline] skipped' in r2.stdout  # the finished paper was not rerun
    assert json.loads((run_folder/'result.json').read_text())['resumed_from'] == ck.name  # resumed from that checkpoint
    clean = tmp_path/'clean'
    r3 = subprocess.run([xltnb_bin, 'reproduce', 'salt', '--preset', 'smoke', '--out', str(clean), '--quiet', *over],
                        capture_output=True, text=True, stdin=subprocess.DEVNULL,
                        env={**os.environ, 'XLTNB_RUNS': str(tmp_path/'clean-store')})
    assert r3.returncode == 0, r3.stdout[-3000:]
    assert same_records(out/'salt'/'results.jsonl', clean/'salt'/'results.jsonl')

@pytest.mark.slow  # a reproduction killed, per signal
@pytest.mark.parametrize('sig', [signal.SIGINT, signal.SIGTERM, signal.SIGKILL], ids=['SIGINT', 'SIGTERM', 'SIGKILL'])
def test_a_killed_command_leaves_no_kernel_and_nothing_writes_after(tmp_path, xltnb_bin, sig):
    """The signal to the command's process alone (not its group, which would not reach the kernel either): the command
    ends at once (128 + the signal; SIGKILL: killed), its kernel and the kernel's worker processes (mOthello trains
    its models side by side in processes) within seconds, and nothing writes after."""
    out = tmp_path/'out'
    p = subprocess.Popen([xltnb_bin, 'reproduce', 'mothello', '--preset', 'smoke', '--out', str(out), '--quiet',
                          '--set', 'steps=100000', '--set', 'workers=2'],  # long: it is killed while it trains
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL,
                         start_new_session=True, env={**os.environ, 'XLTNB_RUNS': str(tmp_path/'store')})
    deadline, kernels = time.time() + 300, []
    while time.time() < deadline and p.poll() is None and not kernels:
        kernels = _kernels_of(p.pid); time.sleep(0.05)
    assert kernels, 'no kernel started'
    while time.time() < deadline and len(procs := _group_of(kernels)) < 3: time.sleep(0.2)  # the kernel, 2 workers
    assert len(procs) >= 3, procs
    time.sleep(2)  # at work
    os.kill(p.pid, sig)
    assert p.wait(30) == (-signal.SIGKILL if sig == signal.SIGKILL else 128 + sig)
    assert _gone_within(procs, 5), f'kernel processes {procs} still running after the command ended'
    files = lambda: {f: f.stat().st_mtime_ns for f in tmp_path.rglob('*') if f.is_file()}
    before = files(); time.sleep(2)
    assert files() == before and not (out/'mothello'/'results.jsonl').exists()


@pytest.mark.slow  # a paper reproduced three times
def test_corrupt_results_are_not_trusted(smoke_run, tmp_path, xltnb_bin):
    ref, r, _ = smoke_run
    p = BUILT[0]
    r1 = reproduce(xltnb_bin, tmp_path, p, quiet=False); assert r1.returncode == 0
    # progress bars on, output to a pipe (a log): tqdm draws none, so the log holds no carriage-return redraws
    assert '\r' not in r1.stderr and 'Executing' not in r1.stderr, r1.stderr[-1000:]
    f = tmp_path/p/'results.jsonl'; text = f.read_text()
    f.write_text(text[: len(text) // 2])                      # a half-written file
    r2 = reproduce(xltnb_bin, tmp_path, p, extra=('--resume',))
    assert r2.returncode == 0 and 'skipped' not in r2.stdout, r2.stdout
    assert same_records(f, ref/p/'results.jsonl')
    r3 = reproduce(xltnb_bin, tmp_path, p, extra=('--resume',))
    assert f'[{p}] skipped' in r3.stdout                        # now verified, so trusted


@pytest.mark.slow  # two cpu reports
def test_the_cpu_report_checks_a_rerun_against_the_reference_seed_by_seed(tmp_path):
    """A cpu run whose language-arithmetic records are the reference's own seeds 0-2 reproduces it exactly; the same
    run with one value changed is reported as differing, by how much and where. The baseline page's real-text rerun
    (msg-para seed 0, here the shipped rerun of that seed on an AMD EPYC) is checked against the real-text reference,
    and against that shipped rerun where the CPU kinds differ; where the page left real text out, the report says
    why."""
    from xltnb.core import cpu_description
    from xltnb.reproduce import build_report
    from xltnb.results import MEASURED_DIR, measured_records
    ref = [json.loads(l) for l in (MEASURED_DIR/'reference-cpu-langarith-sliver-emb.jsonl').read_text().splitlines()
           if l.strip()]  # the cpu preset's setting: the testbed
    rerun = [r for r in ref if r['seed'] in (0, 1, 2)]
    rt0, rt_meta = measured_records('rerun-cpu-realtext-seed0.jsonl')
    rt0 = [{k: v for k, v in dict(r, paper='baseline').items() if k != 'measured'} for r in rt0]  # as the page has them
    status = [dict(paper=p, preset='cpu', ok=True, error=None, wall_s=1.0, seeds=[0, 1, 2])
              for p in ('baseline', 'langarith')]

    def report_text(recs, name, baseline=(), skipped=''):
        d = tmp_path/name; (d/'langarith').mkdir(parents=True); (d/'baseline').mkdir()
        (d/'langarith'/'results.jsonl').write_text(''.join(json.dumps(r) + '\n' for r in recs))
        if baseline: (d/'baseline'/'results.jsonl').write_text(''.join(json.dumps(r) + '\n' for r in baseline))
        (d/'baseline'/'config.json').write_text(json.dumps(dict(realtext_skipped=skipped) if skipped else {}))
        (d/'status.json').write_text(json.dumps(status))
        assert 'FAILED' not in (build_report(d, 'cpu', progress=False) or '')
        nb = json.loads((d/'report.ipynb').read_text())
        return '\n'.join(''.join(o.get('data', {}).get('text/markdown', ''))
                         for c in nb['cells'] for o in c.get('outputs', []))

    same = report_text(rerun, 'same', baseline=rt0)
    assert f'shares {len(rerun)} records with the reference (seeds 0, 1, 2), and {len(rerun)} of them carry' in same
    assert 'exactly: the rerun reproduces the reference' in same
    n_rt = sum(1 for r in rt0 if r.get('run'))  # the fine-tuned arm's records (the surface floor is no run)
    assert f'shares {n_rt} records with the reference (seed 0)' in same  # real text: the baseline page's seed 0
    if cpu_description() == rt_meta['cpu']:  # this machine's CPU kind measured the shipped rerun: the check is on it
        assert f"{n_rt} records with `rerun-cpu-realtext-seed0.jsonl` (seed 0), and {n_rt} of them carry" in same
    else:
        assert f"`rerun-cpu-realtext-seed0.jsonl`, measured on {rt_meta['cpu']}, carries the reference's value" in same
    left = report_text(rerun, 'left', skipped='real text left out: its cpu protocol trains in bf16 autocast')
    assert 'The baseline page: real text left out: its cpu protocol trains in bf16 autocast.' in left
    i = next(k for k, r in enumerate(rerun) if r['method'] == 'langarith' and r['metric'] == 'accuracy')
    changed = [dict(r, value=r['value'] + 0.05) if k == i else r for k, r in enumerate(rerun)]
    text = report_text(changed, 'changed')
    assert f'{len(rerun) - 1} of them carry' in text
    assert '1 differ, the most by 0.05 (langarith, world-nli, seed' in text

@pytest.mark.slow  # a paper reproduced again
def test_the_baseline_runs_with_real_text_off(smoke_run, tmp_path, xltnb_bin):
    """`--set realtext=false` runs the world part alone: the page's real-text cells (the alignment table and figures on
    parallel messages) are skipped, not failed (they raised on an empty record list: seen first on a lent GPU)."""
    out, _, _ = smoke_run
    env = {**os.environ, 'XLTNB_RUNS': str(out/'_runs')}  # the world runs are in the smoke run's store: read again
    r = reproduce(xltnb_bin, tmp_path, 'baseline', extra=('--set', 'realtext=false'), env=env)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    recs = [json.loads(l) for l in (tmp_path/'baseline'/'results.jsonl').read_text().splitlines()]
    assert recs and all(rec['task'].startswith('world-') for rec in recs), sorted({rec['task'] for rec in recs})
