#!/usr/bin/env python
"""Open a reproduction's report.html in headless Chromium and check it: every paper of the run present, the
side-by-side table and the figures rendered, no console error and no request leaving the machine. Writes a
full-page screenshot beside the report.

    .venv/bin/python tools/check_report.py _runs/reproduce/cpu          # the folder `xltnb reproduce --out` wrote

Exit status 0 when the report passes, 1 with the reasons otherwise. Uses Debian's /usr/bin/chromium through
Playwright (tools/setup.sh installs both); nothing is downloaded.
"""
import argparse, json, sys
from pathlib import Path

CHROMIUM = '/usr/bin/chromium'
ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
        '--disable-sync', '--no-first-run', '--disable-quic']


def check(out: Path, screenshot: Path | None = None) -> list[str]:
    "What is wrong with `out/report.html` (an empty list when nothing is)."
    from playwright.sync_api import sync_playwright
    html = out/'report.html'
    if not html.exists(): return [f'{html} does not exist']
    status = json.loads((out/'status.json').read_text()) if (out/'status.json').exists() else []  # one dict per paper
    papers = [s['paper'] for s in status]
    problems, errors, remote = [], [], []
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = b.new_page(viewport={'width': 1400, 'height': 900})
        page.on('console', lambda m: m.type == 'error' and errors.append(m.text))
        page.on('request', lambda r: r.url.startswith(('http://', 'https://')) and remote.append(r.url))
        page.goto(html.resolve().as_uri()); page.wait_for_load_state('load')
        body = page.inner_text('body')
        figures = page.locator('.plotly-graph-div').count()
        tables = page.locator('table').count()
        if screenshot: page.screenshot(path=str(screenshot), full_page=True)
        b.close()
    problems += [f'paper {p!r} missing from the report' for p in papers if p not in body]
    if not papers: problems.append('status.json lists no papers')
    if tables == 0: problems.append('no table in the report')
    if figures == 0: problems.append('no plotly figure rendered in the report')
    problems += [f'console error: {e}' for e in errors] + [f'request left the machine: {u}' for u in remote]
    print(f'{html}: {len(papers)} papers ({", ".join(papers)}), {tables} tables, {figures} plotly figures, '
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
