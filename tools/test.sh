#!/usr/bin/env bash
# The test command: set-up if needed -> ruff -> notebooks and modules in sync -> nbdev_test -> docs -> pytest tests/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh
export HF_HUB_OFFLINE=1 HF_DATASETS_OFFLINE=1 TRANSFORMERS_OFFLINE=1 TOKENIZERS_PARALLELISM=false
export XLTNB_CACHE=${XLTNB_CACHE:-$PWD/_runs/cache} MPLBACKEND=Agg
# nbdev_test and pytest each run XLTNB_TEST_WORKERS (2) workers side by side, with one torch thread each: with a
# thread per core in every worker they contend for the cores, and a small model's steps slow down several times over
# (a 4-update world-tiny arm with its evaluation, on 2 busy cores: 90 s with 2 threads, 13 s with 1; nbs/07a_protocol
# 202 s and 75 s). A test or notebook that sets its own thread count keeps it.
WORKERS=${XLTNB_TEST_WORKERS:-2}
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1} MKL_NUM_THREADS=${MKL_NUM_THREADS:-1}
t0=$SECONDS
echo "== 0/4 ruff"; .venv/bin/ruff check xltnb tools bench tests
echo "== 1/4 notebooks and modules in sync"; .venv/bin/python tools/check_sync.py
# paper notebooks (nbs/papers) are run end to end through `xltnb reproduce --preset smoke` by tests/test_reproduce.py
echo "== 2/4 nbdev_test (library notebooks)"
.venv/bin/nbdev_test --n_workers "$WORKERS" --timing --skip_folder_re '^(papers|[_.].*)$'
# the docs before pytest: tests/test_docs.py and tests/test_compare.py then read this build instead of making their own
echo "== 3/4 docs"; bash tools/docs.sh
# pytest-xdist: tests that share a module-scoped fixture (a smoke reproduction, a run store) run on one worker
# (tests/conftest.py groups them), so each such fixture's work is done once
echo "== 4/4 pytest tests/"
.venv/bin/python -m pytest tests/ -q -p no:cacheprovider --durations=25 -n "$WORKERS" --dist loadgroup
echo "test command finished in $((SECONDS - t0)) s (after set-up)"
