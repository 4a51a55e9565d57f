#!/usr/bin/env bash
# The pilot for a related language that helps, language arithmetic's zero-shot premise. On the default world the
# related language's adapter (fr) is no better than the source adapter on es, on every base the references hold; es
# there takes 70% of its own words from fr but none of fr's function words or inflections, which carry the NLI labels.
# Here es is a dialect of fr (make_world's `close`: fr's function words and grammar, CLOSE of all its content words
# fr's). A world encoder is pretrained on that world, the testbed's recipe (the cpu recipe for 10,000 steps) with es
# a 1% sliver of its sequences (BASE=sliver) or never seen (BASE=holdout): 2,361 s on one core for CLOSE=0.9, beside
# one other job (2026-11-27); kept in BASES and reused. Then the testbed's page settings (the cpu preset, target es
# with related fr, the es adapters with their own input embeddings) run on it on pilot seeds (>= 100: no reference
# seed sees what the pilot decides), through tools/la_regime_pilot.sh, and ship as the measured records NAME.
#
# What the pilot decides, written before its first seed ran: the base becomes language arithmetic's zero-shot testbed
# if the fr adapter beats the source adapter on es test accuracy over the pilot seeds by the project's rule (`holds`,
# `adapter_matters(records, where, 'related-adapter')`), and the enhancement gate (the es adapter against the source
# adapter) still moves. Not decided on three seeds: two more pilot seeds (103, 104), then the same rule. Decided the
# other way, or not at five: this base is not the testbed, and the pilot's records say so. Its reference then runs on
# fresh seeds (0-9 on this base), under the paper's plan frozen before them.
#
# Outcome on the sliver base (CLOSE=0.9, seeds 100-104): not decided at five seeds (the defaults page), so not the
# testbed. The eighth pilot, written here before its first step ran (2026-11-27): the same dialect, the base that never
# saw es (BASE=holdout). Why this one: on the default world's holdout base the fr adapter read +1.1 points over the
# source adapter (3 of 5 pilot seeds positive, inconclusive), and on the dialect's sliver base the fr adapter models es
# far better (held-out MLM loss) while the encoder already read es from its sliver; an encoder that never saw es leaves
# the related adapter the most to add. Same seeds, same rule, same two-step extension as above. Outcome: not decided
# at five seeds either (the defaults page computes it from the shipped records), so not the testbed.
#
# The ninth pilot, written here before its base began pretraining (2026-11-28): the same dialect (CLOSE=0.9), on a
# base that never saw es and saw its related language fr only as a 1% sliver (BASE=fr-sliver: holdout es, fr 1% of
# the sequences, the same recipe and 10,000 steps). Why this one: on the two dialect bases above the encoder already
# read fr (and so es, which is made of fr's words) from its pretraining, so an adapter trained on fr's text had little
# left to add; in MAD-X's regime the related language is itself one the base covers thinly, and its adapter is what
# teaches the base to read it. The same page settings, pilot seeds 100-102 then 103-104 if those do not decide, and
# the same rule: the fr adapter beats the source adapter on es by the project's rule (`holds`), and the enhancement
# gate (the es adapter against the source adapter) still moves; not decided at five seeds, or decided the other way:
# not the testbed. Outcome: not decided at three seeds (+0.4 points), nor at five (-1.3, 95% interval [-5.7, +3.2]),
# though the fr adapter cut Spanish's held-out MLM loss from 3.28 nats (source adapter) to 1.48: not the testbed (the
# defaults page computes it from the shipped records, pilot-cpu-la-close-0.9-fr-sliver; the base took 2,444 s on one
# thread beside other jobs, each seed about 10 CPU-minutes).
#
# The tenth pilot, written here before its first seed ran (2026-11-28, 07:05 UTC): the ninth pilot's base and page
# settings with the language adapters at the paper's rate, 1e-4 (LA_LR=1e-4: `la_lr`; the task adapter unchanged).
# Why this one: on all three dialect bases the fr adapter reads Spanish text far better than the source adapter
# (held-out loss) and Spanish accuracy does not follow; adapters trained at 1e-3 move the representation far (they
# raise the other languages' held-out losses), which a task adapter trained over the source adapter may not follow
# when the fr adapter replaces it. The same pilot seeds 100-102, then 103-104 if those do not decide, and the same
# rule (the fr adapter beats the source adapter on es by the project's rule, and the enhancement gate still moves).
# Outcome: not decided at three seeds (-1.9 points) nor at five (-1.6, 95% interval [-4.2, +1.0]), and the
# enhancement gate does not move either (-1.3, [-3.3, +0.6]): not the testbed (records
# pilot-cpu-la-close-0.9-fr-sliver-lr1e-4; 26 minutes of wall for the five seeds on 2 cores).
#
# The eleventh pilot, written here before its base began pretraining (2026-11-28, 09:27 UTC): a closer dialect,
# CLOSE=0.97, on the base that never saw es (BASE=holdout; fr seen in full). Why this one: on the holdout base at
# CLOSE=0.9 the es adapter read +9.8 points over the source adapter on es and the fr adapter +2.0 (inconclusive), and
# the held-out losses say where the gap between them lies: the es adapter models Spanish at 0.96 nats and French at
# 0.95, the fr adapter Spanish at 1.37. What the fr adapter misses is es's own tenth of content words, which the base
# never saw and fr's text never holds. A dialect with 97% of fr's content words leaves it 3% to miss, so if the es
# adapter's gain on this base is one an adapter trained on the related language can carry, it shows here. (CLOSE=1
# is no candidate: es would be fr.) The same page settings (la_embeddings [es]), pilot seeds 100-102, then 103-104 if
# those do not decide, and the same rule: the fr adapter beats the source adapter on es by the project's rule
# (`holds`), and the enhancement gate (the es adapter against the source adapter) still moves; not decided at five
# seeds, or decided the other way: not the testbed. Outcome: not decided at three seeds (+1.9 points) nor at five
# (+2.7, 95% interval [-3.0, +8.5]; seeds 103-104 ran beside the first three), while the enhancement gate holds
# (+15.3, [+5.7, +24.8]): not the testbed (records pilot-cpu-la-close-0.97-holdout; the base 2,970 s on one thread
# beside other jobs). Its reason did not hold either: the fr adapter now models Spanish nearly as well as the es adapter
# (1.02 against 0.88 nats; 1.37 against 0.96 at CLOSE=0.9), and the es adapter's lead on Spanish accuracy grew (12.5
# points against 7.8), so what the target's own adapter adds here is not its own words.
#
# The twelfth pilot, written here before its first seed ran (2026-11-28, 13:00 UTC): the eleventh pilot's base
# (CLOSE=0.97, BASE=holdout, reused) with the fr adapters carrying their own input embeddings too (LA_EMB=es,fr:
# `la_embeddings: [es, fr]`). Why this one: on that base the two adapters model Spanish text almost alike, and the one
# way left in which they differ is that the es adapter trains its own input embeddings with it and the fr adapter runs
# on the base's, which never read es and read fr only through pretraining. In a dialect that takes 97% of its words
# and all its function words from fr, embeddings trained on fr's text are embeddings for es's words as well. (The fifth
# pilot gave fr its own embeddings on the default world, where es shares none of fr's function words: no gain there.)
# The same page settings otherwise, pilot seeds 100-102, then 103-104 if those do not decide, and the same rule: the
# fr adapter beats the source adapter on es by the project's rule (`holds`), and the enhancement gate (the es adapter
# against the source adapter) still moves; not decided at five seeds, or decided the other way: not the testbed.
# Outcome: not decided at three seeds (+10.6 points), decided at five (+14.0, 95% interval [+3.2, +24.8]; seeds 103-104
# ran beside the first three), and the enhancement gate holds (+15.3, [+5.7, +24.8]): the testbed (records
# pilot-cpu-la-close-0.97-holdout-emb-es-fr; its base ships as xltnb/assets/world_encoder_holdout_es_close97 and its
# reference runs on fresh seeds 0-9: PARTS=langarith-close of tools/reference.sh). Its own embeddings left the fr
# adapter's held-out loss on Spanish where it was (1.02 and 1.01 nats) and raised its Spanish accuracy from 52.9% to
# 64.1% (the defaults page computes both from the records).
#
#     CLOSE=0.9 SEEDS=100,101,102 bash tools/la_close_pilot.sh
#     CLOSE=0.9 BASE=holdout SEEDS=100,101,102 bash tools/la_close_pilot.sh   # the eighth pilot
#     CLOSE=0.9 BASE=fr-sliver SEEDS=100,101,102 bash tools/la_close_pilot.sh   # the ninth pilot
#     CLOSE=0.9 BASE=fr-sliver LA_LR=1e-4 SEEDS=100,101,102 bash tools/la_close_pilot.sh   # the tenth pilot
#     CLOSE=0.97 BASE=holdout SEEDS=100,101,102 bash tools/la_close_pilot.sh   # the eleventh pilot
#     CLOSE=0.97 BASE=holdout LA_EMB=es,fr SEEDS=100,101,102 bash tools/la_close_pilot.sh   # the twelfth pilot
#     BASE_ONLY=1 CLOSE=0.9 bash tools/la_close_pilot.sh        # the base alone (one core), e.g. two CLOSE at once
#     CLOSE=0.9 SEEDS=103,104 APPEND=1 bash tools/la_close_pilot.sh   # more pilot seeds, added to the shipped records
set -euo pipefail
cd "$(dirname "$0")/.."
CLOSE=${CLOSE:-0.9}
SEEDS=${SEEDS:-100,101,102}
BASE=${BASE:-sliver}
BASES=${BASES:-_runs/bases}
[[ $CLOSE =~ ^(0(\.[0-9]+)?|1(\.0+)?)$ ]] || { echo "CLOSE: a share in [0, 1], got '$CLOSE'" >&2; exit 2; }
for s in ${SEEDS//,/ }; do
  [[ $s =~ ^[0-9]+$ ]] && (( s >= 100 )) ||
    { echo "SEEDS: '$s' is not a pilot seed (>= 100; 0-99 are reference seeds)" >&2; exit 2; }
done
case $BASE in
  sliver) how="shares={'es': 0.01}" ;;
  holdout) how="holdout=('es',)" ;;
  fr-sliver) how="holdout=('es',), shares={'fr': 0.01}" ;;
  *) echo "BASE: '$BASE' unknown; known: sliver, holdout, fr-sliver" >&2; exit 2 ;;
esac
LA_LR=${LA_LR:-}  # the language adapters' rate when not the page's (e.g. 1e-4, the paper's)
[[ -z $LA_LR || $LA_LR =~ ^[0-9.]+(e-?[0-9]+)?$ ]] ||
  { echo "LA_LR: a learning rate such as 1e-4, got '$LA_LR'" >&2; exit 2; }
LA_EMB=${LA_EMB:-es}  # the languages whose adapters carry their own input embeddings (the page's: es)
[[ $LA_EMB =~ ^(es|es,fr|fr,es)$ ]] || { echo "LA_EMB: es or es,fr, got '$LA_EMB'" >&2; exit 2; }
emb=${LA_EMB//,/-}; [[ $emb == es ]] && emb=
NAME=${NAME:-pilot-cpu-la-close-$CLOSE-$BASE${LA_LR:+-lr$LA_LR}${emb:+-emb-$emb}}
base=$BASES/world-small-$BASE-es-close-$CLOSE
if [[ ! -f $base/recipe.json ]]; then
  bash tools/setup.sh
  echo "pretraining the base $base (about 40 CPU-minutes)"
  .venv/bin/python -c "from xltnb.encoders import pretrain_world_encoder as p
p('cpu', out='$base', world={'preset': 'cpu', 'close': $CLOSE}, $how, steps=10000)"
fi
[[ -n ${BASE_ONLY:-} ]] && exit 0
COMMAND=${COMMAND:-"CLOSE=$CLOSE SEEDS=$SEEDS BASE=$BASE${LA_LR:+ LA_LR=$LA_LR}${emb:+ LA_EMB=$LA_EMB}${APPEND:+ APPEND=1} bash\
 tools/la_close_pilot.sh"} \
  OUT=${OUT:-_runs/reference/cpu/seeds-${SEEDS//,/-}} MODEL=$base NAME=$NAME SEEDS=$SEEDS \
  SET="world_close=$CLOSE;la_embeddings=[$LA_EMB]${LA_LR:+;la_lr=$LA_LR}" bash tools/la_regime_pilot.sh
