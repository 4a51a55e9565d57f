"""The offline docs (built by the test command's last step, or here if missing or older than the docs tools) render
in headless Chromium."""
import base64, os, re, subprocess, sys
from html.parser import HTMLParser
from pathlib import Path
import nbformat, pytest

DOCS_TOOLS = ('tools/build_docs.py', 'tools/readme.py', 'nbs/styles.css')
PAGE = {p: f'{p}-paper.html' for p in ('baseline', 'salt', 'robust', 'metapretrain', 'langarith', 'mothello')}
PAGE['report'] = 'report.html'  # nbs/papers/<p>.ipynb -> _docs/papers/PAGE[p]

@pytest.fixture(scope='module')
def docs(root):
    pages = [root/'_docs'/page for page in ('index.html', 'core.html', 'design.html')]
    newest_tool = max((root/t).stat().st_mtime for t in DOCS_TOOLS)
    if not all(p.exists() and p.stat().st_mtime >= newest_tool for p in pages):
        r = subprocess.run(['bash', str(root / 'tools' / 'docs.sh')], capture_output=True, text=True)
        assert r.returncode == 0, f'tools/docs.sh failed:\n{r.stderr[-4000:]}'  # the cause, not only the exit code
    return root/'_docs'

@pytest.fixture(scope='module')
def norun_docs(root, tmp_path_factory):
    "The index and the paper pages built as on a machine where no reproduction has run (an empty run folder)."
    d = tmp_path_factory.mktemp('norun'); (d/'runs').mkdir()
    env = dict(os.environ, XLTNB_DOCS_RUN=str(d/'runs'))
    r = subprocess.run([sys.executable, str(root/'tools'/'build_docs.py'), '--out', str(d/'docs'),
                        '--only', 'index.html', '--only', 'papers/*.html'], env=env, capture_output=True, text=True,
                       cwd=root)
    assert r.returncode == 0, r.stderr[-4000:]
    return d/'docs'

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
    body = page.inner_text('body')  # text, however a code block's highlighting splits it
    assert 'make test' in body and 'make reproduce' in body
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
    page.click('nav.xltnb-nav >> text="langs"'); page.wait_for_load_state('load')
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
        '[salt](papers/salt-paper.html), [x](https://example.org/a.ipynb)'  # another site's notebook stays one
    assert links('[m](mothello.ipynb) [r](report.ipynb) [s](../10_salt.ipynb)', 'papers') == \
        '[m](mothello-paper.html) [r](report.html) [s](../salt.html)'  # from a paper page: its sibling's page
    assert links('[design](design.ipynb) `f(x)`') == '[design](design.html) `f(x)`'

def test_design_page_is_rendered(browser, docs):
    page, errors = open_page(browser, docs/'design.html')
    assert page.title() == 'design'
    heads = [h.strip() for h in page.locator('h2').all_inner_texts()]
    for h in ('Architecture: layers', 'Presets and their budgets', 'How a claim gets its verdict', 'Results records',
              'The offline worlds, and why they look as they do', 'How to add a method', 'How to add a task'):
        assert h in heads, f'section {h!r} missing from the design page; h2 headings: {heads}'
    body = page.inner_text('body')
    assert 'core → langs' in body and 'not measurable' in body
    layers = page.locator('code', has_text='core → langs').first.inner_text()  # as code: `methods.*/othello.*`
    assert 'methods.*/othello.*' in layers and page.locator('em', has_text='/othello.').count() == 0
    assert 'importlib' not in body  # the hidden cells that check the page against the code stay hidden
    assert errors == []

def test_paper_pages_show_the_executed_run_when_there_is_one(root, tmp_path):
    "A paper page is rendered from a reproduction's executed notebook (saying which run), else it says none was found."
    import nbformat
    bd = build_docs_module(root)
    src = nbformat.v4.new_notebook(cells=[nbformat.v4.new_raw_cell('---\ntitle: SALT\n---'),
                                          nbformat.v4.new_code_cell('x = 1')])
    none = bd.executed_page(nbformat.from_dict(src), 'papers/salt-paper.html', tmp_path)
    assert 'No executed run of this notebook was found' in none.cells[1].source and none.cells[2].source == 'x = 1'
    assert str(tmp_path) not in none.cells[1].source and '$XLTNB_DOCS_RUN' in none.cells[1].source  # no machine path
    ex = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell('x = 1', outputs=[nbformat.v4.new_output(
        'execute_result', data={'text/plain': '1'}, execution_count=1)])])
    ex.metadata['papermill'] = {'parameters': {'preset': 'cpu'}}
    (tmp_path/'salt').mkdir(); nbformat.write(ex, tmp_path/'salt'/'executed.ipynb')
    page = bd.executed_page(nbformat.from_dict(src), 'papers/salt-paper.html', tmp_path)
    assert page.cells[0].source.startswith('---') and 'Rendered from the executed run in' in page.cells[1].source
    assert '`$XLTNB_DOCS_RUN/salt`' in page.cells[1].source and str(tmp_path) not in page.cells[1].source
    assert "preset `cpu`" in page.cells[1].source and page.cells[2].outputs[0]['data']['text/plain'] == '1'
    assert bd.executed_page(nbformat.from_dict(src), 'core.html', tmp_path).cells == src.cells  # library pages: as is

PAPERS = ('baseline', 'salt', 'robust', 'metapretrain', 'langarith', 'mothello', 'report')  # nbs/papers/

class _Text(HTMLParser):
    "A page's visible text (no script or style), line by line."
    def __init__(self):
        super().__init__(); self.parts, self.skip = [], 0
    def handle_starttag(self, tag, attrs): self.skip += tag in ('script', 'style')
    def handle_endtag(self, tag): self.skip -= tag in ('script', 'style') and self.skip > 0
    def handle_data(self, data):
        if not self.skip: self.parts.append(data)

def page_text(html: str) -> str:
    t = _Text(); t.feed(html); return ''.join(t.parts)

MACHINE_PATH = re.compile(r'(?<![\w.~$/-])/(?:work|root|home|tmp|Users|private|var/folders)/[\w.-]')

def leaks(html: str, root: Path, *more: Path) -> list[str]:
    "nbdev directives and the build machine's folders on a rendered page (what it must never show)."
    text = page_text(html)
    out = [f'directive {l.strip()!r}' for l in text.splitlines() if re.match(r'\s*#\|\s*[\w-]+', l)]
    out += [f'folder {p}' for p in (root, Path.home(), *more) if len(str(p)) > 1 and str(p) + '/' in html]
    out += [f'path {m[0]}...' for m in MACHINE_PATH.finditer(text)]
    return out

def test_no_page_shows_a_directive_or_a_folder_of_the_build_machine(root, docs, norun_docs):
    "Every rendered page, of the docs and of a build without a run: no `#| ...` line, no absolute path of this machine."
    pages = sorted(docs.rglob('*.html')) + sorted(norun_docs.rglob('*.html'))
    assert len(pages) > 30
    bad = {str(p): found for p in pages if (found := leaks(p.read_text(encoding='utf-8'), root, norun_docs.parent))}
    assert not bad, bad

def title(nb: Path) -> str: return nbformat.read(nb, as_version=4).cells[0].source.splitlines()[0].lstrip('# ').strip()

def test_navigation_is_grouped_and_names_each_page_once(browser, root, docs):
    page, errors = open_page(browser, docs/'papers'/PAGE['salt'])
    heads = [h.text_content().strip() for h in page.locator('nav.xltnb-nav .xltnb-nav-head').all()]
    assert heads == ['Guides', 'Papers', 'Library'], heads
    links = page.locator('nav.xltnb-nav a')
    names, hrefs = links.all_inner_texts(), [links.nth(i).get_attribute('href') for i in range(links.count())]
    assert len(names) == len(set(names)), f'a name appears twice: {sorted(n for n in names if names.count(n) > 1)}'
    targets = sorted(str((docs/'papers'/h).resolve().relative_to(docs.resolve())) for h in hrefs)
    assert targets == sorted(str(p.relative_to(docs)) for p in docs.rglob('*.html')), 'every page linked, once'
    group = lambda i: page.locator('nav.xltnb-nav .xltnb-nav-group').nth(i).locator('a').all_inner_texts()
    titles = {p.stem: title(p) for p in (root/'nbs').glob('papers/*.ipynb')}
    assert sorted(group(1)) == sorted(titles.values()), (group(1), titles)  # the paper pages by their titles
    assert group(1)[0] == titles['baseline'] and group(1)[-1] == titles['report']
    lib = group(2)
    for nb in sorted((root/'nbs').glob('[0-9]*.ipynb')):
        page_name = re.sub(r'^\d+[a-z]?_', '', nb.stem) + '.html'
        if page_name in ('cli.html', 'reproduce.html', 'compare.html'): continue  # guides
        assert title(nb) in lib, nb.name
    assert 'Overview' in group(0) and 'Design' in group(0)
    cur = page.locator('nav.xltnb-nav a[aria-current="page"]')
    assert cur.count() == 1 and cur.inner_text() == titles['salt']
    page.click(f'nav.xltnb-nav >> text="{titles["mothello"]}"'); page.wait_for_load_state('load')
    assert page.url.endswith('/papers/' + PAGE['mothello'])
    page.click('nav.xltnb-nav >> text="Overview"'); page.wait_for_load_state('load')
    assert page.url.endswith('/_docs/index.html')
    assert errors == []

def reference_rows(paper=None):
    from xltnb.verdicts import reference_rows
    return reference_rows(paper)

def test_without_a_run_the_index_shows_the_verdict_table(browser, norun_docs):
    "The index opens with one bottom line per paper, then the claims of the designated testbeds, then the controls."
    from xltnb.verdicts import PAPER_TITLES, headline, headline_rows
    page, errors = open_page(browser, norun_docs/'index.html')
    first = next(t for t in page.locator('table').all() if 'bottom line' in t.locator('th').all_inner_texts())
    assert first.locator('th').all_inner_texts() == ['paper', 'bottom line']
    assert first.locator('tbody tr').count() == len(PAPER_TITLES)
    tables = [t for t in page.locator('table').all() if 'verdict' in t.locator('th').all_inner_texts()]
    assert len(tables) == 2, 'the claim -> verdict tables (claims, controls) are missing from the index'
    for table, rows in zip(tables, (headline_rows(), headline_rows(('control',)))):
        assert table.locator('tbody tr').count() == len(rows)
        text = table.inner_text()
        for _, r in rows.iterrows(): assert r['claim'] in text and headline(r) in text, r['claim']
    assert 'verdict_markdown' not in page.inner_text('body')  # the table, not the code that makes it
    assert errors == []

def test_readme_shows_the_verdict_table(root):
    from xltnb.verdicts import PAPER_TITLES, headline_rows
    readme = (root/'README.md').read_text()
    assert '| paper | bottom line |' in readme and all(f'| {t} |' in readme for t in PAPER_TITLES.values())
    assert '| paper | claim | testbed |' in readme and 'verdict_markdown' not in readme
    for claim in [*headline_rows()['claim'], *headline_rows(('control',))['claim']]: assert claim in readme, claim
    assert not re.search(r'^#\|', readme, re.M)

@pytest.mark.parametrize('paper', PAPERS)
def test_without_a_run_a_paper_page_shows_its_reference(browser, root, norun_docs, paper):
    "Built with an empty run folder: the page's reference cells' output: a table, a drawn plotly figure, its verdicts."
    nb = nbformat.read(root/'nbs'/'papers'/f'{paper}.ipynb', as_version=4)
    has_reference = any('reference' in c.metadata.get('tags', []) for c in nb.cells)
    page, errors = open_page(browser, norun_docs/'papers'/PAGE[paper])
    note = page.locator('blockquote').filter(has_text='No executed run').first.inner_text()
    assert has_reference or paper == 'report', f'{paper}.ipynb has no `reference` cell'  # the report: every paper's
    assert 'xltnb/assets/measured/' in note and 'make reproduce' in note, note
    assert page.locator('table').count() >= 1, 'no table'
    page.wait_for_selector('.js-plotly-plot .main-svg', timeout=20000)
    fig = page.locator('.js-plotly-plot').first
    assert fig.bounding_box()['height'] > 100 and fig.locator('.trace .point').count() >= 1, 'no figure drawn'
    text = page.inner_text('body')
    rows = reference_rows(None if paper == 'report' else paper)
    for claim, verdict in zip(*map(list, (rows['claim'], rows['verdict']))):
        assert claim in text and verdict in text, f'{paper}: reference verdict of {claim!r} not shown'
    html = page.content()
    assert '* plotly.js v' not in html and html.count('src="../plotly.min.js"') == 1  # the site's one copy
    assert errors == [], errors

def test_reference_cells_run_alone_and_render_statically(browser, root, tmp_path):
    """The mechanism on a page of this test's own: reference cells (only they) run in a fresh kernel in the project's
    folder; the page shows their markdown table, their plotly figures (plotly.js inlined once), a line for a widget,
    the other cells as code, and a note naming the shipped files they read."""
    bd = build_docs_module(root)
    ref = lambda src: nbformat.v4.new_code_cell(src, metadata={'tags': ['reference']})
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_raw_cell('---\ntitle: A paper of the test\n---'),
        nbformat.v4.new_code_cell('raise SystemExit("not a reference cell, yet it ran")'),  # code only, never run
        ref("from IPython.display import Markdown, display\nfrom xltnb.results import measured_records\n"
            "recs, meta = measured_records('reference-cpu-langarith.jsonl')\n"
            "display(Markdown('| claim | verdict |\\n|---|---|\\n| it transfers | holds |'))"),
        ref("import plotly.graph_objects as go\n"
            "go.Figure(go.Bar(x=['en', 'de', 'sw'], y=[3, 2, 1]), layout_title_text='three bars').show()\n"
            "go.Figure(go.Bar(x=['en', 'de'], y=[1, 2]), layout_title_text='two bars').show()"),
        ref("#| echo: false\nimport ipywidgets as w, os\nprint('working folder:', os.getcwd())\nw.IntSlider()")])
    groups = bd.navigation({'index.html': 'x', 'papers/test.html': 'A paper of the test'})
    html = bd.render(nb, 'papers/test.html', tmp_path/'runs', 'nbs/papers/test.ipynb', groups)
    (tmp_path/'papers').mkdir(); (tmp_path/'papers'/'test.html').write_text(html, encoding='utf-8')
    assert html.count('* plotly.js v') == 0 and html.count('src="../plotly.min.js"') == 1
    assert not leaks(html, root, tmp_path)
    bd.write_site_files(tmp_path)  # plotly.js once, where every page loads it from
    page, errors = open_page(browser, tmp_path/'papers'/'test.html')
    note = page.locator('blockquote').filter(has_text='No executed run').first.inner_text()
    assert 'xltnb/assets/measured/reference-cpu-langarith.jsonl' in note, note
    table = page.locator('.jp-OutputArea-output table').inner_text()
    assert table.split() == 'claim verdict it transfers holds'.split()
    page.wait_for_selector('.js-plotly-plot .main-svg', timeout=20000)
    figs = page.locator('.js-plotly-plot')
    assert figs.count() == 2 and figs.first.locator('.gtitle').text_content() == 'three bars'
    assert figs.first.locator('.barlayer .point').count() == 3 and figs.nth(1).locator('.barlayer .point').count() == 2
    body = page.inner_text('body')
    assert 'The interactive inspector runs in JupyterLab (open nbs/papers/test.ipynb there)' in body
    assert 'working folder: .' in body  # ran in the project's folder, which the page does not name
    assert 'not a reference cell, yet it ran' in body  # its code
    assert not any('SystemExit' in t for t in page.locator('.jp-OutputArea').all_inner_texts())  # never run
    assert 'IntSlider' not in body and 'echo: false' not in body
    assert errors == [], errors

def test_no_two_pages_share_a_name_and_plotly_is_served_once(root, docs):
    """Every page's name is its own (`salt.html`, the SALT module's page, beside `papers/salt-paper.html`); plotly.js
    is one file at the site's top, which the pages with figures load, and the papers' BibTeX is published beside."""
    bd = build_docs_module(root)
    pages = [str(p.relative_to(docs)) for p in docs.rglob('*.html')]
    assert bd.shared_names(pages) == [] and bd.shared_names(['salt.html', 'papers/salt.html']) == ['salt.html']
    assert {f'papers/{n}' for n in PAGE.values()} <= set(pages) and 'salt.html' in pages
    inlined = [p for p in pages if '* plotly.js v' in (docs/p).read_text(encoding='utf-8')]
    assert inlined == [] and (docs/'plotly.min.js').read_text(encoding='utf-8').count('* plotly.js v') == 1
    users = [p for p in pages if 'plotly.min.js"></script>' in (docs/p).read_text(encoding='utf-8')]
    assert len(users) >= 6, users  # the paper pages at least
    for p in ('core.html', 'papers/' + PAGE['salt']):  # the template's style sheets: files of their own, loaded
        html = (docs/p).read_text(encoding='utf-8')
        assert max(map(len, re.findall(r'<style[^>]*>(.*?)</style>', html, re.S))) < 2000, p
        sheets = re.findall(r'<link rel="stylesheet" href="((?:\.\./)?style-\w+\.css)">', html)
        assert sheets and all((docs/p).parent.joinpath(s).resolve().is_file() for s in sheets), (p, sheets)
    size = sum(f.stat().st_size for f in docs.rglob('*') if f.is_file())
    assert size < 15 * 2**20, f'the site is {size / 2**20:.1f} MiB'
    assert '@inproceedings{hua-etal-2024-mothello' in (docs/'papers.bib').read_text()
