#!/usr/bin/env python
"""Open a reproduction's report.html in headless Chromium and check it: every paper that ran has its section with a
table of numbers, a figure and a verdict; the side-by-side table is there; no console error and no request leaving
the machine. Writes a full-page screenshot beside the report.

    .venv/bin/python tools/check_report.py _runs/reproduce/cpu          # the folder `xltnb reproduce --out` wrote

Exit status 0 when the report passes, 1 with the reasons otherwise. Uses Debian's /usr/bin/chromium through
Playwright (tools/browser.py; tools/setup.sh installs both); nothing is downloaded.
"""
import argparse, json, re, sys
from contextlib import nullcontext
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from browser import chromium  # noqa: E402

VERDICT = re.compile(r'\b(holds|contradicted|inconclusive|not measurable)\b')
# the report's outputs in page order, grouped under the paper heading (an h3 output) that precedes them
SECTIONS_JS = """() => { const out = []; let cur = null;
  for (const el of document.querySelectorAll('.jp-OutputArea-output')) {
    const h = el.querySelector('h3');
    if (h) { cur = {paper: h.textContent.replace('¶', '').trim(), tables: 0, figures: 0, text: ''}; out.push(cur); }
    if (!cur) continue;
    for (const t of el.querySelectorAll('table'))
      if (/\\d/.test(t.querySelector('tbody') ? t.querySelector('tbody').innerText : '')) cur.tables += 1;
    cur.figures += el.querySelectorAll('.plotly-graph-div').length;
    cur.text += el.innerText + '\\n';
  } return out; }"""


def check(out: Path, screenshot: Path | None = None, browser=None) -> list[str]:
    "What is wrong with `out/report.html` (an empty list when nothing is); `browser`: a running Playwright browser."
    html = out/'report.html'
    if not html.exists(): return [f'{html} does not exist']
    status = json.loads((out/'status.json').read_text()) if (out/'status.json').exists() else []  # one dict per paper
    papers = [s['paper'] for s in status if s.get('ok')]
    problems, errors, remote = [], [], []
    with (nullcontext(browser) if browser is not None else chromium()) as b:  # one Playwright per thread
        page = b.new_page(viewport={'width': 1400, 'height': 900})
        page.on('console', lambda m: m.type == 'error' and errors.append(m.text))
        page.on('request', lambda r: r.url.startswith(('http://', 'https://')) and remote.append(r.url))
        page.goto(html.resolve().as_uri()); page.wait_for_load_state('load')
        body = page.inner_text('body')
        sections = {s['paper']: s for s in page.evaluate(SECTIONS_JS)}
        figures = page.locator('.plotly-graph-div').count()
        if screenshot: page.screenshot(path=str(screenshot), full_page=True)
    if not papers: problems.append('status.json lists no paper that ran')
    for p in papers:
        s = sections.get(p)
        if s is None: problems.append(f'paper {p!r} has no section in the report'); continue
        if not s['tables']: problems.append(f'paper {p!r}: no table with numbers')
        if not s['figures']: problems.append(f'paper {p!r}: no figure')
        if not VERDICT.search(s['text']): problems.append(f'paper {p!r}: no verdict')
    if 'side by side' not in body.lower(): problems.append('no side-by-side section')
    problems += [f'console error: {e}' for e in errors] + [f'request left the machine: {u}' for u in remote]
    print(f'{html}: {len(papers)} papers ({", ".join(papers)}), {figures} plotly figures, '
          f'{len(body):,} characters of text')
    return problems


if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('out', type=Path, help='the folder holding report.html and status.json')
    ap.add_argument('--screenshot', type=Path, default=None, help='default: OUT/report.png')
    a = ap.parse_args()
    bad = check(a.out, a.screenshot or a.out/'report.png')
    for x in bad: print('FAIL', x)
    print('report OK' if not bad else f'{len(bad)} problem(s)')
    sys.exit(1 if bad else 0)
