"""A real front end: JupyterLab on 127.0.0.1, a notebook opened in headless Chromium, a widget changed, its output
updated."""
import os, socket, subprocess, sys, time, urllib.request
from pathlib import Path
import nbformat, pytest

def free_port():
    with socket.socket() as s: s.bind(('127.0.0.1', 0)); return s.getsockname()[1]

@pytest.fixture(scope='module')
def lab(tmp_path_factory):
    d = tmp_path_factory.mktemp('lab'); port = free_port(); token = 'xltnbtest'
    env = dict(os.environ, JUPYTER_CONFIG_DIR=str(d/'cfg'), JUPYTER_RUNTIME_DIR=str(d/'rt'), HOME=str(d))
    p = subprocess.Popen([str(Path(sys.executable).parent/'jupyter-lab'), '--no-browser', '--ip=127.0.0.1',
                          f'--port={port}',
                          f'--IdentityProvider.token={token}', f'--ServerApp.root_dir={d}', '--allow-root',
                          '--LabApp.news_url=None', '--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate'],
                         env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
    url = f'http://127.0.0.1:{port}'
    for _ in range(120):
        try: urllib.request.urlopen(f'{url}/api/status?token={token}', timeout=1); break
        except OSError: time.sleep(0.5)
    else:
        p.kill(); pytest.fail('JupyterLab did not start: ' + p.stderr.read().decode()[-2000:])
    yield d, url, token
    p.terminate(); p.wait(10)

def write_nb(d: Path, name: str, cells: list[str]) -> str:
    nb = nbformat.v4.new_notebook(); nb.cells = [nbformat.v4.new_code_cell(c) for c in cells]
    nb.metadata['kernelspec'] = dict(name='python3', display_name='Python 3', language='python')
    nbformat.write(nb, d/name); return name

def test_widget_updates_output_in_lab(lab, browser):
    d, url, token = lab
    name = write_nb(d, 'widget.ipynb', [
        "from xltnb.langs import XNLI_LANGS, lang_name\nimport ipywidgets as w\n"
        "dd = w.Dropdown(options=list(XNLI_LANGS), value='en', description='lang')\n"
        "out = w.HTML(value=lang_name('en'))\n"
        "dd.observe(lambda ch: setattr(out, 'value', lang_name(ch['new'])), names='value')\nw.VBox([dd, out])"])
    page = browser.new_page(viewport={'width': 1300, 'height': 900}); errors = []
    page.on('pageerror', lambda e: errors.append(str(e)))
    page.goto(f'{url}/lab/tree/{name}?token={token}', timeout=60000)
    page.wait_for_selector('.jp-Notebook', timeout=60000)
    page.wait_for_function("() => [...document.querySelectorAll('span')]"
                           ".some(s => s.textContent.includes('Kernel status: Idle'))", timeout=180000)
    sel = None
    dialogs = []
    for attempt in range(4):  # the status bar can say Idle before the kernel connection takes requests: retry the run
        for dlg in page.locator('.jp-Dialog').all():  # a dialog (e.g. kernel selection) over the page takes the click:
            if not dlg.is_visible(): continue          # note it, then accept its default (or close it)
            dialogs.append(dlg.inner_text()[:200]); page.screenshot(path=str(d/f'lab-dialog{attempt}.png'))
            accept = dlg.locator('.jp-mod-accept')
            if accept.count(): accept.first.click()
            else: page.keyboard.press('Escape')
        page.locator('.jp-Cell .jp-InputArea-editor').first.click()
        page.keyboard.press('Shift+Enter')
        try: sel = page.wait_for_selector('.widget-dropdown select', timeout=45000); break
        except Exception: page.screenshot(path=str(d/f'lab-attempt{attempt}.png'))
    assert sel is not None, f'the widget never rendered; screenshots in {d}; dialogs seen: {dialogs}'
    out = page.locator('.widget-html-content').first
    assert out.inner_text().strip() == 'English'
    sel.select_option('sw')
    page.wait_for_function("() => document.querySelector('.widget-html-content').innerText.trim() === 'Swahili'",
                           timeout=20000)
    assert out.inner_text().strip() == 'Swahili'
    assert not errors, errors
