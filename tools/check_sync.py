#!/usr/bin/env python
"""Fail if the exported modules differ from what the notebooks export (the notebooks are the single source).

Exports a copy of the tracked and untracked-but-not-ignored tree into a temporary folder and compares every
module under the library folder. A module edited by hand is reported with the notebook to edit instead
(read from the module's "File to edit" header). Also fails on notebook cells without ids (nbdev would
invent random ids on every export) and on notebooks that fail to export.

And fails on a cell that the docs build cannot run: nbdev's processing runs only some cells of a library notebook
(its exported cells, `show_doc` calls, and every cell with an import in it, even one that also does other work) in
one kernel, in order, skipping the rest. A cell it runs that reads a name only a skipped cell defines (an example's
`L = ...` two cells up) passes `nbdev_test` and breaks the docs build, which the test command only reaches in its slow
tier; this check reads the names statically, without running a cell.
"""
import ast, builtins, functools, importlib, re, shutil, subprocess, sys, tempfile, warnings
from pathlib import Path
import nbformat

ROOT = Path(__file__).resolve().parents[1]

def notebook_of(module: Path) -> str:
    m = re.search(r'File to edit: (\S+?)\.?\s', module.read_text(errors='replace')[:400]) if module.exists() else None
    return (module.parent/m.group(1)).resolve().relative_to(ROOT).as_posix() if m else 'its notebook in nbs/'

# what the docs kernel has besides the builtins; and `__file__`, which exported cells read only behind
# `'__file__' in globals()` (the module's own file; the notebook has none)
_IPYTHON = {'get_ipython', 'display', 'In', 'Out', 'show_doc', '__file__'}

@functools.cache
def _star_names(module: str) -> set:
    "The names `from module import *` binds."
    m = importlib.import_module(module)
    return set(getattr(m, '__all__', None) or (n for n in vars(m) if not n.startswith('_')))

def _bound(tree) -> set:
    "Every name a cell binds (imports, assignments, loop and `with` targets, defs, arguments), loosely: anywhere in it."
    out = set()
    for n in ast.walk(tree):
        if isinstance(n, (ast.Import, ast.ImportFrom)):
            for a in n.names: out |= _star_names(n.module) if a.name == '*' else {a.asname or a.name.split('.')[0]}
        elif isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)): out.add(n.name)
        elif isinstance(n, ast.Name) and not isinstance(n.ctx, ast.Load): out.add(n.id)
        elif isinstance(n, ast.ExceptHandler) and n.name: out.add(n.name)
        elif isinstance(n, ast.arg): out.add(n.arg)
    return out

def _read(tree) -> set:
    "Every name a cell reads when it runs: outside function and class bodies, which run later."
    out = set()
    def visit(n):
        if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            late = [*n.decorator_list]
            if not isinstance(n, ast.ClassDef): late += [*n.args.defaults, *n.args.kw_defaults]
            for d in filter(None, late): visit(d)
            return
        if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load): out.add(n.id)
        for c in ast.iter_child_nodes(n): visit(c)
    visit(tree)
    return out

def docs_run_problems(nb: Path) -> list[str]:
    """The cells of `nb` that nbdev's docs processing runs (`nbdev.processors._do_eval`, in a notebook with docs and
    without `skip_showdoc`) and that read a name no cell it ran before (or the cell itself) binds."""
    from nbdev.process import NBProcessor
    from nbdev.processors import _do_eval, _show_docs, _want_doc
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')  # nbdev warns about every cell that mixes imports with other code
        cells = NBProcessor(nb).nb.cells
        fm = next((c for c in cells if c.cell_type == 'raw' and c.source.startswith('---')), None)
        if fm is not None and re.search(r'^skip_showdoc:\s*true', fm.source, re.M | re.I): return []
        if not any(_want_doc(c) or (c.cell_type == 'code' and _show_docs(c.parsed_() or [])) for c in cells): return []
        known, out = set(dir(builtins)) | _IPYTHON, []
        where = nb.relative_to(ROOT) if nb.is_relative_to(ROOT) else nb
        for i, c in enumerate(cells):
            if c.cell_type != 'code' or not c.source or not _do_eval(c): continue
            for tree in c.parsed_():
                known |= _bound(tree)
                missing = sorted(_read(tree) - known)
                if missing:
                    out.append(f"{where} cell {i} ({c.get('id', '?')}): the docs build runs it (it has "
                               f"an import, an export or show_doc) without the cells that define {', '.join(missing)}; "
                               "move its imports to a cell of their own")
    return out

def main() -> int:
    problems = []
    for nb in sorted((ROOT/'nbs').rglob('*.ipynb')):
        if '.ipynb_checkpoints' in nb.parts: continue
        if any('id' not in c for c in nbformat.read(nb, as_version=nbformat.NO_CONVERT).cells):
            problems.append(f'{nb.relative_to(ROOT)}: cells without ids; '
                            f'run `nbdev_clean --fname {nb.relative_to(ROOT)}`')
        problems += docs_run_problems(nb)
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
