#!/usr/bin/env python
"""SALT's training-step cost relative to a plain fine-tuning step, measured in one run, and the one-off cost of
building the substitutes.

One "step" = the method's loss + backward + clip + AdamW update on a fixed padded batch, as the harness's Trainer runs
it. The baseline and the SALT variants are timed round-robin (each repetition runs every method once), so load from
other processes hits all of them alike; the ratio of medians is reported. Target (issue 5): SALT step <= 2.0x baseline.
The offline step (MLM forward passes over the training set, `Salt.prepare`) is timed once, without the cache, and
reported per 1,000 examples and in baseline steps.

The model is a BERT of the world-small shape on a word-level vocabulary built here (half "en" words, half "xx"
words), so every word can be switched; `--model NAME` uses an encoder from xltnb.encoders instead.

    .venv/bin/python bench/salt_step.py                     # 4 layers, d=256, batch 32 x 64 tokens, 1 thread
    .venv/bin/python bench/salt_step.py --reps 20 --json _runs/bench/salt_step.json
"""
import argparse, json, random, statistics, sys, time
from pathlib import Path

import torch
from datasets import Dataset
from tokenizers import Tokenizer, models, pre_tokenizers, processors
from transformers import BertConfig, BertForMaskedLM, BertForSequenceClassification, PreTrainedTokenizerFast

from xltnb.core import atomic_write_text, seed_everything, set_threads
from xltnb.finetune import Method, encode, text_fields
from xltnb.methods.salt import Salt, VARIANTS


def word_tokenizer(n_words: int):
    "A word-level BERT-style tokenizer over words en0.. and xx0.. (half each)."
    words = [f"en{i}" for i in range(n_words // 2)] + [f"xx{i}" for i in range(n_words - n_words // 2)]
    vocab = {t: i for i, t in enumerate(['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'] + words)}
    tok = Tokenizer(models.WordLevel(vocab, unk_token='[UNK]'))
    tok.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    tok.post_processor = processors.TemplateProcessing(single='[CLS] $A [SEP]', pair='[CLS] $A [SEP] $B:1 [SEP]:1',
                                                       special_tokens=[('[CLS]', 2), ('[SEP]', 3)])
    return PreTrainedTokenizerFast(tokenizer_object=tok, pad_token='[PAD]', unk_token='[UNK]', cls_token='[CLS]',
                                   sep_token='[SEP]', mask_token='[MASK]'), words


def build(args):
    "(classifier, MLM twin, tokenizer, word_lang, English train set)."
    if args.model:
        from xltnb.encoders import load_encoder
        from xltnb.tasks import load_task
        from xltnb.world import make_world
        clf, tok = load_encoder(args.model, head='seq-cls', num_labels=3)
        mlm = load_encoder(args.model, head='mlm')[0]
        w = make_world(args.world)
        ds = load_task('world-nli', 'en', 'train', world=args.world).select(range(args.examples))
        return clf, mlm, tok, dict(world=w), ds
    tok, words = word_tokenizer(args.vocab)
    cfg = dict(vocab_size=len(tok), hidden_size=args.hidden, num_hidden_layers=args.layers,
               num_attention_heads=max(1, args.hidden // 64), intermediate_size=4 * args.hidden,
               max_position_embeddings=max(512, args.seq), attn_implementation='eager')
    torch.manual_seed(0)
    clf, mlm = BertForSequenceClassification(BertConfig(num_labels=3, **cfg)), BertForMaskedLM(BertConfig(**cfg))
    rng = random.Random(0)
    en = [w for w in words if w.startswith('en')]
    sent = lambda n: ' '.join(rng.choice(en) for _ in range(n))
    half = (args.seq - 3) // 2
    ds = Dataset.from_dict(dict(premise=[sent(rng.randint(half // 2, half)) for _ in range(args.examples)],
                                hypothesis=[sent(rng.randint(half // 2, half)) for _ in range(args.examples)],
                                label=[rng.randrange(3) for _ in range(args.examples)]))
    return clf, mlm, tok, dict(word_lang=lambda w: w[:2] if w[:2] in ('en', 'xx') else None), ds


def step(model, opt, method, batch):
    opt.zero_grad(set_to_none=True)
    method.loss(model, batch).backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    opt.step()


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--model', default=None,
                    help='an encoder name for xltnb.encoders.load_encoder (default: a BERT built here)')
    ap.add_argument('--world', default='smoke', help="world preset for --model's training set")
    ap.add_argument('--layers', type=int, default=4); ap.add_argument('--hidden', type=int, default=256)
    ap.add_argument('--vocab', type=int, default=2000); ap.add_argument('--seq', type=int, default=64)
    ap.add_argument('--batch', type=int, default=32); ap.add_argument('--examples', type=int, default=512)
    ap.add_argument('--ratio', type=float, default=0.3); ap.add_argument('--k', type=int, default=5)
    ap.add_argument('--variants', default=','.join(VARIANTS))
    ap.add_argument('--reps', type=int, default=15); ap.add_argument('--warmup', type=int, default=2)
    ap.add_argument('--threads', type=int, default=1); ap.add_argument('--json', default=None)
    args = ap.parse_args(argv)
    set_threads(args.threads); seed_everything(0, deterministic=False)
    clf, mlm, tok, lang_kw, ds = build(args)

    # the one-off cost: substitutes for the whole training set, no cache
    methods = {'baseline': Method()}
    build_s = {}
    for v in args.variants.split(','):
        m = Salt(v, mlm=mlm, ratio=args.ratio, k=args.k, cache=False, max_length=args.seq, **lang_kw)
        t = time.perf_counter(); m.prepare(clf, tok, ds); build_s[v] = time.perf_counter() - t
        methods[v] = m
    enc = encode(ds, tok, text_fields(ds), args.seq).select(range(args.batch))
    keys = [k for k in ('input_ids', 'attention_mask', 'token_type_ids', 'labels') if k in enc.column_names]
    feats = [{k: enc[i][k] for k in keys} for i in range(args.batch)]
    from xltnb.finetune import Collator
    batch = Collator(tok)(feats)
    clf.train()
    opt = torch.optim.AdamW(clf.parameters(), lr=1e-5)
    times = {n: [] for n in methods}
    for r in range(args.warmup + args.reps):
        for n, m in methods.items():
            t = time.perf_counter(); step(clf, opt, m, batch); dt = time.perf_counter() - t
            if r >= args.warmup: times[n].append(dt)
    med = {n: statistics.median(ts) for n, ts in times.items()}
    base = med['baseline']
    out = dict(model=args.model or f"bert L{args.layers} d{args.hidden} V{len(tok)}", batch=args.batch,
               tokens=int(batch['attention_mask'].sum()), max_len=int(batch['input_ids'].shape[1]),
               threads=args.threads,
               reps=args.reps, baseline_step_s=base,
               step_ratio={n: med[n] / base for n in methods if n != 'baseline'},
               build_s=build_s, examples=len(ds),
               build_s_per_1k={v: s * 1000 / len(ds) for v, s in build_s.items()},
               build_in_baseline_steps={v: s / base for v, s in build_s.items()},
               switched_per_step={v: methods[v].stats['switched'] / max(1, methods[v].stats['steps']) for v in build_s})
    print(f"model {out['model']}, batch {args.batch} x {out['max_len']} tokens, {args.threads} thread(s), "
          f"{args.reps} reps")
    print(f"baseline step: {base * 1000:.1f} ms (median)")
    for n in build_s:
        print(f"{n:11s} step / baseline step = {out['step_ratio'][n]:.2f}x (target <= 2.0x);  "
              f"substitutes for {len(ds)} examples: {build_s[n]:.2f} s = "
              f"{out['build_s_per_1k'][n]:.2f} s per 1k examples "
              f"= {out['build_in_baseline_steps'][n]:.1f} baseline steps")
    if args.json: atomic_write_text(args.json, json.dumps(out, indent=1))
    return out


if __name__ == '__main__':
    main(sys.argv[1:])
