#!/usr/bin/env python
"""Fail if the exported modules differ from what the notebooks export (the notebooks are the single source).

Exports a copy of the tracked and untracked-but-not-ignored tree into a temporary folder and compares every
module under the library folder. A module edited by hand is reported with the notebook to edit instead
(read from the module's "File to edit" header). Also fails on notebook cells without ids (nbdev would
invent random ids on every export) and on notebooks that fail to export.
"""
import re, shutil, subprocess, sys, tempfile
from pathlib import Path
import nbformat

ROOT = Path(__file__).resolve().parents[1]

def notebook_of(module: Path) -> str:
    m = re.search(r'File to edit: (\S+?)\.?\s', module.read_text(errors='replace')[:400]) if module.exists() else None
    return (module.parent/m.group(1)).resolve().relative_to(ROOT).as_posix() if m else 'its notebook in nbs/'

def main() -> int:
    problems = []
    for nb in sorted((ROOT/'nbs').rglob('*.ipynb')):
        if '.ipynb_checkpoints' in nb.parts: continue
        if any('id' not in c for c in nbformat.read(nb, as_version=nbformat.NO_CONVERT).cells):
            problems.append(f'{nb.relative_to(ROOT)}: cells without ids; '
                            f'run `nbdev_clean --fname {nb.relative_to(ROOT)}`')
    files = subprocess.run(['git', 'ls-files', '-co', '--exclude-standard'], cwd=ROOT, capture_output=True,
                           text=True, check=True).stdout.split('\n')
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        for f in filter(None, files):
            if (ROOT/f).is_file(): (tmp/f).parent.mkdir(parents=True, exist_ok=True); shutil.copy2(ROOT/f, tmp/f)
        lib = tmp/'xltnb'
        for py in lib.rglob('*.py'):
            if py.name != '__init__.py': py.unlink()  # export from scratch: a module with no notebook shows up too
        r = subprocess.run([str(Path(sys.executable).parent/'nbdev_export')], cwd=tmp, capture_output=True, text=True)
        if r.returncode: problems.append(f'nbdev_export fails on the notebooks:\n{r.stderr[-2000:]}')
        else:
            mine = {p.relative_to(ROOT/'xltnb') for p in (ROOT/'xltnb').rglob('*.py') if '__pycache__' not in p.parts}
            theirs = {p.relative_to(lib) for p in lib.rglob('*.py') if '__pycache__' not in p.parts}
            for rel in sorted(mine | theirs):
                a, b = ROOT/'xltnb'/rel, lib/rel
                if rel.name == '__init__.py': continue
                if not b.exists():
                    problems.append(f'xltnb/{rel} is not exported by any notebook (delete it or add its notebook)')
                elif not a.exists(): problems.append(f'xltnb/{rel} is missing: run nbdev_export')
                elif a.read_text() != b.read_text() and rel.name == '_modidx.py':
                    problems.append('xltnb/_modidx.py is stale: run nbdev_export')
                elif a.read_text() != b.read_text():
                    problems.append(f'xltnb/{rel} differs from its notebook: edit {notebook_of(a)} instead, '
                                    'then run nbdev_export')
    for p in problems: print(f'OUT OF SYNC: {p}', file=sys.stderr)
    if not problems: print('notebooks and modules are in sync')
    return 1 if problems else 0

if __name__ == '__main__': sys.exit(main())
