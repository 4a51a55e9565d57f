"""GPU training throughput at the papers' workloads: the harness (`xltnb.finetune`: MethodTrainer, Method.loss, the
Collator and `speed_args`) against a bare PyTorch loop and a bare `transformers.Trainer` (its defaults), eager and
compiled (`torch.compile`, default and `reduce-overhead`): wall time per update, GPU-busy time per update (the kernels'
time in a `torch.profiler` window after the timed one) and model FLOPs utilisation (MFU) against the device's bf16
dense peak, read from its name.

    python bench/gpu_throughput.py --json _runs/bench/gpu_throughput.json        # every shape and setting: a GPU
    python bench/gpu_throughput.py --device cpu --tiny --shapes xlmr:4x16,e5:4x12 --compile off --steps 3 \\
        --warmup 1 --profile-steps 1 --rounds 1                              # the code path on the CPU, in seconds

Shapes (`--shapes`, a comma list): `xlmr:BxL` is an xlm-roberta-base-size encoder (12 layers, 768 wide, XLM-R's
250,002-row embedding) on B sequences of L real tokens each (XNLI-like at 256x128: no padding); `e5:TASK` is an
e5-small-size encoder (12 layers, 384 wide, 250,037 rows) at the real-text `gpu` protocol's batch (32) on the lengths of
TASK's English training texts under e5-small's tokenizer (truncated at 128; the trimmed weight file of
`$XLTNB_E5_WEIGHTS` serves), and `e5:BxL` the same encoder on fixed lengths. Weights are random (throughput does not
depend on them), token ids random, batches drawn in a seeded order; every runner gets the same batches.

Runners: `loop` (AdamW, fused on CUDA, bf16 autocast, SDPA, gradient clipping at 1.0 as Trainer does, pinned
non-blocking copies, the harness's collator in two dataloader workers on CUDA), `trainer` (Trainer's defaults beside
bf16 and the fused AdamW: what a plain script gets) and `harness`. Each configuration (shape, runner, compile setting)
runs in its own process, `--rounds` times in alternating order (round r starts at configuration r), and the table
reports medians over rounds. An update's wall time counts the `--steps` updates after `--warmup` (compilation there),
synchronised at both ends. MFU counts the real tokens' model FLOPs (6 N + 12 L d T per token: N non-embedding matmul
parameters, L layers, d width, T the padded length; PaLM, appendix B); `hfu` counts the padded tokens too. Targets:
harness >= 0.95 x the bare loop's throughput at every shape and setting, MFU >= 40% at xlmr:256x128 through the harness.
"""
import argparse, json, os, statistics, subprocess, sys, tempfile, time, warnings
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PEAK_BF16 = {  # dense bf16 tensor-core peak, FLOP/s, by a part of the device name (vendor data sheets)
    'H200': 989.4e12, 'H100 PCIe': 756.0e12, 'H100 NVL': 835.0e12, 'H100': 989.4e12, 'GH200': 989.4e12,
    'A100': 312.0e12, 'A10G': 70.0e12, 'L40S': 362.1e12, 'L4': 121.0e12, 'RTX 4090': 165.2e12,
}
ARCH = {  # width, layers, heads, FFN, vocabulary, positions, segment types
    'xlmr': dict(hidden_size=768, num_hidden_layers=12, num_attention_heads=12, intermediate_size=3072,
                 vocab_size=250002, max_position_embeddings=514, type_vocab_size=1),
    'e5': dict(hidden_size=384, num_hidden_layers=12, num_attention_heads=12, intermediate_size=1536,
               vocab_size=250037, max_position_embeddings=512, type_vocab_size=2),
}
TINY = dict(hidden_size=32, num_hidden_layers=1, num_attention_heads=2, intermediate_size=64, vocab_size=1000)
RUNNERS = ('loop', 'trainer', 'harness')
COMPILES = ('off', 'default', 'reduce-overhead')
E5_BATCH = 32  # the real-text gpu protocol's batch
DEFAULT_SHAPES = 'xlmr:256x128,e5:msg-topic,e5:msg-para,e5:emoji-topic'


def peak_flops(name: str) -> float | None:
    "The bf16 dense peak of a device by its name (the first key of PEAK_BF16 that it contains); None if unknown."
    return next((v for k, v in PEAK_BF16.items() if k in name), None)


def flops_per_token(cfg, seq_len: int) -> float:
    "Training FLOPs per token: 6 N (non-embedding matmul parameters) + 12 L d T (attention scores and values)."
    d, L, f = cfg.hidden_size, cfg.num_hidden_layers, cfg.intermediate_size
    n = L * (4 * d * d + 2 * d * f) + d * d + d * cfg.num_labels  # layers, pooler, classifier
    return 6 * n + 12 * L * d * seq_len


def parse_shape(s: str) -> dict:
    "'xlmr:256x128' -> arch, batch, fixed length; 'e5:msg-topic' -> arch, the protocol's batch, the task."
    arch, sep, rest = s.partition(':')
    if arch not in ARCH or not sep: raise ValueError(f"bad shape {s!r}: expected xlmr:BxL, e5:BxL or e5:TASK")
    b, x, n = rest.partition('x')
    if x and b.isdigit() and n.isdigit(): return dict(name=s, arch=arch, batch=int(b), length=int(n))
    if arch == 'xlmr': raise ValueError(f"bad shape {s!r}: xlmr takes BxL (e.g. xlmr:256x128)")
    return dict(name=s, arch=arch, batch=E5_BATCH, task=rest)


def task_lengths(task: str, max_length: int = 128) -> list[int]:
    "The token counts of `task`'s English training examples under e5-small's tokenizer (truncated at `max_length`)."
    from xltnb.e5 import load_e5
    from xltnb.tasks import load_task, task_info
    tok = load_e5()[1]
    ds, fields = load_task(task, 'en', 'train'), task_info(task)['text_fields']
    enc = tok(*[ds[f] for f in fields], truncation=True, max_length=max_length)
    return [len(x) for x in enc['input_ids']]


def batches_data(shape: dict, n: int, vocab: int, seed: int = 0) -> list[dict]:
    "`n` examples of the shape's lengths (fixed, or drawn from the task's in a seeded order) with random ids."
    g = torch.Generator().manual_seed(seed)
    lens = shape.get('lengths') or [shape['length']]
    pick = torch.randint(len(lens), (n,), generator=g).tolist()
    return [dict(input_ids=[0] + torch.randint(5, vocab, (lens[i] - 2,), generator=g).tolist() + [2],
                 labels=int(torch.randint(3, (1,), generator=g))) for i in pick]


class _Pad:
    pad_token_id = 1  # XLM-R's and e5's pad id; all the collator reads of a tokenizer


def build_model(arch: str, tiny: bool, seed: int = 0):
    "A randomly initialised sequence classifier of `arch`'s size (TINY's with `tiny`), 3 labels, SDPA attention."
    from transformers import BertConfig, BertForSequenceClassification, XLMRobertaConfig
    from transformers import XLMRobertaForSequenceClassification
    cfg_cls, model_cls = ((XLMRobertaConfig, XLMRobertaForSequenceClassification) if arch == 'xlmr'
                          else (BertConfig, BertForSequenceClassification))
    cfg = cfg_cls(**{**ARCH[arch], **(TINY if tiny else {})}, num_labels=3, pad_token_id=1,
                  attn_implementation='sdpa')
    torch.manual_seed(seed)
    return model_cls(cfg)


class Window:
    "Clock and profiler of one run: `mark(n)` after update n times updates warmup+1..warmup+steps, then profiles."
    def __init__(self, warmup: int, steps: int, prof: int, cuda: bool):
        self.warmup, self.steps, self.prof, self.cuda = warmup, steps, prof, cuda
        self.t0 = self.t1 = None
        self.busy_ms, self.profiler = None, None

    def mark(self, n: int):
        if n == self.warmup or n == self.warmup + self.steps:
            if self.cuda: torch.cuda.synchronize()
            if n == self.warmup: self.t0 = time.perf_counter()
            else: self.t1 = time.perf_counter(); self._start()
        elif n == self.warmup + self.steps + self.prof and self.profiler is not None: self._stop()

    def _start(self):
        from torch.profiler import ProfilerActivity, profile
        acts = [ProfilerActivity.CPU] + ([ProfilerActivity.CUDA] if self.cuda else [])
        self.profiler = profile(activities=acts); self.profiler.start()

    def _stop(self):
        if self.cuda: torch.cuda.synchronize()
        self.profiler.stop()
        if self.cuda:  # every kernel's own device time, in microseconds
            us = sum(e.self_device_time_total for e in self.profiler.key_averages())
            self.busy_ms = us / 1e3 / self.prof
        self.profiler = None

    @property
    def ms(self) -> float: return (self.t1 - self.t0) * 1e3 / self.steps


def run_loop(model, data, cfg, win: Window, compile_mode: str):
    "The bare PyTorch loop."
    from torch.utils.data import DataLoader
    from xltnb.finetune import Collator
    cuda, dev = cfg['cuda'], cfg['device']
    opt = torch.optim.AdamW(model.parameters(), lr=1e-4, fused=cuda)
    mode = None if compile_mode == 'default' else compile_mode
    fwd = model if compile_mode == 'off' else torch.compile(model, mode=mode)
    dl = DataLoader(data, batch_size=cfg['batch'], shuffle=True, collate_fn=Collator(_Pad()), pin_memory=cuda,
                    num_workers=2 if cuda else 0, generator=torch.Generator().manual_seed(0), drop_last=True)
    model.train()
    for n, b in enumerate(dl, 1):
        b = {k: v.to(dev, non_blocking=cuda) for k, v in b.items()}
        with torch.autocast(dev, dtype=torch.bfloat16, enabled=cuda):
            logits = fwd(input_ids=b['input_ids'], attention_mask=b['attention_mask']).logits
        loss = torch.nn.functional.cross_entropy(logits.float(), b['labels'])
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step(); opt.zero_grad(set_to_none=True)
        win.mark(n)
        if n == cfg['total']: break


def run_trainer(model, data, cfg, win: Window, compile_mode: str, harness: bool):
    "A bare Trainer (its defaults) or the harness (MethodTrainer, Method.loss, the Collator, `speed_args`)."
    import datasets
    from transformers import PrinterCallback, Trainer, TrainerCallback, TrainingArguments
    from xltnb.finetune import Collator, Method, MethodTrainer, speed_args

    class Mark(TrainerCallback):
        def on_step_end(self, args, state, control, **kw): win.mark(state.global_step)
    cuda = cfg['cuda']
    args = dict(output_dir=cfg['tmp'], max_steps=cfg['total'], per_device_train_batch_size=cfg['batch'],
                learning_rate=1e-4, seed=0, data_seed=0, eval_strategy='no', save_strategy='no', report_to='none',
                disable_tqdm=True, logging_strategy='no', remove_unused_columns=False, bf16=cuda, use_cpu=not cuda,
                optim='adamw_torch_fused' if cuda else 'adamw_torch', torch_compile=compile_mode != 'off',
                **({'torch_compile_mode': compile_mode} if compile_mode != 'off' else {}))
    ds = datasets.Dataset.from_list(data)
    if harness:
        tr = MethodTrainer(model=model, args=TrainingArguments(**args, **speed_args(cfg['batch'], Method(), cuda)),
                           train_dataset=ds, data_collator=Collator(_Pad(), Method()), method=Method(),
                           callbacks=[Mark()])
    else:
        tr = Trainer(model=model, args=TrainingArguments(**args), train_dataset=ds, data_collator=Collator(_Pad()),
                     callbacks=[Mark()])
    tr.remove_callback(PrinterCallback)
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        tr.train()


def one(cfg: dict) -> dict:
    "Run one configuration here: its wall and GPU-busy time per update, tokens and FLOPs per update."
    cuda = cfg['device'] == 'cuda'
    cfg = {**cfg, 'cuda': cuda, 'total': cfg['warmup'] + cfg['steps'] + cfg['profile_steps']}
    model = build_model(cfg['arch'], cfg['tiny']).to(cfg['device'])
    n = cfg['batch'] * (cfg['total'] + 1)
    data = batches_data(cfg, n, model.config.vocab_size)
    win = Window(cfg['warmup'], cfg['steps'], cfg['profile_steps'], cuda)
    with tempfile.TemporaryDirectory() as d:
        cfg['tmp'] = d
        if cfg['runner'] == 'loop': run_loop(model, data, cfg, win, cfg['compile'])
        else: run_trainer(model, data, cfg, win, cfg['compile'], harness=cfg['runner'] == 'harness')
    lens = [len(x['input_ids']) for x in data]
    real = statistics.fmean(lens) * cfg['batch']  # real tokens per update (the batches are drawn uniformly)
    padded_len = statistics.fmean(max(lens[i:i + cfg['batch']]) for i in range(0, len(lens) - cfg['batch'] + 1,
                                                                                  cfg['batch']))
    c = model.config
    return dict(shape=cfg['name'], runner=cfg['runner'], compile=cfg['compile'], ms=win.ms, busy_ms=win.busy_ms,
                tokens=real, padded_tokens=padded_len * cfg['batch'],
                flops=real * flops_per_token(c, padded_len),
                hw_flops=padded_len * cfg['batch'] * flops_per_token(c, padded_len))


def child(cfg: dict, timeout: float) -> dict:
    "One configuration in its own process; its JSON line, or what went wrong."
    t = time.time()
    p = subprocess.run([sys.executable, __file__, '--one', json.dumps(cfg)], capture_output=True, text=True,
                       timeout=timeout, cwd=ROOT)
    lines = [l for l in p.stdout.splitlines() if l.startswith('{')]
    if p.returncode or not lines:
        return dict(shape=cfg['name'], runner=cfg['runner'], compile=cfg['compile'],
                    error=(p.stderr.strip().splitlines() or ['no output'])[-1][:300], process_s=time.time() - t)
    return {**json.loads(lines[-1]), 'process_s': round(time.time() - t, 1)}


def summarise(results: list[dict], peak: float | None) -> tuple[list, dict]:
    "Median per configuration over rounds; MFU and HFU; harness and trainer over the loop, per shape and setting."
    rows = {}
    for r in results: rows.setdefault((r['shape'], r['compile'], r['runner']), []).append(r)
    out = []
    for (shape, comp, runner), rs in rows.items():
        ok = [r for r in rs if 'error' not in r]
        row = dict(shape=shape, compile=comp, runner=runner, rounds=len(ok), errors=[r['error'] for r in rs
                                                                                       if 'error' in r])
        if ok:
            ms = statistics.median(r['ms'] for r in ok)
            busy = [r['busy_ms'] for r in ok if r['busy_ms'] is not None]
            row.update(ms_per_update=ms, ms_rounds=[round(r['ms'], 2) for r in ok],
                       gpu_busy_ms=statistics.median(busy) if busy else None, tokens_per_update=ok[0]['tokens'],
                       tokens_per_s=ok[0]['tokens'] / ms * 1e3,
                       mfu=ok[0]['flops'] / ms * 1e3 / peak if peak else None,
                       hfu=ok[0]['hw_flops'] / ms * 1e3 / peak if peak else None,
                       process_s=statistics.median(r['process_s'] for r in ok))
        out.append(row)
    by = {(r['shape'], r['compile'], r['runner']): r.get('ms_per_update') for r in out}
    ratios = {f"{s} compile={c} {k}/loop": by[(s, c, 'loop')] / by[(s, c, k)]
              for (s, c, k) in by if k != 'loop' and by.get((s, c, 'loop')) and by[(s, c, k)]}
    return out, ratios


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--device', default='cuda', choices=['cuda', 'cpu'])
    p.add_argument('--shapes', default=DEFAULT_SHAPES, help='comma list of xlmr:BxL, e5:BxL, e5:TASK')
    p.add_argument('--runners', default=','.join(RUNNERS), help=f"comma list of {', '.join(RUNNERS)}")
    p.add_argument('--compile', default='off,default,reduce-overhead',
                   help="comma list of off, default (or on), reduce-overhead")
    p.add_argument('--steps', type=int, default=30, help='timed updates per run')
    p.add_argument('--warmup', type=int, default=10, help='updates before the timed ones (compilation)')
    p.add_argument('--profile-steps', type=int, default=5, help='updates profiled after the timed ones')
    p.add_argument('--rounds', type=int, default=3, help='runs of each configuration, in alternating order')
    p.add_argument('--tiny', action='store_true', help='a 1-layer, 32-wide model (the code path on a CPU)')
    p.add_argument('--timeout', type=float, default=600, help='seconds one configuration may take')
    p.add_argument('--budget-s', type=float, default=None,
                   help='start no configuration past this many seconds, no round that would end past them')
    p.add_argument('--json', default=None, help='also write the JSON line to this file')
    p.add_argument('--one', default=None, help=argparse.SUPPRESS)  # a child: one configuration, given as JSON
    args = p.parse_args(argv)
    if args.one: print(json.dumps(one(json.loads(args.one)))); return None
    compiles = [{'on': 'default'}.get(c, c) for c in args.compile.split(',')]
    if bad := [c for c in args.compile.split(',') if c not in COMPILES + ('on',)]:
        p.error(f"--compile takes 'off', 'on' or 'off,on', got {bad[0]!r} (and default, reduce-overhead; on: default)")
    runners = args.runners.split(',')
    if bad := [r for r in runners if r not in RUNNERS]:
        p.error(f"--runners: unknown {bad[0]!r}; known: {', '.join(RUNNERS)}")
    try: shapes = [parse_shape(s) for s in args.shapes.split(',')]
    except ValueError as e: p.error(str(e))
    if args.device == 'cuda' and not torch.cuda.is_available():
        sys.exit("bench/gpu_throughput.py: no CUDA device here; --device cpu --tiny runs the code path on the CPU")
    for s in shapes:
        if 'task' in s: s['lengths'] = task_lengths(s['task'])
    name = torch.cuda.get_device_name() if args.device == 'cuda' else 'cpu'
    peak = peak_flops(name) if args.device == 'cuda' else None
    configs = [dict(s, runner=r, compile=c, device=args.device, tiny=args.tiny, steps=args.steps, warmup=args.warmup,
                    profile_steps=args.profile_steps) for s in shapes for c in compiles for r in runners]
    results, t0 = [], time.time()
    for rnd in range(args.rounds):
        if rnd and args.budget_s and (time.time() - t0) * (rnd + 1) / rnd > args.budget_s:
            print(f"  round {rnd} left out: it would end past --budget-s {args.budget_s:.0f}"); break
        for cfg in configs[rnd % len(configs):] + configs[:rnd % len(configs)]:  # round r starts at configuration r
            if args.budget_s and time.time() - t0 > args.budget_s:
                print(f"  round {rnd} {cfg['name']} {cfg['runner']} compile={cfg['compile']} left out: past --budget-s")
                continue
            results.append(child(cfg, args.timeout))
            r = results[-1]
            print(f"  round {rnd} {cfg['name']:16} {cfg['runner']:8} compile={cfg['compile']:15} "
                  + (f"{r['ms']:8.2f} ms/update" if 'ms' in r else f"failed: {r['error']}"), flush=True)
    if not results: sys.exit("bench/gpu_throughput.py: no configuration ran within --budget-s")
    rows, ratios = summarise(results, peak)
    print(f"device: {name}" + (f" (bf16 peak {peak / 1e12:.0f} TFLOP/s)" if peak else ' (peak unknown)')
          + f", torch {torch.__version__}, {args.rounds} round(s), {args.steps} timed updates after {args.warmup}")
    print(f"{'shape':16} {'compile':15} {'runner':8} {'ms/upd':>8} {'busy ms':>8} {'tokens/s':>10} "
          f"{'MFU':>6} {'HFU':>6}")
    pct = lambda v: f"{100 * v:5.1f}%" if v is not None else '     -'
    num = lambda v, f: format(v, f) if v is not None else '-'
    for r in rows:
        print(f"{r['shape']:16} {r['compile']:15} {r['runner']:8} {num(r.get('ms_per_update'), '8.2f'):>8} "
              f"{num(r.get('gpu_busy_ms'), '8.2f'):>8} {num(r.get('tokens_per_s'), '10.0f'):>10} "
              f"{pct(r.get('mfu'))} {pct(r.get('hfu'))}" + (f"  errors: {r['errors']}" if r['errors'] else ''))
    for k, v in ratios.items(): print(f"{k}: {v:.3f} (throughput over the bare loop's; harness target >= 0.95)")
    command = ' '.join([Path(sys.argv[0]).name] + (argv if argv is not None else sys.argv[1:]))
    out = dict(bench='gpu_throughput', device=name, peak_bf16_flops=peak, torch=torch.__version__,
               date=time.strftime('%Y-%m-%d', time.gmtime()), command=command, tiny=args.tiny, steps=args.steps,
               warmup=args.warmup, profile_steps=args.profile_steps, rounds=max(r['rounds'] for r in rows), rows=rows,
               over_loop=ratios, targets=dict(harness_over_loop=0.95, mfu=0.40, mfu_shape='xlmr:256x128'))
    line = json.dumps(out)
    print(line)
    if args.json: Path(args.json).parent.mkdir(parents=True, exist_ok=True); Path(args.json).write_text(line + '\n')
    return out


if __name__ == '__main__':
    os.environ.setdefault('TOKENIZERS_PARALLELISM', 'false')
    main()
