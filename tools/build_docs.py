#!/usr/bin/env python
"""Build the docs offline: nbdev's processed notebooks (`_proc/`) rendered to HTML with nbconvert into `_docs/`.

Quarto cannot be installed offline, so this replaces `nbdev_docs`' last step. nbdev's processing runs first (it
executes the `show_doc` cells, so API docs are markdown outputs; see `process`); here each processed notebook loses its
raw front matter (used for the page title), its nbdev directives (`#| ...` lines, obeyed: `echo: false` hides the
code, `output: false` the outputs, `include: false` the cell) and Quarto-only attributes, links to the docs host
become relative, and every page gets the site's navigation, grouped into guides, papers and library (`navigation`).
No page loads anything from the network: a plotly figure becomes HTML that draws it with the site's one copy of
plotly.js (`plotly.min.js` at the top, with `papers.bib`: `write_site_files`), and a widget (it has no kernel in a
static page) a line saying that it runs in JupyterLab (`static_outputs`); the template's style sheets are one file each
at the top too (`share_styles`), so the site stays small. No two pages share a name: a paper notebook's
page is `papers/<paper>-paper.html` (`paper_page`), beside the library page of its method module (`salt.html`).
No page names a folder of the build machine: paths under the project are written relative to it (`scrub`).

The top-level `_quarto.yml` is the one source of the site's Quarto settings; nbdev 2 reads `nbs/_quarto.yml`, which is
a link to it (made again here, or a copy where links cannot be made: `sync_quarto_yml`).

Code cells tagged `reference` (cell metadata tags) are self-contained: they run in a fresh kernel with nothing else
executed and read only the shipped measured files (`xltnb/assets/measured/`). A guide's (the index's verdict table,
the defaults page's tables) are executed at every build (and `tools/readme.py` writes the index's markdown into
README.md). The paper pages (`papers/*.html`) show evidence, not only
code: when a reproduction has run here (`make reproduce` writes `_runs/reproduce/cpu`; `XLTNB_DOCS_RUN` names another
run folder), each paper page and the report are rendered from that run's executed notebook, and the page says which
run it shows; otherwise the page's `reference` cells are executed here (`run_reference`) and the page shows their
output (the shipped reference's verdicts, table, figure and what they mean) with the other cells as code, and says
which shipped files it shows; the report, which has no such cell, shows every paper's (`REPORT_REFERENCE`).

    python tools/build_docs.py [--out DIR] [--only PAGE_GLOB ...]
"""
import argparse, fnmatch, hashlib, json, os, re, shutil, sys, time
from configparser import ConfigParser
from pathlib import Path
import nbformat, yaml
from nbconvert import HTMLExporter
from xltnb.reproduce import offline_html

ROOT = Path(__file__).resolve().parents[1]
cfg = ConfigParser(delimiters=['=']); cfg.read(ROOT/'settings.ini'); cfg = cfg['DEFAULT']
HOST = f"{cfg['doc_host'].rstrip('/')}{cfg['doc_baseurl'].rstrip('/')}/"
QUARTO_ATTR = re.compile(r'\{target="_blank"[^}]*\}')
NB_LINK = re.compile(r'\]\((?!\w+://)([^)\s]*?/)?(?:\d+[a-z]?_)?(\w+)\.ipynb(#[^)]*)?\)')  # [e5](04b_e5.ipynb): e5.html
DIRECTIVE = re.compile(r'^\s*#\|\s*([\w-]+)\s*:?\s*(.*?)\s*$')  # `#| echo: false`, `#|export`
OFFLINE_ENV = dict(HF_HUB_OFFLINE='1', HF_DATASETS_OFFLINE='1', TRANSFORMERS_OFFLINE='1',
                   TOKENIZERS_PARALLELISM='false', MPLBACKEND='Agg',
                   PLOTLY_RENDERER='plotly_mimetype')  # figures as plotly's JSON: `static_outputs` makes them HTML
PLOTLY = 'application/vnd.plotly.v1+json'
WIDGET = 'application/vnd.jupyter.widget-view+json'

# The site's navigation: three groups, each page once, named by its title (a guide may get a clearer name here).
GUIDES = {'index.html': 'Overview', 'design.html': 'Design', 'defaults.html': None,
          'reproduce.html': 'Reproduce the papers', 'cli.html': 'The xltnb command',
          'compare.html': None}  # None: the page's title
PAPERS = ('baseline', 'salt', 'robust', 'metapretrain', 'langarith', 'mothello', 'report')  # the index's order
PAPER_SUFFIX = '-paper'  # papers/salt.ipynb -> papers/salt-paper.html: no page shares its name with salt.html (10_salt)
PLOTLY_JS = 'plotly.min.js'  # written once at the site's top; every page with a figure loads it from there
BIB = 'papers.bib'  # the five papers' BibTeX (nbs/papers.bib), published beside the pages

def paper_page(stem: str) -> str:
    "The page of a paper notebook in `papers/`: `salt` -> `salt-paper.html` (the report keeps its name: no twin)."
    return f'{stem}.html' if stem == 'report' else f'{stem}{PAPER_SUFFIX}.html'

def paper_of(name: str) -> str:
    "The paper notebook a page of `papers/` comes from: `papers/salt-paper.html` -> `salt`."
    return Path(name).stem.removesuffix(PAPER_SUFFIX)

def page_links(md: str, here: str = '') -> str:
    """Markdown links to the project's notebooks become links to their pages (Quarto does this; nbconvert does not);
    `here`: the folder of the page the links are on (`papers/` for a paper page), so a paper notebook's page is named
    as `paper_page` names it wherever the link comes from."""
    def page(m):
        folder = m[1] or ''
        in_papers = folder.rstrip('/').endswith('papers') or (not folder and here.rstrip('/') == 'papers')
        return f"]({folder}{paper_page(m[2]) if in_papers else m[2] + '.html'}{m[3] or ''})"
    return NB_LINK.sub(page, md)

def page_name(p: Path, proc: Path) -> str:
    """`_proc/papers/salt.ipynb` -> `papers/salt-paper.html` (`paper_page`); numbered library notebooks drop their
    number, as nbdev does."""
    rel = p.relative_to(proc).with_suffix('.html')
    if rel.parts[0] == 'papers': return str(rel.with_name(paper_page(rel.stem)))
    return str(rel.with_name(re.sub(r'^\d+[a-z]?_', '', rel.name)))

def front_matter(nb) -> dict:
    "The page's front matter (nbdev's processing makes `# title\\n> description` a raw cell), or {}."
    for c in nb.cells:
        if c.cell_type == 'raw' and c.source.startswith('---'): return yaml.safe_load(c.source.strip().strip('-')) or {}
    return {}

def directives(source: str) -> tuple[dict, str]:
    "A code cell's nbdev/Quarto directives (`#| key: value` lines) and its source without them."
    found, keep = {}, []
    for line in source.splitlines():
        m = DIRECTIVE.match(line)
        if m: found[m[1]] = m[2]
        else: keep.append(line)
    return found, '\n'.join(keep).strip('\n')

def scrub(text: str, run: Path | None = None) -> str:
    "No folder of the build machine on a page: the project's are relative to it, a run elsewhere named by its variable."
    pairs = [(str(ROOT) + '/', ''), (str(ROOT), '.')]
    if run is not None and not Path(run).resolve().is_relative_to(ROOT):
        pairs = [(str(Path(run).resolve()), '$XLTNB_DOCS_RUN'), (str(run), '$XLTNB_DOCS_RUN')] + pairs
    if len(str(Path.home())) > 1: pairs.append((str(Path.home()) + '/', '~/'))
    for a, b in pairs: text = re.sub(re.escape(a) + r'(?![\w.-])' if not a.endswith('/') else re.escape(a), b, text)
    return text

def clean(nb, depth: int, here: str = ''):
    """Turn a processed notebook into a self-contained page (the navigation is added to its HTML: `add_navigation`);
    `depth`: the page's folders below the site's top, `here`: its folder (`papers/`)."""
    fm = front_matter(nb)
    title, desc = fm.get('title', nb.metadata.get('title', '')), fm.get('description', '')
    cells = []
    for c in nb.cells:
        if c.cell_type == 'raw' and c.source.startswith('---'): continue
        c.metadata.pop('execution', None)
        if c.cell_type == 'code':
            d, c.source = directives(c.source)
            if 'hide' in d or d.get('include') == 'false': continue
            if d.get('output') == 'false': c.outputs = []
            if d.get('echo') == 'false':
                outs = c.get('outputs', [])
                if outs and all('text/markdown' in o.get('data', {}) for o in outs):
                    c = nbformat.v4.new_markdown_cell('\n\n'.join(o['data']['text/markdown'] for o in outs))
                elif not outs: continue
                else: c.metadata.setdefault('transient', {})['remove_source'] = True
        if c.cell_type == 'markdown':
            c.source = page_links(QUARTO_ATTR.sub('', c.source), here).replace(HOST, '../' * depth)
            if '<!-- WARNING: THIS FILE WAS AUTOGENERATED!' in c.source: continue
        cells.append(c)
    nb.cells = [nbformat.v4.new_markdown_cell(f'# {title}\n\n> {desc}' if desc else f'# {title}')] + cells
    nb.metadata['title'] = title
    return nb

def drop_inline_plotly(html: str) -> str:
    "`html` without the copies of plotly.js inlined into it (a run's report inlines one): the site serves one."
    while (i := html.find('* plotly.js v')) >= 0:
        a, b = html.rfind('<script', 0, i), html.find('</script>', i)
        if a < 0 or b < 0: break
        html = html[:a] + html[b + len('</script>'):]
    return html

def static_outputs(nb, source: str = ''):
    """Outputs a static page can show: a plotly figure becomes HTML drawing it with the site's one copy of plotly.js
    (`PLOTLY_JS`, loaded by the page: `render`), a widget a line saying it runs in JupyterLab (`source`: the notebook
    to open there)."""
    import plotly.io as pio
    for c in nb.cells:
        if c.cell_type != 'code': continue
        outs = []
        for o in c.get('outputs', []):
            data = o.get('data', {})
            if PLOTLY in data:
                fig = dict(data[PLOTLY]); config = fig.pop('config', None) or {}
                html = pio.to_html(fig, config=config, full_html=False, include_plotlyjs=False, validate=False,
                                   default_height=f"{(fig.get('layout') or {}).get('height') or 450}px")
                o = nbformat.v4.new_output('display_data', data={'text/html': html})
            elif 'text/html' in data and '* plotly.js v' in str(data['text/html']):
                html = drop_inline_plotly(''.join(data['text/html']) if isinstance(data['text/html'], list)
                                          else data['text/html'])
                o = nbformat.v4.new_output(o['output_type'], data={**data, 'text/html': html},
                                           **({'execution_count': o.get('execution_count')}
                                              if o['output_type'] == 'execute_result' else {}))
            elif WIDGET in data:
                where = f" (open `{source}` there)" if source else ''
                o = nbformat.v4.new_output('display_data', data={'text/markdown': (
                    f"*The interactive inspector runs in JupyterLab{where}: a static page has no kernel to drive "
                    "its controls.*")})
            outs.append(o)
        c.outputs = outs
    nb.metadata.pop('widgets', None)
    return nb

def is_reference(c) -> bool: return c.cell_type == 'code' and 'reference' in c.metadata.get('tags', [])

# Run first and last in the kernel that executes a page's reference cells: which shipped measured files they read.
_AUDIT = ("import sys as _s, os as _o\n_xltnb_read = []\n"
          "_s.addaudithook(lambda e, a: _xltnb_read.append(_o.fspath(a[0])) if e == 'open'\n"
          "                and isinstance(a[0], (str, _o.PathLike)) and 'measured' in _o.fspath(a[0]) else None)")
_READ = ("import json as _j\nprint(_j.dumps(sorted({'xltnb/assets/measured/' + _o.path.basename(p) for p in _xltnb_read"
         " if '/assets/measured/' in _o.path.abspath(p).replace(_o.sep, '/')})))")

def run_reference(nb, timeout: int = 600) -> tuple[object, list[str]]:
    """Execute the code cells of `nb` tagged `reference` in a fresh kernel (the project's folder as working folder,
    offline, nothing else executed); returns `nb` with their outputs (the other cells untouched) and the shipped
    measured files they read. A reference cell that fails stops the build, naming the cell."""
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError
    idx = [i for i, c in enumerate(nb.cells) if is_reference(c)]
    if not idx: return nb, []
    code = [nbformat.v4.new_code_cell(_AUDIT)] + [nbformat.v4.new_code_cell(nb.cells[i].source) for i in idx] \
        + [nbformat.v4.new_code_cell(_READ)]
    probe = nbformat.v4.new_notebook(cells=code, metadata=dict(kernelspec=dict(name='python3', language='python',
                                                                                display_name='Python 3')))
    client = NotebookClient(probe, timeout=timeout, kernel_name='python3', allow_errors=False,
                            resources={'metadata': {'path': str(ROOT)}},
                            extra_arguments=['--IPKernelApp.log_level=ERROR'])
    try: client.execute(env={**os.environ, **OFFLINE_ENV})
    except CellExecutionError as e:
        raise SystemExit(f"a `reference` cell of {nb.metadata.get('xltnb_source', 'a page')} failed:\n{e}") from None
    for k, (i, c) in enumerate(zip(idx, probe.cells[1:-1]), 1):  # numbered as run: the page's reference cells alone
        nb.cells[i].outputs, nb.cells[i].execution_count = c.outputs, k
    read = json.loads(''.join(o.get('text', '') for o in probe.cells[-1].outputs) or '[]')
    return nb, read

def docs_run() -> Path:
    "The reproduction whose executed notebooks the paper pages show: $XLTNB_DOCS_RUN, else the main job's folder."
    return Path(os.environ.get('XLTNB_DOCS_RUN') or ROOT/'_runs'/'reproduce'/'cpu')

def where(p: Path, run: Path) -> str:
    "A folder as a page may name it: relative to the project, else relative to the run folder named by XLTNB_DOCS_RUN."
    p = Path(p).resolve()
    if p.is_relative_to(ROOT): return str(p.relative_to(ROOT)) or '.'
    if p.is_relative_to(Path(run).resolve()): return str(Path('$XLTNB_DOCS_RUN')/p.relative_to(Path(run).resolve()))
    return p.name

# Without a run, the report shows what the shipped references say of every paper, as a paper page shows its own.
REPORT_REFERENCE = ("## What the shipped references say",
                    "#| echo: false\nfrom xltnb.verdicts import reference_rows, verdict_markdown\nverdict_markdown()",
                    "#| echo: false\nfrom xltnb.verdicts import claims_figure, reference_rows\n"
                    "claims_figure(reference_rows(), 'every claim on the shipped references').show()")

def report_reference_cells() -> list:
    "The cells `REPORT_REFERENCE` names: a heading, then `reference` code cells (run like a paper page's)."
    head, *code = REPORT_REFERENCE
    return [nbformat.v4.new_markdown_cell(head)] + [nbformat.v4.new_code_cell(c, metadata={'tags': ['reference']})
                                                     for c in code]

def executed_page(nb, name: str, run: Path, execute: bool = True):
    """A paper page's notebook: its executed version from `run` when there is one, with a note saying which run it is;
    otherwise the notebook with its `reference` cells executed here (`execute`) and the other cells as code, with a
    note saying which shipped files it shows. Other pages: as they are."""
    if not name.startswith('papers/'): return nb
    paper = paper_of(name)
    f = run/('report.ipynb' if paper == 'report' else f'{paper}/executed.ipynb')
    front = [c for c in nb.cells if c.cell_type == 'raw' and c.source.startswith('---')]
    rest = [c for c in nb.cells if c not in front]
    if not f.is_file():
        for c in rest:
            if c.cell_type == 'code' and not is_reference(c): c.outputs, c.execution_count = [], None
        if paper == 'report' and not any(is_reference(c) for c in rest): rest = report_reference_cells() + rest
        nb.cells = front + rest
        refs = any(is_reference(c) for c in rest)
        read = run_reference(nb)[1] if refs and execute else []
        files = ', '.join(f'`{p}`' for p in read) or 'the shipped reference in `xltnb/assets/measured/`'
        looked = where(run, run) if Path(run).resolve().is_relative_to(ROOT) else '$XLTNB_DOCS_RUN'
        note = (f"> *No executed run of this notebook was found (looked in `{looked}`). " + (
            f"The outputs below are the shipped reference, measured once and shipped with the package ({files}), "
            "executed when these docs were built; the other cells are shown as code. The run's own outputs appear "
            "here after `make reproduce` and the next `make docs`.*" if refs else
            "The page shows its code only: `make reproduce` writes a run, and the next `make docs` renders its "
            "tables, figures and verdicts here.*"))
        nb.cells = front + [nbformat.v4.new_markdown_cell(note)] + rest
        return nb
    ex = nbformat.read(f, as_version=4)
    when = time.strftime('%Y-%m-%d %H:%M', time.localtime(f.stat().st_mtime))
    params = ex.metadata.get('papermill', {}).get('parameters', {})
    note = (f"> *Rendered from the executed run in `{where(f.parent, run)}` (preset `{params.get('preset', '?')}`, "
            f"written {when}): every table, figure and verdict below is that run's output.*")
    nb.cells = front + [nbformat.v4.new_markdown_cell(note)] + ex.cells
    return nb

def navigation(pages: dict[str, str]) -> list[tuple[str, list[tuple[str, str]]]]:
    """The site's navigation from {page: title}: guides (the pages a reader starts from), papers (the paper pages and
    the report, by their titles), library (the numbered library notebooks, by their titles). Every page once; a name
    that would appear twice is an error."""
    guides = [(n, label or pages[n]) for n, label in GUIDES.items() if n in pages]
    papers = [(f'papers/{paper_page(p)}', pages[f'papers/{paper_page(p)}']) for p in PAPERS
              if f'papers/{paper_page(p)}' in pages]
    papers += [(n, t) for n, t in pages.items() if n.startswith('papers/') and n not in dict(papers)]
    seen = {n for n, _ in guides + papers}
    library = [(n, t) for n, t in pages.items() if n not in seen]
    groups = [('Guides', guides), ('Papers', papers), ('Library', library)]
    labels = [t for _, g in groups for _, t in g]
    if dup := sorted({t for t in labels if labels.count(t) > 1}):
        sys.exit(f'the navigation would name two pages alike: {dup} (give one a clearer title)')
    return groups

def add_navigation(html: str, groups, name: str, css: str) -> str:
    "The grouped navigation as the page's first element (its own page marked), and the site's styles in its head."
    import html as H
    up = '../' * name.count('/')
    parts = ['<nav class="xltnb-nav" aria-label="site">']
    for head, items in groups:
        parts.append(f'<div class="xltnb-nav-group"><p class="xltnb-nav-head">{head}</p><ul>')
        for n, t in items:
            cur = ' aria-current="page" class="xltnb-nav-current"' if n == name else ''
            parts.append(f'<li><a href="{up}{n}"{cur}>{H.escape(t)}</a></li>')
        parts.append('</ul></div>')
    parts.append('</nav>')
    html = html.replace('</head>', f'<style>\n{css}\n</style>\n</head>', 1)
    return re.sub(r'(<body[^>]*>)', lambda m: m[1] + '\n' + '\n'.join(parts), html, count=1)

def render(nb, name: str, run: Path, src: str = '', groups=()) -> str:
    """One page's HTML from its processed notebook: `name` its page (`papers/salt.html`), `run` the run folder the
    paper pages look in, `src` the notebook it comes from (`nbs/papers/salt.ipynb`), `groups` the navigation."""
    nb.metadata['xltnb_source'] = src
    if not name.startswith('papers/'):  # a guide's `reference` cells, executed at every build: the index's verdict
        nb = run_reference(nb)[0]       # table, the defaults page's tables and findings from the shipped records
    here = str(Path(name).parent) if '/' in name else ''
    nb = clean(static_outputs(executed_page(nb, name, run), src), name.count('/'), here)
    exp = HTMLExporter(template_name='lab', mathjax_url='', require_js_url='', jquery_url='', embed_images=True)
    html, _ = exp.from_notebook_node(nb)
    if 'Plotly.newPlot' in html:  # the site's one plotly.js (`write_site_files`), before the figures' scripts run
        html = html.replace('</head>', f'<script src="{"../" * name.count("/")}{PLOTLY_JS}"></script>\n</head>', 1)
    css = (ROOT/cfg['nbs_path']/'styles.css').read_text()
    html = share_styles(offline_html(html), name.count('/'))  # nothing from the network, no sheet twice
    return scrub(add_navigation(html, groups, name, css), run)

SHARED_CSS: dict[str, str] = {}  # file name -> CSS: the template's style sheets, the same on every page

def share_styles(html: str, depth: int) -> str:
    """The template's large style sheets (the same on every page) become links to one file each at the site's top
    (`SHARED_CSS`, written by `write_site_files`); `depth`: the page's folders below the top."""
    def link(m):
        if len(m[1]) < 2000: return m[0]
        name = f"style-{hashlib.sha256(m[1].encode()).hexdigest()[:10]}.css"
        SHARED_CSS[name] = m[1]
        return f'<link rel="stylesheet" href="{"../" * depth}{name}">'
    return re.sub(r'<style[^>]*>(.*?)</style>', link, html, flags=re.S)

def write_site_files(out: Path) -> list[Path]:
    """What the pages share, once at the site's top: plotly.js (`PLOTLY_JS`), the template's style sheets of the pages
    rendered so far (`SHARED_CSS`) and the papers' BibTeX (`BIB`)."""
    from plotly.offline import get_plotlyjs
    out.mkdir(parents=True, exist_ok=True)
    (out/PLOTLY_JS).write_text(get_plotlyjs(), encoding='utf-8')
    for name, css in SHARED_CSS.items(): (out/name).write_text(css, encoding='utf-8')
    shutil.copyfile(ROOT/cfg['nbs_path']/BIB, out/BIB)
    return [out/PLOTLY_JS, out/BIB] + [out/n for n in SHARED_CSS]

def shared_names(pages) -> list[str]:
    "Page names (without their folder) that two pages share: `salt.html` and `papers/salt.html` would."
    names = [Path(n).name for n in pages]
    return sorted({n for n in names if names.count(n) > 1})

def sync_quarto_yml(root: Path = ROOT) -> Path:
    """Make `nbs/_quarto.yml` (read by nbdev) the top-level `_quarto.yml`: a relative link, or a copy where the file
    system has no links. A separate `nbs/_quarto.yml` that says something else is an error, never overwritten."""
    src, dst = root/'_quarto.yml', root/cfg['nbs_path']/'_quarto.yml'
    if not src.is_file(): sys.exit(f'{src} is missing: it is the one source of the Quarto settings')
    if dst.is_symlink() and dst.resolve() == src.resolve(): return dst
    if dst.is_file() and not dst.is_symlink() and dst.read_bytes() != src.read_bytes():
        sys.exit(f'{dst} differs from {src}, the one source of the Quarto settings: move the change there and '
                 f'delete {dst} (the docs step links it again)')
    if dst.exists() or dst.is_symlink(): dst.unlink()
    try: dst.symlink_to(os.path.relpath(src, dst.parent))
    except OSError: shutil.copyfile(src, dst)
    return dst

MIXED_CELL = 'Found cells containing imports and other code'  # nbdev's warning, which prints the whole cell

def cell_home(source: str, nbs: Path = ROOT/cfg['nbs_path']) -> str:
    "The notebook and cell number that hold the code cell `source` (nbdev directives aside), or '?'."
    body = lambda src: '\n'.join(l for l in src.splitlines() if not l.lstrip().startswith('#|')).strip()
    want = body(source)
    for p in sorted(nbs.rglob('*.ipynb')):
        cells = json.loads(p.read_text(encoding='utf-8')).get('cells', [])
        for i, c in enumerate(cells):
            if want and c['cell_type'] == 'code' and body(''.join(c['source'])) == want:
                return f'{p.relative_to(ROOT)} cell {i}'
    return f"a cell starting {want.splitlines()[0][:60]!r}" if want else '?'

def short_warnings():
    """nbdev's warning about a cell that mixes imports with other code (its docs processing runs such a cell) becomes
    one line naming the notebook and cell to split, instead of the whole cell; other warnings are shown as they are.
    (nbdev's processors warn through their module's `warn`, which the processing workers inherit.)"""
    import nbdev.processors as procs
    warn = getattr(procs.warn, 'nbdev_warn', procs.warn)
    def short(msg, *args, **kw):
        text = str(msg)
        if not text.startswith(MIXED_CELL): return warn(msg, *args, **kw)
        src = text.split('---\n')[1] if text.count('---\n') >= 2 else ''
        print(f"docs: {cell_home(src)} mixes imports with other code, so nbdev runs it while processing (put its "
              "imports in a cell of their own)", file=sys.stderr)
    short.nbdev_warn = warn
    procs.warn = short

def process(n_workers: int = 2, only: list[Path] | None = None):
    """`nbdev_proc_nbs` without its first step, which downloads and installs Quarto when it is missing (a network
    call, and `sudo`): refresh the Quarto config, the module index and the sidebar, then process into `_proc/` (only
    the notebooks changed since the last processing). `only`: just these notebooks, always, and nothing site-wide."""
    import nbdev.doclinks, nbdev.serve_drv
    from nbdev.config import get_config
    from nbdev.quarto import refresh_quarto_yml, nbdev_sidebar
    from nbdev.serve import FilterDefaults, proc_nbs
    nbs = get_config().nbs_path
    short_warnings(); sync_quarto_yml(); refresh_quarto_yml()
    if only is None:
        nbdev.doclinks._build_modidx(); nbdev_sidebar.__wrapped__(path=nbs)
        return proc_nbs(nbs, n_workers=n_workers)
    for s in only:
        d = get_config().config_path/'_proc'/s.relative_to(nbs); d.parent.mkdir(parents=True, exist_ok=True)
        nbdev.serve_drv.main((s, d, FilterDefaults))

def notebooks(src: Path = ROOT/cfg['nbs_path']) -> dict[str, Path]:
    "{page: notebook} of every notebook nbdev renders (none whose name or folder starts with `_` or `.`)."
    return {page_name(p, src): p for p in sorted(src.rglob('*.ipynb'))
            if not any(part.startswith(('_', '.')) for part in p.relative_to(src).parts)}

def source_title(p: Path) -> str:
    "A notebook's title as nbdev's processing takes it: the `# heading` of its first markdown cell."
    for c in nbformat.read(p, as_version=4).cells:
        if c.cell_type == 'markdown':
            m = re.match(r'#\s+(.+)', c.source.strip())
            return m[1].strip() if m else ''
    return ''

def main(argv=None, proc: Path = ROOT/'_proc'):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--out', type=Path, default=ROOT/cfg['doc_path'], help='where the pages go (default: _docs)')
    ap.add_argument('--only', action='append', default=[], metavar='GLOB',
                    help="build only the pages whose names match (e.g. 'papers/*.html'), processing only their "
                         "notebooks; the navigation lists every page")
    a = ap.parse_args(argv)
    src_dir, books = ROOT/cfg['nbs_path'], notebooks()
    if same := shared_names(books): sys.exit(f'two pages would share a name: {same} (see `paper_page`)')
    groups = navigation({n: source_title(p) or Path(n).stem for n, p in books.items()})
    chosen = {n: p for n, p in books.items() if not a.only or any(fnmatch.fnmatch(n, g) for g in a.only)}
    if not chosen: sys.exit(f'no page matches {a.only}')
    process(only=list(chosen.values()) if a.only else None)
    run = docs_run()
    for name, p in chosen.items():
        done = proc/p.relative_to(src_dir)
        if not done.is_file(): sys.exit(f'{done} is missing: nbdev did not process {p}')
        html = render(nbformat.read(done, as_version=4), name, run, str(p.relative_to(ROOT)), groups)
        dst = a.out/name; dst.parent.mkdir(parents=True, exist_ok=True); dst.write_text(html, encoding='utf-8')
    shared = write_site_files(a.out)
    if not a.only:  # a page whose notebook is gone (renamed, split), or a style sheet no page uses, goes too
        for old in a.out.rglob('*.html'):
            if str(old.relative_to(a.out)) not in chosen: old.unlink(); print(f'removed {old} (no notebook)')
        for old in set(a.out.glob('style-*.css')) - set(shared): old.unlink()
    print(f'wrote {len(chosen)} pages to {a.out}')

if __name__ == '__main__': main()
