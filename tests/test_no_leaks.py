"""No method sees a dev or test text of a target language: not in its training inputs, not in a pool it draws from
(SALT's substitutes and the unlabelled texts its language filter reads, RS-DA's synonyms), on the real-text tasks of
the real-text reference. A unique string is planted in every target language's dev and test split (and English
test); each test checks that it is absent, and shows that its check would catch it had it reached the pool.

And e5-small's trimmed vocabulary keeps every piece an arm can produce: an arm's inputs (RS-DA's copies, SALT's
unlabelled texts, the test texts) are segmented into the same pieces by the trimmed and the full vocabulary."""
import os

import pytest
import torch

os.environ['HF_HUB_OFFLINE'] = '1'
import xltnb.e5 as e5
import xltnb.realtext as rt
import xltnb.tasks as tasks
from xltnb.e5 import e5_for_task, load_e5, pool_texts, task_texts
from xltnb.lexicon import wordnet_synonyms
from xltnb.methods.robust import robust_method
from xltnb.methods.salt import LangFilters, salt_method
from xltnb.methods.salt_substitutes import allowed_vocab, text_langs, usage_texts, vocab_langs
from xltnb.protocol import protocol, train_data
from xltnb.tasks import load_task

pytestmark = pytest.mark.slow  # real-text arms trained and their vocabularies rebuilt (about 4 minutes)

TASKS = ('msg-topic', 'msg-para')  # the real-text reference's tasks
WORD, EN_WORD = 'Quarkbrezelwunderland', 'aardvark'  # a made-up word; an English word WordNet knows, in no train text
PLANT = f'{WORD} {EN_WORD}'
TEXT = ('sentence', 'sentence1', 'sentence2')
ROBUST_P = dict(copies={}, synonyms='wordnet', rsda_drop='function-words', at_eps=0.1, at_steps=1, rs_radius=0.1,
                rs_draws=1)  # the robust page's parameters its methods read (real text: WordNet synonyms)
SALT_P = dict(mode='embed', ratio=0.3, k=5, alpha=0.5, w_kl=0.0)  # real text: e5-small's input embeddings


@pytest.fixture
def planted(monkeypatch):
    "Every target language's dev and test split, and English test, gain one item whose texts are PLANT."
    real = rt.realtext_data
    def data(task, seed=0, progress=False, **paths):
        out = dict(real(task, seed, progress, **paths))
        for k in [k for k in out if k.split('/')[1] == 'test' or (k.split('/')[1] == 'dev' and k[:3] != 'en/')]:
            out[k] = {c: list(v) + [PLANT if c in TEXT else v[0]] for c, v in out[k].items()}
        return out
    for mod in (rt, tasks): monkeypatch.setattr(mod, 'realtext_data', data)
    monkeypatch.setattr(rt, '_UNLABELLED', {}); monkeypatch.setattr(e5, '_POOLS', {})
    for t in TASKS:
        assert PLANT in task_texts(t), t  # the plant took: the task's dev/test texts hold it
    return PLANT


def texts_of(ds) -> list[str]:
    return [str(r[f]) for r in ds for f in TEXT if f in ds.column_names]


def first_piece(tok, word: str) -> int:
    return tok(word, add_special_tokens=False)['input_ids'][0]


@pytest.fixture(scope='module')
def full():
    return load_e5()[1]


# ------------------------------------------------------------------ training inputs: every arm


@pytest.mark.parametrize('task', TASKS)
def test_no_arm_trains_on_a_dev_or_test_text(planted, task):
    "The protocol's training data, and what each arm's `prepare` makes of it (AT, RS-RP: no pool), hold no plant."
    tr = train_data(task, protocol('smoke', testbed='realtext'))
    assert not any(WORD in t or EN_WORD in t for t in texts_of(tr['train']) + texts_of(tr['dev']))
    small = tr['train'].select(range(40))
    for name in ('at', 'rs-rp', 'rs-da'):
        ds = robust_method(name, task, ROBUST_P, seed=0, load_kw={}).prepare(None, None, small)
        assert not any(WORD in t or EN_WORD in t for t in texts_of(ds)), name


# ------------------------------------------------------------------ RS-DA's synonyms


@pytest.mark.parametrize('task', TASKS)
def test_rsda_synonyms_come_from_english_training_text_only(planted, task):
    assert wordnet_synonyms([EN_WORD]), f'{EN_WORD!r} has no WordNet synonym: the check below would be empty'
    rsda = robust_method('rs-da', task, ROBUST_P, seed=0, load_kw={})
    table = rsda.neighbors
    assert table and EN_WORD not in table and WORD not in table  # no key from a dev/test text
    assert not any(EN_WORD in v or WORD in v for v in table.values())


# ------------------------------------------------------------------ SALT: its language filter and substitute pool


@pytest.mark.parametrize('task', TASKS)
def test_salt_usage_texts_hold_no_dev_or_test_text(planted, task):
    usage = LangFilters(lambda t: {})(task)['texts']
    assert usage == usage_texts(task)
    assert set(usage) == set(tasks.task_languages(task))
    every = [t for ts in usage.values() for t in ts]
    assert len(every) > 10_000 and not any(WORD in t or EN_WORD in t for t in every)
    held = {t for l in tasks.task_languages(task) for s in ('dev', 'test') if not (l == 'en' and s == 'dev')
            for t in texts_of(load_task(task, l, s))}
    assert not held & set(every)  # no dev/test text at all, planted or not


def test_salt_draws_no_substitute_from_a_dev_or_test_text(planted):
    task = 'msg-topic'
    model, tok = e5_for_task(task)
    pid = first_piece(tok, WORD)
    assert tok.convert_ids_to_tokens(pid) != tok.unk_token  # the trimmed vocabulary holds the planted word's pieces
    salt = salt_method('salt', 'e5-small', 0, task, SALT_P, 64, LangFilters(lambda t: {}))
    salt._cache = False
    train = load_task(task, 'en', 'train').select(range(48))
    salt.prepare(model, tok, train)
    assert salt._allowed.any() and not salt._allowed[pid]  # a piece only the plant uses is no substitute
    subs = torch.cat([s[p > 0] for _, s, p in salt.table.rows.values()])
    assert len(subs) and pid not in set(subs.tolist())
    # the check has teeth: had the planted test text reached the language filter, the piece would be in the pool
    usage = salt._texts
    leaky = {**usage, 'de': usage['de'] + [PLANT]}
    size = model.get_input_embeddings().weight.shape[0]
    assert allowed_vocab(tok, size, vocab_langs(tok, text_langs(tok, leaky).get), ('en', 'shared'))[pid]


# ------------------------------------------------------------------ the trimmed vocabulary changes no arm's pieces


@pytest.mark.parametrize('task', TASKS)
def test_trimming_changes_no_arms_pieces(full, task):
    _, tok = e5_for_task(task)
    train = load_task(task, 'en', 'train')
    rsda = robust_method('rs-da', task, ROBUST_P, seed=0, load_kw={}).prepare(None, None, train)
    arms = {'rs-da copies': texts_of(rsda), 'salt usage texts': [t for ts in usage_texts(task).values() for t in ts],
            'task texts': task_texts(task), 'pool texts': pool_texts(task)}
    assert len(arms['rs-da copies']) > len(texts_of(train))  # copies with synonyms in them
    for what, texts in arms.items():
        a = [tok.convert_ids_to_tokens(i) for i in tok(texts, add_special_tokens=False)['input_ids']]
        b = [full.convert_ids_to_tokens(i) for i in full(texts, add_special_tokens=False)['input_ids']]
        bad = [t for t, x, y in zip(texts, a, b) if x != y]
        assert not bad, f"{task} {what}: {len(bad)} text(s) segmented otherwise when trimmed, e.g. {bad[0]!r}"

