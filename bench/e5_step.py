#!/usr/bin/env python
"""Training-step cost of e5-small with full, frozen, trimmed and trimmed + frozen word embeddings, and the last in
bf16 autocast (the CPU's bfloat16 units, as `Trainer(bf16=True, use_cpu=True)` trains), in one run.

One "step" = forward with labels + backward + gradient clipping + AdamW update of a sequence classifier on one fixed
batch (16 English training texts of a task, ~32 tokens), as the harness's Trainer runs it. The vocabulary is trimmed
(`xltnb.e5.trim_vocab`) to the pieces that every text of the task uses (train, dev and test, every language), as a
run on that task would. Variants are timed round-robin (each repetition runs every variant once) so that load from
other processes hits all of them alike; the ratio of medians to the full model is reported in process CPU time and
in wall time. All five variants start from the same weights and see the same batch.

    .venv/bin/python bench/e5_step.py                         # msg-topic, batch 16, 2 threads
    .venv/bin/python bench/e5_step.py --task world-nli --threads 1 --reps 5 --json _runs/bench/e5_step.json
"""
import argparse, json, statistics, sys, time
from pathlib import Path

import torch

from xltnb.core import atomic_write_text, seed_everything, set_threads
from xltnb.e5 import freeze_embeddings, load_e5, task_texts, trim_vocab
from xltnb.tasks import load_task, task_info


def make_batch(tok, train, fields, n, target, seed=0):
    "`n` training rows whose encoding is closest to `target` tokens, padded to the longest."
    import random
    rows = list(train)
    random.Random(seed).shuffle(rows)
    def length(r): return len(tok(*[r[f] for f in fields])['input_ids'])
    rows = sorted(rows[:2000], key=lambda r: abs(length(r) - target))[:n]
    b = tok(*[[r[f] for r in rows] for f in fields], padding=True, return_tensors='pt')
    b['labels'] = torch.tensor([r['label'] for r in rows])
    return b


def step(model, opt, batch, bf16=False):
    opt.zero_grad(set_to_none=True)
    with torch.autocast('cpu', dtype=torch.bfloat16, enabled=bf16):  # what Trainer(bf16=True, use_cpu=True) runs
        loss = model(**batch).loss
    loss.backward()
    torch.nn.utils.clip_grad_norm_([p for p in model.parameters() if p.requires_grad], 1.0)
    opt.step()


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--task', default='msg-topic'); ap.add_argument('--batch', type=int, default=16)
    ap.add_argument('--seq', type=int, default=32, help='target tokens per example')
    ap.add_argument('--reps', type=int, default=5); ap.add_argument('--warmup', type=int, default=1)
    ap.add_argument('--threads', type=int, default=2); ap.add_argument('--json', default=None)
    args = ap.parse_args(argv)
    set_threads(args.threads); seed_everything(0, deterministic=False)
    info = task_info(args.task)
    texts, train = task_texts(args.task), load_task(args.task, 'en', 'train')
    fields, n_labels = info['text_fields'], info['num_labels']
    full, tok = load_e5('seq-cls', num_labels=n_labels)
    trimmed, ttok = trim_vocab(*load_e5('seq-cls', num_labels=n_labels), texts)
    batch, tbatch = (make_batch(t, train, fields, args.batch, args.seq) for t in (tok, ttok))
    assert torch.equal(batch['attention_mask'], tbatch['attention_mask'])  # same texts, same segmentation
    fresh = lambda: load_e5('seq-cls', num_labels=n_labels)  # noqa: E731 (same weights and seeded head each time)
    variants = {'full': (full, batch), 'frozen': (freeze_embeddings(fresh()[0]), batch), 'trimmed': (trimmed, tbatch),
                'trimmed+frozen': (freeze_embeddings(trim_vocab(*fresh(), texts)[0]), tbatch),
                'trimmed+frozen+bf16': (freeze_embeddings(trim_vocab(*fresh(), texts)[0]), tbatch)}
    opts = {k: torch.optim.AdamW([p for p in m.parameters() if p.requires_grad], lr=2e-5)
            for k, (m, _) in variants.items()}
    times = {k: [] for k in variants}
    for rep in range(args.warmup + args.reps):
        for k, (m, b) in variants.items():
            m.train(); t0, c0 = time.perf_counter(), time.process_time()
            step(m, opts[k], b, bf16=k.endswith('bf16'))
            if rep >= args.warmup: times[k].append((time.process_time() - c0, time.perf_counter() - t0))
    base = [statistics.median(t[i] for t in times['full']) for i in (0, 1)]
    rows = []
    for k, (m, _) in variants.items():
        cpu, wall = (statistics.median(t[i] for t in times[k]) for i in (0, 1))
        trainable = sum(p.numel() for p in m.parameters() if p.requires_grad)
        rows.append(dict(variant=k, vocab=m.config.vocab_size, trainable=trainable, cpu_s=cpu, ratio=cpu / base[0],
                         wall_s=wall, wall_ratio=wall / base[1]))
    print(f"# e5-small training step: {args.task}, batch {args.batch} x {batch['input_ids'].shape[1]} tokens (padded), "
          f"{args.threads} thread(s), {args.reps} reps, median; trimmed on {len(texts):,} texts; "
          f"torch {torch.__version__}")
    print(f"{'variant':<16}{'vocab':>9}{'trainable':>13}{'cpu s':>8}{'x full':>8}    {'wall s':>8}{'x full':>8}")
    for r in rows:
        print(f"{r['variant']:<16}{r['vocab']:>9,}{r['trainable']:>13,}{r['cpu_s']:>8.2f}{r['ratio']:>8.2f}    "
              f"{r['wall_s']:>8.2f}{r['wall_ratio']:>8.2f}")
    if args.json: atomic_write_text(Path(args.json), json.dumps(dict(args=vars(args), rows=rows), indent=1))
    return 0


if __name__ == '__main__':
    sys.exit(main())
