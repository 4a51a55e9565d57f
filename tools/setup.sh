#!/usr/bin/env bash
# Set up the project-local virtual environment (.venv) from the pinned requirements, once; re-run when
# requirements.txt, settings.ini or setup.py change. torch is pinned in requirements.txt so pip never pulls
# a CUDA build. As root with apt-get, also installs Debian's chromium for the docs browser test.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
stamp=.venv/.setup-stamp
want=$(cat requirements.txt settings.ini setup.py | sha256sum | cut -c1-16)
if [[ ! -x .venv/bin/python || "$(cat $stamp 2>/dev/null)" != "$want" ]]; then
  echo "setup: creating .venv and installing pinned requirements (first run: ~2 minutes)"
  [[ -x .venv/bin/python ]] || "$PY" -m venv .venv
  .venv/bin/python -m pip install -q -r requirements.txt 2>&1 | grep -v "^WARNING: Location" || true
  .venv/bin/python -m pip install -q --no-deps -e . 2>&1 | grep -v "^WARNING: Location" || true
  .venv/bin/python -c "import torch, transformers, adapters, nbdev, xltnb" || { echo "setup: install failed" >&2; exit 1; }
  echo "$want" > $stamp
fi
if [[ ! -x /usr/bin/chromium && "${XLTNB_NO_CHROMIUM:-0}" != 1 ]]; then
  if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null; then
    echo "setup: installing Debian chromium (docs and notebook browser tests)"
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
      || echo "setup: could not install chromium; browser tests will fail with a clear message" >&2
  else
    echo "setup: /usr/bin/chromium is missing (install Debian's chromium); browser tests will fail" >&2
  fi
fi
