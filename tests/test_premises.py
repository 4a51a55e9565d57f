"""Premises and gates on made-up records: a composite claim cannot hold without what it presupposes, a claim about an
aligned arm is not judged on an arm that is not aligned, and a gate that hides gains never hides a decided loss."""
import numpy as np

from xltnb.results import check_claims, make_records

BASE = dict(task='world-nli', model='m', preset='cpu', split='test')


def _pairs(method, seed, same, mixed):
    "One seed's generalized-pair accuracies of `method` (de, fr: same-language `same`, mixed `mixed`), English 0.9."
    import pandas as pd
    m = pd.DataFrame([[same, mixed], [mixed, same]], index=['de', 'fr'], columns=['de', 'fr'])
    return (make_records(m, paper='robust', method=method, seed=seed, **BASE)
            + make_records({'en': 0.9, 'de': same, 'fr': same}, paper='robust', method=method, seed=seed, **BASE)
            + [dict(paper='robust', method=method, seed=seed, metric='majority', lang='en', value=0.34, **BASE)])


def _robust(same_gain, mixed_gain):
    "Baseline and RS-DA over five seeds: RS-DA moves same-language pairs by `same_gain[s]`, mixed by `mixed_gain[s]`."
    return [r for s in range(5) for r in _pairs('baseline', s, 0.60 + s / 100, 0.50 + s / 100)
            + _pairs('rs-da', s, 0.60 + s / 100 + same_gain[s], 0.50 + s / 100 + mixed_gain[s])]


def _rows(records, paper):
    import xltnb.methods.robust, xltnb.othello.mothello  # noqa: F401  (register the claims)
    return check_claims(records, paper=paper).set_index('claim')


LARGER = 'the gain is larger in generalized (mixed-language) than in standard transfer'
MIXED = 'robust training (RS-DA) beats plain fine-tuning on mixed-language pairs'


def test_larger_in_generalized_needs_a_gain_there():
    jitter = np.array([0.0, 0.001, -0.001, 0.002, -0.002])
    worse = _rows(_robust(-0.06 + jitter, -0.02 + jitter), 'robust')  # RS-DA worse everywhere, less so on mixed pairs
    assert worse.loc[LARGER, 'raw'] == 'holds'  # mixed − same moves by +4 points ...
    assert worse.loc[MIXED, 'verdict'] == 'contradicted'
    assert worse.loc[LARGER, 'verdict'] == 'contradicted', worse.loc[LARGER, 'why']  # ... but there is no gain
    flat = _rows(_robust(-0.06 + jitter, np.array([0.02, -0.02, 0.01, -0.01, 0.0])), 'robust')  # mixed undecided
    assert flat.loc[LARGER, 'verdict'] != 'holds'
    gain = _rows(_robust(-0.02 + jitter, 0.04 + jitter), 'robust')  # a gain on mixed pairs, larger than on same ones
    assert (gain.loc[MIXED, 'verdict'], gain.loc[LARGER, 'verdict']) == ('holds', 'holds')


def _othello(aligned_gap, fall):
    "The fine-tuning anchors arm over five seeds: probe mixed − same `aligned_gap`, target accuracy falls by `fall`."
    out = []
    base = dict(paper='mothello', task='othello6x6', model='m', preset='cpu', split='test', method='anchors',
                group='finetune', kinds='atomic+atomic', n_anchors=4)
    for s in range(5):
        j = s / 1000
        for lang in ('A', 'B'):
            out.append(dict(base, seed=s, metric='legal_move_acc', phase='pretrain', lang=lang, value=0.95))
        for ck, tgt in (('start', 0.9), ('end', 0.9 - fall + j)):
            ft = dict(base, seed=s, metric='legal_move_acc', phase='finetune', checkpoint=ck, ft_lang='A')
            out += [dict(ft, lang='A', value=0.95), dict(ft, lang='B', value=tgt)]
        for pair, v in (('same', 0.80 + j), ('mixed', 0.80 + aligned_gap - j)):
            out.append(dict(base, seed=s, metric='probe_acc', phase='pretrain', pair=pair, lang_a='A',
                            lang_b='A' if pair == 'same' else 'B', value=v))
    return out


ALONE = 'alignment by anchor tokens alone does not give transfer: the other language falls'


def test_alignment_alone_is_judged_only_on_an_aligned_arm():
    aligned = _rows(_othello(-0.02, 0.2), 'mothello')
    assert aligned.loc[ALONE, 'verdict'] == 'holds', aligned.loc[ALONE, 'why']
    unaligned = _rows(_othello(-0.20, 0.2), 'mothello')
    assert unaligned.loc[ALONE, 'raw'] == 'holds'  # the other language falls ...
    assert unaligned.loc[ALONE, 'verdict'] == 'not measurable'  # ... but the arm is not aligned: nothing to conclude
    assert 'is not aligned' in unaligned.loc[ALONE, 'why'], unaligned.loc[ALONE, 'why']
