"The `xltnb` command line: info, papers, presets, and bad input to reproduce."
import json, socket, subprocess

import pytest

def run(xltnb_bin, *args, timeout=60, env=None):
    return subprocess.run([xltnb_bin, *args], capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL,
                          env=env)

def test_info_reports_offline_hub(xltnb_bin):
    r = run(xltnb_bin, 'info', '--json')
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout)
    assert d['hub_reachable'] is False and d['hf_hub_offline'] == '1'  # HF_HUB_OFFLINE=1 in tests
    assert d['versions']['torch'].startswith('2.13.0') and d['devices'][-1] == 'cpu'


class _NoNetwork(socket.socket):
    "A socket that fails the test if anything tries to connect with it."
    def connect(self, addr): pytest.fail(f'a socket connect to {addr!r}')
    def connect_ex(self, addr): pytest.fail(f'a socket connect to {addr!r}')


def _forbid_network(monkeypatch):
    def refuse(what): return lambda *a, **k: pytest.fail(f'socket.{what}{a!r} with HF_HUB_OFFLINE=1')
    monkeypatch.setattr(socket, 'socket', _NoNetwork)
    monkeypatch.setattr(socket, 'getaddrinfo', refuse('getaddrinfo'))
    monkeypatch.setattr(socket, 'create_connection', refuse('create_connection'))


def test_info_with_hub_offline_opens_no_socket(monkeypatch, capsys):
    from xltnb.cli import main
    monkeypatch.setenv('HF_HUB_OFFLINE', '1')
    _forbid_network(monkeypatch)
    assert main(['info', '--json']) == 0
    assert json.loads(capsys.readouterr().out)['hub_reachable'] is False
    assert main(['presets']) == 0
    assert 'NOT here' in capsys.readouterr().out.splitlines()[-1]  # the paper preset: it needs the hub


def test_info_without_offline_flag_bounds_the_probe(monkeypatch, capsys):
    """Without HF_HUB_OFFLINE the probe resolves the hub's name in a worker thread bounded by its timeout: a name
    lookup that never returns gives 'UNREACHABLE' (the command does not hang); a connect that succeeds gives
    'reachable'. No real network: the socket functions are stand-ins."""
    import threading
    from xltnb.cli import main
    from xltnb.core import HUB_HOST
    monkeypatch.delenv('HF_HUB_OFFLINE', raising=False)
    _forbid_network(monkeypatch)
    release, asked = threading.Event(), []
    def hang(host, *a, **k):
        asked.append(host); release.wait(60); raise OSError('released')
    monkeypatch.setattr(socket, 'getaddrinfo', hang)
    try:
        assert main(['info']) == 0
        hub = [l for l in capsys.readouterr().out.splitlines() if l.startswith('model hub')]
        assert hub and 'UNREACHABLE' in hub[0], hub
        assert asked == [HUB_HOST]
    finally: release.set()

    class Conn:
        def __enter__(self): return self
        def __exit__(self, *a): return False
    connected = []
    monkeypatch.setattr(socket, 'getaddrinfo', lambda host, port, *a: [(socket.AF_INET, socket.SOCK_STREAM, 6, '',
                                                                         ('192.0.2.1', port))])
    monkeypatch.setattr(socket, 'create_connection', lambda addr, timeout=None: connected.append(addr) or Conn())
    assert main(['info']) == 0
    hub = [l for l in capsys.readouterr().out.splitlines() if l.startswith('model hub')]
    assert hub and hub[0].split()[-1] == 'reachable', hub
    assert connected == [('192.0.2.1', 443)]


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


def test_version(xltnb_bin):
    import xltnb
    r = run(xltnb_bin, '--version')
    assert r.returncode == 0 and r.stdout.strip() == f'xltnb {xltnb.__version__}', r.stdout + r.stderr


@pytest.fixture(scope='module')
def no_heavy_imports(tmp_path_factory):
    "An environment in which importing torch, transformers, papermill or jupyter_client fails the command loudly."
    import os
    d = tmp_path_factory.mktemp('shadow')
    for m in ('torch', 'transformers', 'papermill', 'jupyter_client'):
        (d/m).mkdir(); (d/m/'__init__.py').write_text(f"raise ImportError('{m} imported before the usage check')\n")
    return {**os.environ, 'PYTHONPATH': str(d), 'HF_HUB_OFFLINE': '1'}


def _usage_error(xltnb_bin, env, *args):
    "Run the command; it must exit 2 with one message line, no traceback, torch never imported, within 5 s."
    import time
    t0 = time.time(); r = run(xltnb_bin, *args, env=env); wall = time.time() - t0
    assert r.returncode == 2, r.stdout + r.stderr
    assert 'Traceback' not in r.stderr and 'imported before the usage check' not in r.stderr, r.stderr
    assert wall < 5, f'{wall:.1f} s'  # measured 0.3-0.5 s on a shared 2-core machine
    return r.stderr


def test_usage_errors_exit_2_before_torch_or_a_kernel(xltnb_bin, no_heavy_imports, tmp_path):
    env = no_heavy_imports
    e = _usage_error(xltnb_bin, env, 'reproduce', 'nosuchpaper')
    assert "unknown paper 'nosuchpaper'; known: baseline, salt, robust, metapretrain, langarith, mothello" in e
    e = _usage_error(xltnb_bin, env, 'reproduce', 'salt', '--set', 'nosuchkey=3', '--plan')
    assert "salt at cpu: unknown parameter(s) 'nosuchkey'; allowed: preset, seeds, out_dir, protocol" in e
    e = _usage_error(xltnb_bin, env, 'reproduce', 'all', '--preset', 'smoke', '--set', 'nosuchkey=3')
    assert "unknown parameter(s) 'nosuchkey'" in e  # refused for the first paper, before any runs
    e = _usage_error(xltnb_bin, env, 'reproduce', 'mothello', '--preset', 'smoke', '--set', 'steps=-5')
    assert 'mothello at smoke: steps must be >= 1, got -5 (steps: pretraining steps per model' in e
    e = _usage_error(xltnb_bin, env, 'reproduce', 'salt', '--set', 'ratio=2')
    assert 'salt at cpu: ratio must be in (0, 1], got 2.0' in e
    e = _usage_error(xltnb_bin, env, 'reproduce', 'robust', '--preset', 'smoke', '--set', 'methods=[at, fgsm]')
    assert "parameter 'methods': 'fgsm' is not allowed; allowed: baseline, baseline-2x, at, rs-rp, rs-da" in e
    e = _usage_error(xltnb_bin, env, 'reproduce', 'salt', '--set', 'protocol={stepz: 3}', '--set', 'why=x')
    assert "salt at cpu: protocol: unknown protocol setting 'stepz'; known: models, world, tasks" in e
    e = _usage_error(xltnb_bin, env, 'reproduce', 'mothello', '--jobs', '0')
    assert 'jobs must be a positive integer, got 0' in e
    f = tmp_path/'a-file'; f.write_text('')
    e = _usage_error(xltnb_bin, env, 'reproduce', 'mothello', '--preset', 'smoke', '--out', str(f/'out'))
    assert f'--out {f/"out"}: {f} is a file, not a folder' in e
    e = _usage_error(xltnb_bin, env, 'compare', 'xltnb.examples.word_dropout:WordDropout', '--out', str(f/'out'))
    assert f'{f} is a file, not a folder' in e
    e = _usage_error(xltnb_bin, env, 'compare', 'xltnb.examples.word_dropout:WordDropout', '--preset', 'tpu')
    assert "unknown preset 'tpu'; known: smoke, cpu, gpu, paper" in e


def test_a_gpu_preset_without_a_gpu_stops_at_once_and_writes_nothing(xltnb_bin, no_heavy_imports, tmp_path):
    from xltnb.params import gpu_here
    if gpu_here(): pytest.skip('a GPU is here')
    for preset in ('gpu', 'paper'):
        out = tmp_path/preset
        e = _usage_error(xltnb_bin, {**no_heavy_imports, 'XLTNB_ALLOW_CPU': '0'}, 'reproduce', '--preset', preset,
                         '--out', str(out))
        assert f"preset {preset!r} needs a CUDA GPU" in e and 'presets that run here: smoke, cpu' in e, e
        assert not out.exists()  # no status, no report


def test_a_folder_holding_another_run_is_refused_before_it_starts(xltnb_bin, no_heavy_imports, tmp_path):
    (tmp_path/'salt').mkdir()
    (tmp_path/'salt'/'config.json').write_text(json.dumps(dict(paper='salt', params=dict(preset='smoke', ratio=0.5))))
    e = _usage_error(xltnb_bin, no_heavy_imports, 'reproduce', 'salt', '--preset', 'smoke', '--out', str(tmp_path))
    assert f"out_dir {tmp_path/'salt'} holds another run (ratio: 0.5 there, 0.3 here)" in e
    assert sorted(p.name for p in tmp_path.rglob('*')) == ['config.json', 'salt']  # nothing written


def test_the_plan_counts_runs_and_names_the_folders(xltnb_bin, tmp_path):
    "methods x seeds x tasks x models, with the page's own lists or its protocol's; the folders it writes."
    import os
    r = run(xltnb_bin, 'reproduce', 'salt', '--preset', 'cpu', '--seeds', '0,1', '--out', str(tmp_path/'o'), '--plan',
            env={**os.environ, 'XLTNB_RUNS': str(tmp_path/'store')})
    assert r.returncode == 0, r.stderr
    head, folders = r.stdout.splitlines()[:2]
    # cpu.yaml: methods [baseline, salt], protocol {tasks: [world-nli]}; the cpu protocol's one encoder
    assert head.startswith('salt @ cpu: 4 training run(s) = 2 methods x 2 seeds x 1 task x 1 model;'), head
    assert folders.strip() == f"writes {tmp_path/'o'/'salt'}; fine-tuning runs in {tmp_path/'store'/'finetune'}"
    assert not (tmp_path/'o').exists()  # a plan writes nothing
