#!/usr/bin/env python
"""Pilot for the language-arithmetic `cpu` preset: do MAD-X language adapters lower their own language's MLM loss?

Trains language adapters on the world's corpora over the pretrained world encoder and logs the held-out masked-LM
loss (`xltnb.methods.langarith.adapter_mlm_loss`, masks fixed by seed) of each adapter on each language as it trains,
next to the loss with no adapter. Held out: the last `heldout` sentences of each corpus (the world encoder's
pretraining kept the same sentences out). One process, torch threads 1.

    python tools/la_pilot.py --steps 3000 --lrs 1e-3 1e-4 --out _runs/la_pilot/pilot.jsonl
"""
import argparse, json, time
from pathlib import Path


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--model', default='world-small')
    ap.add_argument('--world', default='cpu')
    ap.add_argument('--langs', nargs='+', default=['en', 'es', 'fr'], help='adapters to train; the eval languages')
    ap.add_argument('--small', nargs='*', default=[], help="languages whose 'little data' adapter is trained too")
    ap.add_argument('--small-frac', type=float, default=0.05)
    ap.add_argument('--steps', type=int, default=3000)
    ap.add_argument('--lrs', nargs='+', type=float, default=[1e-3])
    ap.add_argument('--batch', type=int, default=32)
    ap.add_argument('--n-corpus', type=int, default=4000, help='training sentences per language (0: all but held-out)')
    ap.add_argument('--heldout', type=int, default=200)
    ap.add_argument('--eval-every', type=int, default=250)
    ap.add_argument('--max-length', type=int, default=64)
    ap.add_argument('--seed', type=int, default=0)
    ap.add_argument('--out', default='_runs/la_pilot/pilot.jsonl')
    a = ap.parse_args(argv)
    from transformers.utils import logging as hf_logging
    import logging, datasets
    from xltnb.core import seed_everything, set_threads
    from xltnb.world import make_world
    from xltnb.methods.langarith import madx_model, train_language_adapter, adapter_mlm_loss
    hf_logging.set_verbosity_error(); logging.getLogger('adapters').setLevel(logging.ERROR)
    datasets.disable_progress_bars(); set_threads(1)
    w = make_world(a.world)
    held = {l: w.corpus(l)[-a.heldout:] for l in a.langs}
    train = {l: w.corpus(l)[:-a.heldout] for l in a.langs}
    train = {l: t[:a.n_corpus] if a.n_corpus else t for l, t in train.items()}
    for l in a.small: train[f'{l}_small'] = train[l][:max(1, round(a.small_frac * len(train[l])))]
    out = Path(a.out); out.parent.mkdir(parents=True, exist_ok=True)
    rows = []
    def emit(r):
        rows.append(r); print(json.dumps(r), flush=True)
        out.write_text(''.join(json.dumps(x) + '\n' for x in rows))
    seed_everything(a.seed)
    model, tok = madx_model(a.model)
    for l in a.langs:
        loss = adapter_mlm_loss(model, tok, None, held[l], seed=a.seed, max_length=a.max_length)
        emit(dict(adapter='none', lr=None, step=0, lang=l, loss=round(loss, 5)))
    for lr in a.lrs:
        for name, texts in train.items():
            t0 = time.perf_counter()
            info = train_language_adapter(model, tok, name, texts, init_seed=a.seed, seed=a.seed, max_steps=a.steps,
                                          lr=lr, batch_size=a.batch, max_length=a.max_length, heldout=held,
                                          eval_every=a.eval_every)
            secs = time.perf_counter() - t0
            for r in info['curve']: emit(dict(adapter=name, lr=lr, **r))
            emit(dict(adapter=name, lr=lr, n_texts=len(texts), seconds=round(secs, 1), steps=a.steps,
                      train_loss=round(info['train_loss'], 4)))
    return rows


if __name__ == '__main__':
    main()
