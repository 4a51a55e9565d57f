"""A real front end: JupyterLab on 127.0.0.1, a paper page's reference cells and the project's results inspector
opened in headless Chromium, a control changed, its plotly figure redrawn."""
import os, socket, subprocess, sys, time, urllib.request
from pathlib import Path
import nbformat, pytest

def free_port():
    with socket.socket() as s: s.bind(('127.0.0.1', 0)); return s.getsockname()[1]

@pytest.fixture(scope='module')
def lab(tmp_path_factory):
    d = tmp_path_factory.mktemp('lab'); port = free_port(); token = 'xltnbtest'
    settings = d/'settings'/'@jupyterlab'/'notebook-extension'  # every cell attached to the page, so what a
    settings.mkdir(parents=True)                                # cell rendered can be read off the page
    (settings/'tracker.jupyterlab-settings').write_text('{"windowingMode": "none"}')
    env = dict(os.environ, JUPYTER_CONFIG_DIR=str(d/'cfg'), JUPYTER_RUNTIME_DIR=str(d/'rt'), HOME=str(d),
               JUPYTERLAB_SETTINGS_DIR=str(d/'settings'))
    p = subprocess.Popen([str(Path(sys.executable).parent/'jupyter-lab'), '--no-browser', '--ip=127.0.0.1',
                          f'--port={port}',
                          f'--IdentityProvider.token={token}', f'--ServerApp.root_dir={d}', '--allow-root',
                          '--LabApp.news_url=None', '--LabApp.expose_app_in_browser=True',
                          '--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate'],
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

def reference_notebook(root: Path, paper: str = 'baseline') -> list[str]:
    "A paper page's `reference` cells (self-contained: they run in a fresh kernel) and its reference inspector."
    nb = nbformat.read(root/'nbs'/'papers'/f'{paper}.ipynb', as_version=4)
    refs = [c.source for c in nb.cells if c.cell_type == 'code' and 'reference' in c.metadata.get('tags', [])]
    assert refs, f'nbs/papers/{paper}.ipynb has no `reference` cell'
    return refs + [f"from xltnb.verdicts import reference_inspector; reference_inspector({paper!r})"]

RUN_ALL = "() => { window.jupyterapp.commands.execute('notebook:run-all-cells'); return true; }"  # not awaited
KERNEL_READY = ("() => { const w = window.jupyterapp.shell.currentWidget; "
                "const k = w && w.sessionContext && w.sessionContext.session && w.sessionContext.session.kernel; "
                "return !!k && k.connectionStatus === 'connected' && k.status === 'idle'; }")
# every code cell of the open notebook has run: an execution count, and no cell still queued or running
ALL_RAN = ("() => { const w = window.jupyterapp.shell.currentWidget; if (!w || !w.content) return false; "
           "const cells = [...w.content.model.cells].filter(c => c.type === 'code'); "
           "return cells.length > 0 && cells.every(c => c.executionCount !== null) "
           "&& [...document.querySelectorAll('.jp-InputPrompt')].every(p => !p.textContent.includes('*')); }")
FIG_TITLE = "() => { const t = document.querySelector('.widget-output .js-plotly-plot .gtitle'); " \
            "return t ? t.textContent : null; }"

@pytest.mark.slow  # JupyterLab in a browser
def test_reference_inspector_redraws_its_figure_in_lab(lab, browser, root):
    """The baseline page's reference cells and its `ResultsInspector` over the shipped reference records, run in
    JupyterLab: the inspector draws a plotly figure; choosing a seed redraws it for that seed."""
    d, url, token = lab
    cells = reference_notebook(root)
    name = write_nb(d, 'reference.ipynb', cells)
    page = browser.new_page(viewport={'width': 1300, 'height': 900}); errors = []
    page.on('pageerror', lambda e: errors.append(str(e)))
    page.goto(f'{url}/lab/tree/{name}?token={token}', timeout=60000)
    page.wait_for_selector('.jp-Notebook', timeout=60000)
    seed, dialogs = None, []
    def until(check: str, seconds: float) -> bool:
        "Poll `check` in the page, accepting any dialog (e.g. kernel selection) that would take the run's place."
        end = time.time() + seconds
        while time.time() < end:
            for dlg in page.locator('.jp-Dialog').all():
                if not dlg.is_visible(): continue
                dialogs.append(dlg.inner_text()[:200]); page.screenshot(path=str(d/f'lab-dialog{len(dialogs)}.png'))
                accept = dlg.locator('.jp-mod-accept')
                if accept.count(): accept.first.click()
                else: page.keyboard.press('Escape')
            if page.evaluate(check): return True
            time.sleep(1)
        return False
    for attempt in range(3):  # the status bar says Idle before the kernel takes requests: ask the kernel itself
        until(KERNEL_READY, 180)
        page.evaluate(RUN_ALL)  # Run > Run All Cells, through the app's command registry
        if until(ALL_RAN, 180):
            seed = page.wait_for_selector('.widget-dropdown:has(label:text-is("seed")) select', timeout=60000)
            break
        page.screenshot(path=str(d/f'lab-attempt{attempt}.png'))
    assert seed is not None, f'the inspector never rendered; screenshots in {d}; dialogs seen: {dialogs}'
    page.wait_for_function(f"() => ({FIG_TITLE})() !== null", timeout=60000)
    before = page.evaluate(FIG_TITLE)
    assert 'mean ± std over' in before, before  # all seeds
    bars = page.locator('.widget-output .js-plotly-plot .barlayer .point').count()
    assert bars > 0, 'the inspector drew no bars'
    options = seed.evaluate("s => [...s.options].map(o => o.textContent)")
    assert options[0].startswith('all') and len(options) > 2, options
    size, n = page.locator('.widget-select-multiple select').first.evaluate("s => [s.size, s.options.length]")
    assert n >= 3 and size >= n, (size, n)  # every method in sight, none below the list's fold
    assert f'seed {options[1]}' not in before
    seed.select_option(label=options[1])  # the title's first line ends with the seed, the testbed's line follows
    page.wait_for_function(f"() => (({FIG_TITLE})() || '').includes('seed {options[1]}')", timeout=30000)
    after = page.evaluate(FIG_TITLE)
    assert after != before and f'seed {options[1]}' in after, (before, after)
    body = page.locator('.jp-Notebook').text_content()
    assert 'holds' in body or 'inconclusive' in body  # the reference cells' verdicts rendered above the inspector
    seed.scroll_into_view_if_needed(); page.screenshot(path=str(d/'lab-inspector.png'))
    assert not errors, errors
