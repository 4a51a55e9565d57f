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


# Under pytest-xdist (`tools/test.sh` runs `pytest -n 2 --dist loadfile`) a module-scoped fixture is set up once in
# every worker that runs one of its tests: each test file therefore runs on one worker, so a fixture's work (a smoke
# reproduction, a built set of stand-ins, a trained run store) is done once. (`--dist loadgroup` would group tests by
# their fixtures, but with pytest 9 xdist 3.8 cannot rename the tests it groups, and every worker set the fixtures
# up again.)

# Slow tier (`make test-slow`, tools/test.sh): a test that reads the docs build is slow with it (the build is made in
# that tier); the others are marked `slow` where they are defined (pyproject.toml says what counts as slow).
def pytest_collection_modifyitems(config, items):
    for item in items:
        if any(name.endswith('docs') for name in item.fixturenames): item.add_marker(pytest.mark.slow)
    items.sort(key=lambda item: LONGEST_FIRST.get(item.path.name, len(LONGEST_FIRST)))  # stable: files keep their order

# The test files that take longest, longest first (the fast tier's per-file wall on 2 busy cores, summed from
# `pytest tests/ -m 'not slow' -n 2 --dist loadfile --durations=0`; the slow tier's two longest files, the stand-ins
# and the two-hash-seed builds, after the first): tools/test.sh runs pytest with `--no-loadscope-reorder`, so xdist
# hands files to its workers in this order and the smoke reproduction (about four minutes) starts first instead of
# last, while the other worker runs the rest. Order only: every test still runs.
LONGEST_FIRST = {name: i for i, name in enumerate((
    'test_reproduce.py', 'test_standin.py', 'test_determinism.py', 'test_results.py', 'test_othello.py',
    'test_sync.py', 'test_realtext.py', 'test_metapretrain.py', 'test_mothello.py', 'test_bench_cost.py',
    'test_cli.py', 'test_e5.py'))}
