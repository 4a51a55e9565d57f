"""The harness's widgets driven as a user would: set a control's `.value`, check what the observer redrew.
Records and predictions come from a real (untrained) world-tiny model on the smoke world, not from hand-made data."""
import numpy as np
import pytest
import torch

from xltnb.encoders import load_encoder
from xltnb.evaluate import alignment, generalized_matrix, predictions, zero_shot
from xltnb.results import frame_records, make_records
from xltnb.tasks import task_info
from xltnb.verdicts import reference_inspector
from xltnb.viz import ExampleBrowser, ResultsInspector

LANGS = ['en', 'de', 'ru']


@pytest.fixture(scope='module')
def run():
    torch.set_num_threads(1)
    base = dict(paper='test', task='world-nli', model='world-tiny', preset='smoke', split='test')
    recs, preds = [], None
    for method, seed in (('baseline', 0), ('baseline', 1), ('other', 0)):
        m, tok = load_encoder('world-tiny', head='seq-cls', num_labels=3, seed=seed + 10 * (method == 'other'))
        kw = dict(world='smoke', langs=LANGS)
        recs += make_records(zero_shot(m, tok, 'world-nli', **kw), method=method, seed=seed, **base)
        recs += make_records(generalized_matrix(m, tok, 'world-nli', **kw), method=method, seed=seed, **base)
        al = alignment(m, tok, 'world-bitext', **kw)
        recs += frame_records(al, value_cols=('retrieval', 'cosine'), **{**base, 'task': 'world-bitext'},
                              method=method, seed=seed)
        if preds is None: preds = predictions(m, tok, 'world-nli', text=True, **kw)
    return recs, preds


def test_results_inspector_follows_its_controls(run):
    recs, _ = run
    insp = ResultsInspector(recs)
    assert [t.name for t in insp.figure.data] == ['other'] and 'gain over baseline' in insp.figure.layout.title.text
    insp.baseline.value = ''  # no `vs`: every method's own numbers
    assert [t.name for t in insp.figure.data] == ['baseline', 'other']
    assert list(insp.figure.data[0].x) == LANGS + ['avg', 'avg_xen']
    insp.methods.value = ('baseline',)
    assert [t.name for t in insp.figure.data] == ['baseline']
    insp.seed.value = 1  # one seed: the bars are that seed's numbers, std 0
    de = [r['value'] for r in recs if r.get('lang') == 'de' and r['seed'] == 1 and r['metric'] == 'accuracy']
    assert insp.figure.data[0].y[1] == pytest.approx(de[0] * 100) and insp.figure.data[0].error_y.array[1] == 0
    insp.seed.value, insp.baseline.value = 'all', 'baseline'
    assert insp.seed.label == 'all (mean ± std)' and insp.baseline.label == 'baseline'  # no option shows a blank box
    insp.view.value = 'pairs'
    assert insp.figure.data[0].type == 'heatmap' and insp.figure.data[0].zmid is None  # baseline vs itself: no delta
    insp.methods.value = ('baseline', 'other')  # the baseline selected too: 'other' minus the baseline, around 0
    assert insp.figure.data[0].zmid == 0 and 'other − baseline' in insp.figure.layout.title.text
    assert insp.view.options == ('languages', 'pairs')  # accuracy has no layers: no alignment view offered
    insp.task.value = 'world-bitext'  # the metric and the view follow what that task holds
    assert insp.view.value == 'alignment' and insp.metric.value in ('cosine', 'retrieval')
    insp.metric.value, insp.methods.value = 'cosine', ('other',)
    assert [t.name for t in insp.figure.data] == ['other de', 'other ru']
    assert len(insp.figure.data[0].x) == 3  # layers 0..2 of world-tiny
    shown = insp.out.outputs[0]['data']['application/vnd.plotly.v1+json']  # what the Output widget displays
    assert [t['name'] for t in shown['data']] == ['other de', 'other ru']


def test_example_browser_filters_and_labels(run):
    _, preds = run
    names = task_info('world-nli')['label_names']
    br = ExampleBrowser(preds, names)
    assert br.lang.options == tuple(LANGS) and br.example['lang'] == 'en'
    br.lang.value = 'ru'
    assert br.example['lang'] == 'ru' and br.example['premise'] in br.html.value
    br.which.value = 'wrong'
    wrong = preds[(preds.lang == 'ru') & (preds.pred != preds.label)]
    assert br.index.max == len(wrong) - 1 and br.example['item_id'] == wrong.iloc[0]['item_id']
    assert f"<b>gold</b>: {names[wrong.iloc[0]['label']]}" in br.html.value
    br.index.value = br.index.max
    assert br.example['item_id'] == wrong.iloc[-1]['item_id']
    edit = wrong.iloc[0]['edit']
    br.edit.value = edit
    assert set(br.selection()['edit']) == {edit} and br.index.value == 0
    br.which.value = 'right'
    right = preds[(preds.lang == 'ru') & (preds.pred == preds.label) & (preds.edit == edit)]
    assert len(br.rows) == len(right)
    if len(right) == 0: assert br.example is None and 'no example' in br.html.value


PAPERS = ('baseline', 'salt', 'robust', 'metapretrain', 'langarith', 'mothello')


def numbers(fig) -> list:
    "Every number a figure draws (bar heights, line points or heat-map cells), trace by trace, rounded."
    return [tuple(np.round(np.asarray(t.z if t.type == 'heatmap' else t.y, dtype=float).ravel(), 6)) for t in fig.data]


@pytest.mark.parametrize('paper', PAPERS)
def test_reference_inspector_opens_on_data_and_follows_a_control(paper):
    """Each paper's inspector over its shipped references: opens on a figure with data, lists every method in sight,
    never pools testbeds or settings, and redraws when a control changes."""
    insp = reference_inspector(paper)
    assert insp.figure is not None and insp.error is None, insp.error
    assert any(len(t) for t in numbers(insp.figure)), 'the first figure draws nothing'
    assert insp.methods.rows >= len(insp.methods.options)  # no method hidden below the list's fold
    title = insp.figure.layout.title.text
    assert insp.testbed.value in title and (insp.setting.value or '') in title  # the figure says what it shows
    before, seed = numbers(insp.figure), insp.seed.options[1][1]
    insp.seed.value = seed  # one seed: that seed's numbers
    assert f'seed {seed}' in insp.figure.layout.title.text and numbers(insp.figure) != before
    insp.seed.value = 'all'
    if len(insp.testbed.options) > 1:  # another testbed: other records, never pooled with the first
        first = numbers(insp.figure)
        insp.testbed.value = insp.testbed.options[-1]
        assert insp.figure is not None and insp.testbed.value in insp.figure.layout.title.text
        assert numbers(insp.figure) != first
    if len(insp.setting.options) > 1:  # another setting (a checkpoint, an edit kind ...): its own numbers
        first = numbers(insp.figure)
        insp.setting.value = insp.setting.options[-1]
        assert insp.setting.value in insp.figure.layout.title.text and numbers(insp.figure) != first
    if 'baseline' in insp.methods.options:  # `vs` with the baseline among the selected methods
        insp.baseline.value = 'baseline'; insp.methods.value = tuple(insp.methods.options)
        assert 'gain over baseline' in insp.figure.layout.title.text
        assert 'baseline' not in [t.name for t in insp.figure.data]
        insp.view.value = 'pairs' if 'pairs' in insp.view.options else insp.view.value
        if insp.view.value == 'pairs':
            assert insp.figure.data[0].zmid == 0 and '− baseline' in insp.figure.layout.title.text
