#!/usr/bin/env bash
# The main job: set-up if needed, then every paper at the cpu preset, offline.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh
export HF_HUB_OFFLINE=1 HF_DATASETS_OFFLINE=1 TRANSFORMERS_OFFLINE=1 TOKENIZERS_PARALLELISM=false
# every paper, two side by side, in an order that makes the two jobs end together (last measured from a fresh clone,
# in seconds: SALT 1,712 and robust 1,478 first; mOthello 661 after robust; the baseline 1,329 after SALT; then
# language arithmetic 135 and meta-pretraining 747; 52:04 wall with set-up, 2026-11-24); the shared baseline runs are
# trained by whichever paper reaches them first
exec .venv/bin/xltnb reproduce salt robust mothello baseline langarith metapretrain --preset cpu --jobs 2 "$@"
