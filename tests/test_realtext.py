"Real-text tasks (xltnb.realtext) through `load_task`: schemas, languages, split hygiene, determinism, cache, errors."
import os

import pytest

os.environ['HF_HUB_OFFLINE'] = '1'
from xltnb import core
from xltnb import realtext as R
from xltnb.core import ResourceUnavailable
from xltnb.tasks import generalized_pairs, load_task, task_info, task_languages

NON_LATIN = {'ru', 'uk', 'ja', 'zh', 'ko'}
ABSENT = {'uk': 'dpkg', 'ko': 'gnupg', 'vi': 'gnupg'}  # catalogs that Debian does not ship

@pytest.fixture(scope='module', autouse=True)
def cache(tmp_path_factory):
    "One fresh cache for the module: the first load builds, later loads hit it."
    old = os.environ.get('XLTNB_CACHE'); os.environ['XLTNB_CACHE'] = str(tmp_path_factory.mktemp('cache'))
    R._MEMO.clear()
    yield
    R._MEMO.clear()
    if old is None: os.environ.pop('XLTNB_CACHE')
    else: os.environ['XLTNB_CACHE'] = old

@pytest.mark.parametrize('task,cols,labels', [
    ('msg-topic', ['sentence', 'label', 'msg_id'], list(R.MSG_CLASSES)),
    ('msg-para', ['sentence1', 'sentence2', 'label', 'msg_id'], ['different', 'paraphrase']),
    ('emoji-topic', ['sentence', 'label', 'emoji'], list(R.EMOJI_GROUPS))])
def test_schema_labels_languages(task, cols, labels):
    langs = task_languages(task)
    assert langs[0] == 'en' and len(langs) >= (20 if task == 'emoji-topic' else 8)
    assert NON_LATIN <= set(langs) and (task != 'emoji-topic' or {'sw', 'yo', 'am'} <= set(langs))
    assert task_info(task)['num_labels'] == len(labels)
    for lang in langs:
        for split in (['train'] if lang == 'en' else []) + ['dev', 'test']:
            ds = load_task(task, lang, split)
            assert ds.column_names == cols and ds.features['label'].names == labels, (lang, split)
            assert len(ds) >= 50 and len(set(ds['label'])) == len(labels) - (task == 'msg-topic' and lang in ABSENT)
            assert all(isinstance(s, str) and s.strip() for s in ds[cols[0]])

def test_topic_classes_balanced_in_english_train():
    for task in ('msg-topic', 'emoji-topic'):
        y = load_task(task, 'en', 'train')['label']
        assert max(y.count(c) for c in set(y)) / len(y) < 0.2, task  # no class dominates (9 and 8 classes)

@pytest.mark.parametrize('task,key', [('msg-topic', 'msg_id'), ('msg-para', 'msg_id'), ('emoji-topic', 'emoji')])
def test_no_item_overlap_across_splits(task, key):
    train = set(load_task(task, 'en', 'train')[key])
    for lang in task_languages(task):
        dev, test = set(load_task(task, lang, 'dev')[key]), set(load_task(task, lang, 'test')[key])
        assert not train & test and not train & dev and not dev & test, lang
    en_test = load_task(task, 'en', 'test')
    assert not set(en_test[en_test.column_names[0]]) & set(load_task(task, 'en', 'train')[en_test.column_names[0]])

def test_topic_test_sets_share_messages_with_english():
    en = dict(zip(*[load_task('msg-topic', 'en', 'test')[c] for c in ('msg_id', 'label')]))
    ja = load_task('msg-topic', 'ja', 'test')
    assert all(en[i] == y for i, y in zip(ja['msg_id'], ja['label']))  # same message, same label
    assert not set(ja['sentence']) & set(load_task('msg-topic', 'en', 'test')['sentence'])  # untranslated: dropped

def test_leaks_stripped():
    for lang in ('en', 'ru', 'zh'):
        s = ' '.join(load_task('msg-topic', lang, 'test')['sentence'])
        assert '%s' not in s and '%d' not in s and '--' not in s and 'dpkg' not in s.lower()

def test_para_parallel_generalized_and_not_identity():
    en = load_task('msg-para', 'en', 'train')
    assert 0.45 < sum(en['label']) / len(en) < 0.55 and all(a != b for a, b in zip(en['sentence1'], en['sentence2']))
    g = generalized_pairs('msg-para', 'de', 'ja')
    de, ja = load_task('msg-para', 'de', 'test'), load_task('msg-para', 'ja', 'test')
    assert g['sentence1'] == de['sentence1'] and g['sentence2'] == ja['sentence2'] and g['label'] == de['label']

def test_bitext_parallel():
    sets = {l: load_task('msg-bitext', l, 'test') for l in task_languages('msg-bitext')}
    n = len(sets['en']); assert n >= 200 and all(len(d) == n for d in sets.values())
    assert sets['en']['item_id'] == sets['zh']['item_id'] and sets['en'][0]['sentence'] != sets['zh'][0]['sentence']
    assert not set(sets['en']['sentence']) & set(load_task('msg-topic', 'en', 'train')['sentence'])

def test_deterministic_rebuild_and_cache_hit(monkeypatch):
    folders, real_cache_path = [], core.cache_path  # `cached_json` finds its folder with `core.cache_path`
    with monkeypatch.context() as m:
        def spy(kind, key):  # notes the folder of each task looked up (the message pool has its own, unnoted)
            path = real_cache_path(kind, key)
            if 'task' in key: folders.append(path)
            return path
        m.setattr(core, 'cache_path', spy)
        R._MEMO.clear(); first = R.realtext_data('msg-topic')  # built, or read from an earlier run's cache
        f = folders[-1] / 'msg-topic.json.gz'
        mtime = f.stat().st_mtime_ns
        R._MEMO.clear()
        m.setattr(R, 'build_realtext', lambda *a, **k: pytest.fail('rebuilt despite the cache'))
        again = R.realtext_data('msg-topic')
    assert again == first and f.stat().st_mtime_ns == mtime  # read back from the cache, not rebuilt
    assert folders == [f.parent] * 2  # one cache key for the same sources
    assert R.build_realtext('msg-topic') == first  # a fresh build gives the same data
    assert R.build_realtext('emoji-topic', seed=1) != R.realtext_data('emoji-topic')  # the seed moves the split
    assert R.build_realtext('emoji-topic') == R.realtext_data('emoji-topic')

def test_provenance():
    p = R.realtext_provenance('emoji-topic')
    assert p['licences'] == {'unicode-cldr-core': 'Unicode-DFS-2016', 'unicode-data': 'Unicode-DFS-2016'}
    assert p['packages']['unicode-cldr-core']  # installed version
    assert R.realtext_provenance('msg-topic')['licences']['gnupg-l10n'] == 'GPL-3+'

def test_unknown_task_language_split():
    known = "known: .*msg-topic, msg-para, emoji-topic, msg-bitext"
    with pytest.raises(ValueError, match=f"unknown task 'msg-topik'; {known}"):
        load_task('msg-topik', 'en', 'test')
    with pytest.raises(ValueError, match="unknown language 'xx' for task 'emoji-topic'; allowed: en, am"):
        load_task('emoji-topic', 'xx', 'test')
    with pytest.raises(ValueError, match="unknown language 'el' for task 'msg-bitext'"):
        load_task('msg-bitext', 'el', 'test')
    with pytest.raises(ValueError, match="unknown split 'train' for task 'msg-bitext'; allowed: dev, test"):
        load_task('msg-bitext', 'en', 'train')
    with pytest.raises(ValueError, match="split 'train' of 'msg-topic' exists only in 'en'"):
        load_task('msg-topic', 'de', 'train')
    with pytest.raises(ValueError, match="is generated; data_dir is only for"):
        load_task('msg-topic', 'en', 'test', data_dir='.')

def test_missing_sources_name_packages(monkeypatch, tmp_path):
    real = R.LOCALE_DIR
    monkeypatch.setattr(R, 'LOCALE_DIR', tmp_path); R._MEMO.clear()
    with pytest.raises(ResourceUnavailable, match=r"coreutils, dpkg, libc-l10n.*install: apt-get install -y "):
        load_task('msg-topic', 'de', 'test')
    d = tmp_path / 'de' / 'LC_MESSAGES'; d.mkdir(parents=True)
    for c, (doms, _, _) in R.MSG_PROGRAMS.items():  # every program but gnupg
        if c != 'gnupg': (d / f'{doms[0]}.mo').write_bytes((real / 'de/LC_MESSAGES' / f'{doms[0]}.mo').read_bytes())
    with pytest.raises(ResourceUnavailable, match=r"of gnupg .* gnupg-l10n; install: apt-get install -y gnupg-l10n"):
        load_task('msg-topic', 'de', 'test')
    monkeypatch.setattr(R, 'EMOJI_TEST', tmp_path / 'emoji-test.txt')
    with pytest.raises(ResourceUnavailable, match=r"emoji-test.txt, shipped by the Debian package\(s\) unicode-data; "
                                                  r"install: apt-get install -y unicode-data"):
        load_task('emoji-topic', 'sw', 'test')
    monkeypatch.setattr(R, 'CLDR_DIR', tmp_path)
    with pytest.raises(ResourceUnavailable, match=r"unicode-cldr-core, unicode-data; "
                                                  r"install: apt-get install -y unicode-cldr-core unicode-data"):
        load_task('emoji-topic', 'sw', 'test')

def test_paraphrase_sources_counts_are_consistent():
    "The pilot behind msg-para's note (tools/paraphrase_sources.py): its counts nest and its pivot pairs are real."
    from paraphrase_sources import sources  # tools/ is on the path (conftest)
    rows, pivots = sources(0)
    n = dict(rows)
    assert n['usable distinct English messages'] <= n['catalog messages (all packages, every language)']
    piv = [n[f'pivot paraphrases: identical translations in >= {k} languages'] for k in (2, 3, 5)]
    assert piv[0] >= piv[1] >= piv[2] and piv[1] == len(pivots)
    assert all(a != b for a, b in pivots)  # two different English wordings
    two = n['  with >= 2 word arguments (a swap keeps every word)']
    assert two <= n["msg-para's pool (seed 0): messages"]
    assert all(n[f'    of them in the parallel {s} set ({len(R.PARALLEL_LANGS)} languages)'] <= two
               for s in ('dev', 'test'))


def test_resource_groups_split_emoji_topics_languages():
    "Every language of emoji-topic is English, high- or low-resource; the low-resource ones are all emoji-topic's."
    langs = R.realtext_languages('emoji-topic')
    groups = {l: R.resource_group(l) for l in langs}
    assert set(R.LOW_RESOURCE) <= set(langs) and {'ha', 'ig', 'so', 'sw', 'yo'} <= set(R.LOW_RESOURCE)
    assert groups['en'] == 'English' and groups['de'] == 'high-resource' and groups['yo'] == 'low-resource'
    assert sorted(l for l, g in groups.items() if g == 'low-resource') == sorted(R.LOW_RESOURCE)
    assert set(groups.values()) == {'English', 'high-resource', 'low-resource'}
