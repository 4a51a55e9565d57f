"SALT: the inspector widget driven through `.value`, bad inputs, the cache under faults, late substitutes, embed mode."
import numpy as np, pytest, torch
from datasets import Dataset
from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, processors
from transformers import BertConfig, BertForMaskedLM, BertForSequenceClassification, BertTokenizerFast

from xltnb.methods.salt import Salt, _examples
from xltnb.methods.salt_inspect import SaltInspector
from xltnb.methods.salt_substitutes import allowed_vocab, build_substitutes, vocab_langs

EN = ['the cat eats fish', 'a dog sees the bird', 'the bird eats seeds', 'a cat sees a dog']
XX = ['lo gato kome pesko', 'un kano vide lo ave', 'lo ave kome semo', 'un gato vide un kano']
LEX = {**{w: 'en' for s in EN for w in s.split()}, **{w: 'xx' for s in XX for w in s.split()}}


@pytest.fixture(autouse=True)
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv('XLTNB_CACHE', str(tmp_path / 'cache'))
    return tmp_path / 'cache'


@pytest.fixture(scope='module')
def tok():
    words = sorted({w for s in EN + XX for w in s.split()})
    abc = 'abcdefghijklmnopqrstuvwxyz'
    toks = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'] + words + list(abc) + ['##' + c for c in abc]
    vocab = {t: i for i, t in enumerate(toks)}
    t = Tokenizer(models.WordPiece(vocab, unk_token='[UNK]'))
    t.normalizer, t.pre_tokenizer = normalizers.BertNormalizer(lowercase=True), pre_tokenizers.BertPreTokenizer()
    t.post_processor = processors.TemplateProcessing(single='[CLS] $A [SEP]', pair='[CLS] $A [SEP] $B:1 [SEP]:1',
                                                     special_tokens=[('[CLS]', 2), ('[SEP]', 3)])
    return BertTokenizerFast(tokenizer_object=t, pad_token='[PAD]', unk_token='[UNK]', cls_token='[CLS]',
                             sep_token='[SEP]', mask_token='[MASK]')


def tiny(tok, cls=BertForMaskedLM, **kw):
    torch.manual_seed(0)
    return cls(BertConfig(vocab_size=len(tok), hidden_size=32, num_hidden_layers=1, num_attention_heads=2,
                          intermediate_size=64, max_position_embeddings=64, **kw)).eval()


@pytest.fixture
def ds():
    return Dataset.from_dict(dict(premise=EN, hypothesis=EN[::-1], label=[0, 1, 2, 0]))


@pytest.fixture
def salt(tok, ds):
    s = Salt(mlm=tiny(tok), word_lang=LEX.get, ratio=0.5, k=3)
    s.prepare(tiny(tok, BertForSequenceClassification, num_labels=3), tok, ds)
    return s


def test_inspector_follows_its_controls(salt, tok, ds):
    w = SaltInspector(salt, tok, ds, n=2)
    first = w.versions.value
    assert 'the cat eats fish' in first and ':xx]' in first
    w.index.value = 1
    assert 'a dog sees the bird' in w.versions.value and w.versions.value != first
    assert 'dog' in w.subs.value and '<table' in w.subs.value
    before = w.versions.value
    w.seed.value = 5                          # other draws, same example
    assert w.versions.value != before and 'a dog sees the bird' in w.versions.value
    w.lam.value = 0.25
    z = np.array(w.figure.data[0].z)
    np.testing.assert_allclose(z[:, 0], 0.25)
    np.testing.assert_allclose(np.nansum(z, 1), 1.0, rtol=1e-6)
    assert 'λ = 0.25' in w.figure.layout.title.text


def test_inspector_without_mixup_shows_full_switch(tok, ds):
    s = Salt('salt-cs', mlm=tiny(tok), word_lang=LEX.get, ratio=0.5, k=3)
    s.prepare(tiny(tok, BertForSequenceClassification, num_labels=3), tok, ds)
    w = SaltInspector(s, tok, ds)
    w.lam.value = 0.8  # no mixup: the original keeps no weight whatever the slider says
    np.testing.assert_allclose(np.array(w.figure.data[0].z)[:, 0], 0.0)


def test_loss_before_prepare_and_bad_inputs(tok, ds):
    s = Salt(mlm=tiny(tok))
    m = tiny(tok, BertForSequenceClassification, num_labels=3).train()
    b = dict(tok(EN[:2], padding=True, return_tensors='pt'), labels=torch.tensor([0, 1]))
    with pytest.raises(RuntimeError, match='before Salt.prepare'): s.loss(m, b)
    with pytest.raises(ValueError, match="unknown mode 'nn'; known: mlm, embed"):
        build_substitutes(tiny(tok), tok, _examples(tok, ds, 32), allowed_vocab(tok), mode='nn')
    with pytest.raises(ValueError, match='ratio must be in'):
        Salt(mlm=tiny(tok), ratio=0)
    with pytest.raises(ValueError, match='no known text columns'):
        Salt(mlm=tiny(tok)).prepare(m, tok, Dataset.from_dict(dict(words=['a'], label=[0])))


def test_cache_survives_a_corrupt_file(tok, ds, cache):
    ex, ok = _examples(tok, ds, 32), allowed_vocab(tok, langs=vocab_langs(tok, LEX.get))
    t1 = build_substitutes(tiny(tok), tok, ex, ok, ratio=0.5, k=3)
    files = list(cache.rglob('subs.npz')); assert len(files) == 1
    files[0].write_bytes(files[0].read_bytes()[:50])  # a crash mid-copy, a full disk
    with pytest.warns(UserWarning, match='rebuilding the corrupt substitute cache'):
        t2 = build_substitutes(tiny(tok), tok, ex, ok, ratio=0.5, k=3)
    assert not t2.from_cache
    for e in ex:
        for a, b in zip(t1.get(e['input_ids']), t2.get(e['input_ids'])): assert torch.equal(a, b)
    assert build_substitutes(tiny(tok), tok, ex, ok, ratio=0.5, k=3).from_cache



def test_cache_key_ignores_the_tokenizers_call_state(tok, ds):
    "A padded or truncated tokenizer call changes the backend's settings, not its vocabulary: still a cache hit."
    ex, ok = _examples(tok, ds, 32), allowed_vocab(tok, langs=vocab_langs(tok, LEX.get))
    tok(['the cat'], padding='max_length', truncation=True, max_length=8)
    assert not build_substitutes(tiny(tok), tok, ex, ok, ratio=0.5, k=3).from_cache
    tok(['the cat', 'a dog sees the bird'], padding=True)
    assert build_substitutes(tiny(tok), tok, ex, ok, ratio=0.5, k=3).from_cache

def test_unseen_examples_get_late_substitutes(salt, tok):
    m = tiny(tok, BertForSequenceClassification, num_labels=3).train()
    b = dict(tok(['un gato eats fish'], ['the dog'], padding=True, return_tensors='pt'), labels=torch.tensor([1]))
    loss = salt.loss(m, b)
    assert torch.isfinite(loss) and salt.stats['late'] == 1
    salt.loss(m, b); assert salt.stats['late'] == 1  # computed once, then in the table


def test_embed_mode_and_consistency_term(tok, ds):
    clf = tiny(tok, BertForSequenceClassification, num_labels=3)
    s = Salt(mode='embed', word_lang=LEX.get, ratio=0.5, k=2, w_kl=1.0)
    s.prepare(clf, tok, ds)
    assert len(s.table) == len(ds)
    clf.train()
    b = dict(tok(EN, EN[::-1], padding=True, return_tensors='pt'), labels=torch.tensor([0, 1, 2, 0]))
    loss = s.loss(clf, b); loss.backward()
    assert torch.isfinite(loss) and s.stats['late'] == 0 and s.stats['switched'] > 0



@pytest.mark.parametrize('variant,w_kl', [('salt', 0.0), ('salt-cs', 0.0), ('salt-mixup', 0.0), ('salt', 0.7)])
def test_fused_loss_equals_two_separate_passes(tok, ds, variant, w_kl):
    "One forward over [clean; augmented] gives the loss of a clean pass plus an augmented pass (dropout off)."
    import torch.nn.functional as F
    from xltnb.methods.salt import _rows, mix_embeds, switch_plan
    clf = tiny(tok, BertForSequenceClassification, num_labels=3, hidden_dropout_prob=0.0,
               attention_probs_dropout_prob=0.0).train()
    s = Salt(variant, mlm=tiny(tok), word_lang=LEX.get, ratio=0.5, k=3, w_clean=0.8, w_aug=1.3, w_kl=w_kl)
    s.prepare(clf, tok, ds)
    b = dict(tok(EN, EN[::-1], padding=True, return_tensors='pt'), labels=torch.tensor([0, 1, 2, 0]))
    torch.manual_seed(3); fused = s.loss(clf, dict(b))
    # the same random draws, replayed in the loss's order (switch plan, then lambda), then two separate passes
    torch.manual_seed(3)
    plan = switch_plan(_rows(s, b), s.ratio, s.online)
    lam = torch.distributions.Beta(s.alpha, s.alpha).sample((4,)) if s.mixup else torch.zeros(4)
    e = clf.get_input_embeddings(); clean = e(b['input_ids']); aug = mix_embeds(clean, e.weight, plan, lam, soft=s.soft)
    assert plan is not None and not torch.equal(clean, aug)  # the augmented view really differs
    kw = dict(attention_mask=b['attention_mask'], token_type_ids=b['token_type_ids'])
    lc, la = clf(inputs_embeds=clean, **kw).logits, clf(inputs_embeds=aug, **kw).logits
    want = 0.8 * F.cross_entropy(lc, b['labels']) + 1.3 * F.cross_entropy(la, b['labels'])
    if w_kl: want = want + w_kl * F.kl_div(la.log_softmax(-1), lc.detach().softmax(-1), reduction='batchmean')
    # float32: the batched and the separate matmuls sum in different orders; each logit is a sum of a few
    # hundred products, so they agree to ~1e-6 relative (eps 1.2e-7 times the reduction length), far below 1e-5
    torch.testing.assert_close(fused, want, rtol=1e-5, atol=1e-6)


# ---- the paper notebook's parameters and presets (its first two code cells, as papermill would run them)
from pathlib import Path
import yaml
ROOT = Path(__file__).resolve().parents[1]


def _head_cells(**overrides):
    "The parameters cell, `overrides` and the set-up cell, as papermill runs them (the `reference` cells skipped)."
    from paper_head import paper_head
    return paper_head('salt', **overrides)


@pytest.mark.parametrize('preset', ['smoke', 'cpu', 'gpu', 'paper'])
def test_every_preset_file_is_valid(preset, monkeypatch):
    from xltnb.core import ResourceUnavailable
    from xltnb.protocol import PROTOCOLS
    monkeypatch.setenv('HF_HUB_OFFLINE', '1')
    params = yaml.safe_load((ROOT / 'configs' / 'salt' / f'{preset}.yaml').read_text())
    assert params.get('preset', 'smoke') == preset  # smoke.yaml: only what differs from the notebook's defaults
    if preset in ('smoke', 'cpu'):
        ns = _head_cells(**params)
        assert ns['seeds'] == list(PROTOCOLS[preset].seeds)  # the shared protocol's seeds
        # smoke: the baseline, its compute-matched control, SALT (usage filter) and its lexicon-oracle ablation; cpu
        # (the main job): the paper's comparison only, the controls judged on the shipped reference
        assert ns['P']['methods'] == (['baseline', 'salt'] if preset == 'cpu' else
                                      ['baseline', 'baseline-2x', 'salt', 'salt-oracle'])
        assert ns['PR'].tasks == ('world-nli',) and ns['PR'].departures['why']  # a departure says why
    elif not torch.cuda.is_available():
        with pytest.raises(ResourceUnavailable, match=rf"preset '{preset}' needs .*presets that run here: smoke, cpu"):
            _head_cells(**params)


def test_paper_preset_is_the_xtreme_protocol_with_both_backbones():
    from xltnb.protocol import protocol
    p = yaml.safe_load((ROOT / 'configs' / 'salt' / 'paper.yaml').read_text())
    P = protocol('paper', p['protocol'], p['why'])
    assert P.models == ('xlm-roberta-base', 'bert-base-multilingual-cased') and P.tasks == ('xnli', 'pawsx')
    assert (P.lr, P.batch_size, P.max_length, P.epochs, P.n_train) == ({'xnli': 2e-5, 'pawsx': 2e-5}, 32, 128, 5.0, 0)


def test_bad_parameters_fail_before_any_work():
    from xltnb.core import ParamError
    with pytest.raises(ParamError, match="unknown parameter"): _head_cells(ratioo=0.2)
    with pytest.raises(ParamError, match="'salt-dict' is not allowed; allowed: baseline, baseline-2x, salt, salt-cs, "
                                         "salt-mixup, salt-oracle, salt-cs-oracle, salt-mixup-oracle"):
        _head_cells(methods=['baseline', 'salt-dict'])
    with pytest.raises(ParamError, match="parameter 'k' must be int"): _head_cells(k='five')
    with pytest.raises(ParamError, match="'salt-oracle' is not allowed; allowed: baseline, baseline-2x, salt, salt-cs, "
                                         "salt-mixup"):
        _head_cells(rt_methods=['baseline', 'salt-oracle'])  # no lexicon oracle on real text
    with pytest.raises(ParamError, match="realtext: the realtext testbed has no protocol at preset 'paper'; it has: "
                                         "smoke, cpu, gpu"):
        _head_cells(preset='paper', realtext=True)
    with pytest.raises(ValueError, match="need a reason"): _head_cells(rt_protocol={'tasks': ['msg-topic']})


def test_realtext_runs_under_the_realtext_protocol_at_smoke_and_gpu():
    from xltnb.paper import notebook_params
    from xltnb.protocol import REALTEXT
    defaults = {k: p.default for k, p in notebook_params('salt').items()}  # smoke.yaml: what differs from them
    smoke, cpu, gpu = ({**defaults, **yaml.safe_load((ROOT / 'configs' / 'salt' / f'{p}.yaml').read_text())}
                       for p in ('smoke', 'cpu', 'gpu'))
    assert smoke['realtext'] and not cpu['realtext'] and gpu['realtext']  # cpu: real text on the baseline page
    assert gpu['rt_methods'] == ['baseline', 'baseline-2x', 'salt', 'salt-cs', 'salt-mixup']
    assert not REALTEXT['gpu'].encoder  # gpu: e5-small fully fine-tuned
    ns = _head_cells(**smoke)
    assert ns['RT'] == REALTEXT['smoke'] and ns['RT'].encoder == {'trim': True, 'freeze': True}


def test_text_langs_tells_pieces_by_usage(tok):
    from xltnb.methods.salt_substitutes import text_langs
    tl = text_langs(tok, {'en': EN + ['lo cat'], 'xx': XX + ['un gato', 'gato']})
    assert (tl['cat'], tl['gato'], tl['kano']) == ('en', 'xx', 'xx')
    assert tl['lo'] == 'en'  # the source uses it: never a substitute, however often the target does
    ok = allowed_vocab(tok, langs=vocab_langs(tok, tl.get))
    assert ok[tok.convert_tokens_to_ids('gato')] and not ok[tok.convert_tokens_to_ids('lo')]


def test_measured_runs_are_checked_before_any_work(tmp_path):
    with pytest.raises(FileNotFoundError,
                       match="measured: measured records 'nope.jsonl': no such file; give a results.jsonl"):
        _head_cells(measured=['nope.jsonl'])
    from xltnb.results import make_records, write_records
    f = write_records(tmp_path / 'results.jsonl', make_records({'en': 0.9}, paper='salt', method='baseline',
                                                               task='world-nli', model='world-tiny', preset='smoke',
                                                               seed=0))
    with pytest.raises(ValueError, match="holds world-nli, which this run also trains"):
        _head_cells(measured=[str(f)])


def test_each_ablation_changes_one_switch_and_keeps_the_filter():
    "SALT's ablations differ from it in the one part they remove; none drops the not-original / not-English filter."
    from xltnb.methods.salt import VARIANTS
    for v in ('salt-cs', 'salt-mixup'):
        assert sum(VARIANTS[v][k] != VARIANTS['salt'][k] for k in VARIANTS['salt']) == 1, (v, VARIANTS[v])
        assert VARIANTS[v]['code_switch'], v
    assert [k for k in VARIANTS['salt'] if VARIANTS['salt-cs'][k] != VARIANTS['salt'][k]] == ['mixup']
    assert [k for k in VARIANTS['salt'] if VARIANTS['salt-mixup'][k] != VARIANTS['salt'][k]] == ['soft']


@pytest.mark.parametrize('variant', ['salt', 'salt-cs', 'salt-mixup'])
def test_usage_filter_keeps_substitutes_out_of_english(tok, ds, variant):
    "Real text: `texts` (unlabelled, per language) tell a piece's language; every variant then switches into xx only."
    from xltnb.methods.salt import substitute_shares
    from xltnb.methods.salt_substitutes import text_langs
    texts = {'en': EN + EN[::-1], 'xx': XX}
    s = Salt(variant, mlm=tiny(tok), texts=texts, ratio=1.0, k=3, cache=False)
    s.prepare(tiny(tok, BertForSequenceClassification, num_labels=3), tok, ds)
    assert s.config()['lang_filter'] == 'usage'
    subs = {tok.convert_ids_to_tokens(i) for _, sub, p in s.table.rows.values() for i in sub[p > 0].tolist()}
    assert subs and {LEX.get(w) for w in subs} == {'xx'}, subs
    shares = substitute_shares(s, tok, text_langs(tok, texts).get)
    assert shares['other'] == 1.0 and shares['substitutes'] >= len(subs)
    bare = Salt(variant, mlm=tiny(tok), ratio=1.0, k=3, cache=False)  # no filter: English words come back
    bare.prepare(tiny(tok, BertForSequenceClassification, num_labels=3), tok, ds)
    assert bare.config()['lang_filter'] == 'none' and substitute_shares(bare, tok, LEX.get)['source'] > 0
