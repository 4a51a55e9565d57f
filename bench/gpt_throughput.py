"""GPT training throughput on CPU (tokens/s, one thread by default): the mOthello GPT at a few sizes.

    .venv/bin/python bench/gpt_throughput.py [--steps 20] [--threads 1] [--size 6]

Tokens are input tokens per second of training (forward + backward + AdamW step), measured after 3 warm-up
steps, for bilingual atomic+atomic and atomic+split games (split words are 1-3 tokens, so longer sequences).
"""
import argparse, time

import torch

from xltnb.othello.engine import random_games
from xltnb.othello.mothello import encode, lm_batch, make_gpt, make_languages, train_gpt


def measure(kinds, n_layer, d, n_head, batch, steps, size, pool):
    L = make_languages(kinds, size=size)
    m = make_gpt(L, n_layer, n_head, d)
    train_gpt(m, L, pool, 3, batch)  # warm-up (first AdamW step imports lazily)
    x, _ = lm_batch(L, encode(L, pool[:batch], torch.arange(batch).numpy() % len(L)))
    t = time.perf_counter(); train_gpt(m, L, pool, steps, batch, seed=1); dt = time.perf_counter() - t
    ntok = (x != 0).sum().item() * steps  # non-pad input tokens, estimated from one batch
    return ntok / dt, dt / steps


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--steps', type=int, default=20); ap.add_argument('--threads', type=int, default=1)
    ap.add_argument('--size', type=int, default=6); ap.add_argument('--batch', type=int, default=64)
    a = ap.parse_args(); torch.set_num_threads(a.threads)
    pool = random_games(5000, seed=0, size=a.size)
    print(f"board {a.size}x{a.size}, batch {a.batch}, {a.threads} thread(s)")
    for n_layer, d, n_head in [(2, 64, 4), (4, 128, 4)]:
        for kinds in (['atomic', 'atomic'], ['atomic', 'split']):
            tps, sps = measure(kinds, n_layer, d, n_head, a.batch, a.steps, a.size, pool)
            print(f"  GPT L={n_layer} d={d} {'+'.join(kinds):14s} {tps:9,.0f} tokens/s  {sps * 1000:6.0f} ms/step")


if __name__ == '__main__':
    main()
