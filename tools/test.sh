#!/usr/bin/env bash
# The tests, in two tiers (CI runs both, `.ci/run`):
#   bash tools/test.sh        (`make test`)       ruff -> notebooks and modules in sync -> nbdev_test beside pytest's
#                                                   fast tier (every test not marked `slow`)
#   bash tools/test.sh slow   (`make test-slow`)  the docs build -> pytest's slow tier: every paper end to end through
#                                                   `xltnb reproduce`, kill and resume, the stand-ins, the docs pages
# Which tests are slow and why: the `slow` marker in pyproject.toml and tests/conftest.py.
set -euo pipefail
cd "$(dirname "$0")/.."
tier=${1:-fast}
case "$tier" in fast|slow) ;; *) echo "tools/test.sh: unknown tier '$tier'; known: fast, slow" >&2; exit 2;; esac
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
# pytest-xdist: each test file runs on one worker, so a module-scoped fixture (a smoke reproduction, a run store) is
# set up once (tests/conftest.py); files are handed out longest first (`--no-loadscope-reorder` keeps the order
# tests/conftest.py gives them), so the smoke reproduction does not start last and run alone
pytest_tier() { .venv/bin/python -m pytest tests/ -q -p no:cacheprovider --durations=25 -n "$WORKERS" --dist loadfile \
    --no-loadscope-reorder "$@"; }
if [ "$tier" = fast ]; then
    echo "== 0/3 ruff"; .venv/bin/ruff check xltnb tools bench tests
    # a paper page reads only names it defines or imports: an undefined one fails here, not in the one preset that
    # reaches its cell (the tiers run the pages at smoke; a cpu-only cell once read a name an edit had removed)
    .venv/bin/ruff check --select F821 nbs/papers
    echo "== 1/3 notebooks and modules in sync"; .venv/bin/python tools/check_sync.py
    # nbdev_test beside pytest, not before it: each ends on a tail that keeps one core (nbdev_test's longest notebooks,
    # pytest's smoke reproduction), and side by side the tails overlap; nbdev_test's output is shown when pytest is
    # done. Paper notebooks (nbs/papers) run end to end through `xltnb reproduce --preset smoke`.
    echo "== 2/3 nbdev_test (library notebooks), beside pytest"
    nblog=$(mktemp)
    .venv/bin/nbdev_test --n_workers "$WORKERS" --timing --skip_folder_re '^(papers|[_.].*)$' > "$nblog" 2>&1 &
    nb=$!; trap 'kill "$nb" 2>/dev/null || true; rm -f "$nblog"' EXIT
    echo "== 3/3 pytest tests/, fast tier"; pytest_rc=0; pytest_tier -m 'not slow' || pytest_rc=$?
    nb_rc=0; wait "$nb" || nb_rc=$?
    echo "== nbdev_test (library notebooks): exit $nb_rc"; grep -v '^$' "$nblog" || true
    (( pytest_rc == 0 && nb_rc == 0 )) || { echo "test command failed: pytest exit $pytest_rc, nbdev_test exit $nb_rc"; exit 1; }
else
    # the docs before the tests that read them (tests/test_docs.py, tests/test_compare.py)
    echo "== 1/2 docs"; bash tools/docs.sh
    echo "== 2/2 pytest tests/, slow tier"; pytest_tier -m slow
fi
echo "test command ($tier tier) finished in $((SECONDS - t0)) s (after set-up)"
