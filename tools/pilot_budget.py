#!/usr/bin/env python
"""The pilot behind the `cpu` protocol's budgets: the baseline arm (the shipped world encoder, plain fine-tuning) at
several (updates, learning rate) per world task, everything else as `PROTOCOLS['cpu']` states it (batch 32, 6%
warm-up, English dev every quarter of the run, every test item). The budget chosen is the fewest updates that
reach >= 85% English test accuracy.

    python tools/pilot_budget.py --out _runs/pilot/budget                 # the grid below, seed 0 (~25 CPU-min)
    python tools/pilot_budget.py --out DIR --grid world-paws:1500:5e-4    # one setting
    python tools/measured.py DIR pilot-cpu-budget --what ... --where ... --command ...   # ship it

Each arm goes through `xltnb.protocol.run_arm`, so a setting that is also the protocol's is the very run the papers
use (once per store). Writes DIR/results.jsonl (each arm's records, with `lr` and `steps`) and DIR/config.json."""
import argparse, dataclasses, json, sys, time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from xltnb.core import atomic_write_text, set_threads
from xltnb.protocol import PROTOCOLS, arm_records, paper_config, run_arm
from xltnb.results import write_records

GRID = ['world-nli:600:5e-4', 'world-nli:800:5e-4', 'world-nli:1200:5e-4', 'world-nli:600:7e-4', 'world-nli:800:7e-4',
        'world-paws:1200:5e-4', 'world-paws:1500:5e-4', 'world-paws:3000:3e-4']


def setting(s: str):
    "'task:updates:lr' -> (task, updates, lr)."
    try:
        task, steps, lr = s.split(':')
        return task, int(steps), float(lr)
    except ValueError:
        raise SystemExit(f"a grid setting is task:updates:lr (e.g. world-nli:1200:5e-4), got {s!r}") from None


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--out', type=Path, required=True)
    ap.add_argument('--grid', nargs='+', default=GRID, help='task:updates:lr settings (default: the pilot grid)')
    ap.add_argument('--seed', type=int, default=0)
    ap.add_argument('--threads', type=int, default=1)
    a = ap.parse_args(argv)
    grid = [setting(s) for s in a.grid]
    bad = [t for t, _, _ in grid if t not in PROTOCOLS['cpu'].tasks and t not in PROTOCOLS['cpu'].steps]
    if bad: raise SystemExit(f"unknown task {bad[0]!r}; the cpu protocol has: {', '.join(PROTOCOLS['cpu'].steps)}")
    set_threads(a.threads); a.out.mkdir(parents=True, exist_ok=True)
    base, records, t0 = PROTOCOLS['cpu'], [], time.time()
    for i, (task, steps, lr) in enumerate(grid):
        P = dataclasses.replace(base, steps={**base.steps, task: steps}, lr={**base.lr, task: lr},
                                eval_steps={**base.eval_steps, task: max(steps // 4, 1)})
        arm = run_arm(P, task, base.models[0], seed=a.seed)
        recs = arm_records(arm, 'pilot', 'cpu', lr=lr)
        records += recs
        write_records(a.out / 'results.jsonl', records)  # after every arm: an interrupted pilot keeps what is done
        acc = {r['lang']: r['value'] for r in recs
               if r['split'] == 'test' and r['metric'] == 'accuracy' and 'lang' in r}
        xen = [v for l, v in acc.items() if l != 'en']
        print(f"[{i + 1}/{len(grid)}] {task} {steps} updates at lr {lr:g}: English {acc['en']:.1%}, "
              f"avg_xen {sum(xen) / len(xen):.1%}", flush=True)
    cfg = paper_config(dict(grid=a.grid, seed=a.seed), base)
    atomic_write_text(a.out / 'config.json', json.dumps({**cfg, 'seconds': round(time.time() - t0, 1)}, indent=1,
                                                        default=str))


if __name__ == '__main__': main()
