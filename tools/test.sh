#!/usr/bin/env bash
# The test command: set-up if needed -> ruff -> notebooks and modules in sync -> nbdev_test -> pytest tests/ -> docs.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh
export HF_HUB_OFFLINE=1 HF_DATASETS_OFFLINE=1 TRANSFORMERS_OFFLINE=1 TOKENIZERS_PARALLELISM=false
export XLTNB_CACHE=${XLTNB_CACHE:-$PWD/_runs/cache} MPLBACKEND=Agg
t0=$SECONDS
echo "== 0/4 ruff"; .venv/bin/ruff check xltnb tools bench tests
echo "== 1/4 notebooks and modules in sync"; .venv/bin/python tools/check_sync.py
# paper notebooks (nbs/papers) are run end to end through `xltnb reproduce --preset smoke` by tests/test_reproduce.py
echo "== 2/4 nbdev_test (library notebooks)"; .venv/bin/nbdev_test --n_workers 2 --timing --skip_folder_re '^(papers|[_.].*)$'
echo "== 3/4 pytest tests/"; .venv/bin/python -m pytest tests/ -q -p no:cacheprovider --durations=15
echo "== 4/4 docs"; bash tools/docs.sh
echo "test command finished in $((SECONDS - t0)) s (after set-up)"
