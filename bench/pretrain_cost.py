#!/usr/bin/env python
"""What the offline world costs: generating the `cpu` world, and MLM-pretraining the world encoder.

1. World generation: a fresh `cpu` world (corpora of every language, world-nli and world-paws train/dev/test rendered
   in every language, bitext), timed from scratch in this process with `World.generate(workers=2)` (the two cores),
   and with one process. Target: <= 15 s on 2 cores.
2. Pretraining cost: seconds per optimiser step of the `cpu` recipe (WORLD_RECIPES['cpu']: model, batch, sequence
   length) on `--threads` threads, measured over `--steps` steps after 2 warm-up steps, times the recipe's steps;
   and, if the shipped checkpoint is present, the wall-clock its recipe.json recorded (on shared cores, so an upper
   bound) and its final per-language MLM accuracy.

    .venv/bin/python bench/pretrain_cost.py                    # 1 thread, 20 timed steps
    .venv/bin/python bench/pretrain_cost.py --threads 2 --json _runs/bench/pretrain_cost.json
"""
import argparse, json, time
from pathlib import Path

def world_generation_seconds(preset='cpu', seed=0, workers=2):
    from xltnb.world import World, WORLD_PRESETS
    t0 = time.perf_counter()
    w = World(seed, **WORLD_PRESETS[preset]).generate(workers=workers)  # corpora and task items, 2 processes
    for task in ('nli', 'paws'):
        for split in ('train', 'dev', 'test'):
            items = w.items(task, split)
            for l in (['en'] if split == 'train' else w.languages()):
                for _, _, a, b in items: w.render(a, l); w.render(b, l)
    for split in ('dev', 'test'):
        for l in w.languages():
            for _, _, a, _ in w.items('bitext', split): w.render(a, l)
    return time.perf_counter() - t0

def step_seconds(threads, steps):
    import torch
    from transformers import DataCollatorForLanguageModeling
    from xltnb.core import set_threads
    from xltnb.encoders import WORLD_RECIPES, build_encoder, pack_corpora, world_tokenizer
    from xltnb.world import make_world
    r = WORLD_RECIPES['cpu']; set_threads(threads)
    w = make_world(r['world']); tok = world_tokenizer(w, r['vocab_size'], r['arch'])
    model = build_encoder(r['arch'], r['size'], tok, head='mlm', seed=0)
    seqs = pack_corpora(tok, {l: w.corpus(l)[:2000] for l in w.languages()}, (steps + 2) * r['batch_size'],
                        r['max_length'])
    coll = DataCollatorForLanguageModeling(tok, mlm_probability=0.15)
    opt = torch.optim.AdamW(model.parameters(), lr=r['lr'])
    times = []
    for i in range(steps + 2):
        batch = coll([dict(input_ids=s['input_ids']) for s in seqs[i * r['batch_size']:(i + 1) * r['batch_size']]])
        t0 = time.perf_counter()
        model(**batch).loss.backward(); opt.step(); opt.zero_grad()
        if i >= 2: times.append(time.perf_counter() - t0)
    return sorted(times)[len(times) // 2], r, sum(p.numel() for p in model.parameters())

if __name__ == '__main__':
    ap = argparse.ArgumentParser()
    ap.add_argument('--threads', type=int, default=1); ap.add_argument('--steps', type=int, default=20)
    ap.add_argument('--json', default=None)
    a = ap.parse_args()
    gen, gen1 = world_generation_seconds(), world_generation_seconds(workers=1)
    print(f"cpu world generated in {gen:.1f} s with 2 processes (target <= 15 s), {gen1:.1f} s with 1")
    s, r, n = step_seconds(a.threads, a.steps)
    out = dict(world_generation_s=round(gen, 2), world_generation_1proc_s=round(gen1, 2), threads=a.threads,
               median_step_s=round(s, 3), recipe_steps=r['steps'],
               estimated_pretrain_min=round(s * r['steps'] / 60, 1), n_params=n)
    print(f"world encoder ({r['size']}, {n / 1e6:.2f}M params): {s:.3f} s/step on {a.threads} thread(s) -> "
          f"{r['steps']} steps ~ {s * r['steps'] / 60:.1f} min of compute")
    from xltnb.encoders import ASSET_DIR
    if (ASSET_DIR / 'recipe.json').exists():
        rec = json.loads((ASSET_DIR / 'recipe.json').read_text())
        curves = json.loads((ASSET_DIR / 'curves.json').read_text())
        last = max(c['step'] for c in curves)
        final = {c['lang']: round(c['mlm_acc'], 3) for c in curves if c['step'] == last}
        out.update(shipped_seconds=rec['seconds'], shipped_threads=rec['threads'], shipped_final_mlm_acc=final)
        print(f"shipped checkpoint: {rec['seconds'] / 60:.1f} min wall-clock on {rec['threads']} thread(s) "
              f"(shared cores); final MLM accuracy {final}")
    if a.json:
        Path(a.json).parent.mkdir(parents=True, exist_ok=True); Path(a.json).write_text(json.dumps(out, indent=1))
