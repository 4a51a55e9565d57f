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
