"""`xltnb.paper`: a paper notebook's parameters checked against its own `parameters` cell, and the set-up every paper
notebook shares (protocol, GPU and hub check, threads, output folder, load keywords, run record, measured runs)."""
import json, os, shutil
from pathlib import Path

import pytest

from xltnb.core import ParamError, ResourceUnavailable, available_devices
from xltnb.paper import (Param, VERSIONED, check_corpus, find_notebook, measured_note, notebook_params, parse_params,
                         setup_paper)
from xltnb.reproduce import PAPERS

ROOT = Path(__file__).resolve().parents[1]
NO_GPU = 'cuda' not in available_devices() and os.environ.get('XLTNB_ALLOW_CPU', '0') != '1'


@pytest.fixture(autouse=True)
def offline(monkeypatch):
    monkeypatch.setenv('HF_HUB_OFFLINE', '1')  # the hub check answers at once: no hub here
    monkeypatch.delenv('XLTNB_ROOT', raising=False)


def defaults(paper: str, tmp_path: Path, **over) -> dict:
    "A namespace as papermill leaves it: the notebook's defaults, `over` injected, the output in tmp_path."
    return {**{k: p.default for k, p in notebook_params(paper).items()}, 'out_dir': str(tmp_path/'run'), **over}


# ---------------------------------------------------------------- the parameters cell


@pytest.mark.parametrize('paper', PAPERS)
def test_every_paper_notebook_declares_typed_parameters_with_defaults_of_their_type(paper):
    ps = notebook_params(paper)
    assert {'preset', 'seeds', 'out_dir'} <= set(ps), sorted(ps)
    assert ps['preset'] == Param('preset', str, 'smoke', ps['preset'].doc) and 'smoke' in ps['preset'].doc
    for p in ps.values():
        assert p.type in (str, int, float, bool, list, dict), p
        assert isinstance(p.default, p.type) or (p.type is float and type(p.default) is int), p


def test_parse_params_reads_names_types_defaults_and_comments():
    cell = ('preset: str = "smoke"  # smoke | cpu\n'
            'lr: float = 1e-3  # learning rate\n'
            '#   (reconstructed)\n'
            '# a heading of the next group\n'
            'steps = 4\n'
            'langs: list[str] = []\n')
    assert parse_params(cell) == {'preset': Param('preset', str, 'smoke', 'smoke | cpu'),
                                  'lr': Param('lr', float, 1e-3, 'learning rate (reconstructed)'),
                                  'steps': Param('steps', int, 4), 'langs': Param('langs', list, [])}


@pytest.mark.parametrize('cell, message', [
    ('n: int = "five"', "parameter 'n': default 'five' is not int; fix the annotation or the default"),
    ('flag: int = True', "parameter 'flag': default True is not int"),
    ('s: set = {1}', "parameter 's': annotation 'set' is not one of str, int, float, bool, list, dict, tuple"),
    ('x: int = 2 * y', "parameter 'x': default '2 * y' is not a literal"),
    ('import os', "line 1 of the parameters cell is not `name: type = literal`"),
])
def test_a_wrong_parameters_cell_fails_naming_the_parameter(cell, message):
    with pytest.raises(ValueError) as e: parse_params(cell)
    assert message in str(e.value)


def test_a_missing_notebook_fails_naming_it_and_the_papers_found():
    with pytest.raises(FileNotFoundError) as e: find_notebook('slat')
    assert "no notebook nbs/papers/slat.ipynb" in str(e.value)
    assert all(p in str(e.value) for p in PAPERS)  # the papers that are there
    with pytest.raises(FileNotFoundError, match='slat.ipynb'): setup_paper({}, 'slat')


def test_the_notebook_is_found_from_xltnb_root_first(tmp_path, monkeypatch):
    "$XLTNB_ROOT (the checkout `xltnb reproduce` runs) before the checkout that holds the package."
    (tmp_path/'nbs'/'papers').mkdir(parents=True)
    nb = json.loads((ROOT/'nbs'/'papers'/'mothello.ipynb').read_text())
    cell = next(c for c in nb['cells'] if 'parameters' in c['metadata'].get('tags', []))
    cell['source'] = ['preset: str = "smoke"\n', 'seeds: list = [0]\n', 'out_dir: str = "x"\n', 'extra: int = 1']
    (tmp_path/'nbs'/'papers'/'mothello.ipynb').write_text(json.dumps(nb))
    assert 'extra' not in notebook_params('mothello')
    monkeypatch.setenv('XLTNB_ROOT', str(tmp_path))
    assert find_notebook('mothello') == tmp_path/'nbs'/'papers'/'mothello.ipynb'
    assert list(notebook_params('mothello')) == ['preset', 'seeds', 'out_dir', 'extra']
    assert find_notebook('salt') == ROOT/'nbs'/'papers'/'salt.ipynb'  # not there: the package's checkout


def test_the_notebook_is_found_from_the_working_folder(tmp_path, monkeypatch):
    "A notebook opened in Jupyter runs in nbs/papers: the checkout above it counts too."
    monkeypatch.chdir(ROOT/'nbs'/'papers')
    assert find_notebook('salt') == ROOT/'nbs'/'papers'/'salt.ipynb'


# ---------------------------------------------------------------- setup_paper


def test_good_parameters_pass_and_are_returned_coerced(tmp_path):
    ns = defaults('mothello', tmp_path, seeds='0,1', lr=1, workers=1)  # as papermill injects `-p seeds 0,1 -p lr 1`
    S = setup_paper(ns, 'mothello', choices=dict(size=[6, 8]), at_least=dict(steps=0), threads=1)
    assert S.params['seeds'] == [0, 1] and ns['seeds'] == [0, 1]  # coerced in the notebook's namespace too
    assert S.params['lr'] == 1.0 and isinstance(S.params['lr'], float)
    assert set(S.params) == set(notebook_params('mothello')) and S.params['steps'] == 15
    assert (S.protocol, S.seeds, S.paper) == (None, [0, 1], 'mothello')
    assert S.out == tmp_path/'run' and S.out.is_dir()


@pytest.mark.parametrize('over, error, message', [
    (dict(steps='many'), ParamError, "parameter 'steps' must be int, got 'many' (str)"),
    (dict(reuse='maybe'), ParamError, "parameter 'reuse' must be bool, got 'maybe' (str)"),
    (dict(table_pairs='atomic+atomic,atomic+x'), ParamError,
     "parameter 'table_pairs': 'atomic+x' is not allowed; allowed: atomic+atomic, atomic+split, atomic+compositional"),
    (dict(size=7), ParamError, "parameter 'size': 7 is not allowed; allowed: 6, 8"),
    (dict(preset='tpu'), ParamError, "parameter 'preset': 'tpu' is not allowed; allowed: smoke, cpu, gpu, paper"),
    (dict(stepz=3), ParamError, "unknown parameter(s) 'stepz'; allowed: preset, seeds, out_dir"),
    (dict(steps=-1), ParamError, "steps must be >= 0, got -1 (steps: pretraining steps per model"),
    (dict(seeds=[0, -1]), ParamError, "seeds must be a list of ints >= 0, got [0, -1]"),
])
def test_a_bad_parameter_fails_before_any_work_naming_it(tmp_path, over, error, message):
    choices = dict(size=[6, 8], table_pairs=['atomic+atomic', 'atomic+split', 'atomic+compositional'])
    with pytest.raises(error) as e:
        setup_paper(defaults('mothello', tmp_path, **over), 'mothello', choices=choices, at_least=dict(steps=0))
    assert message in str(e.value)
    assert isinstance(e.value, ValueError)
    assert not (tmp_path/'run').exists()  # nothing made


def test_a_missing_parameter_fails(tmp_path):
    ns = defaults('mothello', tmp_path); del ns['steps']
    with pytest.raises(ParamError, match="missing parameter.*'steps'"): setup_paper(ns, 'mothello')


def test_a_protocol_paper_gets_its_protocol_seeds_load_keywords_and_run_record(tmp_path):
    from xltnb.protocol import PROTOCOLS
    ns = defaults('salt', tmp_path, protocol={'tasks': ['world-nli']}, why='one task is enough here', threads=1)
    S = setup_paper(ns, 'salt')
    assert S.protocol.tasks == ('world-nli',) and S.protocol.departures['why'] == 'one task is enough here'
    assert S.seeds == list(PROTOCOLS['smoke'].seeds) and S.params['seeds'] == []  # empty: the protocol's
    assert S.load_kw('world-nli') == dict(world=PROTOCOLS['smoke'].world)
    assert S.load_kw('msg-topic') == {}
    cfg = S.write_config(seconds=2.5)
    assert json.loads((S.out/'config.json').read_text()) == json.loads(json.dumps(cfg, default=str))
    assert cfg['paper'] == 'salt' and cfg['params'] == S.params and cfg['seconds'] == 2.5
    assert cfg['protocol']['tasks'] == ('world-nli',)
    assert cfg['departures']['why'] == 'one task is enough here'
    assert list(cfg['versions']) == list(VERSIONED) and all(cfg['versions'].values()) and cfg['python']
    with pytest.raises(ValueError, match=r"departures from the smoke protocol \(tasks\) need a reason"):
        setup_paper(defaults('salt', tmp_path/'other', protocol={'tasks': ['world-nli']}), 'salt')


def test_a_paper_without_protocol_loads_from_its_own_world_and_files(tmp_path):
    S = setup_paper(defaults('langarith', tmp_path, threads=1), 'langarith', versioned=['adapters'])
    assert S.protocol is None and S.load_kw('world-nli') == dict(world=S.params['world'])
    assert 'adapters' in S.config()['versions'] and 'protocol' not in S.config()
    data = tmp_path/'xnli'; data.mkdir()
    S = setup_paper(defaults('langarith', tmp_path, threads=1, data_dir=str(tmp_path/'{task}')), 'langarith')
    assert S.load_kw('xnli') == dict(data_dir=str(data)) and S.load_kw('world-nli') == dict(world=S.params['world'])


@pytest.mark.parametrize('extra, needs', [
    (dict(models=['world-tiny', 'e5-small']), False),  # offline encoders
    (dict(models=['FacebookAI/xlm-roberta-base']), True),  # a hub id
    (dict(tasks=['xnli']), True),  # a hub task without local files
    (dict(tasks=['world-nli', 'msg-topic', 'wikiann']), False),  # generated tasks; an unknown one is the notebook's
    (dict(corpora=['hub:wikimedia/wikipedia:20231101.{lang}']), True),
    (dict(corpora=['world', 'file:/x/{lang}.txt']), False),
])
def test_the_hub_is_required_only_for_what_is_not_here(tmp_path, extra, needs):
    ns = defaults('langarith', tmp_path, threads=1)
    if needs:
        with pytest.raises(ResourceUnavailable, match="preset 'smoke' needs the model hub.*presets that run here"):
            setup_paper(ns, 'langarith', **extra)
    else: assert setup_paper(ns, 'langarith', **extra).out.is_dir()


def test_local_files_and_folders_stand_in_for_the_hub_or_fail_naming_the_path(tmp_path):
    ns = defaults('langarith', tmp_path, threads=1)
    with pytest.raises(FileNotFoundError, match="data_dir '.*nowhere/xnli' is not a folder"):
        setup_paper({**ns, 'data_dir': str(tmp_path/'nowhere'/'{task}')}, 'langarith', tasks=['xnli'])
    (tmp_path/'xnli').mkdir()
    setup_paper({**ns, 'data_dir': str(tmp_path/'{task}')}, 'langarith', tasks=['xnli'])  # local files: no hub
    with pytest.raises(FileNotFoundError, match='no-such-model'):  # a path is never read as a hub id
        setup_paper(ns, 'langarith', models=[str(tmp_path/'no-such-model')])


@pytest.mark.skipif(not NO_GPU, reason='a GPU is here')
def test_a_preset_or_a_device_that_needs_a_gpu_stops_here(tmp_path):
    with pytest.raises(ResourceUnavailable, match="preset 'gpu' needs a CUDA GPU.*presets that run here: smoke, cpu"):
        setup_paper(defaults('mothello', tmp_path, preset='gpu'), 'mothello', threads=1)
    with pytest.raises(ResourceUnavailable, match="preset 'smoke' needs a CUDA GPU"):
        setup_paper(defaults('mothello', tmp_path, device='cuda'), 'mothello', gpu=True, threads=1)


def test_measured_runs_are_resolved_and_a_missing_one_is_named(tmp_path):
    ns = defaults('baseline', tmp_path, threads=1, world_records=['baseline-cpu-order-en.jsonl'])
    S = setup_paper(ns, 'baseline', measured=['dial_records', 'world_records'])
    assert S.measured['dial_records'].name == 'baseline-cpu-dial.jsonl' and S.measured['dial_records'].is_file()
    assert [p.name for p in S.measured['world_records']] == ['baseline-cpu-order-en.jsonl']
    S = setup_paper({**ns, 'dial_records': '', 'world_records': []}, 'baseline',
                    measured=['dial_records', 'world_records'])
    assert S.measured == {'dial_records': None, 'world_records': []}
    with pytest.raises(FileNotFoundError, match="world_records: measured records 'x.jsonl': no such file"):
        setup_paper({**ns, 'world_records': ['x.jsonl']}, 'baseline', measured=['world_records'])


def test_measured_note_says_what_where_and_how():
    meta = json.loads((ROOT/'xltnb'/'assets'/'measured'/'baseline-cpu-dial.json').read_text())
    text = measured_note('baseline-cpu-dial.jsonl', meta, 'drawn below').data
    assert text.startswith(f"**baseline-cpu-dial.jsonl**, drawn below: {meta['what']} Measured {meta['measured']}")
    assert f"; torch {meta['versions']['torch']}." in text and text.endswith(f"Command: `{meta['command']}`")
    assert measured_note('x.jsonl', {}).data == "**x.jsonl**: (no provenance file) Measured ?."


def test_check_corpus(tmp_path):
    (tmp_path/'en.txt').write_text('one\n')
    check_corpus('corpus', f'file:{tmp_path}/{{lang}}.txt', ['en'])
    with pytest.raises(FileNotFoundError, match=r"corpus 'file:.*': no file '.*de\.txt' \(1 of 2 missing\)"):
        check_corpus('corpus', f'file:{tmp_path}/{{lang}}.txt', ['en', 'de'])
    with pytest.raises(ValueError, match="la_corpus must be 'world', 'hub:.*got 'wikipedia'"):
        check_corpus('la_corpus', 'wikipedia', ['en'])


def test_every_paper_notebook_sets_itself_up_in_one_call():
    "The set-up is the library's: no notebook restates its parameters' types or checks the hub itself."
    for paper in PAPERS:
        code = [''.join(c['source']) for c in json.loads((ROOT/'nbs'/'papers'/f'{paper}.ipynb').read_text())['cells']
                if c['cell_type'] == 'code']
        text = '\n'.join(code)
        assert text.count(f"setup_paper(globals(), '{paper}'") == 1, paper
        for old in ('validate_params', 'require_resources', 'needs_hub', 'set_threads(', 'paper_config',
                    "out = Path(out_dir)", "out / 'config.json'"):
            assert old not in text, f'{paper}: {old}'


def test_a_notebook_outside_the_package_checkout_is_found_from_the_working_folder(tmp_path, monkeypatch):
    "Run from another checkout's nbs/papers (no package next to it): the working folder's checkout is found."
    (tmp_path/'nbs'/'papers').mkdir(parents=True)
    shutil.copy(ROOT/'nbs'/'papers'/'mothello.ipynb', tmp_path/'nbs'/'papers'/'other.ipynb')
    monkeypatch.chdir(tmp_path/'nbs'/'papers')
    assert find_notebook('other') == (tmp_path/'nbs'/'papers'/'other.ipynb').resolve()


# ---------------------------------------------------------------- the parameter schema (xltnb.params)


@pytest.mark.parametrize('paper', PAPERS)
def test_every_preset_file_passes_the_schema(paper):
    "Every preset's values are typed, allowed and in range: the schema is no stricter than the pages."
    from xltnb.params import preset_values, run_params
    for preset in ('smoke', 'cpu', 'gpu', 'paper'):
        p = run_params(paper, preset)
        assert p['preset'] == preset and all(p[k] == v for k, v in preset_values(paper, preset).items() if k != 'seeds')


def test_the_schema_agrees_with_the_pages_own_allowed_values():
    "RULES (read without importing a method) holds the same allowed values as each method's set-up keywords."
    from xltnb.params import RULES
    from xltnb.baseline import baseline_setup
    from xltnb.methods.langarith import langarith_setup
    from xltnb.methods.metapretrain import metapretrain_setup
    from xltnb.methods.robust import robust_setup
    from xltnb.methods.salt import salt_setup
    kw = dict(baseline=baseline_setup('world-tiny'), salt=salt_setup(), robust=robust_setup(),
              metapretrain=metapretrain_setup('world', 'world-nli', 'world'),
              langarith=langarith_setup(['world-tiny'], 'world-nli', 'world'))
    for paper, k in kw.items():
        assert {n: list(v) for n, v in k['choices'].items()} == RULES[paper]['choices'], paper
        for n, lo in k.get('at_least', {}).items():  # the pages' lower bounds hold in the schema's ranges
            assert lo >= 0 and n in notebook_params(paper), (paper, n)
    mo = ''.join(next(c['source'] for c in json.loads((ROOT/'nbs'/'papers'/'mothello.ipynb').read_text())['cells']
                      if 'setup_paper(' in ''.join(c['source'])))
    for name, allowed in RULES['mothello']['choices'].items():
        assert all(repr(v) in mo for v in allowed), name  # the page's own choices name the same values


@pytest.mark.parametrize('paper, over, message', [
    ('mothello', dict(steps=-5), 'steps must be >= 1, got -5 (steps: pretraining steps per model'),
    ('metapretrain', dict(total_steps=0), 'total_steps must be >= 1, got 0 (total_steps: pretraining budget'),
    ('langarith', dict(la_steps=-1), 'la_steps must be >= 1, got -1'),
    ('langarith', dict(grid=[0.0, 1.5]), 'grid: every item must be in [0, 1], got [0.0, 1.5]'),
    ('salt', dict(alpha=0), 'alpha must be > 0, got 0.0'),
    ('robust', dict(at_eps=-0.1), 'at_eps must be >= 0, got -0.1'),  # a number the rules do not name: >= 0
    ('baseline', dict(threads=0), 'threads must be >= 1, got 0'),
    ('salt', dict(nosuchkey=3), "unknown parameter(s) 'nosuchkey'; allowed: preset, seeds, out_dir"),
    ('salt', dict(mode='bert'), "parameter 'mode': 'bert' is not allowed; allowed: mlm, embed"),
    ('mothello', dict(preset='tpu'), "parameter 'preset': 'tpu' is not allowed; allowed: smoke, cpu, gpu, paper"),
    ('salt', dict(protocol={'stepz': 3}, why='x'), "protocol: unknown protocol setting 'stepz'; known: models"),
    ('baseline', dict(protocol={'tasks': ['world-nli']}), "departures from the smoke protocol (tasks) need a reason"),
    ('robust', dict(rt_protocol={'taks': []}, why='x'), "rt_protocol: unknown protocol setting 'taks'"),
])
def test_the_schema_refuses_a_bad_value_naming_it_and_the_allowed_ones(paper, over, message):
    "Checked as the command line checks a run, without torch (the import is tested in tests/test_cli.py)."
    from xltnb.params import check_values
    with pytest.raises(ParamError) as e: check_values(paper, over)
    assert message in str(e.value)


def test_the_protocol_settings_read_without_torch_are_the_protocols():
    from xltnb.params import protocol_fields
    from xltnb.protocol import _FIELDS
    assert protocol_fields() == _FIELDS


def test_setup_paper_checks_the_ranges_too(tmp_path):
    with pytest.raises(ParamError, match='steps must be >= 1, got -5'):
        setup_paper(defaults('mothello', tmp_path, steps=-5), 'mothello')
    assert not (tmp_path/'run').exists()


# ---------------------------------------------------------------- a page run by papermill with `-p preset X`


def _kernel_ns(paper, tmp_path, injected: str, **over) -> dict:
    "A namespace as a kernel has it after papermill injected `injected` (its input history `In` holds that cell)."
    ns = defaults(paper, tmp_path, **over)
    ns['In'] = ['', '# Parameters\n' + injected]
    return ns


def test_a_page_given_only_a_preset_runs_that_presets_values(tmp_path):
    import yaml
    cpu = yaml.safe_load((ROOT/'configs'/'mothello'/'cpu.yaml').read_text())
    ns = _kernel_ns('mothello', tmp_path, f'preset = "cpu"\nout_dir = "{tmp_path/"run"}"\nlr = 0.01\n',
                    preset='cpu', lr=0.01)
    S = setup_paper(ns, 'mothello', threads=1)
    assert S.params['steps'] == cpu['steps'] != notebook_params('mothello')['steps'].default
    assert S.params['lr'] == 0.01 and S.params['out_dir'] == str(tmp_path/'run')  # given: kept
    assert ns['steps'] == cpu['steps']  # the page's own variables too
    assert 'steps' in S.from_preset and 'lr' not in S.from_preset and 'out_dir' not in S.from_preset
    cfg = S.config()
    assert cfg['params']['preset'] == 'cpu' and cfg['params']['pool'] == cpu['pool']
    assert 'steps' in cfg['from_preset_file']
    # a value edited in the cell (no papermill) counts as given too
    ns = defaults('mothello', tmp_path, preset='cpu', steps=7); ns['In'] = ['']
    assert setup_paper(ns, 'mothello', threads=1).params['steps'] == 7
    # outside a kernel (a namespace handed in whole) nothing is read
    assert setup_paper(defaults('mothello', tmp_path, preset='cpu'), 'mothello', threads=1).params['steps'] == 15


def test_a_folder_holding_another_run_is_refused_and_the_same_run_goes_on(tmp_path):
    ns = defaults('mothello', tmp_path)
    S = setup_paper(dict(ns), 'mothello', threads=1); S.write_config()
    setup_paper(dict(ns), 'mothello', threads=1)  # the same run again (a rerun, a resume): goes ahead
    setup_paper({**ns, 'workers': 2}, 'mothello', threads=1)  # the same run on more cores
    with pytest.raises(FileExistsError) as e: setup_paper({**ns, 'steps': 16}, 'mothello', threads=1)
    assert f"out_dir {tmp_path/'run'} holds another run (steps: 15 there, 16 here)" in str(e.value)
    assert f"delete {tmp_path/'run'/'config.json'} to overwrite it" in str(e.value)


@pytest.mark.slow  # end to end through papermill
def test_papermill_with_a_preset_alone_runs_its_values_end_to_end(tmp_path):
    """The one kernel here: `papermill -p preset cpu` reads cpu.yaml in the page (the refusal below names cpu's budget,
    not the smoke default) and stops at once on a folder that holds another run (no records written)."""
    import subprocess, sys
    import yaml
    run = tmp_path/'run'; run.mkdir()
    (run/'config.json').write_text(json.dumps(dict(paper='mothello', params=dict(preset='cpu', steps=5))))
    r = subprocess.run([str(Path(sys.executable).parent/'papermill'), str(ROOT/'nbs'/'papers'/'mothello.ipynb'),
                        str(tmp_path/'out.ipynb'), '--cwd', str(tmp_path), '-p', 'preset', 'cpu',
                        '-p', 'out_dir', str(run)],
                       capture_output=True, text=True, timeout=600, stdin=subprocess.DEVNULL)
    steps = yaml.safe_load((ROOT/'configs'/'mothello'/'cpu.yaml').read_text())['steps']
    assert r.returncode != 0, r.stderr[-2000:]
    assert f"holds another run (steps: 5 there, {steps} here)" in r.stdout + r.stderr, r.stderr[-2000:]
    assert sorted(p.name for p in run.iterdir()) == ['config.json']
