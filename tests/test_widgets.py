"""The harness's widgets driven as a user would: set a control's `.value`, check what the observer redrew.
Records and predictions come from a real (untrained) world-tiny model on the smoke world, not from hand-made data."""
import pytest
import torch

from xltnb.encoders import load_encoder
from xltnb.evaluate import alignment, generalized_matrix, predictions, zero_shot
from xltnb.results import frame_records, make_records
from xltnb.tasks import task_info
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
    assert [t.name for t in insp.figure.data] == ['baseline', 'other']
    assert list(insp.figure.data[0].x) == LANGS + ['avg', 'avg_xen']
    insp.methods.value = ('baseline',)
    assert [t.name for t in insp.figure.data] == ['baseline']
    insp.seed.value = 1  # one seed: the bars are that seed's numbers, std 0
    de = [r['value'] for r in recs if r.get('lang') == 'de' and r['seed'] == 1 and r['metric'] == 'accuracy']
    assert insp.figure.data[0].y[1] == pytest.approx(de[0] * 100) and insp.figure.data[0].error_y.array[1] == 0
    insp.seed.value = 'all'
    assert insp.seed.label == 'all (mean ± std)' and insp.baseline.label == 'baseline'  # no option shows a blank box
    insp.view.value = 'pairs'
    assert insp.figure.data[0].type == 'heatmap' and insp.figure.data[0].zmid is None  # baseline vs itself: no delta
    insp.methods.value = ('other',)  # now 'other' minus the baseline, diverging around 0
    assert insp.figure.data[0].zmid == 0 and 'other − baseline' in insp.figure.layout.title.text
    insp.view.value = 'alignment'
    assert insp.figure is None and "no 'accuracy' records" in insp.error  # accuracy has no layers: said, not raised
    insp.metric.value = 'cosine'
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
