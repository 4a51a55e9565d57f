#!/usr/bin/env python
"""Step cost of the robust-training methods relative to a plain fine-tuning step, measured in one run.

One "step" = the method's loss + backward + AdamW update on a fixed padded batch, as the harness's Trainer runs it.
Methods are timed round-robin (each repetition runs every method once), so load from other processes hits all of
them alike; the ratio of medians is reported, in process CPU time (robust to other processes on shared cores when
running on one thread) and in wall time. Target: AT with K steps <= K + 1.2 baseline steps.

    .venv/bin/python bench/robust_step.py                  # a BERT of the world-small shape, 1 thread
    .venv/bin/python bench/robust_step.py --steps 1,2,3 --draws 4 --reps 20 --json _runs/bench/robust_step.json
    .venv/bin/python bench/robust_step.py --e5-task msg-para --steps 1 --draws 1 --batch 16 --reps 5   # real text
"""
import argparse, json, statistics, sys, time
from pathlib import Path

import torch
from transformers import BertConfig, BertForSequenceClassification

from xltnb.core import atomic_write_text, seed_everything, set_threads
from xltnb.finetune import Method
from xltnb.methods.robust import AdversarialTraining, RandomizedSmoothing


def build(args):
    "A randomly initialised BERT classifier of the given shape (or a named encoder via xltnb.encoders)."
    if args.e5_task:  # e5-small trimmed to the task's texts and frozen, as the robust paper's cpu preset runs it
        from xltnb.e5 import e5_for_task
        return e5_for_task(args.e5_task)[0]
    if args.model:
        from xltnb.encoders import load_encoder
        return load_encoder(args.model, head='seq-cls', num_labels=3)[0]
    cfg = BertConfig(vocab_size=args.vocab, hidden_size=args.hidden, num_hidden_layers=args.layers,
                     num_attention_heads=max(1, args.hidden // 64), intermediate_size=4 * args.hidden,
                     max_position_embeddings=max(512, args.seq), num_labels=3)
    return BertForSequenceClassification(cfg)


def task_batch(args):
    """The first `batch` English training examples of `--e5-task`, tokenized (padded to the longest) as training sees
    them."""
    from xltnb.e5 import e5_for_task
    from xltnb.tasks import load_task, task_info
    tok = e5_for_task(args.e5_task)[1]
    ds = load_task(args.e5_task, 'en', 'train').select(range(args.batch))
    b = tok(*[list(ds[f]) for f in task_info(args.e5_task)['text_fields']], padding=True, truncation=True,
            max_length=args.seq, return_tensors='pt')
    return dict(b, labels=torch.tensor(list(ds['label'])))


def make_batch(args, vocab):
    if args.e5_task: return task_batch(args)
    g = torch.Generator().manual_seed(0)
    ids = torch.randint(5, vocab, (args.batch, args.seq), generator=g)
    lens = torch.randint(args.seq // 2, args.seq + 1, (args.batch,), generator=g)
    mask = (torch.arange(args.seq)[None] < lens[:, None]).long()
    return dict(input_ids=ids * mask, attention_mask=mask, token_type_ids=torch.zeros_like(ids),
                labels=torch.randint(0, 3, (args.batch,), generator=g))


def step(model, opt, method, batch):
    opt.zero_grad(set_to_none=True)
    method.loss(model, batch).backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    opt.step()


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--model', default=None,
                    help='an encoder name for xltnb.encoders.load_encoder (default: a BERT built here)')
    ap.add_argument('--layers', type=int, default=4); ap.add_argument('--hidden', type=int, default=256)
    ap.add_argument('--e5-task', default=None,
                    help='a real-text task: time e5-small trimmed + frozen (e5_for_task) on its English training batch')
    ap.add_argument('--vocab', type=int, default=8000); ap.add_argument('--seq', type=int, default=64)
    ap.add_argument('--batch', type=int, default=32)
    ap.add_argument('--steps', default='1,2,3', help='AT ascent steps K to time, comma-separated')
    ap.add_argument('--draws', type=int, default=4, help='RS-RP noise draws')
    ap.add_argument('--reps', type=int, default=15); ap.add_argument('--warmup', type=int, default=2)
    ap.add_argument('--threads', type=int, default=1); ap.add_argument('--json', default=None)
    args = ap.parse_args(argv)
    set_threads(args.threads); seed_everything(0, deterministic=False)
    model = build(args).train()
    batch = make_batch(args, model.config.vocab_size)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-5)
    methods = {'baseline': Method()}
    for k in [int(s) for s in args.steps.split(',') if s.strip()]:
        methods[f'at K={k}'] = AdversarialTraining(steps=k)
    methods[f'rs-rp draws={args.draws}'] = RandomizedSmoothing(draws=args.draws)
    times = {name: [] for name in methods}
    for rep in range(args.warmup + args.reps):
        for name, m in methods.items():
            t0, c0 = time.perf_counter(), time.process_time()
            step(model, opt, m, batch)
            if rep >= args.warmup: times[name].append((time.process_time() - c0, time.perf_counter() - t0))
    base = [statistics.median(t[i] for t in times['baseline']) for i in (0, 1)]
    rows = []
    for name, ts in times.items():
        cpu, wall = (statistics.median(t[i] for t in ts) for i in (0, 1))
        k = int(name.split('=')[1]) if name.startswith('at') else None
        rows.append(dict(method=name, cpu_s=cpu, ratio=cpu / base[0], wall_s=wall, wall_ratio=wall / base[1],
                         target=(k + 1.2) if k else None, ok=(cpu / base[0] <= k + 1.2) if k else None))
    shape = (f'e5-small trimmed + frozen on {args.e5_task}' if args.e5_task
             else args.model or f'BERT {args.layers}x{args.hidden}, vocab {args.vocab}')
    print(f'# robust step cost: {shape}, batch {args.batch} x seq {args.seq}, {args.threads} thread(s), '
          f'{args.reps} reps, median; torch {torch.__version__}')
    print(f"{'method':<18}{'cpu s':>8}{'x baseline':>12}{'target':>9}    {'wall s':>8}{'x baseline':>12}")
    for r in rows:
        tgt = f"<= {r['target']:.1f}" if r['target'] else ''
        flag = '' if r['ok'] is None else (' ok' if r['ok'] else ' !!')
        print(f"{r['method']:<18}{r['cpu_s']:>8.3f}{r['ratio']:>12.2f}{tgt:>9}{flag:<4}"
              f"{r['wall_s']:>8.3f}{r['wall_ratio']:>12.2f}")
    if args.json: atomic_write_text(Path(args.json), json.dumps(dict(args=vars(args), rows=rows), indent=1))
    return 0 if all(r['ok'] in (None, True) for r in rows) else 1


if __name__ == '__main__':
    sys.exit(main())
