"""`xltnb reproduce --jobs N` on a machine with GPUs: one job per GPU, told by CUDA_VISIBLE_DEVICES in its kernel.
Tested without a GPU: the device list is monkeypatched and the papers are stand-in functions."""
import threading, time
import pytest
import xltnb.reproduce as rp


@pytest.fixture
def fake_papers(monkeypatch):
    "Every paper 'runs' for a moment and records the GPU its kernel would see, and which GPUs were busy meanwhile."
    lock, busy, seen = threading.Lock(), [], []
    def run_paper(paper, preset, out, seeds=None, overrides=None, progress=True, env=None):
        g = (env or {}).get('CUDA_VISIBLE_DEVICES')
        with lock: seen.append((paper, g, list(busy))); busy.append(g)
        time.sleep(0.2)
        with lock: busy.remove(g)
        return dict(paper=paper, preset=preset, ok=True, error=None, wall_s=0.2, env=env)
    monkeypatch.setattr(rp, 'run_paper', run_paper)
    monkeypatch.setattr(rp, '_start', lambda *a, **k: None)
    monkeypatch.setattr(rp, 'preflight', lambda *a, **k: {})  # no resource check: this machine has no GPU
    monkeypatch.setattr(rp, 'build_report', lambda *a, **k: None)
    return seen


def test_each_job_holds_its_own_gpu(fake_papers, monkeypatch, tmp_path):
    monkeypatch.setattr(rp, 'gpu_ids', lambda: ['0', '1'])
    papers = ['baseline', 'salt', 'robust', 'langarith']
    st = rp.reproduce(papers, preset='paper', out=tmp_path, jobs=2, progress=False, log=lambda *a: None)
    assert [s['paper'] for s in st] == papers and all(s['ok'] for s in st)
    assert {g for _, g, _ in fake_papers} == {'0', '1'}  # every job got a GPU, and both GPUs were used
    assert all(g not in busy for _, g, busy in fake_papers)  # never a GPU that another running job held


def test_more_jobs_than_gpus_is_an_error(fake_papers, monkeypatch, tmp_path):
    monkeypatch.setattr(rp, 'gpu_ids', lambda: ['0', '1'])
    with pytest.raises(ValueError, match='--jobs 3 but 2 GPU'):
        rp.reproduce(['baseline', 'salt', 'robust'], preset='gpu', out=tmp_path, jobs=3, progress=False)


def test_no_assignment_without_gpus_or_at_a_cpu_preset(fake_papers, monkeypatch, tmp_path):
    monkeypatch.setattr(rp, 'gpu_ids', lambda: [])
    rp.reproduce(['baseline', 'salt'], preset='gpu', out=tmp_path / 'a', jobs=2, progress=False, log=lambda *a: None)
    monkeypatch.setattr(rp, 'gpu_ids', lambda: ['0'])  # a cpu preset never asks for the GPUs
    rp.reproduce(['baseline', 'salt'], preset='cpu', out=tmp_path / 'b', jobs=2, progress=False, log=lambda *a: None)
    assert [g for _, g, _ in fake_papers] == [None] * 4


def test_gpu_ids_follow_cuda_visible_devices(monkeypatch):
    monkeypatch.setenv('CUDA_VISIBLE_DEVICES', '3, 1')
    assert rp.gpu_ids() == ['3', '1']
    monkeypatch.setenv('CUDA_VISIBLE_DEVICES', '')
    assert rp.gpu_ids() == []


def test_the_kernel_sees_the_assigned_gpu(tmp_path):
    "The variable reaches the notebook's kernel, not this process."
    import os, nbformat, papermill as pm
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        "import os; open('seen.txt', 'w').write(os.environ.get('CUDA_VISIBLE_DEVICES', 'unset'))")])
    nb.metadata['kernelspec'] = {'name': 'python3', 'display_name': 'python3', 'language': 'python'}
    nbformat.write(nb, tmp_path / 'in.ipynb')
    pm.execute_notebook(str(tmp_path / 'in.ipynb'), str(tmp_path / 'out.ipynb'), kernel_name='python3',
                        cwd=str(tmp_path),
                        progress_bar=False, kernel_manager_class=rp.kernel_manager_with({'CUDA_VISIBLE_DEVICES': '7'}))
    assert (tmp_path / 'seen.txt').read_text() == '7' and os.environ.get('CUDA_VISIBLE_DEVICES') != '7'


def test_gpu_bench_rows_on_the_cpu(tmp_path):
    """bench/gpu_throughput.py's code path at tiny sizes on the CPU: each runner's row has its fields; the driver runs
    a configuration in its own process and writes the JSON (its timings are not performance claims)."""
    import json, sys
    from pathlib import Path
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / 'bench'))
    import gpu_throughput as g
    base = dict(g.parse_shape('e5:4x12'), device='cpu', tiny=True, steps=2, warmup=1, profile_steps=1, compile='off')
    res = [g.one(dict(base, runner=r)) for r in g.RUNNERS]
    assert [r['runner'] for r in res] == list(g.RUNNERS)
    assert all(r['ms'] > 0 and r['busy_ms'] is None and r['tokens'] == 4 * 12 for r in res)
    rows, ratios = g.summarise([dict(r, process_s=1.0) for r in res], peak=None)
    assert {k for r in rows for k in r} >= {'shape', 'compile', 'runner', 'ms_per_update', 'gpu_busy_ms', 'mfu',
                                           'tokens_per_s', 'rounds'}
    assert set(ratios) == {'e5:4x12 compile=off trainer/loop', 'e5:4x12 compile=off harness/loop'}
    out = g.main(['--device', 'cpu', '--tiny', '--shapes', 'xlmr:2x8', '--runners', 'harness', '--compile', 'off',
                  '--steps', '2', '--warmup', '1', '--profile-steps', '1', '--rounds', '1',
                  '--json', str(tmp_path / 'b.json')])
    assert json.loads((tmp_path / 'b.json').read_text()) == out
    rows = [(r['shape'], r['runner'], r['rounds'], r['errors']) for r in out['rows']]
    assert rows == [('xlmr:2x8', 'harness', 1, [])]
    with pytest.raises(ValueError, match="bad shape 'bert:2x8'"): g.parse_shape('bert:2x8')
    assert g.parse_shape('e5:msg-topic') == dict(name='e5:msg-topic', arch='e5', batch=32, task='msg-topic')
