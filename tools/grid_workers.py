#!/usr/bin/env python
"""Many small runs on one device: the encoder papers' arms (SALT, robust training) over tasks x arms x seeds, spread
over concurrent worker processes, each run in its own folder of the shared run store.

    python tools/grid_workers.py --preset gpu --testbed realtext --papers salt,robust --seeds 0,1,2,3,4,5,6,7,8,9 \\
        --workers 6 --out _runs/grid/gpu-realtext            # the gpu real-text reference's runs, six at a time
    python tools/grid_workers.py --preset smoke --papers robust --arms baseline,at --seeds 0,1 --workers 2 --out DIR

A job is one arm of one paper on one task and seed, built as the paper's page builds it (its notebook's parameters,
`configs/<paper>/<preset>.yaml`, then `--set`; `xltnb.methods.salt.salt_method`, `xltnb.methods.robust.robust_method`)
and run by `xltnb.protocol.run_arm`, which trains it into the run store (its folder named by the run's settings, so two
papers' shared baseline is one run, trained by whichever worker reaches it first while the other waits on its lock)
and evaluates it once. The records of each job go to `OUT/jobs/<job>.jsonl` when it ends, so a grid cut short (a
crash, `--deadline-s`) resumes where it stopped: finished jobs are skipped, a half-trained run resumes from its last
checkpoint. `OUT/results.jsonl` gathers every finished job's records in the grid's order, `OUT/status.json` says what
ran. The records do not depend on the number of workers (each run seeds itself; tests/test_grid_workers.py checks two
workers against one), only the wall time does; the paper pages run afterwards over the same store read every run back
instead of training it (`xltnb reproduce salt robust --preset gpu ...`, what tools/reference.sh ships).

Each worker is a fresh process (spawned, so CUDA starts cleanly in each) with `--threads` torch threads and
`XLTNB_LOADER_WORKERS` dataloader workers (`xltnb.finetune.speed_args`; neither changes a record).
"""
import argparse, json, os, signal, sys, time, traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PAPERS = ('salt', 'robust')
SKIP = ('train_s', 'cached')  # wall time and store hits: what differs between two runs of the same grid


def paper_params(paper: str, preset: str, overrides: dict) -> dict:
    "A page's parameters at `preset`: its notebook's defaults, the preset's config file, then `overrides`."
    from xltnb.paper import notebook_params
    from xltnb.reproduce import load_preset
    return {**{k: v.default for k, v in notebook_params(paper).items()}, **load_preset(paper, preset), **overrides}


def grid_protocol(p: dict, testbed: str):
    "The protocol a page runs its `testbed` arms under (with the page's departures), and the arm list it names."
    from xltnb.protocol import protocol
    if testbed == 'realtext':
        return protocol(p['preset'], p.get('rt_protocol') or {}, p.get('why', ''), testbed='realtext'), p['rt_methods']
    return protocol(p['preset'], p.get('protocol') or {}, p.get('why', '')), p['methods']


def page_arms(paper: str, testbed: str) -> list:
    "The arms a page's parameter may name on `testbed` (its `methods` or `rt_methods` choices)."
    if paper == 'salt':
        from xltnb.methods.salt import salt_setup as setup
    else:
        from xltnb.methods.robust import robust_setup as setup
    return setup()['choices']['rt_methods' if testbed == 'realtext' else 'methods']


def jobs(papers: list, preset: str, testbed: str, seeds: list | None, arms: list | None, overrides: dict) -> list[dict]:
    "The grid's jobs in order (seed, task, paper, arm); an arm two papers share (same task, seed, name) runs once."
    from xltnb.encoders import WORLD_ENCODERS
    out, seen, known = [], set(), []
    for paper in papers:
        p = paper_params(paper, preset, {**overrides, 'preset': preset})
        P, names = grid_protocol(p, testbed)
        if bad := [n for n in names if n not in (allowed := page_arms(paper, testbed))]:
            raise ValueError(f"{paper} has no arm {bad[0]!r} on the {testbed} testbed; it has: {', '.join(allowed)}")
        known += names
        models = [m for m in P.models if testbed == 'realtext' or m in WORLD_ENCODERS] or list(P.models)
        for task in P.tasks:
            for seed in seeds if seeds is not None else P.seeds:
                for name in (arms or names):
                    if name not in names: continue
                    key = (task, models[0], name, seed)
                    if key in seen: continue
                    seen.add(key)
                    out.append(dict(paper=paper, task=task, model=models[0], arm=name, seed=seed, testbed=testbed,
                                    preset=preset, overrides=overrides))
    if bad := [a for a in arms or [] if a not in known]:
        raise ValueError(f"no page of {', '.join(papers)} has the arm {bad[0]!r} at {preset} ({testbed}); they have: "
                         f"{', '.join(dict.fromkeys(known))}")
    # seed-major, as the pages run: a grid cut short leaves whole seeds (every task and arm) behind it
    out.sort(key=lambda j: (j['seed'], j['task'], PAPERS.index(j['paper']), j['arm']))
    return out


def job_id(j: dict) -> str: return f"{j['task']}-{j['arm']}-seed{j['seed']}"


def make_method(j: dict, p: dict, P):
    "The job's method, as its paper's page makes it."
    from xltnb.tasks import load_kw
    if j['paper'] == 'salt':
        from xltnb.methods.salt import LangFilters, salt_method
        world = None
        if j['arm'].endswith('-oracle'):
            from xltnb.world import make_world
            world = make_world(P.world)
        sp = {**p, 'mode': 'embed'} if j['testbed'] == 'realtext' else p  # e5-small: substitutes from its embeddings
        filters = LangFilters(lambda t: load_kw(t, P.world, P.data_dir), world)
        return salt_method(j['arm'], j['model'], j['seed'], j['task'], sp, P.max_length, filters)
    from xltnb.methods.robust import robust_method
    return robust_method(j['arm'], j['task'], p, j['seed'], P.world, load_kw(j['task'], P.world, P.data_dir))


def run_job(j: dict, out: str, deadline: float | None = None) -> dict:
    "Train and evaluate one job (unless its records exist, or the deadline passed); its records go to out/jobs/."
    from xltnb.core import atomic_write_text
    f = Path(out) / 'jobs' / f'{job_id(j)}.jsonl'
    if f.exists(): return dict(job=job_id(j), state='done before')
    if deadline is not None and time.time() > deadline: return dict(job=job_id(j), state='left (deadline)')
    t = time.time()
    try:
        from xltnb.protocol import arm_records, run_arm
        p = paper_params(j['paper'], j['preset'], {**j['overrides'], 'preset': j['preset']})
        P, _ = grid_protocol(p, j['testbed'])
        arm = run_arm(P, j['task'], j['model'], make_method(j, p, P), seed=j['seed'])
        recs = arm_records(arm, j['paper'], j['preset'])
    except Exception:
        err = Path(out) / 'errors' / f'{job_id(j)}.txt'
        err.parent.mkdir(parents=True, exist_ok=True)
        err.write_text(traceback.format_exc())
        return dict(job=job_id(j), state='failed', error=traceback.format_exc().strip().splitlines()[-1])
    f.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(f, ''.join(json.dumps(r) + '\n' for r in recs))
    return dict(job=job_id(j), state='cached' if arm.cached else 'ran', seconds=round(time.time() - t, 1),
                pid=os.getpid())


def _init_worker(threads: int, loader_workers: int):
    "A worker's torch threads and dataloader workers, set before it imports the harness."
    os.environ['XLTNB_LOADER_WORKERS'] = str(loader_workers)
    import torch
    torch.set_num_threads(threads)


def run_grid(grid: list[dict], out: Path, workers: int = 1, threads: int = 1, loader_workers: int = 1,
             deadline_s: float | None = None, log=print) -> dict:
    "Run `grid` on `workers` processes (1: here, one job after another); gather the records; say what ran."
    import multiprocessing as mp
    from xltnb.core import atomic_write_text
    out.mkdir(parents=True, exist_ok=True)
    t0, deadline = time.time(), (time.time() + deadline_s if deadline_s else None)
    states, stopped = [], None
    try:
        if workers == 1:
            _init_worker(threads, loader_workers)
            for j in grid:
                states.append(run_job(j, str(out), deadline)); log(json.dumps(states[-1]))
        else:
            with mp.get_context('spawn').Pool(workers, _init_worker, (threads, loader_workers)) as pool:
                for s in pool.imap_unordered(_star, [(j, str(out), deadline) for j in grid]):
                    states.append(s); log(json.dumps(s))
    except (SystemExit, KeyboardInterrupt) as e:  # stopped (SIGTERM, Ctrl-C): what finished is kept and said
        stopped = str(e) or type(e).__name__
    recs = [l for j in grid if (f := out / 'jobs' / f'{job_id(j)}.jsonl').exists()
            for l in f.read_text().splitlines() if l.strip()]
    atomic_write_text(out / 'results.jsonl', ''.join(l + '\n' for l in recs))
    count = {k: sum(s['state'] == k for s in states) for k in dict.fromkeys(s['state'] for s in states)}
    status = dict(jobs=len(grid), finished=sum((out / 'jobs' / f'{job_id(j)}.jsonl').exists() for j in grid),
                  states=count, workers=workers, threads=threads, wall_s=round(time.time() - t0, 1),
                  failed=[s for s in states if s['state'] == 'failed'], **({'stopped': stopped} if stopped else {}))
    atomic_write_text(out / 'status.json', json.dumps(status, indent=1))
    return status


def _star(a): return run_job(*a)


def _stop(signum, frame): raise SystemExit(f"stopped by signal {signum}")


def write_config(out: Path, a, papers: list, grid: list, st: dict):
    "The grid's run record, `OUT/config.json` (what `tools/measured.py OUT NAME ...` ships beside its records)."
    import platform
    from xltnb.core import atomic_write_text
    from xltnb.paper import versions
    params = dict(preset=a.preset, testbed=a.testbed, papers=papers, arms=sorted({j['arm'] for j in grid}),
                  tasks=sorted({j['task'] for j in grid}), seeds=sorted({j['seed'] for j in grid}), overrides=a.set,
                  workers=a.workers, threads=a.threads)
    cfg = dict(paper='grid', params=params, versions=versions(), python=platform.python_version(),
               platform=platform.platform(), seconds=st['wall_s'], status={k: st[k] for k in ('jobs', 'finished')})
    atomic_write_text(out / 'config.json', json.dumps(cfg, indent=1, default=str))


def main(argv=None):
    from xltnb.reproduce import parse_overrides, parse_seeds
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--preset', default='smoke')
    ap.add_argument('--testbed', default='world', choices=['world', 'realtext'])
    ap.add_argument('--papers', default='salt,robust', help='comma list of salt, robust')
    ap.add_argument('--arms', default=None, help="comma list of arms (default: each page's list at the preset)")
    ap.add_argument('--seeds', default=None, help="comma list (default: the protocol's)")
    ap.add_argument('--set', action='append', default=[], metavar='KEY=VALUE', help='a page parameter, as reproduce')
    ap.add_argument('--workers', type=int, default=1, help='concurrent worker processes (1: one job after another)')
    ap.add_argument('--threads', type=int, default=1, help='torch threads per worker')
    ap.add_argument('--loader-workers', type=int, default=1, help='dataloader workers per run on CUDA')
    ap.add_argument('--deadline-s', type=float, default=None, help='start no job after this many seconds')
    ap.add_argument('--out', required=True, help='the grid folder: jobs/, results.jsonl, status.json')
    ap.add_argument('--list', action='store_true', help='print the jobs and stop')
    a = ap.parse_args(argv)
    papers = [x for x in a.papers.split(',') if x]
    if bad := [x for x in papers if x not in PAPERS]:
        ap.error(f"--papers: unknown {bad[0]!r}; known: {', '.join(PAPERS)}")
    if a.workers < 1: ap.error(f"--workers must be >= 1, got {a.workers}")
    grid = jobs(papers, a.preset, a.testbed, parse_seeds(a.seeds), a.arms.split(',') if a.arms else None,
                parse_overrides(a.set))
    if a.list:
        for j in grid: print(j['paper'], job_id(j))
        return 0
    signal.signal(signal.SIGTERM, _stop)  # `timeout` stops a grid: its finished jobs' records are still gathered
    print(f"{len(grid)} jobs on {a.workers} worker(s) into {a.out}", flush=True)
    st = run_grid(grid, Path(a.out), a.workers, a.threads, a.loader_workers, a.deadline_s,
                  log=lambda s: print(s, flush=True))
    write_config(Path(a.out), a, papers, grid, st)
    print(json.dumps({k: v for k, v in st.items() if k != 'failed'}))
    for f in st['failed']: print(f"failed: {f['job']}: {f['error']}", file=sys.stderr)
    return 1 if st['failed'] or 'stopped' in st else 0


if __name__ == '__main__':
    sys.exit(main())
