#!/usr/bin/env python
"""Freeze a paper's analysis plan into the provenance of its reference files (`xltnb.plans.freeze_plan`).

    python tools/freeze_plan.py PAPER [--chosen-on GRID CLAIM SEEDS WHY ...] [--exploratory GRID CLAIM WHY ...]
                                      [--lift GRID CLAIM WHY ...]

Run it before the seeds that judge a new or changed claim. A claim whose hash differs from the one recorded before
counts as chosen on every seed its file already holds (exploratory until fresh seeds are appended). `--chosen-on`
adds seeds that a choice saw which the hashes cannot know (CLAIM '*': the whole testbed, e.g. a testbed picked on its
pilot seeds; SEEDS a comma list); `--exploratory` marks a claim (or '*') of a grid as never confirmatory, with why
(e.g. its records were measured with a leak since fixed); `--lift` takes such a mark off once its cause is gone (the
arm measured again under the same plan), and the plan keeps the mark, why it was lifted and when. GRID is a measured
file's name (e.g. reference-cpu.jsonl)."""
import argparse, sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from xltnb.plans import PAPER_TITLES, freeze_plan, paper_claims


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('paper', choices=list(PAPER_TITLES))
    ap.add_argument('--chosen-on', nargs=4, action='append', default=[], metavar=('GRID', 'CLAIM', 'SEEDS', 'WHY'))
    ap.add_argument('--exploratory', nargs=3, action='append', default=[], metavar=('GRID', 'CLAIM', 'WHY'))
    ap.add_argument('--lift', nargs=3, action='append', default=[], metavar=('GRID', 'CLAIM', 'WHY'))
    ap.add_argument('--today', default=None, help='the date to record (default: today)')
    a = ap.parse_args(argv)
    texts = {c.text for c in paper_claims(a.paper)} | {'*'}
    for _, claim, *_ in a.chosen_on + a.exploratory + a.lift:
        if claim not in texts: ap.error(f"claim {claim!r} is not one of {a.paper}'s: {', '.join(sorted(texts))}")
    chosen, expl, lift = {}, {}, {}
    for grid, claim, seeds, why in a.chosen_on:
        try: s = [int(x) for x in seeds.split(',')]
        except ValueError: ap.error(f"SEEDS {seeds!r}: give a comma list of integers, e.g. 0,1")
        chosen.setdefault(grid, {})[claim] = {'seeds': s, 'why': why}
    for grid, claim, why in a.exploratory: expl.setdefault(grid, {})[claim] = why
    for grid, claim, why in a.lift: lift.setdefault(grid, {})[claim] = why
    try: lines = freeze_plan(a.paper, chosen, expl, lift=lift, today=a.today)
    except ValueError as e: ap.error(str(e))
    for line in lines: print(line)


if __name__ == '__main__':
    main()
