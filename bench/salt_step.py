#!/usr/bin/env python
"""SALT's training-step cost relative to a plain fine-tuning step, measured in one run, and the one-off cost of
building the substitutes from each source (the MLM head, and input-embedding nearest neighbours).

One "step" = the method's loss + backward + clip + AdamW update on a fixed padded batch, as the harness's Trainer runs
it. The baseline and the SALT variants are timed round-robin (each repetition runs every method once), so load from
other processes hits all of them alike; the ratio of medians is reported in process CPU time (robust to other
processes on shared cores when running on one thread) and in wall time. Target: SALT step <= 2.0x baseline.
The offline step (`Salt.prepare`: substitutes for the whole training set) is timed once per variant and substitute
source, without the cache, and reported per 1,000 examples and in baseline steps (CPU time).

The model is a BERT of the world-small shape on a word-level vocabulary built here (half "en" words, half "xx"
words), so every word can be switched; `--model NAME` uses an encoder from xltnb.encoders instead; `--e5-task TASK`
uses e5-small trimmed + frozen (`e5_for_task`, as the salt paper notebook's real-text runs do) on the task's English
training set; e5-small has no MLM head, so only the embedding-neighbour source applies there.

    .venv/bin/python bench/salt_step.py                     # 4 layers, d=256, batch 32 x 64 tokens, 1 thread
    .venv/bin/python bench/salt_step.py --reps 20 --json _runs/bench/salt_step.json
    .venv/bin/python bench/salt_step.py --e5-task msg-topic --batch 16 --reps 10   # real text, as the cpu preset

`set_threads` asks glibc to keep freed memory (`xltnb.core.keep_freed_memory`), as every paper notebook does;
prefix `XLTNB_KEEP_MEMORY=0` to time with glibc's defaults, where the doubled batch's activations are mapped afresh
on every step (page faults) and SALT's ratio rises by about 0.15.
"""
import argparse, json, random, statistics, sys, time
from pathlib import Path

import torch
from datasets import Dataset
from tokenizers import Tokenizer, models, pre_tokenizers, processors
from transformers import BertConfig, BertForMaskedLM, BertForSequenceClassification, PreTrainedTokenizerFast

from xltnb.core import atomic_write_text, seed_everything, set_threads
from xltnb.finetune import Collator, Method, encode, text_fields
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
    "(classifier, MLM twin or None, tokenizer, word_lang / world keywords, English train set, substitute sources)."
    if args.e5_task:
        from xltnb.e5 import e5_for_task
        from xltnb.methods.salt_substitutes import text_langs, usage_texts
        from xltnb.tasks import load_task
        clf, tok = e5_for_task(args.e5_task)
        ds = load_task(args.e5_task, 'en', 'train')
        # the language of a piece from which language's texts use it, as the paper notebook does (`usage_texts`:
        # English train and the other languages' unlabelled text, never a dev or test text)
        return clf, None, tok, dict(word_lang=text_langs(tok, usage_texts(args.e5_task)).get), \
            ds.select(range(min(args.examples, len(ds)))), ['embed']
    if args.model:
        from xltnb.encoders import load_encoder
        from xltnb.tasks import load_task
        from xltnb.world import make_world
        clf, tok = load_encoder(args.model, head='seq-cls', num_labels=3)
        mlm = load_encoder(args.model, head='mlm')[0]
        w = make_world(args.world)
        ds = load_task('world-nli', 'en', 'train', world=args.world).select(range(args.examples))
        return clf, mlm, tok, dict(world=w), ds, ['mlm', 'embed']
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
    return clf, mlm, tok, dict(word_lang=lambda w: w[:2] if w[:2] in ('en', 'xx') else None), ds, ['mlm', 'embed']


def step(model, opt, method, batch):
    opt.zero_grad(set_to_none=True)
    method.loss(model, batch).backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    opt.step()


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--model', default=None,
                    help='an encoder name for xltnb.encoders.load_encoder (default: a BERT built here)')
    ap.add_argument('--e5-task', default=None,
                    help='a real-text task: time e5-small trimmed + frozen (e5_for_task) on its English training set')
    ap.add_argument('--world', default='smoke', help="world preset for --model's training set")
    ap.add_argument('--layers', type=int, default=4); ap.add_argument('--hidden', type=int, default=256)
    ap.add_argument('--vocab', type=int, default=2000); ap.add_argument('--seq', type=int, default=64)
    ap.add_argument('--batch', type=int, default=32); ap.add_argument('--examples', type=int, default=512)
    ap.add_argument('--ratio', type=float, default=0.3); ap.add_argument('--k', type=int, default=5)
    ap.add_argument('--variants', default=','.join(VARIANTS))
    ap.add_argument('--modes', default=None, help='substitute sources to time the one-off cost of: mlm,embed '
                    '(default: both; embed only with --e5-task). The step is timed with the first.')
    ap.add_argument('--reps', type=int, default=15); ap.add_argument('--warmup', type=int, default=2)
    ap.add_argument('--threads', type=int, default=1); ap.add_argument('--json', default=None)
    args = ap.parse_args(argv)
    set_threads(args.threads); seed_everything(0, deterministic=False)
    clf, mlm, tok, lang_kw, ds, modes = build(args)
    modes = args.modes.split(',') if args.modes else modes
    if mlm is None and 'mlm' in modes:
        raise SystemExit("mode 'mlm' needs an MLM head; e5-small has none: use --modes embed")

    # the one-off cost: substitutes for the whole training set, per variant and source, no cache
    methods, build_s = {'baseline': Method()}, {}
    for v in args.variants.split(','):
        for mode in modes:
            m = Salt(v, mlm=mlm, mode=mode, ratio=args.ratio, k=args.k, cache=False, max_length=args.seq, **lang_kw)
            t, c = time.perf_counter(), time.process_time(); m.prepare(clf, tok, ds)
            build_s[v, mode] = (time.process_time() - c, time.perf_counter() - t)
            if mode == modes[0]: methods[v] = m
    enc = encode(ds, tok, text_fields(ds), args.seq).select(range(args.batch))
    keys = [k for k in ('input_ids', 'attention_mask', 'token_type_ids', 'labels') if k in enc.column_names]
    batch = Collator(tok)([{k: enc[i][k] for k in keys} for i in range(args.batch)])
    clf.train()
    opt = torch.optim.AdamW([p for p in clf.parameters() if p.requires_grad], lr=1e-5)
    times = {n: [] for n in methods}
    for r in range(args.warmup + args.reps):
        for n, m in methods.items():
            t, c = time.perf_counter(), time.process_time(); step(clf, opt, m, batch)
            if r >= args.warmup: times[n].append((time.process_time() - c, time.perf_counter() - t))
    med = {n: [statistics.median(t[i] for t in ts) for i in (0, 1)] for n, ts in times.items()}
    base = med['baseline']
    shape = (f'e5-small trimmed + frozen on {args.e5_task}' if args.e5_task else
             args.model or f'BERT {args.layers}x{args.hidden}, word vocab {len(tok)}')
    rows = [dict(method=n, cpu_s=c, ratio=c / base[0], wall_s=w, wall_ratio=w / base[1],
                 ok=None if n == 'baseline' else c / base[0] <= 2.0,
                 switched_per_step=None if n == 'baseline' else m.stats['switched'] / max(1, m.stats['steps']))
            for (n, (c, w)), m in zip(med.items(), methods.values())]
    builds = [dict(variant=v, mode=mode, examples=len(ds), cpu_s=c, wall_s=w, cpu_s_per_1k=c * 1000 / len(ds),
                   baseline_steps=c / base[0], baseline_steps_per_1k=c * 1000 / len(ds) / base[0])
              for (v, mode), (c, w) in build_s.items()]
    print(f"# SALT step cost: {shape}, batch {args.batch} x {int(batch['input_ids'].shape[1])} tokens, "
          f"{args.threads} thread(s), {args.reps} reps, median; step substitutes from '{modes[0]}'; "
          f"torch {torch.__version__}")
    print(f"{'method':<12}{'cpu s':>8}{'x baseline':>12}{'target':>9}    "
          f"{'wall s':>8}{'x baseline':>12}{'switched/step':>15}")
    for r in rows:
        flag = '' if r['ok'] is None else (' ok' if r['ok'] else ' !!')
        sw = '' if r['switched_per_step'] is None else f"{r['switched_per_step']:.1f}"
        print(f"{r['method']:<12}{r['cpu_s']:>8.3f}{r['ratio']:>12.2f}{'' if r['ok'] is None else '<= 2.0':>9}"
              f"{flag:<4}{r['wall_s']:>8.3f}{r['wall_ratio']:>12.2f}{sw:>15}")
    print(f"# one-off substitutes (Salt.prepare, no cache) for {len(ds)} English training examples")
    print(f"{'method':<12}{'source':<8}{'cpu s':>8}{'cpu s / 1k ex':>15}{'baseline steps / 1k ex':>24}{'wall s':>9}")
    for b in builds:
        print(f"{b['variant']:<12}{b['mode']:<8}{b['cpu_s']:>8.2f}{b['cpu_s_per_1k']:>15.2f}"
              f"{b['baseline_steps_per_1k']:>24.1f}{b['wall_s']:>9.2f}")
    if args.json:
        atomic_write_text(Path(args.json), json.dumps(dict(args=vars(args), steps=rows, builds=builds), indent=1))
    return 0 if all(r['ok'] in (None, True) for r in rows) else 1


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
