#!/usr/bin/env python
"""Pilot: can the gettext catalogs give a paraphrase task in PAWS-X's spirit (negatives as close to their positive as
the positives are), with dev and test parallel in msg-para's languages?

PAWS-X needs pairs of *different* wordings of one meaning (its positives come from back-translation) beside pairs of
near-identical wordings of different meanings (word swaps). The catalogs hold one English wording per message, so this
counts every source of such pairs they have, on all of their messages and on msg-para's capped pool (seed 0):

- pivot paraphrases: two different English messages whose translations are identical in at least k languages (the
  translators' judgement that they say the same thing; the only different-wording, same-meaning pairs in them);
- messages with two or more word arguments, whose swap (`copy A to B` / `copy B to A`) keeps every word;
- pairs of messages that differ in exactly one word (same length, same number of format directives).

Reads the installed catalogs only (`xltnb.realtext.msg_sources`); about 15 s on one core. Prints a table and examples.

    python tools/paraphrase_sources.py [--examples 10]
"""
import argparse, collections, itertools, random, re


def sources(seed: int = 0) -> tuple[list, list]:
    "(rows of (what, count), the pivot paraphrases agreeing in >= 3 languages) of the installed catalogs."
    from xltnb.realtext import (DIRECTIVE, PARALLEL_LANGS, _parallel, _usable_en, clean_message, leak_names,
                                msg_pool, msg_sources, read_mo)
    raw = {}
    for c, langs in msg_sources().items():
        for lang, paths in langs.items():
            for p in paths:
                for k, v in read_mo(p).items(): raw.setdefault((c, k), {}).setdefault(lang, v)
    en = {}  # cleaned English (casefolded) -> lang -> cleaned translation (casefolded)
    for (_, k), tr in raw.items():
        names = leak_names(k); e = clean_message(k, names)
        if _usable_en(e):
            en.setdefault(e.casefold(), {}).update({l: clean_message(v, names).casefold() for l, v in tr.items()})
    by = collections.defaultdict(set)
    for e, tr in en.items():
        for lang, v in tr.items():
            if lang != 'en': by[lang, v].add(e)
    agree = collections.Counter()
    for es in by.values():
        if 1 < len(es) <= 5: agree.update(itertools.combinations(sorted(es), 2))
    rows = [('catalog messages (all packages, every language)', len(raw)),
            ('usable distinct English messages', len(en))]
    rows += [(f'pivot paraphrases: identical translations in >= {k} languages', sum(c >= k for c in agree.values()))
             for k in (2, 3, 5)]
    pool = msg_pool(seed)
    words = lambda r: [d for d in DIRECTIVE.findall(r['raw']) if d[-1] in 'sS' or d.startswith('%<')]
    two = [r for r in pool if len(words(r)) >= 2]
    par = {s: {r['key'] for r in _parallel(pool, s)} for s in ('dev', 'test')}
    rows += [(f"msg-para's pool (seed {seed}): messages", len(pool)),
             ('  with >= 2 word arguments (a swap keeps every word)', len(two))]
    rows += [(f'    of them in the parallel {s} set ({len(PARALLEL_LANGS)} languages)',
              sum(r['key'] in par[s] for r in two)) for s in ('dev', 'test')]
    shape = collections.defaultdict(list)
    for r in pool:
        t = re.findall(r'\S+', r['raw'].lower())
        for i in range(len(t)): shape[r['split'], len(t), tuple(t[:i]), tuple(t[i + 1:])].append(r)
    one = {(x['key'], y['key'], x['split']) for rs in shape.values() for x, y in itertools.combinations(rs, 2)
           if len(DIRECTIVE.findall(x['raw'])) == len(DIRECTIVE.findall(y['raw']))}
    rows += [('  pairs that differ in exactly one word', len(one))]
    rows += [(f'    of them with both in the parallel {s} set',
              sum(x in par[s] and y in par[s] for x, y, sp in one if sp == s)) for s in ('dev', 'test')]
    return rows, sorted((p for p, c in agree.items() if c >= 3), key=lambda p: (p[0], p[1]))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--examples', type=int, default=10, help='pivot paraphrases to print (a fixed random sample)')
    a = ap.parse_args(argv)
    rows, good = sources()
    w = max(len(r[0]) for r in rows)
    for name, n in rows: print(f'{name:<{w}}  {n:>6,}')
    print(f'\n{a.examples} pivot paraphrases (>= 3 languages agree), a fixed random sample:')
    for x, y in random.Random(0).sample(good, min(a.examples, len(good))): print(f'  {x!r}  ~  {y!r}')


if __name__ == '__main__':
    main()
