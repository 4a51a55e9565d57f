#!/usr/bin/env python
"""The real-text budget pilot: the baseline arm (e5-small, plain fine-tuning on English) under a few settings, its
English dev accuracy every `--eval-every` updates and its cost per update in process CPU time (one torch thread).

The question: the cheapest faithful setting whose English dev accuracy at N updates is within one point of a run three
times as long. A setting is a name and its knobs: learning rate, bf16 autocast on the CPU, how many of e5-small's 12
layers train (the rest frozen with the word embeddings), max length. e5-small is trimmed to the task's texts and its
word embeddings are frozen in every setting (`xltnb.e5.e5_for_task`).

    python tools/pilot_realtext.py --task msg-topic --settings fp32-all-1e-4,bf16-all-3e-4 --steps 900 \
        --eval-every 100 --out _runs/pilot/realtext

A setting name reads `<fp32|bf16>-<all|topK>-<lr>[-h<head lr>]` (the head: classifier and pooler,
`xltnb.finetune.HEAD_PARTS`). Each run writes its curve as records (split dev, lang en,
metric accuracy, `step`) and its cost (metric cpu_s_per_update) into OUT/results.jsonl, appended run by run, so a run
cut short keeps the finished settings; `tools/measured.py` ships the folder.
"""
import argparse, json, platform, re, sys, time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from transformers import TrainerCallback
from xltnb.core import atomic_write_text, set_threads
from xltnb.e5 import e5_for_task
from xltnb.finetune import finetune
from xltnb.paper import versions
from xltnb.results import make_records, write_records, load_records

SETTING = re.compile(r'^(fp32|bf16)-(all|top(\d+))-([0-9.e-]+?)(?:-h([0-9.e-]+))?$')

def parse(name: str) -> dict:
    m = SETTING.match(name)
    if not m: raise SystemExit(f"setting {name!r}: expected <fp32|bf16>-<all|topK>-<lr>[-h<head lr>], "
                               f"e.g. bf16-top4-1e-3 or bf16-all-1e-4-h2e-3")
    return dict(bf16=m[1] == 'bf16', train_top=int(m[3]) if m[3] else None, lr=float(m[4]),
                **({'head_lr': float(m[5])} if m[5] else {}))

class StepClock(TrainerCallback):
    "Process CPU and wall seconds spent in training updates only (not in evaluation or checkpointing)."
    def __init__(self): self.cpu = self.wall = 0.0; self.n = 0
    def on_step_begin(self, *a, **k): self._c, self._w = time.process_time(), time.perf_counter()
    def on_step_end(self, *a, **k):
        self.cpu += time.process_time() - self._c; self.wall += time.perf_counter() - self._w; self.n += 1

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--task', default='msg-topic')
    ap.add_argument('--settings', default='fp32-all-1e-4')
    ap.add_argument('--steps', type=int, default=900); ap.add_argument('--eval-every', type=int, default=100)
    ap.add_argument('--batch', type=int, default=16); ap.add_argument('--max-length', type=int, default=64)
    ap.add_argument('--warmup', type=float, default=0.06); ap.add_argument('--seed', type=int, default=0)
    ap.add_argument('--threads', type=int, default=1); ap.add_argument('--out', required=True)
    a = ap.parse_args(argv)
    set_threads(a.threads)
    out = Path(a.out); out.mkdir(parents=True, exist_ok=True)
    # what tools/measured.py ships beside the records: the shared settings and the versions (per-run knobs are in them)
    cfg = dict(params=dict(task=a.task, batch=a.batch, max_length=a.max_length, warmup=a.warmup, seed=a.seed,
                           threads=a.threads), versions=versions(), python=platform.python_version())
    atomic_write_text(out / 'config.json', json.dumps(cfg, indent=1))
    done = {(r['setting'], r['task'], r['seed'], r['max_steps']) for r in load_records(out / 'results.jsonl')} \
        if (out / 'results.jsonl').exists() else set()
    for name in a.settings.split(','):
        s = parse(name)
        if (name, a.task, a.seed, a.steps) in done: print(f"{name}: done, skipped"); continue
        model, tok = e5_for_task(a.task, trim=True, freeze=True, seed=a.seed, top=s['train_top'] or 0)
        trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
        clock = StepClock()
        res = finetune((model, tok), a.task, seed=a.seed, lr=s['lr'], head_lr=s.get('head_lr'), batch_size=a.batch,
                       max_steps=a.steps,
                       max_length=a.max_length, eval_steps=a.eval_every, warmup_ratio=a.warmup,
                       **(dict(bf16=True, use_cpu=True) if s['bf16'] else {}),  # bf16 autocast on the CPU
                       out_dir=out / 'runs' / a.task / f"{name}-s{a.seed}-n{a.steps}", progress=False,
                       callbacks=[clock])
        cpu, wall = clock.cpu / max(clock.n, 1) * a.steps, clock.wall / max(clock.n, 1) * a.steps
        curve = {h['step']: h['eval_accuracy'] for h in res.log_history if 'eval_accuracy' in h}
        b = dict(paper='pilot', preset='cpu', method='baseline', task=a.task, model='e5-small', seed=a.seed,
                 setting=name, max_steps=a.steps, batch=a.batch, max_length=a.max_length, trainable=trainable, **s)
        recs = [r for st, acc in curve.items() for r in make_records({'en': acc}, split='dev', step=st, **b)]
        recs += make_records({'en': cpu / a.steps}, split='train', metric='cpu_s_per_update', **b)
        recs += make_records({'en': wall / a.steps}, split='train', metric='wall_s_per_update', **b)
        write_records(out / 'results.jsonl', recs, append=True)
        print(f"{name}: {cpu / a.steps:.3f} CPU-s/update, trainable {trainable:,}; dev "
              + ' '.join(f"{st}:{100 * v:.1f}" for st, v in curve.items()), flush=True)

if __name__ == '__main__': main()
