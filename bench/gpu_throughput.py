"""GPU training throughput of an xlm-roberta-base-size encoder (random initialisation) through the harness
(`xltnb.finetune`: MethodTrainer + Method.loss + Collator) and through a bare `transformers.Trainer` (default loss,
DataCollatorWithPadding), same model, data, batch and bf16 settings, in one run: training tokens per second and model
FLOPs utilisation (MFU) against the device's bf16 dense peak, read from its name. Each pair is run with dynamic
padding (the harness's default) and padded to `--max-length`, with `torch.compile` off and on.

    python bench/gpu_throughput.py --json _runs/bench/gpu_throughput.json        # needs a CUDA GPU
    python bench/gpu_throughput.py --device cpu --steps 6 --warmup 2 --batch-size 4 --layers 2  # the code path, CPU

The data are the English training pairs of the `cpu` world's world-nli task, tokenized by the world's tokenizer (ids
below its vocabulary; the embedding keeps XLM-R's 250,002 rows, so the optimizer step costs what XLM-R's does). A run's
throughput counts the updates between the end of the warm-up updates (compilation included there) and the last one.
Tokens are the batch's real (non-pad) tokens; MFU counts the model FLOPs of those tokens, 6 N + 12 L d T per token
(N the non-embedding parameters, L layers, d width, T the batch's padded length: PaLM, appendix B), so padding is
counted as waste; `hfu` counts the padded tokens too (what the device computed). Targets: harness >= 0.95 x bare,
MFU >= 40%. Prints a table and one JSON line.
"""
import argparse, copy, json, sys, warnings
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from harness_throughput import StepClock  # noqa: E402  (bench/ is the script's folder)

PEAK_BF16 = {  # dense bf16 tensor-core peak, FLOP/s, by a part of the device name (vendor data sheets)
    'H200': 989.4e12, 'H100 PCIe': 756.0e12, 'H100 NVL': 835.0e12, 'H100': 989.4e12, 'GH200': 989.4e12,
    'A100': 312.0e12, 'A10G': 70.0e12, 'L40S': 362.1e12, 'L4': 121.0e12, 'RTX 4090': 165.2e12,
}


def peak_flops(name: str) -> float | None:
    "The bf16 dense peak of a device by its name (the first key of PEAK_BF16 that it contains); None if unknown."
    return next((v for k, v in PEAK_BF16.items() if k in name), None)


def flops_per_token(cfg, seq_len: int) -> float:
    "Training FLOPs per token: 6 N (non-embedding matmul parameters) + 12 L d T (attention scores and values)."
    d, L, f = cfg.hidden_size, cfg.num_hidden_layers, cfg.intermediate_size
    n = L * (4 * d * d + 2 * d * f) + d * d + d * cfg.num_labels  # layers, pooler, classifier
    return 6 * n + 12 * L * d * seq_len


def counting(collate, log: list):
    "Wrap a collator: log (real tokens, batch, padded length) of every batch it makes."
    def f(features):
        b = collate(features)
        log.append((int(b['attention_mask'].sum()), *b['input_ids'].shape))
        return b
    return f


def pad_to(ds, tok, n: int):
    "The encoded dataset with every example right-padded to `n` tokens (dynamic padding then has nothing to do)."
    def one(ex):
        k = n - len(ex['input_ids'])
        out = dict(input_ids=ex['input_ids'] + [tok.pad_token_id] * k,
                   attention_mask=[1] * len(ex['input_ids']) + [0] * k)
        if 'token_type_ids' in ex: out['token_type_ids'] = ex['token_type_ids'] + [0] * k
        return out
    return ds.map(one, desc=None)


def run(kind: str, model, tok, ds, args, padded: bool, compiled: bool) -> dict:
    "Train `model` for args.steps updates with the bare Trainer or the harness; tokens/s and updates/s after warm-up."
    from transformers import DataCollatorWithPadding, PrinterCallback, Trainer, TrainingArguments
    from xltnb.finetune import Collator, Method, MethodTrainer
    on_gpu = args.device == 'cuda'
    targs = TrainingArguments(output_dir=args.tmp, max_steps=args.steps, per_device_train_batch_size=args.batch_size,
                              learning_rate=1e-4, seed=0, data_seed=0, eval_strategy='no', save_strategy='no',
                              report_to='none', disable_tqdm=True, logging_strategy='no', dataloader_num_workers=0,
                              dataloader_pin_memory=on_gpu, remove_unused_columns=False, bf16=on_gpu,
                              use_cpu=not on_gpu, torch_compile=compiled)
    clock, log = StepClock(), []
    if kind == 'bare':
        cols = [c for c in ('input_ids', 'token_type_ids', 'attention_mask', 'labels') if c in ds.column_names]
        pad = {'padding': 'max_length', 'max_length': args.max_length} if padded else {}
        coll = DataCollatorWithPadding(tok, **pad)
        tr = Trainer(model=model, args=targs, train_dataset=ds.select_columns(cols), data_collator=counting(coll, log),
                     callbacks=[clock])
    else:
        tr = MethodTrainer(model=model, args=targs, train_dataset=pad_to(ds, tok, args.max_length) if padded else ds,
                           data_collator=counting(Collator(tok, Method()), log), callbacks=[clock], method=Method())
    tr.remove_callback(PrinterCallback)
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        tr.train()
    t, batches = clock.t[args.warmup:], log[args.warmup + 1:args.steps]  # batches of the timed updates
    secs = t[-1] - t[0]
    fpt = flops_per_token(model.config, 0)
    real = sum(r for r, _, _ in batches)
    flops = sum(r * (fpt + 12 * model.config.num_hidden_layers * model.config.hidden_size * n) for r, _, n in batches)
    hw = sum(b * n * (fpt + 12 * model.config.num_hidden_layers * model.config.hidden_size * n) for _, b, n in batches)
    return dict(kind=kind, padded=padded, compiled=compiled, updates_per_s=(len(t) - 1) / secs,
                tokens_per_s=real / secs,
                model_flops_per_s=flops / secs, hardware_flops_per_s=hw / secs,
                pad_fraction=1 - real / sum(b * n for _, b, n in batches))


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--device', default='cuda', choices=['cuda', 'cpu'])
    p.add_argument('--steps', type=int, default=60, help='updates per run')
    p.add_argument('--warmup', type=int, default=15, help='updates not timed at the start of each run (compilation)')
    p.add_argument('--batch-size', type=int, default=64)
    p.add_argument('--max-length', type=int, default=128)
    p.add_argument('--layers', type=int, default=12, help='encoder layers (12: xlm-roberta-base)')
    p.add_argument('--compile', default='off,on', help="torch.compile settings to run: 'off', 'on' or 'off,on'")
    p.add_argument('--tmp', default='/tmp/xltnb_bench_gpu')
    p.add_argument('--json', default=None, help='also write the JSON line to this file')
    args = p.parse_args(argv)
    import datasets
    datasets.disable_progress_bars()
    compiles = args.compile.split(',')
    if bad := [c for c in compiles if c not in ('off', 'on')]:
        p.error(f"--compile takes 'off', 'on' or 'off,on', got {bad[0]!r}")
    if args.device == 'cuda' and not torch.cuda.is_available():
        sys.exit("bench/gpu_throughput.py: no CUDA device here; --device cpu runs the code path on the CPU")
    from transformers import XLMRobertaConfig, XLMRobertaForSequenceClassification
    from xltnb.encoders import world_tokenizer
    from xltnb.finetune import encode
    from xltnb.tasks import load_task, task_info
    tok = world_tokenizer('cpu')
    ds = encode(load_task('world-nli', 'en', 'train', world='cpu'), tok, task_info('world-nli')['text_fields'],
                args.max_length)
    if 'token_type_ids' in ds.column_names: ds = ds.remove_columns('token_type_ids')  # XLM-R has one segment type
    cfg = XLMRobertaConfig(vocab_size=250002, hidden_size=768, num_hidden_layers=args.layers, num_attention_heads=12,
                           intermediate_size=3072, max_position_embeddings=514, type_vocab_size=1,
                           num_labels=task_info('world-nli')['num_labels'], pad_token_id=tok.pad_token_id)
    torch.manual_seed(0)
    init = XLMRobertaForSequenceClassification(cfg)
    name = torch.cuda.get_device_name() if args.device == 'cuda' else 'cpu'
    peak = peak_flops(name) if args.device == 'cuda' else None
    rows = []
    for compiled in [c == 'on' for c in compiles]:
        for padded in (False, True):
            for kind in ('bare', 'harness'):
                torch.manual_seed(0)
                rows.append(run(kind, copy.deepcopy(init).to(args.device), tok, ds, args, padded, compiled))
                print(f"  {kind:8} padded={padded!s:5} compile={compiled!s:5} "
                      f"{rows[-1]['tokens_per_s']:>10.0f} tokens/s", flush=True)
    for r in rows:
        r['mfu'] = r['model_flops_per_s'] / peak if peak else None
        r['hfu'] = r['hardware_flops_per_s'] / peak if peak else None
    print(f"device: {name} (bf16 peak {peak / 1e12:.0f} TFLOP/s)" if peak else f"device: {name} (peak unknown)")
    print(f"model: xlm-roberta-base size ({args.layers} layers, 768 wide, random), world-nli English pairs "
          f"({len(ds)}), batch {args.batch_size}, max length {args.max_length}, {args.steps} updates per run "
          f"({args.warmup} warm-up), torch {torch.__version__}")
    print(f"{'trainer':8} {'padding':8} {'compile':7} {'upd/s':>7} {'tokens/s':>10} {'pad':>5} {'MFU':>6} {'HFU':>6}")
    for r in rows:
        pct = lambda v: f"{100 * v:5.1f}%" if v is not None else '     -'
        print(f"{r['kind']:8} {'max_len' if r['padded'] else 'dynamic':8} {'on' if r['compiled'] else 'off':7} "
              f"{r['updates_per_s']:7.2f} {r['tokens_per_s']:10.0f} {r['pad_fraction']:5.2f} {pct(r['mfu'])} "
              f"{pct(r['hfu'])}")
    ratios = {f"{'max_len' if b['padded'] else 'dynamic'}, compile {'on' if b['compiled'] else 'off'}":
              h['tokens_per_s'] / b['tokens_per_s'] for b, h in zip(rows[::2], rows[1::2])}
    for k, v in ratios.items(): print(f"harness / bare tokens/s ({k}): {v:.3f} (target >= 0.95)")
    out = dict(bench='gpu_throughput', device=name, peak_bf16_flops=peak, torch=torch.__version__,
               layers=args.layers, batch_size=args.batch_size, max_length=args.max_length, steps=args.steps,
               warmup=args.warmup, rows=rows, harness_over_bare=ratios, targets=dict(ratio=0.95, mfu=0.40))
    line = json.dumps(out)
    print(line)
    if args.json: Path(args.json).parent.mkdir(parents=True, exist_ok=True); Path(args.json).write_text(line + '\n')
    return out


if __name__ == '__main__':
    main()
