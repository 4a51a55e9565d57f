#!/usr/bin/env bash
# The main job: set-up if needed, then every paper at the cpu preset, offline.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh
export HF_HUB_OFFLINE=1 HF_DATASETS_OFFLINE=1 TRANSFORMERS_OFFLINE=1 TOKENIZERS_PARALLELISM=false
exec .venv/bin/xltnb reproduce all --preset cpu --jobs 2 "$@"
