#!/usr/bin/env bash
# The main job: set-up if needed, then every paper at the cpu preset, offline.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh
export HF_HUB_OFFLINE=1 HF_DATASETS_OFFLINE=1 TRANSFORMERS_OFFLINE=1 TOKENIZERS_PARALLELISM=false
# every paper, two side by side, in an order that makes the two jobs end together (the queue gives the next paper to
# whichever job is free: SALT and robust first, then the baseline, which also reruns one real-text seed, after robust,
# then mOthello, language arithmetic and meta-pretraining after SALT; the last fresh-clone times are in README.md);
# the shared baseline runs are trained by whichever paper reaches them first
exec .venv/bin/xltnb reproduce salt robust baseline mothello langarith metapretrain --preset cpu --jobs 2 "$@"
