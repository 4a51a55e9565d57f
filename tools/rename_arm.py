#!/usr/bin/env python
"""Rename arms (the `method` of records) in a shipped measured file, and say why in its provenance.

    python tools/rename_arm.py NAME OLD=NEW [OLD=NEW ...] --why "..."
    python tools/rename_arm.py NAME OLD=NEW --field model --why "..."   # rename encoders (the `model` of records)

A rename changes what a record is called, never what it measured: use it when an arm's name comes to mean another
setting (SALT's headline moved off the world's lexicon filter, so the lexicon-filtered records became
`salt-oracle`). NAME.json gains a `renamed` entry (from, to, why, date, commit) and its parts' `what` is kept. A
name that the file does not hold, or a new name it holds already, is refused and nothing is written."""
import argparse, datetime, json, subprocess, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from xltnb.core import read_jsonl
from xltnb.results import MEASURED_DIR


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('name', help='a measured file stem, e.g. reference-cpu')
    ap.add_argument('pairs', nargs='+', metavar='OLD=NEW')
    ap.add_argument('--why', required=True, help='why the name changes (kept in the provenance)')
    ap.add_argument('--field', default='method', choices=('method', 'model'),
                    help="the record field renamed: arms ('method', default) or encoders ('model')")
    ap.add_argument('--to', type=Path, default=MEASURED_DIR,
                    help='the folder of the file (default: the package assets)')
    a = ap.parse_args(argv)
    jl, js = a.to / f'{a.name}.jsonl', a.to / f'{a.name}.json'
    if not (jl.is_file() and js.is_file()): ap.error(f"{jl} (and its .json) must exist")
    bad = [p for p in a.pairs if '=' not in p or not all(p.split('=', 1))]
    if bad: ap.error(f"each rename is OLD=NEW (split at the first '='), got {bad[0]!r}")
    ren = dict(p.split('=', 1) for p in a.pairs)
    recs, meta = read_jsonl(jl), json.loads(js.read_text())
    f, what = a.field, {'method': 'arm', 'model': 'encoder'}[a.field]
    have = {r[f] for r in recs}
    if missing := sorted(set(ren) - have):
        ap.error(f"{jl.name} holds no {what} {missing[0]!r}; it holds: {', '.join(sorted(map(str, have)))}")
    if taken := sorted((set(ren.values()) & have) - set(ren)):
        ap.error(f"{jl.name} already holds an {what} {taken[0]!r}: renaming into it would merge two {what}s")
    for r in recs: r[f] = ren.get(r[f], r[f])
    try: commit = subprocess.run(['git', 'rev-parse', '--short', 'HEAD'], cwd=ROOT, capture_output=True,
                                 text=True).stdout.strip()
    except OSError: commit = ''
    today = datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%d')
    meta.setdefault('renamed', []).extend(dict(old=o, new=n, why=a.why, date=today, commit=commit,
                                               **({'field': f} if f != 'method' else {})) for o, n in ren.items())
    jl.write_text(''.join(json.dumps(r) + '\n' for r in recs))
    js.write_text(json.dumps(meta, indent=1, default=str) + '\n')
    print(f"{jl.name}: " + ', '.join(f"{o} -> {n} ({sum(r[f] == n for r in recs)} records)"
                                     for o, n in ren.items()))

if __name__ == '__main__': main()
