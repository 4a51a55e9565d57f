#!/usr/bin/env python
"""Merge run folders (each a results.jsonl and a config.json with a `runs` table, as tools/mothello_board_pilot.py
writes them) into one run folder that tools/measured.py ships: SRC/*/ -> OUT/results.jsonl, OUT/config.json.

    python tools/gpu_merge_runs.py SRC OUT
"""
import json, sys
from pathlib import Path


def merge(src, out) -> int:
    "Concatenate the records of every run folder under `src` and join their `runs` tables; the number of records."
    src, out = Path(src), Path(out)
    recs, cfg = [], {'runs': {}}
    for d in sorted(p for p in src.iterdir() if (p / 'results.jsonl').is_file()) if src.is_dir() else []:
        recs += [line for line in (d / 'results.jsonl').read_text().splitlines() if line.strip()]
        c = json.loads((d / 'config.json').read_text()) if (d / 'config.json').is_file() else {}
        cfg['runs'].update(c.get('runs', {})); cfg.update({k: v for k, v in c.items() if k != 'runs'})
    out.mkdir(parents=True, exist_ok=True)
    (out / 'results.jsonl').write_text(''.join(r + '\n' for r in recs))
    (out / 'config.json').write_text(json.dumps(cfg, indent=1))
    return len(recs)


if __name__ == '__main__':
    if len(sys.argv) != 3: sys.exit(__doc__)
    print(merge(*sys.argv[1:]), 'records merged')
