import os, sys
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
os.environ.setdefault('HF_HUB_OFFLINE', '1')
os.environ.setdefault('HF_DATASETS_OFFLINE', '1')
os.environ.setdefault('TRANSFORMERS_OFFLINE', '1')

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
