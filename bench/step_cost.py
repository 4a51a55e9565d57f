#!/usr/bin/env python
"""The cost of one training update of every encoder method against plain fine-tuning, measured in one run, as the
`cpu` protocol trains them: the shipped world encoder (world-small) as a world-nli classifier, a batch of 32 English
training pairs at length 64 padded by the harness's `Collator` (twice as many pairs for the compute-matched
`baseline-2x`), each method built with its paper's `cpu` settings
(`configs/salt/cpu.yaml`, `configs/robust/cpu.yaml`), one update = the method's loss + backward + clipping + AdamW.

Methods are timed round-robin (each repetition runs every method once on the same batch, so load from other processes
hits them alike); the median per method is divided by the baseline's, in process CPU time (one torch thread: robust to
other processes on shared cores) and in wall time. SALT's one-off substitute table (built before training, once per
encoder and training set) is not part of an update and is reported apart. RS-DA's update is a plain update on its
perturbed copies: its cost is in the data (more copies per epoch), not the update.

`--bf16` adds `baseline-bf16`: the baseline update in `torch.autocast('cpu', dtype=torch.bfloat16)`, as
`Trainer(bf16=True, use_cpu=True)` would train it, to price what the `cpu` protocol's float32 costs on a CPU with
bfloat16 units (on one without them torch emulates bf16 and it is many times slower; `xltnb.core.cpu_bf16()`).

    .venv/bin/python bench/step_cost.py --reps 20 --json _runs/bench/step_cost.json
    # the report's cost column reads the shipped copy: xltnb/assets/measured/bench-step-cost.json
"""
import argparse, json, statistics, sys, time
from pathlib import Path

import torch
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from xltnb.core import atomic_write_text, seed_everything, set_threads
from xltnb.encoders import load_encoder
from xltnb.finetune import Collator, Method, encode
from xltnb.methods.robust import RSDA, AdversarialTraining, RandomizedSmoothing
from xltnb.methods.salt import Salt
from xltnb.protocol import PROTOCOLS, ComputeMatched
from xltnb.tasks import load_task
from xltnb.world import make_world


class Autocast(Method):
    "Plain fine-tuning in bf16 autocast: the same update at lower precision."
    name = 'baseline-bf16'
    def loss(self, model, batch):
        with torch.autocast('cpu', dtype=torch.bfloat16): return super().loss(model, batch)


def methods(P, cfg_salt: dict, cfg_robust: dict, world) -> dict:
    "name -> Method, with the papers' `cpu` settings."
    s = dict(mode=cfg_salt.get('mode', 'mlm'), ratio=cfg_salt.get('ratio', 0.3), k=cfg_salt.get('k', 5),
             alpha=cfg_salt.get('alpha', 0.5), w_kl=cfg_salt.get('w_kl', 0.0))
    out = {'baseline': Method(), 'baseline-2x': ComputeMatched(2)}  # the control: twice the batch, plain updates
    for v in ('salt', 'salt-cs', 'salt-mixup'):
        out[v] = Salt(v, mlm=P.models[0], world=world, max_length=P.max_length, **s)
    out['at'] = AdversarialTraining(eps=cfg_robust.get('at_eps', 0.02), steps=cfg_robust.get('at_steps', 1))
    out['rs-rp'] = RandomizedSmoothing(radius=cfg_robust.get('rs_radius', 0.1), draws=cfg_robust.get('rs_draws', 1))
    out['rs-da'] = RSDA(f'world:{P.world}', n=int(cfg_robust.get('copies', {}).get('world-nli', 3)), seed=7)
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--reps', type=int, default=20); ap.add_argument('--warmup', type=int, default=3)
    ap.add_argument('--threads', type=int, default=1); ap.add_argument('--json', default=None)
    ap.add_argument('--bf16', action='store_true', help='also time the baseline update in bf16 autocast')
    ap.add_argument('--only', nargs='+', default=None, metavar='METHOD',
                    help='time these methods only (the baseline is always timed)')
    a = ap.parse_args(argv)
    set_threads(a.threads); seed_everything(0)
    P, task = PROTOCOLS['cpu'], 'world-nli'
    cfg = {p: yaml.safe_load((ROOT / 'configs' / p / 'cpu.yaml').read_text()) for p in ('salt', 'robust')}
    world, train = make_world(P.world), load_task(task, 'en', 'train', world=P.world)
    ms = methods(P, cfg['salt'], cfg['robust'], world)
    if a.bf16: ms['baseline-bf16'] = Autocast()
    if a.only:
        if bad := sorted(set(a.only) - set(ms)): ap.error(f"--only: unknown method(s) {bad}; known: {', '.join(ms)}")
        ms = {n: m for n, m in ms.items() if n == 'baseline' or n in a.only}
    from transformers import logging as hf_logging
    hf_logging.set_verbosity_error()  # "newly initialized head": expected
    model, tok = load_encoder(P.models[0], head='seq-cls', num_labels=3)
    prep = {}
    for name, m in ms.items():  # the one-off work before training (SALT's table: from the cache when present)
        t0 = time.process_time()
        ds = m.prepare(model, tok, train)
        prep[name] = time.process_time() - t0
        n = P.batch_size * getattr(m, 'batch_factor', 1)  # the compute-matched control trains on a larger batch
        enc = encode(ds.select(range(n)), tok, ('premise', 'hypothesis'), P.max_length)
        m._bench_batch = Collator(tok, m)([dict(r) for r in enc])
    opt = torch.optim.AdamW(model.parameters(), lr=1e-5)  # a tiny rate: the weights barely move between methods
    model.train()
    cpu, wall = {n: [] for n in ms}, {n: [] for n in ms}
    for rep in range(a.warmup + a.reps):
        for name, m in ms.items():
            c0, w0 = time.process_time(), time.perf_counter()
            loss = m.loss(model, dict(m._bench_batch))
            loss.backward(); torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0); opt.step(); opt.zero_grad()
            if rep >= a.warmup: cpu[name].append(time.process_time() - c0); wall[name].append(time.perf_counter() - w0)
    med = {n: (statistics.median(cpu[n]), statistics.median(wall[n])) for n in ms}
    rows = {n: dict(cpu_s=round(c, 5), wall_s=round(w, 5), cpu_ratio=round(c / med['baseline'][0], 3),
                    wall_ratio=round(w / med['baseline'][1], 3), prepare_cpu_s=round(prep[n], 2))
            for n, (c, w) in med.items()}
    print(f"{'method':<12}{'CPU ms':>9}{'x base':>8}{'wall ms':>9}{'x base':>8}{'prepare s':>11}")
    for n, r in rows.items():
        print(f"{n:<12}{1e3 * r['cpu_s']:>9.1f}{r['cpu_ratio']:>8.2f}{1e3 * r['wall_s']:>9.1f}{r['wall_ratio']:>8.2f}"
              f"{r['prepare_cpu_s']:>11.1f}")
    if a.json:
        atomic_write_text(Path(a.json), json.dumps(dict(args=vars(a), task=task, model=P.models[0],
                                                        batch_size=P.batch_size, max_length=P.max_length,
                                                        torch=torch.__version__, methods=rows), indent=1))


if __name__ == '__main__': main()
