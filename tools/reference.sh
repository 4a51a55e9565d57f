#!/usr/bin/env bash
# The reference grid of the cpu protocol: the encoder papers (baseline with its no-pretraining floor, SALT, robust
# training) on world-nli over SEEDS (default 0-4), shipped as the measured records `reference-cpu` that the main job's
# report checks its own 3-seed rerun against. Runs already in the store (the main job's seeds) are read, not retrained.
#
#     bash tools/reference.sh   # seeds 0-4 into _runs/reference/cpu: ~50 CPU-minutes beyond the main job's runs
#     SEEDS=0,1,2,3,4,5,6,7,8,9 bash tools/reference.sh   # ten seeds (on a GPU: `--preset gpu` is the same protocol)
#
# Then commit xltnb/assets/measured/reference-cpu.{jsonl,json}; PROTOCOLS['cpu'].reference names it.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh
export HF_HUB_OFFLINE=1 HF_DATASETS_OFFLINE=1 TRANSFORMERS_OFFLINE=1 TOKENIZERS_PARALLELISM=false
SEEDS=${SEEDS:-0,1,2,3,4}
OUT=${OUT:-_runs/reference/cpu}
why='the reference grid judges the claim over the floor on world-nli, where the floor learns English'  # no colon: YAML
# the baseline paper (every seed with its floor) beside SALT and robust (side by side): three kernels, one thread each
.venv/bin/xltnb reproduce baseline --preset cpu --seeds "$SEEDS" --quiet --out "$OUT/baseline-run" \
  --set floor_seeds=0 --set threads=1 --set 'protocol={tasks: [world-nli]}' --set "why=$why" &
base=$!
.venv/bin/xltnb reproduce salt robust --preset cpu --seeds "$SEEDS" --jobs 2 --quiet --out "$OUT/methods-run"
wait $base
.venv/bin/python tools/measured.py reference-cpu \
  --runs "$OUT/baseline-run/baseline" "$OUT/methods-run/salt" "$OUT/methods-run/robust" \
  --what "the reference grid of the cpu protocol on world-nli: baseline and its no-pretraining floor, SALT (3 arms),\
 robust training (3 arms), seeds $SEEDS" \
  --where "$(nproc) cores, $(uname -m), offline, $(date -u +%Y-%m-%d), commit $(git rev-parse --short HEAD)" \
  --command "SEEDS=$SEEDS bash tools/reference.sh" \
  --world '{"order": "mixed", "paws_lexical": 0}'
