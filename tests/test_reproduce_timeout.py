"A paper whose cell never finishes fails with a clear message after one retry, instead of hanging the run."
import nbformat

def test_hung_cell_fails_after_one_retry(tmp_path, monkeypatch):
    root = tmp_path/'root'; (root/'nbs'/'papers').mkdir(parents=True); (root/'configs'/'mothello').mkdir(parents=True)
    (root/'configs'/'mothello'/'smoke.yaml').write_text('preset: smoke\n')
    nb = nbformat.v4.new_notebook(metadata=dict(
        kernelspec=dict(name='python3', display_name='Python 3', language='python'), language_info=dict(name='python')))
    p = nbformat.v4.new_code_cell("preset = 'smoke'\nout_dir = ''"); p.metadata['tags'] = ['parameters']
    nb.cells = [p, nbformat.v4.new_code_cell('import time; time.sleep(60)')]
    nbformat.write(nb, root/'nbs'/'papers'/'mothello.ipynb')
    monkeypatch.setenv('XLTNB_ROOT', str(root))
    import xltnb.reproduce as R
    monkeypatch.setitem(R.CELL_TIMEOUT_S, 'smoke', 3)
    s = R.run_paper('mothello', 'smoke', tmp_path/'out', progress=False)
    assert not s['ok'] and s['attempts'] == 2
    assert 'a cell timed out after 3 s' in s['error'] and 'time.sleep(60)' in s['error']
    assert not (tmp_path/'out'/'mothello'/'done.json').exists()
