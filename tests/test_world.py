"The synthetic world: determinism, the exact nested overlap dial, parallel items, balanced edit signatures."
from collections import Counter, defaultdict

import pytest

from xltnb.evaluate import fit_lexicon_free
from xltnb.langs import lang_order
from xltnb.world import (CONTENT, DEFAULT_LANGS, NAMES, NLI_LABELS, NLI_RULES, World, as_world, lexicon_free_features,
                         languages, make_world)

def test_languages_registered_and_typology():
    assert languages() == list(lang_order('world')) and languages()[0] == 'en' and len(languages()) >= 7
    specs = {s.code: s for s in DEFAULT_LANGS}
    assert {s.order for s in DEFAULT_LANGS} >= {'SVO', 'SOV', 'VSO'}
    assert {s.script for s in DEFAULT_LANGS} >= {'latin', 'cyrillic', 'greek', 'devanagari'}
    assert specs['es'].related == 'fr' and min(s.corpus for s in DEFAULT_LANGS) < 0.5  # a close pair, a very small one

def test_deterministic_from_seed():
    a, b = World(seed=3, source_corpus=300, target_corpus=100), World(seed=3, source_corpus=300, target_corpus=100)
    c = World(seed=4)
    assert a.corpus('hi') == b.corpus('hi') and a.items('nli', 'test') == b.items('nli', 'test')
    assert a.lexicons['ru'] != c.lexicons['ru']

@pytest.mark.parametrize('v', [0, 0.1, 0.25, 0.5, 0.75, 1])
def test_overlap_dial_is_exact(v):
    w = make_world('smoke', overlap=v)
    for l in w.languages()[1:]:
        assert w.overlap(l, 'en') == round(v * len(CONTENT)) / len(CONTENT)

def test_overlap_dial_is_nested_and_keeps_function_words_out():
    shared = lambda v: {k for k in CONTENT if make_world('smoke', overlap=v).lexicons['el'][k][1]}
    assert shared(0) == set() and shared(0.25) < shared(0.5) < shared(1) == set(CONTENT)
    full = make_world('smoke', overlap=1)
    for l in full.languages()[1:]:
        fw = full.renderers[l].fw
        assert not set(fw.values()) & set(full.renderers['en'].fw.values())

def test_overlap_zero_shares_only_anchors():
    w = make_world('smoke', overlap=0)
    en = w.vocabulary('en')
    for l in ('de', 'hi', 'ru'):
        shared = {t for s in w.corpus(l) for t in s.split()} & en
        assert shared <= set(NAMES) | set('23456789'), (l, shared - set(NAMES))

def test_bad_options():
    with pytest.raises(ValueError, match="overlap for unknown target 'xx'"): make_world('smoke', overlap={'xx': 0.1})
    with pytest.raises(ValueError, match="bad world languages"): make_world('smoke', langs=['de', 'fr'])
    assert make_world('smoke', langs=['en', 'hi']).languages() == ['en', 'hi']

def test_parallel_items_and_labels_from_semantics():
    w = make_world('smoke')
    for task in ('nli', 'paws'):
        items = w.items(task, 'test')
        for l in w.languages():
            assert len({w.render(a, l) for _, _, a, _ in items}) > 0.5 * len(items)
    for e, lab, a, b in w.items('nli', 'dev'):
        kind, neg = e.split('/')[0], int(e.endswith('/neg'))
        assert NLI_LABELS[lab][0].upper() == NLI_RULES[kind][neg]

def test_every_surface_signature_carries_every_label():
    w = make_world('smoke', n_train=3000)
    sig = defaultdict(Counter)
    for _, lab, a, b in w.items('nli', 'train'):
        sig[lexicon_free_features(w.render(a, 'en'), w.render(b, 'en'))[:2]][lab] += 1
    for s in [(1, 1), (1, 0), (0, 1)]:  # substitute, insert, delete one word
        c = sig[s]; n = sum(c.values())
        assert len(c) == 3 and max(c.values()) / n < 0.5, (s, c)

def test_lexicon_free_rule_stays_near_majority():
    w = make_world('smoke', n_train=4000, n_test=1000)
    def split(s):
        it = w.items('nli', s)
        return [w.render(a, 'en') for _, _, a, _ in it], [w.render(b, 'en') for *_, b in it], [x[1] for x in it]
    A, B, Y = split('train'); a, b, y = split('test')
    rule = fit_lexicon_free(A, B, Y)
    acc = sum(p == t for p, t in zip(rule(a, b), y)) / len(y)
    majority = Counter(y).most_common(1)[0][1] / len(y)
    assert acc < majority + 0.05, (acc, majority)

def test_synonyms_and_word_lang():
    w = make_world('smoke')
    syn = w.synonyms('en')
    assert 'hound' in syn['dog'] and 'dog' in syn['hound'] and 'assists' in syn['helps']
    for l in w.languages():
        for a, bs in w.synonyms(l).items():
            assert all(a in w.synonyms(l)[b] for b in bs)
    assert w.word_lang('Ann') == 'shared' and w.word_lang('never') == 'en' and w.word_lang('zzzz') is None
    hi_word = next(t for t in w.corpus('hi')[0].split() if t not in NAMES and not t.isdigit())
    assert w.word_lang(hi_word) in ('hi', 'shared')

def test_as_world_resolves_every_form_and_names_the_allowed_ones():
    w = make_world('smoke')
    assert as_world(w) is w and as_world('smoke') is w and as_world({'preset': 'smoke'}) is w
    with pytest.raises(TypeError, match=r"world must be a World, a preset name \(smoke, cpu, gpu\).*got 3 \(int\)"):
        as_world(3)
