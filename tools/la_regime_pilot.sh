#!/usr/bin/env bash
# The pilot for a language-arithmetic testbed in MAD-X's regime: the language-arithmetic page's cpu settings on a world
# encoder that covers the target poorly, target es with its relative fr (which the encoder knows), SEEDS (default 0-4).
# Two processes side by side, one thread each (the even-placed seeds of SEEDS in one, the others in the other); about
# 12 CPU-minutes a seed, since every language adapter (en, fr, es, es on 200 sentences) and the task adapter train.
# Shipped as the measured records NAME with the adapters' held-out MLM losses (tools/measured.py --also).
#
#     SET='la_embeddings=[]' bash tools/la_regime_pilot.sh   # the sliver pilot: world-small-sliver-es (es 1% of pretraining), pilot-cpu-la-sliver
#         (its seeds 0-4, with 5-9 appended, ship as reference-cpu-langarith-sliver: PARTS=langarith-sliver of
#         tools/reference.sh reruns them)
#     MODEL=xltnb/assets/world_encoder_holdout_es NAME=pilot-cpu-la-regime SET='la_embeddings=[]' \
#       bash tools/la_regime_pilot.sh   # es never seen
#     SET='la_lr=1e-4;la_embeddings=[]' NAME=pilot-cpu-la-sliver-lr bash tools/la_regime_pilot.sh   # page settings
#         changed (SET: a semicolon list of `--set` values), here the language adapters at the paper's rate
#
# The pilots ran before the page's cpu preset named la_embeddings (now [es]: the testbed), so their commands name the
# setting they ran with (no adapter embeddings, la_embeddings=[]; the fifth pilot, pilot-cpu-la-zeroshot-emb: [es, fr]).
#     MODEL=xltnb/assets/world_encoder_holdout_es NAME=pilot-cpu-la-holdout-emb SET='la_embeddings=[es]' \
#       bash tools/la_regime_pilot.sh   # es never seen, its adapters with their own input embeddings
#     SEEDS=5,6,7,8,9 NAME=pilot-cpu-la-sliver-emb SET='la_embeddings=[es]' bash tools/la_regime_pilot.sh   # the sliver
#         base, es adapters with their own embeddings: the testbed (seeds 0-4 appended, reference-cpu-langarith-sliver-emb:
#         PARTS=langarith-sliver-emb of tools/reference.sh reruns it)
#
# tools/reference.sh runs the reference of the testbed through this script (PARTS=langarith-regime): it sets WHAT and
# COMMAND (the shipped file's provenance) and APPEND=1 for a second part of seeds (tools/measured.py --append).
#
# The testbed is built out (a reference of ten seeds, its claims judged) only when its gate passes decisively: the
# target's own adapter against the source adapter on target accuracy, by the project's rule (the defaults page).
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh
export HF_HUB_OFFLINE=1 HF_DATASETS_OFFLINE=1 TRANSFORMERS_OFFLINE=1 TOKENIZERS_PARALLELISM=false
SEEDS=${SEEDS:-0,1,2,3,4}
MODEL=${MODEL:-world-small-sliver-es}
NAME=${NAME:-pilot-cpu-la-sliver}
OUT=${OUT:-_runs/reference/cpu}
SET=${SET:-}
APPEND=${APPEND:-}
WHAT=${WHAT:-"the language-arithmetic pilot in MAD-X's regime on $MODEL${SET:+ ($SET)}: language adapters en, fr (related),\
 es and es on 200 sentences (es_small) trained on it, the task adapter on English; target es, seeds $SEEDS: test accuracy\
 per adapter and merge, held-out MLM loss adapter x language"}
COMMAND=${COMMAND:-"SEEDS=$SEEDS MODEL=$MODEL NAME=$NAME${SET:+ SET='$SET'} bash tools/la_regime_pilot.sh"}
extra=()
IFS=';' read -ra sets <<<"$SET"
for s in "${sets[@]}"; do [[ -z ${s// /} ]] || extra+=(--set "$s"); done
pilot() {  # pilot SEEDS DIR
  .venv/bin/xltnb reproduce langarith --preset cpu --seeds "$1" --quiet --out "$2" --set threads=1 \
    --set "models=[$MODEL]" --set 'model_pairs={}' --set 'pairs=["es:fr"]' --set 'la_assets=package' "${extra[@]}"
}
evens=$(tr , '\n' <<<"$SEEDS" | awk 'NR % 2 == 1' | paste -sd,)
odds=$(tr , '\n' <<<"$SEEDS" | awk 'NR % 2 == 0' | paste -sd,)
pilot "$evens" "$OUT/$NAME-a" & a=$!
[[ -z $odds ]] || pilot "$odds" "$OUT/$NAME-b"
wait $a
dirs=("$OUT/$NAME-a/langarith"); [[ -z $odds ]] || dirs+=("$OUT/$NAME-b/langarith")
.venv/bin/python tools/measured.py "$NAME" ${APPEND:+--append} --runs "${dirs[@]}" --also mlm_loss.jsonl curves.jsonl \
  --what "$WHAT" --where "$(nproc) cores, $(uname -m), offline, $(date -u +%Y-%m-%d), commit $(git rev-parse --short HEAD)" \
  --command "$COMMAND" --world '{"order": "mixed", "paws_lexical": 0}'
