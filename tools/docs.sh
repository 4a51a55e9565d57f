#!/usr/bin/env bash
# Build the docs offline into _docs/: nbdev's processed notebooks (never installing Quarto) rendered to HTML with nbconvert,
# and README.md from nbs/index.ipynb.
set -euo pipefail
cd "$(dirname "$0")/.."
rm -rf _proc
.venv/bin/python tools/build_docs.py
.venv/bin/python tools/readme.py
