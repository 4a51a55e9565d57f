"The `xltnb` command line: info, papers, presets, and bad input to reproduce."
import json, subprocess, time

def run(xltnb_bin, *args, timeout=60, env=None):
    return subprocess.run([xltnb_bin, *args], capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL, env=env)

def test_info_reports_offline_hub_fast(xltnb_bin):
    t0 = time.time(); r = run(xltnb_bin, 'info', '--json'); dt = time.time() - t0
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout)
    assert d['hub_reachable'] is False          # HF_HUB_OFFLINE=1 in tests, and no hub here anyway
    assert d['versions']['torch'].startswith('2.13.0') and d['devices'][-1] == 'cpu'
    assert dt < 5, f'xltnb info took {dt:.1f} s'

def test_info_without_offline_flag_still_fast(xltnb_bin):
    import os
    env = {k: v for k, v in os.environ.items() if k != 'HF_HUB_OFFLINE'}
    t0 = time.time(); r = run(xltnb_bin, 'info', env=env); dt = time.time() - t0
    assert r.returncode == 0 and 'model hub' in r.stdout
    assert dt < 5, f'xltnb info took {dt:.1f} s with a real network probe'

def test_papers_and_presets(xltnb_bin):
    r = run(xltnb_bin, 'papers'); assert r.returncode == 0
    for p in ('baseline', 'salt', 'robust', 'metapretrain', 'langarith', 'mothello'): assert p in r.stdout
    r = run(xltnb_bin, 'presets'); assert r.returncode == 0
    lines = {l.split()[0]: l for l in r.stdout.splitlines()}
    assert 'runs here' in lines['cpu'] and 'NOT here' in lines['paper']

def test_bad_reproduce_input_is_a_clear_error(xltnb_bin):
    r = run(xltnb_bin, 'reproduce', 'slat', '--plan')
    assert r.returncode == 2 and "unknown paper 'slat'; known: baseline, salt" in r.stderr
    r = run(xltnb_bin, 'reproduce', 'all', '--preset', 'tpu', '--plan')
    assert r.returncode == 2 and "unknown preset 'tpu'; known: smoke, cpu, gpu, paper" in r.stderr
    r = run(xltnb_bin, 'reproduce', 'all', '--seeds', '0,x', '--plan')
    assert r.returncode == 2 and "bad --seeds '0,x'" in r.stderr
    r = run(xltnb_bin, 'reproduce', 'all', '--set', 'oops', '--plan')
    assert r.returncode == 2 and "bad --set 'oops': expected key=value" in r.stderr
    r = run(xltnb_bin, 'reproduce', 'baseline', '--preset', 'smoke', '--jobs', '0', '--out', '/tmp/xltnb-never-written')
    assert r.returncode == 2 and 'jobs must be a positive integer, got 0' in r.stderr

def test_side_by_side_papers_share_the_cores():
    "With --jobs 2 a paper whose preset has `threads` gets cores // 2 of them; an explicit --set threads wins."
    import os
    from xltnb.reproduce import _job_overrides
    assert _job_overrides('baseline', 'cpu', {}, 1) == {}
    assert _job_overrides('baseline', 'cpu', {}, 2) == {'threads': max(1, (os.cpu_count() or 1) // 2)}
    assert _job_overrides('baseline', 'cpu', {'threads': 3}, 2) == {'threads': 3}
