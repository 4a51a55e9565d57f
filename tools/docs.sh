#!/usr/bin/env bash
# Build the docs offline into _docs/: nbdev's processed notebooks (never installing Quarto) rendered to HTML with nbconvert,
# each page with the site's grouped navigation; the index's and (without a run) the paper pages' `reference` cells
# executed in a fresh kernel; and README.md from nbs/index.ipynb (its verdict table included).
# Only some pages: .venv/bin/python tools/build_docs.py --out DIR --only 'papers/*.html'
set -euo pipefail
cd "$(dirname "$0")/.."
export HF_HUB_OFFLINE=1 HF_DATASETS_OFFLINE=1 TRANSFORMERS_OFFLINE=1 TOKENIZERS_PARALLELISM=false
rm -rf _proc
.venv/bin/python tools/build_docs.py
.venv/bin/python tools/readme.py
