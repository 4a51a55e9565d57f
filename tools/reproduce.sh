#!/usr/bin/env bash
# The main job: set-up if needed, then every paper at the cpu preset, offline.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh
export HF_HUB_OFFLINE=1 HF_DATASETS_OFFLINE=1 TRANSFORMERS_OFFLINE=1 TOKENIZERS_PARALLELISM=false
# every paper, longest first (SALT, robust, baseline, mOthello, language arithmetic, meta-pretraining), so that the two
# side-by-side jobs end together; the shared baseline runs are trained by whichever paper reaches them first
exec .venv/bin/xltnb reproduce salt robust baseline mothello langarith metapretrain --preset cpu --jobs 2 "$@"
