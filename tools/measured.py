#!/usr/bin/env python
"""Ship a run made outside the main job (a GPU, or over a preset's budget) as measured records with provenance.

    python tools/measured.py RUN_DIR NAME --what "..." --where "..." --command "..." [--world '{"order": "own"}']

copies RUN_DIR/results.jsonl to xltnb/assets/measured/NAME.jsonl and writes NAME.json beside it: what was measured,
where and when, the exact command, and the versions, parameters and timings from RUN_DIR/config.json.
`xltnb.results.measured_records` reads them back, each record tagged with the file it came from."""
import argparse, json, shutil, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from xltnb.core import read_jsonl
from xltnb.results import MEASURED_DIR


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('run_dir', type=Path); ap.add_argument('name')
    ap.add_argument('--what', required=True); ap.add_argument('--where', required=True)
    ap.add_argument('--command', required=True)
    ap.add_argument('--world', default='',
                    help='the world\'s options as JSON, e.g. \'{"order": "own", "paws_lexical": 1.0}\'')
    ap.add_argument('--to', type=Path, default=MEASURED_DIR, help='folder to write to (default: the package assets)')
    a = ap.parse_args(argv)
    if not a.name or '/' in a.name or a.name.endswith(('.jsonl', '.json')):
        ap.error(f"NAME is a bare file stem such as 'salt-cpu-world-paws', got {a.name!r}")
    res, cfg = a.run_dir / 'results.jsonl', a.run_dir / 'config.json'
    for f in (res, cfg):
        if not f.is_file(): ap.error(f"{f} is missing: give the out_dir of a finished paper-notebook run")
    n = len(read_jsonl(res))
    if not n: ap.error(f"{res} holds no records")
    c = json.loads(cfg.read_text())
    try: world = json.loads(a.world) if a.world else {}
    except json.JSONDecodeError as e: ap.error(f"--world is not JSON ({e}): {a.world!r}")
    if not isinstance(world, dict) or set(world) - {'order', 'paws_lexical'}:
        ap.error(f"--world takes the world options order and paws_lexical as a JSON object, got {a.world!r}")
    a.to.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(res, a.to / f'{a.name}.jsonl')
    meta = dict(what=a.what, measured=a.where, command=a.command, n_records=n, **({'world': world} if world else {}),
                **{k: c[k] for k in ('versions', 'python', 'platform', 'params', 'protocol', 'departures', 'seconds',
                                     'runs')
                   if k in c})
    (a.to / f'{a.name}.json').write_text(json.dumps(meta, indent=1, default=str) + '\n')
    print(f"{n} records -> {a.to / a.name}.jsonl (+ .json)")


if __name__ == '__main__': main()
