#!/usr/bin/env bash
# The GPU checks, run on a lent GPU machine by the device tool, in the project's root there. Steps, in the order given:
#   install   the pinned wheels carried in .gpu/whl (tools/gpu_carry.py whl) into a scratch folder ahead of the machine's
#             own packages (it has torch with CUDA, but transformers 5 and no Jupyter); WHL names another folder of
#             wheels, e.g. .gpu/whl-moboard: the five the board pilot needs (transformers, tokenizers, huggingface-hub,
#             platformdirs, dill), for a call whose tree leaves no room for all of them
#   world     `xltnb reproduce ... --preset smoke` of every paper with real text off (metapretrain, langarith and
#             mOthello have none): every world code path on CUDA
#   bench     bench/gpu_throughput.py: harness vs bare Trainer, tokens/s and MFU
#   rtdata    the real-text testbed carried in .gpu/rt (tools/gpu_carry.py rt): the Debian files unpacked at their own
#             paths, e5-small's trimmed weight file through $XLTNB_E5_WEIGHTS
#   realtext  the smoke of the three real-text papers with real text on, then the report of all six (--resume)
#   rtprobe   one run of the real-text `gpu` protocol (e5-small fully fine-tuned, baseline, msg-para, seed 0), timed:
#             what a seed of the gpu real-text reference costs
#   gbench    bench/gpu_throughput.py at XLM-R-base size, 256x128 real tokens: loop / Trainer / harness eager (3
#             rounds), then loop / harness compiled: $OUT/gpu-bench.json, -default.json, -reduce-overhead.json
#   gbench-e5 the same at e5-small size on the real-text tasks' lengths (needs rtdata): $OUT/gpu-bench-e5.json
#   rtgrid    the gpu real-text reference's runs: every SALT and robust arm on msg-topic, emoji-topic and msg-para,
#             SEEDS (0-9), e5-small fully fine-tuned, WORKERS (6) at a time (tools/grid_workers.py), starting no job
#             after the call's BUDGET_S (540) is near; resumable: each finished job's records are in $GRID/jobs, which
#             comes back in $OUT/rtgrid and is carried into the next call (carry [.gpu/rt, _runs/grid]) to go on
#   mothello  with time left: mOthello at the gpu preset, stopped at the call's budget
#   moboard   the mOthello board-probe pilot (tools/mothello_board_pilot.py, whose docstring holds the rule it is judged
#             by) with the gpu preset's model (4 layers, 8 heads, d 256, dropout 0.1, batch 256, lr 1e-3, 500,000
#             games): phases MO_PLAN ("6:8000 8:6000": board size and steps) one after another, each on pilot seeds
#             MO_SEEDS (100 101) at once on the GPU (MO_EXTRA: more of the pilot's flags, e.g. "--d 64 --heads 4"), with the mine/theirs probes (2,000 games, 2,000 steps, width 512)
#             at every layer on the GPU too; a phase starts only with a minute of the budget left. A run folder per
#             model in $RUNS/moboard-run (records written after every probe, so a call that runs out keeps what is
#             done), back in $OUT/runs.tar.gz; shipped here with tools/measured.py pilot-gpu-mothello-board --runs
#             xltnb_runs/moboard-run/* (after untarring). Its first call (H100, four models at once, probes on the
#             CPU) trained 3,000 steps in about 180 s a model: the GPU, shared by four processes, set the pace.
# The tracked files alone are about 70 MiB since the meta-pretraining and language-arithmetic model assets: a call that
# needs neither (moboard) takes both folders out of the index for the call (git rm -r -q --cached on them, their paths
# in .git/info/exclude) and puts them back after (git reset -q HEAD -- on them, the exclude lines removed).
# Two calls to one warm machine, since wheels and testbed together exceed what one call carries (64 MiB):
#   carry [.gpu/whl]: bash tools/gpu_run.sh install world bench
#   carry [.gpu/rt]:  bash tools/gpu_run.sh install rtdata realtext rtprobe    (install: a no-op when still installed)
# The next run, two calls to one warm machine (the second within its idle time), about 13 minutes of device time with
# the machine's start; each step starts nothing it cannot finish within the call's BUDGET_S (default 540):
#   carry [.gpu/whl], timeout_s 390:            BUDGET_S=330 bash tools/gpu_run.sh install gbench
#   carry [.gpu/rt, _runs/grid], timeout_s 480: BUDGET_S=420 bash tools/gpu_run.sh install rtdata gbench-e5 rtgrid mothello
# (wheels, testbed and the tracked files do not fit one call: 32 + 35 + 28 MiB). What the budget leaves out (the
# reduce-overhead compile, mothello, most of the grid's 240 runs) a later pair of calls does: the grid goes on.
# then here: the bench's JSON files (device, date and command in each) into xltnb/assets/measured/gpu-bench-*.json;
# $OUT/rtgrid into _runs/grid/gpu-realtext (the next pair of calls carries it and goes on where it stopped); once its
# status.json says every job finished: python tools/measured.py _runs/grid/gpu-realtext reference-gpu-realtext
# --what "..." --where "<GPU>, <date>" --command "bash tools/gpu_run.sh install rtdata gbench-e5 rtgrid".
# SMOKE=1 PY=.venv/bin/python runs gbench, gbench-e5 and rtgrid on a CPU at tiny sizes (the smoke protocol, 2 workers).
# Logs and results land in $OUT (the device tool brings them back); runs in /tmp/xltnb_runs survive between calls.
set -uo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-_runs/gpu_out}; mkdir -p "$OUT"
SITE=/tmp/xltnb_site RUNS=/tmp/xltnb_runs
export PYTHONPATH=$SITE:$PWD XLTNB_CACHE=${XLTNB_CACHE:-/tmp/xltnb_cache} PYTHONUNBUFFERED=1 TOKENIZERS_PARALLELISM=false \
       HF_HUB_OFFLINE=1 HF_DATASETS_OFFLINE=1 TRANSFORMERS_OFFLINE=1 MPLBACKEND=Agg \
       JUPYTER_PATH=/tmp/xltnb_site/share/jupyter  # nbconvert's templates, installed with its wheel
xltnb() { python3 -c 'import sys; from xltnb.cli import main; sys.exit(main())' "$@"; }
step() { echo "== $1 $(date -u +%H:%M:%S)"; }
PY=${PY:-python3} SMOKE=${SMOKE:-} BUDGET_S=${BUDGET_S:-540} WHL=${WHL:-.gpu/whl} WORKERS=${WORKERS:-6} SEEDS=${SEEDS:-0,1,2,3,4,5,6,7,8,9}
GRID=${GRID:-_runs/grid/gpu-realtext}; [[ -n $SMOKE ]] && GRID=$RUNS/grid-smoke
START=$(date +%s)
left() { echo $((BUDGET_S - ($(date +%s) - START))); }  # seconds of this call's budget left
ok=0
for s in "$@"; do
  step "$s"
  case $s in
    install)
      if [[ -d $WHL ]] && [[ ! -f $SITE/.done ]]; then
        python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target $SITE $WHL/*.whl \
          && touch $SITE/.done || { echo "install failed"; exit 1; }
      fi
      [[ -f $SITE/.done ]] || { echo "no wheels installed: carry .gpu/whl first"; exit 1; }
      nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader
      python3 -c 'import importlib.util, sys, torch; print(sys.version.split()[0], "torch", torch.__version__, "cuda", torch.version.cuda, torch.cuda.get_device_name(), *(m + " " + getattr(importlib.import_module(m), "__version__", "?") for m in ("transformers", "adapters", "papermill") if importlib.util.find_spec(m)))' ;;
    world)
      xltnb reproduce baseline salt robust --preset smoke --jobs 3 --quiet --set realtext=false --out $RUNS/world \
        > "$OUT/world.log" 2>&1; ok=$((ok | $?))
      xltnb reproduce metapretrain langarith mothello --preset smoke --jobs 3 --quiet --out $RUNS/smoke \
        >> "$OUT/world.log" 2>&1; ok=$((ok | $?))
      tail -25 "$OUT/world.log" ;;
    bench)
      python3 bench/gpu_throughput.py --json "$OUT/gpu_throughput.json" > "$OUT/bench.log" 2>&1; ok=$((ok | $?))
      grep -v '^{' "$OUT/bench.log" | tail -22 ;;
    rtdata)
      tar -xJf .gpu/rt/realtext-data.tar.xz -C / && ls /usr/share/locale | wc -l ;;
    realtext)
      export XLTNB_E5_WEIGHTS=$PWD/.gpu/rt/e5-small-realtext-q4.bin
      xltnb reproduce all --preset smoke --jobs 3 --quiet --resume --out $RUNS/smoke > "$OUT/realtext.log" 2>&1
      ok=$((ok | $?)); tail -25 "$OUT/realtext.log" ;;
    rtprobe)
      export XLTNB_E5_WEIGHTS=$PWD/.gpu/rt/e5-small-realtext-q4.bin
      timeout 240 python3 - > "$OUT/rtprobe.log" 2>&1 <<'EOF'
import json, os, time, torch
from xltnb.protocol import protocol, run_arm
P = protocol('gpu', testbed='realtext')
t = time.time()
arm = run_arm(P, 'msg-para', 'e5-small', seed=0)
secs = time.time() - t
acc = {(r.get('lang') or f"{r.get('lang_a')}-{r.get('lang_b')}"): r['value'] for r in arm.records
       if r.get('metric') == 'accuracy' and r.get('split') == 'test'}
targets = [v for k, v in acc.items() if '-' not in k and k != 'en']
mixed = [v for k, v in acc.items() if '-' in k and k.split('-')[0] != k.split('-')[1]]  # pairs in two languages
print(json.dumps(dict(probe='rt-gpu', task='msg-para', seed=0, seconds=round(secs, 1), device=torch.cuda.get_device_name(),
                      steps=arm.result.global_step, dev=arm.result.dev_accuracy, n_records=len(arm.records),
                      en=acc.get('en'), test_targets_mean=sum(targets) / len(targets),
                      test_mixed_pairs_mean=sum(mixed) / len(mixed), n_mixed_pairs=len(mixed), accuracy=acc)))
EOF
      ok=$((ok | $?)); tail -5 "$OUT/rtprobe.log" ;;
    gbench|gbench-e5)  # gbench: XLM-R-base size at 256x128, eager then compiled; gbench-e5: e5-small at the tasks' lengths
      export XLTNB_E5_WEIGHTS=${XLTNB_E5_WEIGHTS:-$PWD/.gpu/rt/e5-small-realtext-q4.bin}
      [[ -f $XLTNB_E5_WEIGHTS ]] || unset XLTNB_E5_WEIGHTS  # here: the installed package's weights
      bench() {  # bench MARGIN ARGS: no configuration starts in the call's last MARGIN s; none runs past its end
        local m=$1; shift
        timeout $(( $(left) > 40 ? $(left) - 30 : 10 )) $PY bench/gpu_throughput.py --budget-s $(( $(left) - m )) "$@" \
          >> "$OUT/$s.log" 2>&1; ok=$((ok | $?)); }
      if [[ -n $SMOKE ]]; then tiny=(--device cpu --tiny --steps 2 --warmup 1 --profile-steps 1 --rounds 1)
        [[ $s == gbench ]] && bench 30 "${tiny[@]}" --shapes xlmr:4x16 --compile off --json "$OUT/gpu-bench.json"
        [[ $s == gbench-e5 ]] && bench 30 "${tiny[@]}" --shapes e5:4x12 --compile off --json "$OUT/gpu-bench-e5.json"
      elif [[ $s == gbench ]]; then  # eager: about 15 s a configuration; compiled: about a minute (its compilation)
        bench 30 --shapes xlmr:256x128 --compile off --rounds 2 --steps 20 --warmup 8 --profile-steps 3 \
          --json "$OUT/gpu-bench.json"
        for mode in default reduce-overhead; do
          bench 150 --shapes xlmr:256x128 --runners loop,harness --compile $mode --rounds 1 --steps 20 --warmup 10 \
            --profile-steps 3 --json "$OUT/gpu-bench-$mode.json"
        done
      else
        bench 30 --shapes e5:msg-topic,e5:msg-para,e5:emoji-topic --compile off --rounds 1 --steps 20 --warmup 8 \
          --profile-steps 3 --json "$OUT/gpu-bench-e5.json"
      fi
      grep -v '^{' "$OUT/$s.log" | grep -v '^  round' | tail -30 ;;
    rtgrid)
      export XLTNB_E5_WEIGHTS=${XLTNB_E5_WEIGHTS:-$PWD/.gpu/rt/e5-small-realtext-q4.bin}
      [[ -f $XLTNB_E5_WEIGHTS ]] || unset XLTNB_E5_WEIGHTS
      if [[ -n $SMOKE ]]; then grid=(--preset smoke --seeds 0 --workers 2 --threads 1)
      else grid=(--preset gpu --seeds "$SEEDS" --workers "$WORKERS" --threads 2); fi
      # start no job in the last 150 s (an e5-small run takes about a minute); stop at the budget whatever runs
      XLTNB_RUNS=$RUNS timeout $(( $(left) > 30 ? $(left) - 20 : 10 )) $PY tools/grid_workers.py --testbed realtext \
        --papers salt,robust "${grid[@]}" --deadline-s $(( $(left) > 150 ? $(left) - 150 : 0 )) --out "$GRID" \
        > "$OUT/rtgrid.log" 2>&1; ok=$((ok | $?))
      mkdir -p "$OUT/rtgrid" && cp -r "$GRID"/. "$OUT/rtgrid/"
      tail -3 "$OUT/rtgrid.log"; cat "$GRID/status.json" 2>/dev/null | head -12 ;;
    mothello)
      (( $(left) > 60 )) || { echo "no time left for mothello"; continue; }
      timeout $(( $(left) - 30 )) bash -c 'xltnb() { python3 -c "import sys; from xltnb.cli import main; sys.exit(main())" "$@"; }
        xltnb reproduce mothello --preset gpu --quiet --resume --out '"$RUNS"'/gpu' > "$OUT/mothello.log" 2>&1
      tail -5 "$OUT/mothello.log" ;;
    moboard)  # phases (MO_PLAN "SIZE:STEPS ...") one after another, each phase's seeds at once on the GPU
      if [[ -n $SMOKE ]]; then mo=(--device cpu --layers 4 --heads 2 --d 16 --dropout 0.1 --batch 8 --lr 1e-3
          --pool 2000 --probe-games 20 --probe-steps 10 --probe-hidden 32 --targets relative --threads 1)
        plan=${MO_PLAN:-6:20 8:20}
      else mo=(--device cuda --layers 4 --heads 8 --d 256 --dropout 0.1 --batch 256 --lr 1e-3 --pool 500000
          --probe-games 2000 --probe-steps 2000 --probe-hidden 512 --targets relative --threads 2)
        plan=${MO_PLAN:-6:8000 8:6000}
      fi
      mkdir -p "$RUNS/moboard-logs"
      for ph in $plan; do
        size=${ph%%:*} n=${ph##*:} pids=()
        (( $(left) > 60 )) || { echo "no time left for phase $ph"; break; }
        for seed in ${MO_SEEDS:-100 101}; do
          timeout $(( $(left) > 40 ? $(left) - 20 : 10 )) $PY tools/mothello_board_pilot.py --seed "$seed" --size "$size" \
            --steps "$n" "${mo[@]}" ${MO_EXTRA:-} --model-dir $RUNS/moboard --out $RUNS/moboard-run/b$size-s$seed-n$n \
            > "$RUNS/moboard-logs/b$size-s$seed-n$n.log" 2>&1 &
          pids+=($!)
        done
        for p in "${pids[@]}"; do wait "$p"; ok=$((ok | $?)); done
        echo "phase $ph done, $(left) s of the budget left"
      done
      for f in "$RUNS"/moboard-logs/*.log; do echo "-- $(basename "$f")"; cat "$f"; done > "$OUT/moboard.log"
      grep -v '^$' "$OUT/moboard.log" | tail -60 ;;
    *) echo "unknown step $s; known: install world bench rtdata realtext rtprobe gbench gbench-e5 rtgrid mothello moboard"; exit 2 ;;
  esac
done
step done
tar -czf "$OUT/runs.tar.gz" --exclude='*.safetensors' --exclude='*.bin' --exclude='checkpoint-*' --exclude='*.pt' \
  -C /tmp xltnb_runs 2>/dev/null
ls -la "$OUT"
exit $ok
