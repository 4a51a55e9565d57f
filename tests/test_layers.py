"""The library's layers, checked on its source: a module imports only modules of its own layer or lower ones,
the imports between modules form no circle, method modules never import the synthetic world, and a method never
imports another method: only the modules of its own family (`methods.salt` its `methods.salt_*`).

Every import statement counts, a function-local one too (it is as real a dependency as a top-level one). The
checker is run on a copy of the package with an import planted in it, to show that it fails when it should."""
import ast, shutil
from fnmatch import fnmatch
from pathlib import Path

import pytest

PKG = 'xltnb'
# Lowest first. A module may import modules of its own layer (without a circle) and of the layers below.
LAYERS = [
    ['core'], ['langs', 'params'], ['realtext', 'world', 'lexicon'], ['tasks'], ['folders'], ['e5'], ['encoders'],
    ['finetune'], ['evaluate'], ['results'], ['protocol'], ['viz'],
    ['methods.*', 'othello.*', 'examples.*', 'baseline'], ['paper'], ['compare', 'verdicts', 'plans'],
    ['reproduce'], ['cli'],
]  # the lexicon reader sits below e5 (its trimmed vocabulary keeps RS-DA's synonyms) and the methods; the paper pages'
#    set-up sits above the methods: what a method shares with the pages (check_corpus, measured_note) is in protocol
# module pattern -> modules it must not import, however low they sit: the world hands a method its synonym table
# (xltnb.tasks.synonym_table) and its tasks (xltnb.tasks.load_task); a method never builds a world itself
FORBIDDEN = {'methods.*': ['world']}
NOT_MODULES = {'__init__', '_modidx'}  # the package marker and nbdev's index: no code of their own


def method_of(name: str) -> str | None:
    "The method a module under methods/ belongs to ('methods.salt_inspect' -> 'salt'); None outside methods/."
    return name.split('.')[1].split('_')[0] if name.startswith('methods.') else None


def module_names(root: Path) -> dict[str, Path]:
    "'tasks' -> xltnb/tasks.py, 'methods.salt' -> xltnb/methods/salt.py, for every module under the package folder."
    out = {}
    for p in sorted(root.rglob('*.py')):
        if p.stem in NOT_MODULES or '__pycache__' in p.parts: continue
        out['.'.join(p.relative_to(root).with_suffix('').parts)] = p
    return out


def imported(path: Path, name: str, known: set[str]) -> set[str]:
    "The package's modules that module `name` (at `path`) imports anywhere in its source."
    here = name.split('.')[:-1]  # the module's package, relative to the package root
    out = set()
    def add(parts: list[str]):
        for k in range(len(parts), 0, -1):  # the longest prefix that is a module: `from xltnb.methods import salt`
            if '.'.join(parts[:k]) in known: out.add('.'.join(parts[:k])); return
    for node in ast.walk(ast.parse(path.read_text(encoding='utf-8'))):
        if isinstance(node, ast.Import):
            for a in node.names:
                if a.name.split('.')[0] == PKG: add(a.name.split('.')[1:])
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: `from .core import x` in xltnb/tasks.py, `from ..viz import show` in methods
                base = here[:len(here) - (node.level - 1)] if node.level > 1 else here
                if node.level - 1 > len(here): continue  # above the package: not ours
            elif (node.module or '').split('.')[0] == PKG: base = []
            else: continue
            parts = [p for p in (node.module or '').split('.') if p]
            mod = base + (parts if node.level else parts[1:])
            for a in node.names: add(mod + [a.name])  # `from xltnb import viz` names a module
    out.discard(name)
    return out


def layer_of(name: str) -> int | None:
    return next((i for i, layer in enumerate(LAYERS) if any(fnmatch(name, pat) for pat in layer)), None)


def find_circle(graph: dict[str, set[str]]) -> list[str] | None:
    "One import circle as a path a -> ... -> a, or None."
    state, stack = {}, []
    def visit(n):
        state[n] = 'open'; stack.append(n)
        for m in sorted(graph.get(n, ())):
            if state.get(m) == 'open': return stack[stack.index(m):] + [m]
            if m not in state and (c := visit(m)): return c
        state[n] = 'done'; stack.pop()
    for n in sorted(graph):
        if n not in state and (c := visit(n)): return c
    return None


def violations(root: Path) -> list[str]:
    "Every breach of the layers in the package at `root`, each naming the modules and the rule."
    mods = module_names(root)
    graph = {n: imported(p, n, set(mods)) for n, p in mods.items()}
    out = [f"{PKG}.{n} has no layer: add it to LAYERS in tests/test_layers.py (and to the design page)"
           for n in mods if layer_of(n) is None]
    for n, deps in sorted(graph.items()):
        ln = layer_of(n)
        for d in sorted(deps):
            ld = layer_of(d)
            if ln is not None and ld is not None and ld > ln:
                out.append(f"{PKG}.{n} (layer {ln}: {'/'.join(LAYERS[ln])}) imports {PKG}.{d} (layer {ld}: "
                           f"{'/'.join(LAYERS[ld])}): a lower layer may not import a higher one")
            for pat, banned in FORBIDDEN.items():
                if fnmatch(n, pat) and d in banned:
                    out.append(f"{PKG}.{n} imports {PKG}.{d}, which modules matching {pat!r} may not import")
            if method_of(n) and method_of(d) and method_of(n) != method_of(d):
                out.append(f"{PKG}.{n} imports {PKG}.{d}: a method imports no other method, only its own "
                           f"methods.{method_of(n)}_* modules (shared code goes below the methods)")
    if c := find_circle(graph): out.append('import circle: ' + ' -> '.join(f'{PKG}.{m}' for m in c))
    return out


def layer_line() -> str:
    "The layers as the design page states them."
    return ' → '.join('/'.join(layer) for layer in LAYERS)


# ------------------------------------------------------------------ the library


def test_the_library_keeps_its_layers(root):
    assert violations(root/PKG) == []


def test_every_layer_names_a_module_or_one_being_added(root):
    mods = module_names(root/PKG)
    empty = [pat for layer in LAYERS for pat in layer if not any(fnmatch(m, pat) for m in mods)]
    assert empty in ([], ['protocol']), f"layers that match no module: {empty}"


def test_the_design_page_states_these_layers(root):
    text = (root/'nbs'/'design.ipynb').read_text(encoding='utf-8')
    assert layer_line() in text, f"the design page does not state the layers as `{layer_line()}`"


# ------------------------------------------------------------------ the checker, on a copy with a planted import


@pytest.fixture
def pkg_copy(root, tmp_path):
    dst = tmp_path/PKG
    shutil.copytree(root/PKG, dst, ignore=shutil.ignore_patterns('__pycache__', 'assets'))
    assert violations(dst) == []
    return dst


def plant(path: Path, code: str):
    path.write_text(path.read_text(encoding='utf-8') + '\n\n' + code + '\n', encoding='utf-8')


def test_a_planted_upward_import_fails(pkg_copy):
    plant(pkg_copy/'core.py', 'def _planted():\n    from xltnb.viz import show  # a function-local import counts\n'
                              '    return show')
    got = violations(pkg_copy)
    assert got[0] == ('xltnb.core (layer 0: core) imports xltnb.viz (layer 11: viz): a lower layer may not import a '
                      'higher one'), got
    assert got[1:] == ['import circle: xltnb.core -> xltnb.viz -> xltnb.results -> xltnb.core'], got  # viz uses core


def test_a_planted_relative_upward_import_fails(pkg_copy):
    plant(pkg_copy/'world.py', 'from .tasks import load_task')  # the circle that was cut: world <-> tasks
    got = violations(pkg_copy)
    assert any(v.startswith('xltnb.world (layer 2: realtext/world/lexicon) imports xltnb.tasks') for v in got), got
    assert any(v.startswith('import circle: ') and 'xltnb.tasks' in v and 'xltnb.world' in v for v in got), got


def test_a_planted_circle_inside_one_layer_fails(pkg_copy):
    plant(pkg_copy/'world.py', 'from xltnb import realtext')
    plant(pkg_copy/'realtext.py', 'import xltnb.world')
    got = violations(pkg_copy)
    assert got in (['import circle: xltnb.realtext -> xltnb.world -> xltnb.realtext'],
                   ['import circle: xltnb.world -> xltnb.realtext -> xltnb.world']), got


def test_a_method_that_imports_the_world_fails(pkg_copy):
    plant(pkg_copy/'methods'/'robust.py', 'def _planted():\n    from ..world import make_world\n    return make_world')
    assert violations(pkg_copy) == ["xltnb.methods.robust imports xltnb.world, which modules matching 'methods.*' "
                                    "may not import"]


def test_a_method_that_imports_another_method_fails(pkg_copy):
    plant(pkg_copy/'methods'/'robust.py', 'def _planted():\n    from .salt import Salt\n    return Salt')
    assert violations(pkg_copy) == ['xltnb.methods.robust imports xltnb.methods.salt: a method imports no other '
                                    'method, only its own methods.robust_* modules (shared code goes below the '
                                    'methods)']


def test_a_method_may_import_its_own_modules(pkg_copy):
    plant(pkg_copy/'methods'/'salt_inspect.py', 'from .salt_substitutes import usage_texts')
    assert violations(pkg_copy) == []
    assert method_of('methods.salt_inspect') == method_of('methods.salt') == 'salt' and method_of('e5') is None


def test_a_method_that_imports_the_paper_pages_fails(pkg_copy):
    plant(pkg_copy/'methods'/'metapretrain.py', 'def _planted():\n    from xltnb.paper import setup_paper\n'
                                                '    return setup_paper')
    lm, lp = layer_of('methods.metapretrain'), layer_of('paper')
    assert violations(pkg_copy) == [f'xltnb.methods.metapretrain (layer {lm}: methods.*/othello.*/examples.*/'
                                    f'baseline) imports xltnb.paper (layer {lp}: paper): a lower layer may not import '
                                    f'a higher one']


def test_the_lexicon_sits_below_e5_and_the_methods():
    assert layer_of('lexicon') < layer_of('e5') < layer_of('methods.robust')


def test_a_module_without_a_layer_fails(pkg_copy):
    (pkg_copy/'scratch.py').write_text('from .core import content_hash\n')
    assert violations(pkg_copy) == ['xltnb.scratch has no layer: add it to LAYERS in tests/test_layers.py '
                                    '(and to the design page)']


def test_imports_are_resolved(pkg_copy):
    known = set(module_names(pkg_copy))
    f = pkg_copy/'methods'/'probe.py'
    f.write_text('import os\nfrom ..viz import show\nfrom . import salt\nfrom xltnb.othello import engine\n'
                 'import xltnb.tasks as t\nfrom xltnb.core import content_hash\nfrom numpy import array\n')
    assert imported(f, 'methods.probe', known) == {'viz', 'methods.salt', 'othello.engine', 'tasks', 'core'}
