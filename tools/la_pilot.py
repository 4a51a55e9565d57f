#!/usr/bin/env python
"""Pilot for the language-arithmetic `cpu` preset: do MAD-X language adapters lower their own language's MLM loss?

Trains language adapters on the world's corpora over the pretrained world encoder and logs the held-out masked-LM
loss (`xltnb.methods.langarith.adapter_mlm_loss`, masks fixed by seed) of each adapter on each language as it trains,
next to the loss with no adapter. Held out: the last `heldout` sentences of each corpus (the world encoder's
pretraining kept the same sentences out). One process, torch threads 1.

    python tools/la_pilot.py --steps 3000 --lrs 1e-3 --small es fr --out _runs/la_pilot/steps

writes OUT/results.jsonl (results records: paper 'pilot', method 'la-pilot', metric 'mlm_loss', split 'heldout', with
`adapter`, `lr` and `step`; adapter 'none' is the encoder without adapter) after every adapter, and OUT/config.json
(parameters, versions, seconds, each adapter's training time), so that `tools/measured.py OUT NAME ...` can ship it.
"""
import argparse, json, platform, time
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
    ap.add_argument('--out', type=Path, default=Path('_runs/la_pilot/steps'), help='a folder')
    a = ap.parse_args(argv)
    from transformers.utils import logging as hf_logging
    import logging, datasets
    from xltnb.core import atomic_write_text, seed_everything, set_threads
    from xltnb.paper import versions
    from xltnb.results import make_records, write_records
    from xltnb.world import make_world
    from xltnb.methods.langarith import madx_model, train_language_adapter, adapter_mlm_loss
    hf_logging.set_verbosity_error(); logging.getLogger('adapters').setLevel(logging.ERROR)
    datasets.disable_progress_bars(); set_threads(1)
    w = make_world(a.world)
    held = {l: w.corpus(l)[-a.heldout:] for l in a.langs}
    train = {l: w.corpus(l)[:-a.heldout] for l in a.langs}
    train = {l: t[:a.n_corpus] if a.n_corpus else t for l, t in train.items()}
    for l in a.small: train[f'{l}_small'] = train[l][:max(1, round(a.small_frac * len(train[l])))]
    a.out.mkdir(parents=True, exist_ok=True)
    rows, timing, t_all = [], {}, time.time()
    def emit(adapter, lr, step, lang, loss):
        rows.extend(make_records({lang: round(loss, 5)}, paper='pilot', method='la-pilot', task='world-mlm',
                                 model=a.model, preset='cpu', seed=a.seed, split='heldout', metric='mlm_loss',
                                 adapter=adapter, lr=lr, step=step))
    seed_everything(a.seed)
    model, tok = madx_model(a.model)
    for l in a.langs:  # the encoder with no adapter: where every adapter starts
        emit('none', None, 0, l, adapter_mlm_loss(model, tok, None, held[l], seed=a.seed, max_length=a.max_length))
    for lr in a.lrs:
        for name, texts in train.items():
            t0 = time.perf_counter()
            info = train_language_adapter(model, tok, name, texts, init_seed=a.seed, seed=a.seed, max_steps=a.steps,
                                          lr=lr, batch_size=a.batch, max_length=a.max_length, heldout=held,
                                          eval_every=a.eval_every)
            secs = time.perf_counter() - t0
            for r in info['curve']: emit(name, lr, r['step'], r['lang'], r['loss'])
            timing[f'{name}@{lr:g}'] = dict(n_texts=len(texts), seconds=round(secs, 1),
                                            train_loss=round(info['train_loss'], 4))
            write_records(a.out / 'results.jsonl', rows)  # after every adapter: an interrupted pilot keeps what is done
            last = {r['lang']: r['value'] for r in rows
                    if r['adapter'] == name and r['lr'] == lr and r['step'] == a.steps}
            print(f"{name} at lr {lr:g}, {a.steps} steps, {secs:.0f} s: held-out loss "
                  + ', '.join(f'{l} {v:.3f}' for l, v in last.items()), flush=True)
    cfg = dict(params=vars(a) | {'out': str(a.out)}, world=a.world, versions=versions(),
               python=platform.python_version(),
               platform=platform.platform(), seconds=round(time.time() - t_all, 1), adapters=timing)
    atomic_write_text(a.out / 'config.json', json.dumps(cfg, indent=1, default=str))
    return rows


if __name__ == '__main__':
    main()
