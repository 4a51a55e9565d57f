"""The one headless-browser set-up of the project: Debian's /usr/bin/chromium driven by Playwright, offline (nothing
is downloaded, no request may leave the machine). Used by tools/check_report.py and by the tests (tests/conftest.py)."""
from contextlib import contextmanager
from pathlib import Path

CHROMIUM = '/usr/bin/chromium'
ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
        '--disable-sync', '--no-first-run', '--disable-quic']


@contextmanager
def chromium():
    "A launched headless Chromium (Playwright `Browser`), closed on exit; fails clearly when Chromium is missing."
    if not Path(CHROMIUM).exists():
        raise FileNotFoundError(f'{CHROMIUM} is missing: install Debian chromium (tools/setup.sh does it as root)')
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try: yield b
        finally: b.close()
