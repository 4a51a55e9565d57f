#!/usr/bin/env python
"""Where the main job's time goes, per paper and per arm, read from the folder of one `xltnb reproduce` run.

    make reproduce   # or: .venv/bin/xltnb reproduce ... --preset cpu [--out DIR]
    .venv/bin/python bench/main_job_cost.py [DIR] [--json FILE]   # DIR: _runs/reproduce/cpu (`make reproduce`)

Nothing is timed here: the run itself recorded it. Per paper, its notebook's wall time (`status.json`), the training
time of the runs it trained itself (`train_s` of its records, once per run; a run another paper trained first is
`cached` and counted there), and the notebook's slowest cells (papermill's per-cell durations in `executed.ipynb`: on
the pages whose records carry no `train_s`, mOthello and language arithmetic, they say where the time went). Per arm
(paper, task, encoder, method), the runs and their training seconds. With `--jobs 2` two papers run side by side on
one thread each, so the papers' wall times add up to about twice the job's wall time; a run's `train_s` is the wall
time of its training on one thread (the machine should be quiet)."""
import argparse, json, os, platform, subprocess, sys, time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from xltnb.core import atomic_write_text, read_jsonl


def slowest_cells(nb_path: Path, n: int = 3) -> list[tuple[float, str]]:
    "The `n` slowest cells of an executed notebook: (seconds, the cell's first line)."
    if not nb_path.is_file(): return []
    cells = json.loads(nb_path.read_text())['cells']
    out = [((c.get('metadata', {}).get('papermill', {}).get('duration') or 0.0),
            next((l.strip() for l in ''.join(c['source']).splitlines() if l.strip() and not l.startswith('#')), ''))
           for c in cells if c['cell_type'] == 'code']
    return sorted(out, key=lambda x: -x[0])[:n]


def costs(run_dir: Path) -> dict:
    "Per paper and per arm, what the run folder `run_dir` recorded (see the module's docstring)."
    status = json.loads((run_dir / 'status.json').read_text())
    papers, arms = [], defaultdict(lambda: {'runs': 0, 'train_s': 0.0})
    for s in status:
        path = run_dir / s['paper'] / 'results.jsonl'
        recs = read_jsonl(path) if path.is_file() else []
        own = {}  # run id -> (arm, train_s): one entry per run this paper trained (not read from another's store)
        for r in recs:
            if r.get('paper') != s['paper'] or 'train_s' not in r or r.get('cached') or 'run' not in r: continue
            own[(r.get('task'), r.get('model'), r['run'])] = ((s['paper'], r.get('task'), r.get('model'), r['method']),
                                                              float(r['train_s']))
        for arm, t in own.values(): arms[arm]['runs'] += 1; arms[arm]['train_s'] += t
        papers.append(dict(paper=s['paper'], ok=s.get('ok'), wall_s=s.get('wall_s'), runs=len(own),
                           train_s=round(sum(t for _, t in own.values()), 1),
                           slowest=[dict(s=round(d, 1), cell=c[:70]) for d, c in
                                    slowest_cells(run_dir / s['paper'] / 'executed.ipynb')]))
    presets = {s.get('preset') for s in status}
    return dict(run_dir=str(run_dir), preset=presets.pop() if len(presets) == 1 else None, papers=papers,
                arms=[dict(paper=p, task=t, model=m, method=a, runs=v['runs'], train_s=round(v['train_s'], 1))
                      for (p, t, m, a), v in sorted(arms.items(), key=lambda kv: -kv[1]['train_s'])])


def table(c: dict) -> str:
    "The two markdown tables of `costs`."
    wall = sum(p['wall_s'] or 0 for p in c['papers'])
    lines = [f"Run folder: {c['run_dir']}; the papers' wall times add up to {wall / 60:.1f} minutes.", '',
             '| paper | wall (min) | runs it trained | their training (min) | slowest cells (s) |',
             '|---|---|---|---|---|']
    for p in sorted(c['papers'], key=lambda p: -(p['wall_s'] or 0)):
        cells = '; '.join(f"{x['s']:.0f}: `{x['cell']}`" for x in p['slowest'])
        lines.append(f"| {p['paper']}{'' if p['ok'] else ' (failed)'} | {(p['wall_s'] or 0) / 60:.1f} | {p['runs']} | "
                     f"{p['train_s'] / 60:.1f} | {cells} |")
    lines += ['', '| paper | task | encoder | arm | runs | training (min) | per run (s) |',
              '|---|---|---|---|---|---|---|']
    for a in c['arms']:
        lines.append(f"| {a['paper']} | {a['task']} | {a['model']} | {a['method']} | {a['runs']} | "
                     f"{a['train_s'] / 60:.1f} | {a['train_s'] / a['runs']:.0f} |")
    return '\n'.join(lines)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('run_dir', nargs='?', type=Path, default=Path('_runs/reproduce/cpu'),
                    help='the folder of one `xltnb reproduce` run (default: _runs/reproduce/cpu)')
    ap.add_argument('--json', type=Path, default=None, help='also write the figures to this file')
    ap.add_argument('--note', default='', help='how the run was made, for the file (e.g. "beside another job")')
    a = ap.parse_args(argv)
    if not (a.run_dir / 'status.json').is_file():
        ap.error(f"{a.run_dir} holds no status.json: give the folder of a finished `xltnb reproduce` run "
                 "(`make reproduce` writes _runs/reproduce/cpu)")
    c = costs(a.run_dir)
    print(table(c))
    commit = subprocess.run(['git', 'rev-parse', '--short', 'HEAD'], cwd=ROOT, capture_output=True, text=True).stdout
    c['measured'] = ', '.join(x for x in (f'{os.cpu_count()} cores', platform.machine(), time.strftime('%Y-%m-%d'),
                                          f'commit {commit.strip()}' if commit.strip() else '', a.note) if x)
    c['command'] = 'python bench/main_job_cost.py ' + ' '.join(argv if argv is not None else sys.argv[1:])
    if a.json: atomic_write_text(a.json, json.dumps(c, indent=1) + '\n')


if __name__ == '__main__':
    main()
