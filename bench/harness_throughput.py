"""Training throughput of the harness (`xltnb.finetune`: MethodTrainer + Method.loss + Collator) against a bare
`transformers.Trainer` (default loss, DataCollatorWithPadding) on the same model, data and settings, measured in one
run as a ratio, plus the fraction of padding tokens per batch under the harness's dynamic padding.

    .venv/bin/python bench/harness_throughput.py                      # world-tiny on the smoke world (~1 min)
    .venv/bin/python bench/harness_throughput.py --size small --world cpu --steps 80 --rounds 3

Both trainers run the same number of updates with evaluation and checkpointing off (they are the protocol, not the
loop). Rounds alternate bare / harness so that a slow spell on a shared machine hits both; the throughput of each
run is steps / time between the end of the warm-up steps and the end of the last step (data loading, collation,
forward, loss, backward and optimizer all inside). The ratio is harness / bare (target >= 0.95: the harness adds no
cost). Prints a table and one JSON line.
"""
import argparse, copy, json, statistics, sys, time, warnings
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


class StepClock:
    "Trainer callback: the time at the end of every update."
    def __new__(cls):
        from transformers import TrainerCallback

        class _Clock(TrainerCallback):
            def __init__(self): self.t = []
            def on_step_end(self, args, state, control, **kw): self.t.append(time.perf_counter())
        return _Clock()


def steps_per_second(clock, warmup: int) -> float:
    t = clock.t[warmup:]
    return (len(t) - 1) / (t[-1] - t[0])


def run(kind: str, model, tok, ds, args):
    "Train `model` for args.steps updates with the bare Trainer or the harness; return updates/second."
    from transformers import DataCollatorWithPadding, Trainer, TrainingArguments
    from xltnb.finetune import Collator, Method, MethodTrainer
    targs = TrainingArguments(output_dir=args.tmp, max_steps=args.steps, per_device_train_batch_size=args.batch_size,
                              learning_rate=1e-3, seed=0, data_seed=0, eval_strategy='no', save_strategy='no',
                              report_to='none', disable_tqdm=True, logging_strategy='no', dataloader_num_workers=0,
                              dataloader_pin_memory=False, remove_unused_columns=False)
    clock = StepClock()
    if kind == 'bare':
        bare_ds = ds.select_columns(['input_ids', 'token_type_ids', 'attention_mask', 'labels'])
        tr = Trainer(model=model, args=targs, train_dataset=bare_ds, data_collator=DataCollatorWithPadding(tok),
                     callbacks=[clock])
    else:
        tr = MethodTrainer(model=model, args=targs, train_dataset=ds, data_collator=Collator(tok, Method()),
                           callbacks=[clock], method=Method())
    from transformers import PrinterCallback
    tr.remove_callback(PrinterCallback)  # no log lines
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        tr.train()
    return steps_per_second(clock, args.warmup)


def padding_fractions(ds, tok, batch_size: int, max_length: int, seed: int = 0):
    "Per batch (training order of one epoch): share of pad tokens with dynamic padding, and with padding to max_length."
    from xltnb.finetune import Collator
    order = torch.randperm(len(ds), generator=torch.Generator().manual_seed(seed)).tolist()
    coll, dyn, fixed = Collator(tok), [], []
    for i in range(0, len(order) - batch_size + 1, batch_size):
        b = coll([ds[j] for j in order[i:i + batch_size]])
        real = b['attention_mask'].sum().item()
        dyn.append(1 - real / b['attention_mask'].numel())
        fixed.append(1 - real / (batch_size * max_length))
    return np.array(dyn), np.array(fixed)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--size', default='tiny', choices=['tiny', 'small'], help="world encoder size (random weights)")
    p.add_argument('--world', default='smoke', choices=['smoke', 'cpu'])
    p.add_argument('--task', default='world-nli', choices=['world-nli', 'world-paws'])
    p.add_argument('--steps', type=int, default=60, help='updates per run')
    p.add_argument('--warmup', type=int, default=5, help='updates not timed at the start of each run')
    p.add_argument('--rounds', type=int, default=3, help='bare/harness pairs, alternated')
    p.add_argument('--batch-size', type=int, default=32)
    p.add_argument('--max-length', type=int, default=128)
    p.add_argument('--threads', type=int, default=1)
    p.add_argument('--tmp', default='/tmp/xltnb_bench_harness')
    args = p.parse_args(argv)
    torch.set_num_threads(args.threads)
    from xltnb.encoders import build_encoder, world_tokenizer
    from xltnb.finetune import encode
    from xltnb.tasks import load_task, task_info
    tok = world_tokenizer(args.world)
    ds = encode(load_task(args.task, 'en', 'train', world=args.world), tok, task_info(args.task)['text_fields'],
                args.max_length)
    init = build_encoder('bert', args.size, tok, head='seq-cls', num_labels=task_info(args.task)['num_labels'], seed=0)
    rates = {'bare': [], 'harness': []}
    for r in range(args.rounds):
        for kind in (('bare', 'harness') if r % 2 == 0 else ('harness', 'bare')):
            torch.manual_seed(0)
            rates[kind].append(run(kind, copy.deepcopy(init), tok, ds, args))
    ratios = [h / b for h, b in zip(rates['harness'], rates['bare'])]
    dyn, fixed = padding_fractions(ds, tok, args.batch_size, args.max_length)
    print(f"model: world {args.size} (random), task {args.task} ({args.world} world, {len(ds)} English pairs), "
          f"batch {args.batch_size}, {args.steps} updates per run ({args.warmup} warm-up), {args.threads} thread(s)")
    print(f"{'round':>5} {'bare upd/s':>11} {'harness upd/s':>14} {'ratio':>7}")
    for i, (b, h, q) in enumerate(zip(rates['bare'], rates['harness'], ratios)):
        print(f"{i:>5} {b:>11.2f} {h:>14.2f} {q:>7.3f}")
    med = statistics.median(ratios)
    print(f"harness / bare throughput: median {med:.3f} over {len(ratios)} rounds (target >= 0.95)")
    print(f"padding tokens per batch, dynamic padding: mean {dyn.mean():.3f}, min {dyn.min():.3f}, max {dyn.max():.3f} "
          f"over {len(dyn)} batches; padding to max_length={args.max_length} would be {fixed.mean():.3f}")
    out = dict(bench='harness_throughput', size=args.size, world=args.world, task=args.task, steps=args.steps,
               batch_size=args.batch_size, threads=args.threads, bare_updates_per_s=rates['bare'],
               harness_updates_per_s=rates['harness'], ratios=ratios, ratio_median=med, target=0.95,
               pad_fraction_mean=float(dyn.mean()), pad_fraction_min=float(dyn.min()),
               pad_fraction_max=float(dyn.max()),
               pad_fraction_if_max_length=float(fixed.mean()))
    print(json.dumps(out))
    return out


if __name__ == '__main__':
    main()
