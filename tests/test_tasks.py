"Bad inputs and the shared call shape of `xltnb.tasks.load_task` (nothing downloads: HF_HUB_OFFLINE=1)."
import os
from pathlib import Path

import pytest

os.environ['HF_HUB_OFFLINE'] = '1'
from xltnb.core import ResourceUnavailable
from xltnb.tasks import TASKS, generalized_pairs, load_task, task_info, task_languages

DATA = Path(__file__).parent / 'data'
W = dict(world='smoke')

def write(d, name, text):
    p = d / name; p.write_text(text, encoding='utf-8'); return p

def test_same_call_shape_world_and_local_file():
    w = load_task('world-nli', 'de', 'test', **W)
    f = load_task('xnli', 'de', 'test', data_dir=DATA / 'xnli')
    assert w.column_names[:3] == f.column_names == ['premise', 'hypothesis', 'label']
    assert w.features['label'].names == f.features['label'].names == ['entailment', 'neutral', 'contradiction']
    assert list(f['label']) == [0, 2, 1]  # 'contradictory' is XTREME's spelling

def test_jsonl_and_headerless_tsv_and_dropped_minus_one():
    assert list(load_task('xnli', 'en', 'dev', data_dir=DATA / 'xnli')['label']) == [0, 2]
    p = load_task('pawsx', 'de', 'test', data_dir=DATA / 'pawsx')
    assert p.column_names == ['sentence1', 'sentence2', 'label'] and list(p['label']) == [0, 1]

def test_unknown_task():
    with pytest.raises(ValueError,
                       match="unknown task 'xnil'; known: xnli, pawsx, world-nli, world-paws, world-bitext"):
        load_task('xnil', 'en', 'test')

@pytest.mark.parametrize('task,lang,allowed',
                         [('world-nli', 'xx', 'en, de'), ('xnli', 'ja', 'en, ar'), ('pawsx', 'ar', 'en, de')])
def test_unknown_language(task, lang, allowed):
    with pytest.raises(ValueError, match=f"unknown language '{lang}' for task '{task}'; allowed: {allowed}"):
        load_task(task, lang, 'test', data_dir=DATA if task != 'world-nli' else None)

def test_unknown_split_and_train_in_target():
    with pytest.raises(ValueError, match="unknown split 'validation' for task 'world-paws'; allowed: train, dev, test"):
        load_task('world-paws', 'en', 'validation', **W)
    with pytest.raises(ValueError, match="split 'train' of 'world-nli' exists only in 'en'"):
        load_task('world-nli', 'fr', 'train', **W)
    with pytest.raises(ValueError, match="unknown split 'train' for task 'world-bitext'; allowed: dev, test"):
        load_task('world-bitext', 'en', 'train', **W)

@pytest.mark.parametrize('name,text', [('test-de.tsv', 'premise\tlabel\nA man.\t0\n'),
                                       ('test-de.jsonl', '{"premise": "A man.", "label": 0}\n')])
def test_missing_field(tmp_path, name, text):
    write(tmp_path, name, text)
    with pytest.raises(ValueError,
                       match=r"missing field\(s\) 'hypothesis'; a xnli file needs: premise, hypothesis, label"):
        load_task('xnli', 'de', 'test', data_dir=tmp_path)

@pytest.mark.parametrize('label', ['maybe', '3', '-2'])
def test_label_outside_label_set(tmp_path, label):
    write(tmp_path, 'test-de.tsv', f'premise\thypothesis\tlabel\na\tb\t0\nc\td\t{label}\n')
    with pytest.raises(ValueError, match=f"row 2: label '{label}' is outside the label set; "
                                         "allowed: entailment, neutral, contradiction or 0-2"):
        load_task('xnli', 'de', 'test', data_dir=tmp_path)

def test_label_outside_label_set_pawsx_jsonl(tmp_path):
    write(tmp_path, 'dev-de.jsonl', '{"sentence1": "a", "sentence2": "b", "label": 2}\n')
    with pytest.raises(ValueError, match="label 2 is outside the label set; allowed: different, paraphrase or 0-1"):
        load_task('pawsx', 'de', 'dev', data_dir=tmp_path)

@pytest.mark.parametrize('name,text', [('test-de.tsv', 'premise\thypothesis\tlabel\n'), ('test-de.tsv', ''),
                                       ('test-de.jsonl', '\n'), ('test-de.tsv', 'a\tb\t-1\n')])
def test_empty_split(tmp_path, name, text):
    write(tmp_path, name, text)
    with pytest.raises(ValueError, match='empty split'):
        load_task('xnli', 'de', 'test', data_dir=tmp_path)

def test_missing_file_names_the_candidates(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"looked for: test-de.tsv, test-de.jsonl"):
        load_task('xnli', 'de', 'test', data_dir=tmp_path)

@pytest.mark.parametrize('task', ['xnli', 'pawsx'])
def test_hub_task_offline_names_offline_tasks(task):
    with pytest.raises(ResourceUnavailable, match="tasks that run offline: world-nli, world-paws, world-bitext"):
        load_task(task, 'de', 'test')

def test_data_dir_for_world_task():
    with pytest.raises(ValueError, match="is generated; data_dir is only for: xnli, pawsx"):
        load_task('world-nli', 'en', 'test', data_dir=DATA)

def test_task_info_and_languages():
    assert task_info('world-nli')['num_labels'] == 3 and task_info('world-paws')['num_labels'] == 2
    assert task_info('xnli')['hub_id'] == 'facebook/xnli' and 'revision' in task_info('pawsx')
    assert task_languages('pawsx') == ['en', 'de', 'es', 'fr', 'ja', 'ko', 'zh']
    assert set(TASKS) == {'xnli', 'pawsx', 'world-nli', 'world-paws', 'world-bitext', 'msg-topic', 'msg-para',
                          'emoji-topic', 'msg-bitext'}

def test_generalized_pairs_and_bitext():
    g = generalized_pairs('world-nli', 'ru', 'el', **W)
    ru, el = load_task('world-nli', 'ru', 'test', **W), load_task('world-nli', 'el', 'test', **W)
    assert list(g['premise']) == list(ru['premise']) and list(g['hypothesis']) == list(el['hypothesis'])
    assert list(g['label']) == list(ru['label']) and g.column_names == ru.column_names
    b = [load_task('world-bitext', l, 'dev', **W) for l in ('en', 'hi')]
    assert list(b[0]['item_id']) == list(b[1]['item_id']) and b[0][0]['sentence'] != b[1][0]['sentence']
    with pytest.raises(ValueError, match="has no sentence pairs; pair tasks: xnli, pawsx, world-nli, world-paws"):
        generalized_pairs('world-bitext', 'en', 'de', **W)

def test_generalized_pairs_not_parallel(tmp_path):
    write(tmp_path, 'test-de.tsv', 'premise\thypothesis\tlabel\na\tb\t0\n')
    write(tmp_path, 'test-fr.tsv', 'premise\thypothesis\tlabel\na\tb\t0\nc\td\t1\n')
    with pytest.raises(ValueError, match="are not parallel"):
        generalized_pairs('xnli', 'de', 'fr', data_dir=tmp_path)

def test_synonym_table_comes_from_the_world():
    from xltnb.tasks import synonym_table
    from xltnb.world import make_world
    assert synonym_table('world:smoke', 'de') == make_world('smoke').synonyms('de')
    with pytest.raises(ValueError, match=r"unknown synonym source 'world'; allowed: 'world:<name>'"):
        synonym_table('world')
    with pytest.raises(ValueError, match="unknown world preset 'tiny'; known: smoke, cpu, gpu"):
        synonym_table('world:tiny')
