#!/usr/bin/env python
"""How much of each paper page's code is set-up and orchestration rather than the paper's story.

A code line is a non-blank line that is not a comment. A cell counts as set-up when it is tagged `parameters` or
`setup`, or when it does set-up work whatever its tags say: an import, `setup_paper`, a training grid (`run_arm`,
`tqdm`, `note_progress`), writing records or the run record. Everything else is the story: claims, figures, tables.

    python tools/plumbing.py            # a line per paper page: set-up lines / code lines
    python tools/plumbing.py --max 0.3  # exit 1 when a page is above the bar
"""
import argparse, json, re, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SETUP_TAGS = {'parameters', 'setup'}
SETUP_WORK = re.compile(r'^\s*(import |from \S+ import )'
                        r'|\b(setup_paper|run_arm|note_progress|write_records|write_config|tqdm)\(', re.M)

def code_lines(src: str) -> int:
    return sum(1 for l in src.splitlines() if l.strip() and not l.lstrip().startswith('#'))

def is_setup(cell: dict) -> bool:
    src = ''.join(cell['source'])
    return bool(SETUP_TAGS & set(cell.get('metadata', {}).get('tags', []))) or bool(SETUP_WORK.search(src))

def share(nb: Path) -> tuple[int, int]:
    "(set-up lines, code lines) of a notebook."
    cells = [c for c in json.loads(nb.read_text())['cells'] if c['cell_type'] == 'code']
    n = [(code_lines(''.join(c['source'])), is_setup(c)) for c in cells]
    return sum(k for k, s in n if s), sum(k for k, _ in n)

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--max', type=float, default=None, help='fail when a page has a larger set-up share')
    ap.add_argument('pages', nargs='*', help='notebooks (default: nbs/papers/*.ipynb but the report)')
    a = ap.parse_args(argv)
    pages = [Path(p) for p in a.pages] or sorted(p for p in (ROOT/'nbs'/'papers').glob('*.ipynb') if p.stem != 'report')
    bad = []
    for p in pages:
        s, n = share(p)
        print(f'{p.stem:14s} set-up {s:4d} of {n:4d} code lines: {s / max(n, 1):.0%}')
        if a.max is not None and s > a.max * n: bad.append(p.stem)
    if bad: sys.exit(f'above {a.max:.0%}: {", ".join(bad)}')

if __name__ == '__main__': main()
