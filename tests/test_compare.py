"`xltnb compare` at smoke: end to end from the command line, bad class paths, methods that break the protocol, resume."
import json, os, subprocess
from pathlib import Path

import pytest

from xltnb.cli import main
from xltnb.compare import ProtocolBroken, compare_method, load_comparison
from xltnb.finetune import Method
from xltnb.results import load_records, rerun_identity
from xltnb.world import make_world

WD = 'xltnb.examples.word_dropout:WordDropout'


@pytest.fixture
def store(tmp_path, monkeypatch):
    "A fresh run store for the test (the runs it trains are its own)."
    monkeypatch.setenv('XLTNB_RUNS', str(tmp_path / 'runs'))
    return tmp_path / 'runs'


@pytest.fixture(scope='module')
def smoke_store(tmp_path_factory):
    """One run store for the module's runs at smoke: the end-to-end test (first in the file) trains the baseline and
    its compute-matched control there, and the resume test reads them instead of training them again."""
    return tmp_path_factory.mktemp('smoke-store')


@pytest.mark.slow  # the command end to end
def test_command_end_to_end_at_smoke_and_a_rerun_reads_the_store(tmp_path, xltnb_bin, smoke_store):
    "From a class path to the verdict table: records, run record, page; a rerun trains nothing and gives the same."
    out, env = tmp_path / 'out', {**os.environ, 'XLTNB_RUNS': str(smoke_store)}
    assert not (smoke_store / 'finetune').exists(), 'the store is not fresh: this test must run first in the module'
    cmd = [xltnb_bin, 'compare', WD, '--preset', 'smoke', '--seeds', '0', '--tasks', 'world-nli', '--out', str(out),
           '--threads', '1', '--set', 'p=0.2']
    r = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=600, stdin=subprocess.DEVNULL)
    assert r.returncode == 0, r.stderr[-3000:]
    assert 'compare:' not in r.stderr  # stderr is no terminal: no tqdm bar over the runs, so a log holds no redraws
    assert 'trained here, because the shipped reference (none at this preset) lacks them: baseline world-nli seed 0; ' \
           'baseline-2x world-nli seed 0' in r.stdout
    for arm in ('word-dropout', 'baseline', 'baseline-2x'):
        assert f'{arm} world-nli seed 0: trained and tested in' in r.stdout
    assert 'word-dropout beats baseline (world-nli, world-tiny, accuracy.avg_xen)' in r.stdout
    assert 'word-dropout beats baseline-2x (world-nli, world-tiny, accuracy.mixed)' in r.stdout
    recs = load_records(out / 'results.jsonl')
    assert {r['method'] for r in recs} == {'word-dropout', 'baseline', 'baseline-2x'}
    assert {r['preset'] for r in recs} == {'smoke'} and {r['paper'] for r in recs} == {'compare'}
    cfg = json.loads((out / 'config.json').read_text())
    assert cfg['command'] == 'xltnb ' + ' '.join(cmd[1:])
    assert cfg['params']['method_config']['p'] == 0.2 and cfg['params']['threads'] == 1
    assert set(cfg['seconds']['update_cpu_s']) == {'baseline', 'word-dropout', 'baseline-2x'}
    page = (out / 'compare.html').read_text()
    assert '<h1>word-dropout on the shared protocol (smoke)</h1>' in page and '<table' in page
    assert '<strong>word-dropout beats baseline</strong>' in page
    c = load_comparison(out)
    assert len(c.claims) == 4 and set(c.claims['verdict']) == {'not measurable'}  # smoke: the baselines learn nothing

    again = subprocess.run(cmd + ['--quiet'], capture_output=True, text=True, env=env, timeout=600,
                           stdin=subprocess.DEVNULL)
    assert again.returncode == 0, again.stderr[-3000:]
    assert 'compare:' not in again.stderr and 'trained and tested' not in again.stdout  # --quiet: no bars, no lines
    assert 'word-dropout beats baseline (world-nli, world-tiny, accuracy.avg_xen)' in again.stdout
    rerun = load_records(out / 'results.jsonl')
    assert {r['cached'] for r in rerun} == {True} and {r['cached'] for r in recs} == {False}  # all from the store
    ident = rerun_identity(rerun, recs)
    assert ident['shared'] == len(recs) and ident['identical'] == ident['shared']


@pytest.mark.parametrize('spec, message', [
    ('xltnb.examples.word_dropout', "method 'xltnb.examples.word_dropout' is not MODULE:CLASS; give MODULE:CLASS"),
    ('no_such_module_xyz:M', "no module 'no_such_module_xyz'"),
    ('nowhere/mine.py:M', "method file 'nowhere/mine.py' does not exist"),
    ('xltnb.examples.word_dropout:Nope', "has no 'Nope'; its Method subclasses: WordDropout"),
    ('xltnb.finetune:Collator', 'Collator is a class whose bases are object, not a subclass of xltnb.finetune.Method'),
    ('xltnb.finetune:finetune', 'finetune is a function, not a subclass of xltnb.finetune.Method'),
])
def test_a_bad_class_path_exits_2_naming_it(spec, message, capsys, store):
    assert main(['compare', spec, '--preset', 'smoke']) == 2
    err = capsys.readouterr().err
    assert err.startswith('xltnb compare: error: ') and message in err
    assert not store.exists()  # nothing ran


def test_bad_settings_exit_2_naming_the_allowed(capsys, store):
    assert main(['compare', WD, '--preset', 'smoke', '--tasks', 'xnil']) == 2
    err = capsys.readouterr().err
    assert "task 'xnil' is not a task of the smoke protocol; its tasks: world-nli, world-paws" in err
    assert main(['compare', WD, '--preset', 'smoke', '--set', 'q=1']) == 2
    assert "unexpected keyword argument 'q'; its parameters: p, seed" in capsys.readouterr().err
    assert main(['compare', WD, '--preset', 'tpu']) == 2
    assert "unknown preset 'tpu'; known: smoke, cpu, gpu, paper" in capsys.readouterr().err


class Unnamed(Method):
    "A method that forgot its name: it would be the baseline."


class FailsFirst(Method):
    name = 'fails-first'

    def loss(self, model, batch): raise ZeroDivisionError('a bug in the loss')


def test_a_method_that_fails_in_its_first_step_stops_before_training(tmp_path, store):
    with pytest.raises(ProtocolBroken, match=r"method 'fails-first' fails in its first step on world-nli, at "
                                             r"loss: ZeroDivisionError: a bug in the loss \(loss\(model, batch\) must"):
        compare_method(FailsFirst, 'smoke', seeds=[0], tasks=['world-nli'], out=tmp_path / 'out', progress=False)
    assert not (store / 'finetune').exists() and not (tmp_path / 'out' / 'results.jsonl').exists()
    with pytest.raises(ValueError, match=r"Unnamed.name is 'baseline', a shipped arm's name"):
        compare_method(Unnamed, 'smoke', seeds=[0], tasks=['world-nli'], progress=False)


class ChangesTestData(Method):
    "Reverses the smoke world's world-nli test items: in its first step, or (`late`) only in the real run."
    name, late = 'changes-test', False

    def prepare(self, model, tokenizer, train_ds):
        if len(train_ds) > 64 or not self.late: make_world('smoke').items('nli', 'test').reverse()  # 64: first step's
        return train_ds


@pytest.mark.parametrize('late', [False, True])
def test_a_method_that_changes_the_test_data_stops(late, tmp_path, store, monkeypatch):
    "Caught after the first step, or (a change made only in the real run) on the arm's own predictions."
    monkeypatch.setattr(ChangesTestData, 'late', late)
    items = make_world('smoke').items('nli', 'test')
    before = list(items)
    try:
        where = 'changes-test on world-nli, seed 0' if late else "changes-test's first step"
        with pytest.raises(ProtocolBroken, match=f"{where}: the test items of world-nli in 'en' are not the "
                                                 f"protocol's .* the method changed the test data"):
            compare_method(ChangesTestData, 'smoke', seeds=[0], tasks=['world-nli'], out=tmp_path / 'out',
                           progress=False)
        assert not (tmp_path / 'out' / 'results.jsonl').exists()  # nothing written for it
    finally: items[:] = before  # the world is shared by the whole test session


class Flaky(Method):
    "Fails at its `fail_at`-th training update after the harness's prepare (a class setting: not in the run's key)."
    name, fail_at, n = 'flaky', None, 0

    def prepare(self, model, tokenizer, train_ds):
        type(self).n = 0 if len(train_ds) > 64 else -10**6  # count the real run's updates, not the first step's
        return train_ds

    def loss(self, model, batch):
        type(self).n += 1
        if type(self).n == type(self).fail_at: raise RuntimeError('killed mid-run')
        return super().loss(model, batch)


def test_a_run_stopped_mid_way_resumes_from_its_checkpoint(tmp_path, smoke_store, monkeypatch):
    """smoke: 12 updates, a checkpoint every 3; stopped at update 8, the same command resumes from checkpoint 6. The
    baselines are read from the module's store where the end-to-end test trained them (trained here if it did not)."""
    store = smoke_store
    monkeypatch.setenv('XLTNB_RUNS', str(store))
    monkeypatch.setattr(Flaky, 'fail_at', 8)
    kw = dict(preset='smoke', seeds=[0], tasks=['world-nli'], out=tmp_path / 'out', progress=False)
    with pytest.raises(RuntimeError, match='flaky on world-nli, seed 0, failed: RuntimeError: killed mid-run. Finished '
                                           'runs are kept in the run store.*run the same command again'):
        compare_method(Flaky, **kw)
    monkeypatch.setattr(Flaky, 'fail_at', None)
    c = compare_method(Flaky, **kw)
    res = [json.loads(p.read_text()) for p in (store / 'finetune' / 'world-nli' / 'flaky').rglob('result.json')]
    assert [(r['resumed_from'], r['global_step']) for r in res] == [('checkpoint-6', 12)]
    assert {r['method'] for r in c.records} == {'flaky', 'baseline', 'baseline-2x'}
    written = load_records(Path(kw['out']) / 'results.jsonl')
    assert {r['method'] for r in written} == {'flaky', 'baseline', 'baseline-2x'}


@pytest.fixture(scope='module')
def docs(root):
    "The offline docs (built here if the compare page is missing, as tests/test_docs.py does)."
    if not all((root / '_docs' / p).exists() for p in ('index.html', 'compare.html')):
        r = subprocess.run(['bash', str(root / 'tools' / 'docs.sh')], capture_output=True, text=True)
        assert r.returncode == 0, f'tools/docs.sh failed:\n{r.stderr[-4000:]}'  # the cause, not only the exit code
    return root / '_docs'


def test_compare_page_renders_the_shipped_cpu_result(browser, docs):
    "The page shows the example's file and, computed by the docs build from the shipped records, its cpu verdicts."
    page, errors = browser.new_page(), []
    page.on('console', lambda m: errors.append(m.text) if m.type == 'error' else None)
    page.on('pageerror', lambda e: errors.append(str(e)))
    page.goto((docs / 'compare.html').resolve().as_uri()); page.wait_for_load_state('load')
    assert page.title() == 'Compare your method'
    heads = [h.strip() for h in page.locator('h2').all_inner_texts()]
    for h in ('Your method, in one file', 'The first step', 'The test items', 'At cpu: word dropout beside the papers'):
        assert h in heads, f'section {h!r} missing; h2 headings: {heads}'
    assert 'compare_method' in [h.strip() for h in page.locator('h3').all_inner_texts()]  # its API doc
    body = page.inner_text('body')
    assert 'class WordDropout(Method)' in body  # the example's file, shown
    assert 'word-dropout beats baseline (world-nli, world-small, accuracy.avg_xen)' in body  # the cpu verdicts
    assert 'word-dropout beats baseline-2x (world-nli, world-small, accuracy.mixed)' in body
    rows = page.locator('table tr').all_inner_texts()
    assert any('word-dropout' in r for r in rows) and any('salt-oracle' in r for r in rows)  # beside the shipped rows
    assert errors == []
