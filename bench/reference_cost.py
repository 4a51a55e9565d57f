#!/usr/bin/env python
"""What measuring each shipped reference again would cost, read from its own records (nothing is timed here).

    .venv/bin/python bench/reference_cost.py [--ratio R] [--json FILE]

Per shipped record file (`xltnb/assets/measured/reference-*.jsonl`): its seeds, the fine-tuning runs it holds (one
per paper, task, model, encoder, pretraining seed, method and run id, counted once however many evaluations it has)
and their training time (`train_s`, the wall time of each run's training on one thread as the run recorded it). Not
counted: what the records carry no `train_s` for (mOthello's GPTs, language arithmetic's adapters, meta-pretraining's
encoders: their cost is in the page's wall time), which show as "-" or are left out of a file's figure.
`--ratio R` adds a column: the training time times R, e.g. 0.68 for bf16 autocast, the ratio `bench/step_cost.py
--bf16` measured for the `cpu` protocol's update (an estimate, not a measurement of that reference)."""
import argparse, json, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from xltnb.core import atomic_write_text, read_jsonl

MEASURED = ROOT / 'xltnb' / 'assets' / 'measured'


def reference_cost(path: Path) -> dict:
    "Seeds, fine-tuning runs and their training seconds of one record file (see the module's docstring)."
    runs, seeds = {}, set()
    for r in read_jsonl(path):
        if r.get('seed') is not None: seeds.add(r['seed'])
        if r.get('train_s') is None or 'run' not in r: continue
        key = tuple(r.get(k) for k in ('paper', 'task', 'model', 'encoder', 'pretrain_seed', 'method', 'run'))
        runs[key] = float(r['train_s'])
    return dict(file=path.name, seeds=sorted(seeds), runs=len(runs), train_s=round(sum(runs.values()), 1))


def table(rows: list[dict], ratio: float | None) -> str:
    "A markdown table of `reference_cost` rows, with the scaled column when `ratio` is given."
    head = '| file | seeds | fine-tuning runs | their training (CPU-min) |'
    head += f' × {ratio} (CPU-min) |' if ratio else ''
    lines = [head, '|---|---|---|---|' + ('---|' if ratio else '')]
    for r in rows:
        s = r['seeds']; seeds = f"{s[0]}-{s[-1]} ({len(s)})" if s else '-'
        t = f"{r['train_s'] / 60:.0f}" if r['runs'] else '-'
        scaled = (f" {r['train_s'] / 60 * ratio:.0f} |" if r['runs'] else ' - |') if ratio else ''
        lines.append(f"| {r['file']} | {seeds} | {r['runs'] or '-'} | {t} |{scaled}")
    tot = sum(r['train_s'] for r in rows) / 60
    lines.append(f"| all | | {sum(r['runs'] for r in rows)} | {tot:.0f} |" + (f' {tot * ratio:.0f} |' if ratio else ''))
    return '\n'.join(lines)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--ratio', type=float, default=None, help='scale the training time by this (e.g. 0.68 for bf16)')
    ap.add_argument('--prefix', default='reference-', help="which record files (name prefix; default 'reference-')")
    ap.add_argument('--json', default=None, help='also write the rows to this file')
    a = ap.parse_args(argv)
    if a.ratio is not None and a.ratio <= 0: ap.error(f'--ratio must be positive, got {a.ratio}')
    rows = [reference_cost(p) for p in sorted(MEASURED.glob(f'{a.prefix}*.jsonl'))]
    if not rows: ap.error(f"no record file named {a.prefix}*.jsonl in {MEASURED}")
    print(table(rows, a.ratio))
    if a.json: atomic_write_text(a.json, json.dumps(dict(ratio=a.ratio, rows=rows), indent=1) + '\n')


if __name__ == '__main__':
    main()
