#!/usr/bin/env python
"""Ship a run made outside the main job (a GPU, or over a preset's budget) as measured records with provenance.

    python tools/measured.py RUN_DIR NAME --what "..." --where "..." --command "..." [--world '{"order": "own"}']
    python tools/measured.py NAME --runs DIR/baseline DIR/salt DIR/robust --what ... --where ... --command ...

copies RUN_DIR/results.jsonl to xltnb/assets/measured/NAME.jsonl and writes NAME.json beside it: what was measured,
where and when, the exact command, and the versions, parameters and timings from RUN_DIR/config.json. With `--runs`,
the records of several paper runs (e.g. one `xltnb reproduce ... --out DIR` of several papers: a reference grid)
go into one file, each record keeping its `paper`, and NAME.json keeps each run's parameters under `runs`. `--also
FILE ...` adds more record files of each run folder (language arithmetic's held-out losses, mlm_loss.jsonl).
`xltnb.results.measured_records` reads them back, each record tagged with the file it came from.

With `--append`, the records join those already in NAME.jsonl (more seeds for a reference grid, measured later): a
record that measures what one already there measures (same fields, bookkeeping aside) is kept once if it carries the
same value and refused if not (the protocol is deterministic: another value is another protocol); NAME.json's `what`
gains the seeds the file now holds, and it keeps each part's provenance under `parts`, the first being what the file
held before. A part run with other parameters than the file's first part is refused, the parameters named (seeds,
out_dir, the arm lists `methods`/`rt_methods` and the `why` prose aside: new seeds and arms are what appending is
for); `--differs KEY ...` lets named ones differ and records them in the part. NAME.json (and each appended part)
names the CPU of the machine that ships it (`cpu`: its model and whether it has bfloat16 units), as every script here
ships right where it ran: bf16 kernels differ by CPU kind, so a real-text rerun reproduces a seed only on the CPU kind
that measured it. `--rerun-of REFERENCE` marks a rerun of a shipped reference's seeds on another CPU kind (`rerun_of`
in NAME.json): the report checks the main job's rerun against it where the main job runs on that kind
(`xltnb.results.cpu_reruns`)."""
import argparse, json, shutil, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from xltnb.core import cpu_description, read_jsonl
from xltnb.results import BOOKKEEPING, MEASURED_DIR


SAME_EXCEPT = {'seeds', 'out_dir', 'methods', 'rt_methods', 'why'}  # an appended part may change seeds, arms, prose

KEPT = ('renamed', 'renamed_file', 'remeasured', 'plans')  # what an appended file's provenance keeps of the old one

def plans_of(recs: list[dict]) -> dict:
    "{'measured_under': {paper: plan hash}}: the plan of each paper of `recs` when they were shipped."
    from xltnb.plans import PAPER_TITLES, plan_hash
    papers = sorted({r.get('paper') for r in recs} & set(PAPER_TITLES))
    return {'measured_under': {p: plan_hash(p) for p in papers}} if papers else {}

def run_params(meta: dict) -> dict:
    "run folder name -> its parameters, from a measured file's metadata (or one part's); {} where it kept none."
    if isinstance(meta.get('runs'), dict): return {k: v.get('params') or {} for k, v in meta['runs'].items()}
    return {None: meta['params']} if isinstance(meta.get('params'), dict) else {}

def param_changes(old: dict, new: dict, allowed: set) -> list[str]:
    "'key: old there, new here' for each parameter a new part sets otherwise than the old part, per run folder."
    from xltnb.paper import notebook_params
    out = []
    for run, p in new.items():
        q = old[run] if run in old else next(iter(old.values())) if len(old) == 1 else None
        if q is None: continue  # the file kept no parameters for this run
        try: defaults = {k: v.default for k, v in notebook_params(p.get('paper') or run).items()}
        except (FileNotFoundError, ValueError): defaults = {}  # not a paper notebook's run
        for k in sorted((set(p) | set(q)) - SAME_EXCEPT - allowed):
            # a parameter one side lacks (added to the notebook since) had the notebook's default there
            was, now = q.get(k, defaults.get(k, '(unset)')), p.get(k, defaults.get(k, '(unset)'))
            if was != now: out.append(f"{run + ' ' if run else ''}{k}: {was!r} there, {now!r} here")
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('args', nargs='+', metavar='[RUN_DIR] NAME')
    ap.add_argument('--runs', nargs='+', type=Path, default=[], help='several run folders into one file')
    ap.add_argument('--what', required=True); ap.add_argument('--where', required=True)
    ap.add_argument('--command', required=True)
    ap.add_argument('--world', default='',
                    help='the world\'s options as JSON, e.g. \'{"order": "own", "paws_lexical": 1.0}\'')
    ap.add_argument('--to', type=Path, default=MEASURED_DIR, help='folder to write to (default: the package assets)')
    ap.add_argument('--append', action='store_true', help="add to NAME's records (later seeds)")
    ap.add_argument('--also', nargs='+', default=[], metavar='FILE',
                    help="more record files of each run folder into the same file (e.g. mlm_loss.jsonl)")
    ap.add_argument('--differs', nargs='+', default=[], metavar='KEY',
                    help="with --append: parameters this part may set otherwise than the file's first part")
    ap.add_argument('--rerun-of', default='', metavar='REFERENCE',
                    help="the shipped reference (e.g. reference-cpu-metapretrain.jsonl) whose seeds this reruns on "
                         "another CPU kind")
    ap.add_argument('--methods', nargs='+', default=[], metavar='METHOD',
                    help="ship only the records of these methods (arms): a part that measures one new arm, whose "
                         "page also ran arms the file holds")
    a = ap.parse_args(argv)
    if a.rerun_of and not (MEASURED_DIR / a.rerun_of).is_file():
        have = ', '.join(sorted(q.name for q in MEASURED_DIR.glob('reference-*.jsonl')))
        ap.error(f"--rerun-of: no shipped reference {a.rerun_of!r}; shipped: {have}")
    if a.rerun_of and a.append: ap.error("--rerun-of ships a rerun file of its own: not with --append")
    if len(a.args) != (1 if a.runs else 2):
        ap.error(f"give RUN_DIR NAME, or NAME with --runs DIR [DIR ...]; got {a.args!r}")
    a.name, dirs = a.args[-1], (a.runs or [Path(a.args[0])])
    if not a.name or '/' in a.name or a.name.endswith(('.jsonl', '.json')):
        ap.error(f"NAME is a bare file stem such as 'salt-cpu-world-paws', got {a.name!r}")
    recs, cfgs = [], {}
    for d in dirs:
        res, cfg = d / 'results.jsonl', d / 'config.json'
        for f in (res, cfg):
            if not f.is_file(): ap.error(f"{f} is missing: give the out_dir of a finished paper-notebook run")
        rs = read_jsonl(res)
        if not rs: ap.error(f"{res} holds no records")
        for extra in a.also:
            if not (d / extra).is_file(): ap.error(f"--also: {d / extra} is missing")
            rs += read_jsonl(d / extra)
        recs += rs; cfgs[d.name] = json.loads(cfg.read_text())
    if a.methods:
        if missing := sorted(set(a.methods) - {r.get('method') for r in recs}):
            ap.error(f"--methods: no record of {', '.join(missing)} in {', '.join(map(str, dirs))}; methods there: "
                     f"{', '.join(sorted({str(r.get('method')) for r in recs}))}")
        recs = [r for r in recs if r.get('method') in a.methods]
    n, c = len(recs), cfgs[dirs[0].name]
    try: world = json.loads(a.world) if a.world else {}
    except json.JSONDecodeError as e: ap.error(f"--world is not JSON ({e}): {a.world!r}")
    if not isinstance(world, dict) or set(world) - {'order', 'paws_lexical'}:
        ap.error(f"--world takes the world options order and paws_lexical as a JSON object, got {a.world!r}")
    a.to.mkdir(parents=True, exist_ok=True)
    keys = ('versions', 'python', 'platform', 'params', 'protocol', 'departures', 'seconds', 'runs')
    gpus = sorted({g for v in cfgs.values() for g in [v.get('gpu')] + [r.get('gpu') for r in v.get('runs', {}).values()]
                   if g})  # a run on a GPU names its card; the CPU that ships it measured nothing
    meta = dict(what=a.what, **({'rerun_of': a.rerun_of} if a.rerun_of else {}), measured=a.where,
                **({'gpu': ', '.join(gpus)} if gpus else {'cpu': cpu_description()}), command=a.command, n_records=n,
                **plans_of(recs),
                **({'methods': a.methods} if a.methods else {}),
                **({'world': world} if world else {}),
                **({k: c[k] for k in keys if k in c} if len(dirs) == 1 else
                   {'versions': c.get('versions'), 'python': c.get('python'),
                    'runs': {p: {k: v[k] for k in keys if k in v and k not in ('versions', 'python')}
                             for p, v in cfgs.items()}}))
    jl, js = a.to / f'{a.name}.jsonl', a.to / f'{a.name}.json'
    if a.append:
        if not (jl.is_file() and js.is_file()): ap.error(f"--append: {jl} (and its .json) must exist to append to")
        old, old_meta = read_jsonl(jl), json.loads(js.read_text())
        if world and old_meta.get('world', {}) != world:
            ap.error(f"--append: --world {world} differs from {js.name}'s {old_meta.get('world')}: one world a file")
        ident = lambda r: tuple(sorted((k, repr(v)) for k, v in r.items() if k not in BOOKKEEPING))
        there = {ident(r): r['value'] for r in old}
        same = {id(r) for r in recs if ident(r) in there and abs(float(r['value']) - float(there[ident(r)])) <= 1e-6}
        if clash := [r for r in recs if ident(r) in there and id(r) not in same]:
            r = clash[0]
            ap.error(f"--append: {len(clash)} record(s) measure what {jl.name} already holds, with another value, e.g. "
                     f"{r.get('method')} seed {r.get('seed')} {r.get('task')} {r.get('metric')}: {r['value']} there "
                     f"{there[ident(r)]}; append new seeds of the same protocol only")
        recs = [r for r in recs if ident(r) not in there]  # one measured again with its value: kept once
        if not recs: ap.error(f"--append: every record is in {jl.name} already (same values): nothing to append")
        if same: print(f"{len(same)} record(s) already in {jl.name} with the same value (measured again): kept once")
        parts = old_meta.get('parts') or [{k: v for k, v in old_meta.items() if k != 'parts'}]
        if changed := param_changes(run_params(parts[0]), {d.name: cfgs[d.name].get('params') or {} for d in dirs},
                                    set(a.differs)):
            ap.error(f"--append: this part's parameters differ from {js.name}'s first part: {'; '.join(changed)}; "
                     "append seeds of the same settings (or name a deliberate change with --differs KEY)")
        if a.differs: meta['differs'] = a.differs
        seeds_of = lambda rs: sorted({r['seed'] for r in rs if 'seed' in r}, key=lambda v: (isinstance(v, str), v))
        part = {**meta, 'n_records': len(recs), 'seeds': seeds_of(recs), **plans_of(recs)}
        recs = old + recs
        seeds = seeds_of(recs)
        meta = dict(what=f"{a.what}, seeds {','.join(map(str, seeds))}",
                    measured='; '.join(p_['measured'] for p_ in parts + [part]),
                    command=' then '.join(p_['command'] for p_ in parts + [part]), n_records=len(recs),
                    **({'world': old_meta['world']} if 'world' in old_meta else {}),
                    seeds=seeds,
                    versions=meta.get('versions'), python=meta.get('python'), parts=parts + [part],
                    **{k: v for k, v in old_meta.items() if k in KEPT})  # renames, re-measures and frozen plans stay
        jl.write_text(''.join(json.dumps(r) + '\n' for r in recs))
    else:
        if js.is_file() and (frozen := json.loads(js.read_text()).get('plans')):
            meta['plans'] = frozen  # a plan frozen before these seeds (tools/freeze_plan.py) stays with them
        if len(dirs) == 1 and not a.also and not a.methods: shutil.copyfile(dirs[0] / 'results.jsonl', jl)
        else: jl.write_text(''.join(json.dumps(r) + '\n' for r in recs))
    js.write_text(json.dumps(meta, indent=1, default=str) + '\n')
    print(f"{len(recs)} records -> {a.to / a.name}.jsonl (+ .json){' (appended)' if a.append else ''}")

if __name__ == '__main__': main()
