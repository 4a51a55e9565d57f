#!/usr/bin/env bash
# The main job: set-up if needed, then every paper at the cpu preset, offline.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh
export HF_HUB_OFFLINE=1 HF_DATASETS_OFFLINE=1 TRANSFORMERS_OFFLINE=1 TOKENIZERS_PARALLELISM=false
# every paper, two side by side, in an order that makes the two jobs end together (last measured, in seconds: SALT
# 1,943 and robust 1,698 first; mOthello 693 after robust; the baseline, about 1,450 with world-paws at 3,000 updates,
# after SALT; then language arithmetic 472 and meta-pretraining 341); the shared baseline runs are trained by
# whichever paper reaches them first
exec .venv/bin/xltnb reproduce salt robust mothello baseline langarith metapretrain --preset cpu --jobs 2 "$@"
