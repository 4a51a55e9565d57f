"The offline docs (built by the test command's last step, or here if missing) render in headless Chromium."
import base64, subprocess
from pathlib import Path
import pytest

@pytest.fixture(scope='module')
def docs(root):
    if not all((root/'_docs'/page).exists() for page in ('index.html', 'core.html', 'design.html')):
        subprocess.run(['bash', str(root/'tools'/'docs.sh')], check=True, capture_output=True)
    return root/'_docs'

def ink_fraction(page, png: bytes) -> float:
    "Fraction of non-white pixels in a PNG, decoded by the browser itself (no image library needed)."
    page.set_content(f'<img id="i" src="data:image/png;base64,{base64.b64encode(png).decode()}">')
    return page.evaluate('''async () => { const i = document.getElementById('i'); await i.decode();
        const c = document.createElement('canvas'); c.width = i.naturalWidth; c.height = i.naturalHeight;
        const x = c.getContext('2d'); x.drawImage(i, 0, 0); const d = x.getImageData(0, 0, c.width, c.height).data;
        let n = 0; for (let k = 0; k < d.length; k += 4) if (d[k] < 200 || d[k+1] < 200 || d[k+2] < 200) n++;
        return n / (c.width * c.height); }''')

def open_page(browser, path: Path):
    page = browser.new_page(); errors = []
    page.on('console', lambda m: errors.append(m.text) if m.type == 'error' else None)
    page.on('pageerror', lambda e: errors.append(str(e)))
    page.on('requestfailed', lambda r: errors.append(f'request failed: {r.url}'))
    page.goto(path.resolve().as_uri()); page.wait_for_load_state('load')
    return page, errors

def test_index_renders(browser, docs, tmp_path):
    page, errors = open_page(browser, docs/'index.html')
    assert page.title() == 'xltnb'
    assert page.locator('h1').first.inner_text().strip().startswith('xltnb')
    assert 'make test' in page.content() and 'make reproduce' in page.content()
    png = page.screenshot(path=str(tmp_path/'index.png'))
    assert errors == []
    frac = ink_fraction(browser.new_page(), png)
    assert 0.01 < frac < 0.6, f'screenshot looks blank or broken (ink fraction {frac:.3f})'

def test_core_api_docs_render(browser, docs):
    page, errors = open_page(browser, docs/'core.html')
    heads = [h.strip() for h in page.locator('h3').all_inner_texts()]
    for fn in ('seed_everything', 'get_device', 'run_dir', 'content_hash', 'hub_reachable', 'validate_params'):
        assert fn in heads, f'API doc of {fn} not rendered; h3 headings: {heads}'
    assert 'the seed for python, numpy and torch' in page.inner_text('body')  # docments rendered
    page.click('text=langs'); page.wait_for_load_state('load')
    assert page.title() == 'langs'
    assert errors == []

def test_quarto_yml_has_one_source(root):
    "The top-level _quarto.yml is the source; nbdev reads nbs/_quarto.yml, a link to it (or the docs step's copy)."
    top, nbs = root/'_quarto.yml', root/'nbs'/'_quarto.yml'
    assert top.is_file() and not top.is_symlink(), f'{top} must be the file itself'
    assert nbs.read_bytes() == top.read_bytes(), f'{nbs} and {top} differ'
    if nbs.is_symlink(): assert nbs.resolve() == top.resolve(), f'{nbs} links to {nbs.resolve()}, not {top}'
    assert 'metadata-files: [nbdev.yml, sidebar.yml]' in top.read_text()  # what nbdev's processing needs from it

def build_docs_module(root):
    import importlib.util
    spec = importlib.util.spec_from_file_location('build_docs', root/'tools'/'build_docs.py')
    mod = importlib.util.module_from_spec(spec); spec.loader.exec_module(mod)
    return mod

def test_docs_step_links_quarto_yml_and_refuses_a_diverging_copy(root, tmp_path):
    sync = build_docs_module(root).sync_quarto_yml
    (tmp_path/'nbs').mkdir(); (tmp_path/'_quarto.yml').write_text('project:\n  type: website\n')
    dst = sync(tmp_path)
    assert dst == tmp_path/'nbs'/'_quarto.yml' and dst.is_symlink() and dst.read_text() == 'project:\n  type: website\n'
    dst.unlink(); dst.write_text('project:\n  type: website\n')  # a copy with the same content: replaced by the link
    assert sync(tmp_path).is_symlink()
    dst.unlink(); dst.write_text('project:\n  type: book\n')
    with pytest.raises(SystemExit, match='differs from .*_quarto.yml, the one source'):
        sync(tmp_path)
    assert dst.read_text() == 'project:\n  type: book\n'  # never overwritten

def test_links_to_notebooks_become_links_to_pages(root):
    links = build_docs_module(root).page_links
    assert links('see [e5](04b_e5.ipynb) and [w](03_world.ipynb#the-floors)') == \
        'see [e5](e5.html) and [w](world.html#the-floors)'
    assert links('[salt](papers/salt.ipynb), [x](https://example.org/a.ipynb)') == \
        '[salt](papers/salt.html), [x](https://example.org/a.ipynb)'  # another site's notebook stays a notebook
    assert links('[design](design.ipynb) `f(x)`') == '[design](design.html) `f(x)`'

def test_design_page_is_rendered(browser, docs):
    page, errors = open_page(browser, docs/'design.html')
    assert page.title() == 'design'
    heads = [h.strip() for h in page.locator('h2').all_inner_texts()]
    for h in ('Architecture: layers', 'Presets and their budgets', 'How a claim gets its verdict', 'Results records',
              'The offline worlds, and why they look as they do', 'How to add a method', 'How to add a task'):
        assert h in heads, f'section {h!r} missing from the design page; h2 headings: {heads}'
    body = page.inner_text('body')
    assert 'core → langs → realtext/world → tasks' in body and 'not measurable' in body
    assert 'importlib' not in body  # the hidden cells that check the page against the code stay hidden
    assert errors == []

def test_paper_pages_show_the_executed_run_when_there_is_one(root, tmp_path):
    "A paper page is rendered from a reproduction's executed notebook (saying which run), else it says none was found."
    import nbformat
    bd = build_docs_module(root)
    src = nbformat.v4.new_notebook(cells=[nbformat.v4.new_raw_cell('---\ntitle: SALT\n---'),
                                          nbformat.v4.new_code_cell('x = 1')])
    none = bd.executed_page(nbformat.from_dict(src), 'papers/salt.html', tmp_path)
    assert 'No executed run of this notebook was found' in none.cells[1].source and none.cells[2].source == 'x = 1'
    ex = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell('x = 1', outputs=[nbformat.v4.new_output(
        'execute_result', data={'text/plain': '1'}, execution_count=1)])])
    ex.metadata['papermill'] = {'parameters': {'preset': 'cpu'}}
    (tmp_path/'salt').mkdir(); nbformat.write(ex, tmp_path/'salt'/'executed.ipynb')
    page = bd.executed_page(nbformat.from_dict(src), 'papers/salt.html', tmp_path)
    assert page.cells[0].source.startswith('---') and 'Rendered from the executed run in' in page.cells[1].source
    assert "preset `cpu`" in page.cells[1].source and page.cells[2].outputs[0]['data']['text/plain'] == '1'
    assert bd.executed_page(nbformat.from_dict(src), 'core.html', tmp_path).cells == src.cells  # library pages: as is
