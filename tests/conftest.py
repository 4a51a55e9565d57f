import os, sys
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
os.environ.setdefault('HF_HUB_OFFLINE', '1')
os.environ.setdefault('HF_DATASETS_OFFLINE', '1')
os.environ.setdefault('TRANSFORMERS_OFFLINE', '1')
# pytest -n N (tools/test.sh): each worker, and what it starts, gets its share of the cores as torch threads
if os.environ.get('PYTEST_XDIST_WORKER_COUNT'):
    share = str(max(1, (os.cpu_count() or 1) // int(os.environ['PYTEST_XDIST_WORKER_COUNT'])))
    for var in ('OMP_NUM_THREADS', 'MKL_NUM_THREADS'): os.environ.setdefault(var, share)

@pytest.fixture(scope='session')
def root(): return ROOT

@pytest.fixture(scope='session')
def xltnb_bin(): return str(BIN/'xltnb')

sys.path.insert(0, str(ROOT/'tools'))
from browser import CHROMIUM, chromium  # noqa: E402  the one browser set-up (tools/browser.py)

@pytest.fixture(scope='session')
def browser():
    "Headless Debian chromium driven by Playwright (never downloads a browser)."
    if not Path(CHROMIUM).exists():
        pytest.fail(f'{CHROMIUM} is missing: install Debian chromium (tools/setup.sh does it as root)')
    with chromium() as b: yield b


# Under pytest-xdist (`tools/test.sh` runs `pytest -n 2 --dist loadgroup`) a module- or class-scoped fixture is set up
# once in every worker that runs one of its tests. The tests that share such a fixture (a smoke reproduction, a built
# set of stand-ins, a trained run store) are therefore grouped onto one worker, so its work is done once per session;
# tests that build or read the docs share one group too (a docs build writes `_proc/`: one worker builds).
def xdist_group(item) -> str | None:
    "The worker group of a test: 'docs', the module that defines a shared fixture it uses, or None (any worker)."
    defs = getattr(item, '_fixtureinfo', None)
    if defs is None: return None
    if any(name.endswith('docs') for name in item.fixturenames): return 'docs'  # docs, norun_docs: one docs build
    shared = sorted({d[-1].baseid for d in defs.name2fixturedefs.values()
                     if d and d[-1].scope in ('module', 'class', 'package') and d[-1].baseid})
    return shared[0] if shared else None


def pytest_collection_modifyitems(config, items):
    for item in items:
        group = xdist_group(item)
        if group and not item.get_closest_marker('xdist_group'): item.add_marker(pytest.mark.xdist_group(group))
