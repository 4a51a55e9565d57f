"""Faults and bad inputs for `xltnb.results` that the notebook's examples do not cover: corrupt or partial files,
invalid records, missing seeds or languages, claims that cannot be measured."""
import json

import pandas as pd
import pytest

from xltnb.results import (REFERENCES, Claim, ConflictingRecords, add_claim, check_claims, check_record, load_records,
                           make_records, pair_matrix, table, table_stats, write_records)

BASE = dict(paper='t', task='world-nli', model='m', preset='smoke', split='test')


def recs(method='baseline', seeds=(0, 1, 2), langs=('en', 'de', 'ru'), value=lambda s, l: 0.5 + 0.1 * s):
    return [r for s in seeds for r in make_records({l: value(s, l) for l in langs}, method=method, seed=s, **BASE)]


def test_corrupt_line_names_file_and_line(tmp_path):
    p = tmp_path / 'r.jsonl'
    write_records(p, recs(seeds=(0,)))
    with p.open('a') as f: f.write('{"paper": "t", "value": 0.5\n')  # a line cut short by a crash
    with pytest.raises(ValueError, match=r"r.jsonl:4: corrupt JSON line"):
        load_records(p)


def test_invalid_record_is_not_written(tmp_path):
    p = tmp_path / 'r.jsonl'
    good = recs(seeds=(0,))
    write_records(p, good)
    bad = dict(good[0]); del bad['metric']
    with pytest.raises(ValueError, match="record lacks metric"):
        write_records(p, good + [bad], append=True)
    assert load_records(p) == good  # the file keeps its earlier content: nothing half-written


@pytest.mark.parametrize('change, message', [
    (dict(value='0.5'), 'value must be a number'), (dict(value=True), 'value must be a number'),
    (dict(seed=1.0), 'seed must be an int'), (dict(lang_a='en', lang_b='de'), "either 'lang' or both")])
def test_bad_records(change, message):
    r = dict(recs(seeds=(0,))[0], **change)
    with pytest.raises(ValueError, match=message):
        check_record(r)


def test_records_survive_a_round_trip_exactly(tmp_path):
    rs = recs() + make_records(pd.DataFrame([[0.1, 0.2], [0.3, 0.4]], index=['en', 'de'], columns=['en', 'de']),
                               method='baseline', seed=0, **BASE)
    write_records(tmp_path / 'r.jsonl', rs)
    assert load_records(tmp_path / 'r.jsonl') == rs
    assert all(json.loads(l) for l in (tmp_path / 'r.jsonl').read_text().splitlines())


def test_table_with_a_missing_seed_and_language():
    # seed 2 of 'other' lacks Russian: that seed has no avg (an average over fewer languages would not compare);
    # n counts the seeds behind every cell
    rs = recs() + recs('other', seeds=(0, 1)) + recs('other', seeds=(2,), langs=('en', 'de'))
    st = table_stats(rs, by=('method',)).set_index(['method', 'lang'])
    assert st.loc[('other', 'ru'), 'n'] == 2 and st.loc[('other', 'de'), 'n'] == 3
    assert st.loc[('other', 'avg_xen'), 'n'] == 2 and st.loc[('other', 'avg_xen'), 'mean'] == pytest.approx(0.55)
    assert st.loc[('baseline', 'avg_xen'), 'n'] == 3 and st.loc[('baseline', 'avg_xen'), 'mean'] == pytest.approx(0.6)
    # groups tested on different languages (two tasks) keep their own languages and averages
    two = recs() + [dict(r, task='world-paws') for r in recs(langs=('en', 'fr'))]
    st2 = table_stats(two).set_index(['task', 'lang'])
    assert ('world-paws', 'ru') not in st2.index and st2.loc[('world-paws', 'avg'), 'n'] == 3
    t = table(rs, by=('method',))
    assert t.index.tolist() == ['baseline', 'other'] and t.columns.tolist() == ['en', 'de', 'ru', 'avg', 'avg_xen']


def test_world_languages_come_in_the_world_order():
    rs = recs(langs=('sw', 'en', 'ru', 'de'))  # world order: en de fr es ru el hi sw
    assert table(rs).columns.tolist() == ['en', 'de', 'ru', 'sw', 'avg', 'avg_xen']
    other = [dict(r, task='local-task') for r in recs(langs=('sw', 'en', 'de'))]  # unknown task: en, then by code
    assert table(other).columns.tolist() == ['en', 'de', 'sw', 'avg', 'avg_xen']


def test_no_records_of_the_asked_kind():
    with pytest.raises(ValueError, match="no per-language records for metric 'f1'"):
        table(recs(), metric='f1')
    with pytest.raises(ValueError, match="no language-pair records"):
        pair_matrix(recs())


def test_claims_contradicted_and_not_measurable():
    import xltnb.methods.salt  # noqa: F401 (registers SALT's claim)
    rs = recs() + recs('salt', value=lambda s, l: 0.4 + 0.1 * s + 0.01 * (s % 2))  # 9-10 points worse on every seed
    out = check_claims(rs, paper='salt')
    assert out[['task', 'model', 'verdict', 'n']].values.tolist() == [['world-nli', 'm', 'contradicted', 3]]
    c = Claim('t', 'a margin that is not met', 'here', {'method': 'baseline'}, {'method': 'salt'}, margin=0.5)
    assert check_claims(rs, [c]).verdict.tolist() == ['contradicted']
    c = Claim('t', 'mixed pairs, none recorded', 'here', {'method': 'baseline'}, {'method': 'salt'}, stat='mixed')
    assert check_claims(rs, [c]).verdict.tolist() == ['not measurable']
    # a baseline that has not learned English (33% on a 3-class task) cannot judge a method
    low = recs(value=lambda s, l: 0.33) + recs('salt', value=lambda s, l: 0.5 + 0.01 * s)
    out = check_claims(low, paper='salt')
    assert out.verdict.tolist() == ['not measurable'] and 'not learned' in out.why[0]


def test_every_reference_names_its_source():
    import xltnb.methods.salt, xltnb.methods.robust, xltnb.methods.metapretrain, xltnb.methods.langarith  # noqa: F401
    import xltnb.othello.mothello  # noqa: F401
    assert {'salt', 'robust', 'metapretrain', 'langarith', 'mothello'} <= set(REFERENCES)
    for paper, ref in REFERENCES.items():
        for c in ref['claims']: assert c.source and c.paper == paper
        for n in ref['numbers']: assert n.source and n.paper == paper
    n = len(REFERENCES.get('tmp-paper', {}).get('claims', []))
    add_claim(Claim('tmp-paper', 'x', 'y', {}, {}))
    add_claim(Claim('tmp-paper', 'x', 'y', {}, {}))  # the same claim twice is registered once
    assert len(REFERENCES['tmp-paper']['claims']) == n + 1
    del REFERENCES['tmp-paper']


@pytest.mark.slow  # runs a paper
def test_measured_tool_ships_a_run_with_its_provenance(tmp_path):
    "tools/measured.py copies a run's records and writes what / where / command beside them; bad input fails clearly."
    import json, subprocess, sys
    from pathlib import Path
    from xltnb.results import make_records, write_records, measured_records
    tool = Path(__file__).resolve().parents[1] / 'tools' / 'measured.py'
    run = tmp_path / 'run'; run.mkdir()
    recs = make_records({'en': 0.9, 'de': 0.6}, paper='salt', method='baseline', task='world-paws', model='m',
                        preset='cpu', seed=0, split='test')
    write_records(run / 'results.jsonl', recs)
    (run / 'config.json').write_text(json.dumps({'params': {'max_steps': 7}, 'versions': {'torch': 'x'}}))
    args = [sys.executable, str(tool), str(run), 'grid', '--what', 'W', '--where', 'here', '--command', 'C',
            '--to', str(tmp_path / 'm')]
    r = subprocess.run(args, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    got, meta = measured_records(str(tmp_path / 'm' / 'grid.jsonl'))
    # each record comes back with the run's settings that change a measurement (here the page's budget)
    assert [dict(x, measured=None) for x in got] == [dict(x, measured=None, max_steps=7) for x in recs]
    assert {x['measured'] for x in got} == {'grid.jsonl'}
    assert ((meta['what'], meta['measured'], meta['command'], meta['params'], meta['n_records'])
            == ('W', 'here', 'C', {'max_steps': 7}, 2))
    from xltnb.core import cpu_bf16  # the shipping machine's CPU, with whether it has bf16 units (kernels differ by it)
    assert meta['cpu'].endswith(', with bf16 units' if cpu_bf16() else ', without bf16 units'), meta['cpu']
    bad = subprocess.run(args[:3] + ['grid.jsonl'] + args[4:], capture_output=True, text=True)
    assert bad.returncode == 2
    assert "NAME is a bare file stem such as 'salt-cpu-world-paws', got 'grid.jsonl'" in bad.stderr
    missing = subprocess.run([sys.executable, str(tool), str(tmp_path / 'nope'), 'g', '--what', 'W', '--where', 'h',
                              '--command', 'C'], capture_output=True, text=True)
    assert missing.returncode == 2
    assert 'results.jsonl is missing: give the out_dir of a finished paper-notebook run' in missing.stderr
    # --world names the world the run was on; its world-task records get those options where they lack them
    w = subprocess.run(args[:3] + ['own'] + args[4:] + ['--world', '{"order": "own", "paws_lexical": 1.0}'],
                       capture_output=True, text=True)
    assert w.returncode == 0, w.stderr
    got, meta = measured_records(str(tmp_path / 'm' / 'own.jsonl'))
    assert meta['world'] == {'order': 'own', 'paws_lexical': 1.0}
    assert {(x['order'], x['paws_lexical']) for x in got} == {('own', 1.0)}
    notjson = subprocess.run(args + ['--world', 'order=own'], capture_output=True, text=True)
    assert notjson.returncode == 2 and "--world is not JSON" in notjson.stderr and "'order=own'" in notjson.stderr
    unknown = subprocess.run(args + ['--world', '{"colour": 1}'], capture_output=True, text=True)
    assert unknown.returncode == 2 and "--world takes the world options order and paws_lexical" in unknown.stderr
    # --also: another record file of the run (language arithmetic's held-out losses) joins the same file
    loss = make_records({'es': 1.5}, paper='langarith', method='mlm-loss', adapter='es', task='world-nli', model='m',
                        preset='cpu', seed=0, split='heldout', metric='mlm_loss')
    write_records(run / 'mlm_loss.jsonl', loss)
    both = subprocess.run(args[:3] + ['both'] + args[4:] + ['--also', 'mlm_loss.jsonl'], capture_output=True, text=True)
    assert both.returncode == 0, both.stderr
    got, meta = measured_records(str(tmp_path / 'm' / 'both.jsonl'))
    assert [dict(x, measured=None) for x in got] == [dict(x, measured=None, max_steps=7) for x in recs + loss]
    assert meta['n_records'] == 3
    gone = subprocess.run(args + ['--also', 'nope.jsonl'], capture_output=True, text=True)
    assert gone.returncode == 2 and 'nope.jsonl is missing' in gone.stderr
    # --rerun-of marks a rerun of a shipped reference's seeds on another CPU kind (the report's cpu_reruns finds it)
    rr = subprocess.run(args[:3] + ['rr'] + args[4:] + ['--rerun-of', 'reference-cpu.jsonl'], capture_output=True,
                        text=True)
    assert rr.returncode == 0, rr.stderr
    assert measured_records(str(tmp_path / 'm' / 'rr.jsonl'))[1]['rerun_of'] == 'reference-cpu.jsonl'
    nope = subprocess.run(args + ['--rerun-of', 'reference-nope.jsonl'], capture_output=True, text=True)
    assert nope.returncode == 2 and "no shipped reference 'reference-nope.jsonl'; shipped: " in nope.stderr
    assert 'reference-cpu-metapretrain.jsonl' in nope.stderr


def test_measured_tool_keeps_a_plan_frozen_before_its_first_seeds_and_names_a_gpu_run_by_its_card(tmp_path):
    "A plan frozen into a reference's provenance before any record stays when its first part ships; a GPU run's card."
    import json, subprocess, sys
    from pathlib import Path
    from xltnb.results import make_records, write_records, measured_records
    tool = Path(__file__).resolve().parents[1] / 'tools' / 'measured.py'
    run = tmp_path / 'run'; run.mkdir(); to = tmp_path / 'm'; to.mkdir()
    write_records(run / 'results.jsonl', make_records({'en': 0.9}, paper='salt', method='baseline', task='t',
                                                      model='m', preset='cpu', seed=0, split='test'))
    (run / 'config.json').write_text(json.dumps({'params': {}}))
    plan = {'salt': {'hash': 'h', 'frozen': '2026-01-01', 'claims': {}}}
    (to / 'grid.json').write_text(json.dumps({'plans': plan}))  # what tools/freeze_plan.py writes before the seeds
    args = [sys.executable, str(tool), str(run), 'grid', '--what', 'W', '--where', 'here', '--command', 'C',
            '--to', str(to)]
    r = subprocess.run(args, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    meta = measured_records(str(to / 'grid.jsonl'))[1]
    assert meta['plans'] == plan and meta['what'] == 'W' and 'cpu' in meta
    # a run whose config names its GPU (tools/mothello_board_pilot.py on CUDA): the card, not this machine's CPU
    (run / 'config.json').write_text(json.dumps({'runs': {'a': {'params': {}, 'gpu': 'NVIDIA H200'}}}))
    r = subprocess.run(args[:3] + ['gpu'] + args[4:], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    meta = measured_records(str(to / 'gpu.jsonl'))[1]
    assert meta['gpu'] == 'NVIDIA H200' and 'cpu' not in meta and 'plans' not in meta


def test_measured_tool_joins_several_paper_runs_into_one_reference(tmp_path):
    "With --runs, the records of several paper runs go into one file, each keeping its paper; each run's parameters."
    import json, subprocess, sys
    from pathlib import Path
    from xltnb.results import make_records, write_records, measured_records
    tool = Path(__file__).resolve().parents[1] / 'tools' / 'measured.py'
    dirs = []
    for paper, v in (('salt', 0.6), ('robust', 0.5)):
        d = tmp_path / paper; d.mkdir(); dirs.append(str(d))
        recs = make_records({'en': 0.9, 'de': v}, paper=paper, method='baseline', task='world-nli', model='m',
                            preset='cpu', seed=0, split='test')
        write_records(d / 'results.jsonl', recs)
        (d / 'config.json').write_text(json.dumps({'params': {'paper': paper}, 'versions': {'torch': 'x'}}))
    r = subprocess.run([sys.executable, str(tool), 'ref', '--runs', *dirs, '--what', 'W', '--where', 'h', '--command',
                        'C', '--to', str(tmp_path / 'm')], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    got, meta = measured_records(str(tmp_path / 'm' / 'ref.jsonl'))
    assert sorted((x['paper'], x['lang'], x['value']) for x in got) == [
        ('robust', 'de', 0.5), ('robust', 'en', 0.9), ('salt', 'de', 0.6), ('salt', 'en', 0.9)]
    assert meta['runs'] == {'salt': {'params': {'paper': 'salt'}}, 'robust': {'params': {'paper': 'robust'}}}
    assert meta['n_records'] == 4 and meta['versions'] == {'torch': 'x'}
    both = subprocess.run([sys.executable, str(tool), dirs[0], 'ref', '--runs', dirs[1], '--what', 'W', '--where', 'h',
                           '--command', 'C', '--to', str(tmp_path / 'm')], capture_output=True, text=True)
    assert both.returncode == 2 and 'give RUN_DIR NAME, or NAME with --runs' in both.stderr


@pytest.mark.slow  # runs a paper twice
def test_measured_tool_appends_new_seeds_to_a_reference(tmp_path):
    "--append adds a later run's seeds to a measured file, keeps each part's provenance, and refuses another value."
    import json, subprocess, sys
    from pathlib import Path
    from xltnb.core import read_jsonl
    from xltnb.results import make_records, write_records, measured_records
    tool = Path(__file__).resolve().parents[1] / 'tools' / 'measured.py'
    def run(name, seed, de):
        d = tmp_path / name; d.mkdir()
        write_records(d / 'results.jsonl', make_records({'en': 0.9, 'de': de}, paper='salt', method='baseline',
                                                        task='world-nli', model='m', preset='cpu', seed=seed,
                                                        split='test'))
        (d / 'config.json').write_text(json.dumps({'params': {'seeds': [seed]}, 'versions': {'torch': 'x'}}))
        return str(d)
    ship = lambda d, where, *more: subprocess.run(
        [sys.executable, str(tool), d, 'ref', '--what', 'W', '--where', where, '--command', f'C{where}', '--to',
         str(tmp_path / 'm'), '--world', '{"order": "mixed"}', *more], capture_output=True, text=True)
    first, second = run('s0', 0, 0.6), run('s1', 1, 0.5)
    assert ship(first, 'monday').returncode == 0
    js = tmp_path / 'm' / 'ref.json'  # a file renamed after its first part keeps that in its record when appended to
    frozen = {'salt': {'hash': 'h', 'claims': {}, 'frozen': '2026-01-01'}}  # a frozen plan stays too
    js.write_text(json.dumps(dict(json.loads(js.read_text()), renamed_file=dict(old='pilot', new='ref'), plans=frozen)))
    r = ship(second, 'tuesday', '--append')
    assert r.returncode == 0, r.stderr
    got, meta = measured_records(str(tmp_path / 'm' / 'ref.jsonl'))
    assert sorted((x['seed'], x['lang'], x['value']) for x in got) == [
        (0, 'de', 0.6), (0, 'en', 0.9), (1, 'de', 0.5), (1, 'en', 0.9)]
    assert ((meta['what'], meta['measured'], meta['command'], meta['n_records'], meta['seeds'])
            == ('W, seeds 0,1', 'monday; tuesday', 'Cmonday then Ctuesday', 4, [0, 1]))
    assert [(p['measured'], p['params'], p.get('seeds')) for p in meta['parts']] == [
        ('monday', {'seeds': [0]}, None), ('tuesday', {'seeds': [1]}, [1])]
    assert all(p['cpu'].endswith('bf16 units') for p in meta['parts']), meta['parts']  # each part names its CPU
    assert {x['order'] for x in got} == {'mixed'} and meta['renamed_file'] == dict(old='pilot', new='ref')
    assert meta['plans'] == frozen
    from xltnb.plans import plan_hash  # each part names the plan its records were shipped under
    assert all(p['measured_under'] == {'salt': plan_hash('salt')} for p in meta['parts']), meta['parts']
    again = ship(second, 'wednesday', '--append')  # seed 1 is there already, with the same values: nothing new
    assert again.returncode == 2 and 'every record is in ref.jsonl already (same values)' in again.stderr
    other = run('s1b', 1, 0.4)  # seed 1 again with another value: refused, nothing written
    clash = ship(other, 'thursday', '--append')
    assert clash.returncode == 2
    assert '1 record(s) measure what ref.jsonl already holds, with another value' in clash.stderr
    assert 'baseline seed 1 world-nli accuracy: 0.4 there 0.5' in clash.stderr
    assert len(measured_records(str(tmp_path / 'm' / 'ref.jsonl'))[0]) == 4
    both = run('s12', 1, 0.5)  # seed 1 measured again (same values) beside a new seed 2: seed 2 joins, seed 1 once
    write_records(Path(both) / 'results.jsonl', read_jsonl(Path(both) / 'results.jsonl') + make_records(
        {'en': 0.8, 'de': 0.7}, paper='salt', method='baseline', task='world-nli', model='m', preset='cpu', seed=2,
        split='test'))
    r = ship(both, 'friday', '--append')
    assert r.returncode == 0 and '2 record(s) already in ref.jsonl with the same value' in r.stdout, r.stderr
    got, meta = measured_records(str(tmp_path / 'm' / 'ref.jsonl'))
    assert sorted((x['seed'], x['lang']) for x in got) == [(s, l) for s in (0, 1, 2) for l in ('de', 'en')]
    assert meta['parts'][-1]['n_records'] == 2 and meta['seeds'] == [0, 1, 2]
    assert ship(run('s10', 10, 0.5), 'saturday', '--append').returncode == 0  # seeds in number order, not as text
    assert measured_records(str(tmp_path / 'm' / 'ref.jsonl'))[1]['seeds'] == [0, 1, 2, 10]
    lr = run('s11', 11, 0.5)  # a part with a setting the file's first part did not have: refused, then allowed by name
    cfg = {'params': {'seeds': [11], 'lr': 0.1}, 'versions': {'torch': 'x'}}
    (Path(lr) / 'config.json').write_text(json.dumps(cfg))
    bad = ship(lr, 'sunday', '--append')
    assert bad.returncode == 2
    assert "parameters differ from ref.json's first part: s11 lr: '(unset)' there, 0.1 here" in bad.stderr
    assert ship(lr, 'sunday', '--append', '--differs', 'lr').returncode == 0
    assert measured_records(str(tmp_path / 'm' / 'ref.jsonl'))[1]['parts'][-1]['differs'] == ['lr']
    nothing = subprocess.run([sys.executable, str(tool), second, 'other', '--what', 'W', '--where', 'h', '--command',
                              'C', '--to', str(tmp_path / 'm'), '--append'], capture_output=True, text=True)
    assert nothing.returncode == 2 and 'other.jsonl (and its .json) must exist to append to' in nothing.stderr


def test_measured_tool_ships_only_the_arms_it_is_told(tmp_path):
    "--methods keeps the named arms' records (a part that adds one arm); an arm the run lacks is a usage error."
    import json, subprocess, sys
    from pathlib import Path
    from xltnb.results import make_records, write_records, measured_records
    tool = Path(__file__).resolve().parents[1] / 'tools' / 'measured.py'
    d = tmp_path / 'run'; d.mkdir()
    write_records(d / 'results.jsonl', [r for m, v in (('old-arm', 0.5), ('new-arm', 0.6)) for r in make_records(
        {'en': 0.9, 'de': v}, paper='p', method=m, task='t', model='m', preset='cpu', seed=0, split='test')])
    (d / 'config.json').write_text(json.dumps({'params': {'seeds': [0]}}))
    ship = lambda *more: subprocess.run([sys.executable, str(tool), str(d), 'ref', '--what', 'W', '--where', 'h',
                                         '--command', 'C', '--to', str(tmp_path / 'm'), *more],
                                        capture_output=True, text=True)
    r = ship('--methods', 'new-arm')
    assert r.returncode == 0, r.stderr
    got, meta = measured_records(str(tmp_path / 'm' / 'ref.jsonl'))
    assert sorted((x['method'], x['lang'], x['value']) for x in got) == [('new-arm', 'de', 0.6), ('new-arm', 'en', 0.9)]
    assert (meta['methods'], meta['n_records']) == (['new-arm'], 2)
    bad = ship('--methods', 'no-such-arm')
    assert bad.returncode == 2 and '--methods: no record of no-such-arm' in bad.stderr
    assert 'methods there: new-arm, old-arm' in bad.stderr


def floor_grid(model='world-small', gains=(0.20, 0.19, 0.21, 0.20, 0.20), shift=0.0, paper='baseline'):
    "The baseline paper's records: `model` and its no-pretraining floor on world-nli, the baseline `gains[s]` above it."
    from xltnb.protocol import floor_of
    return [r for s, g in enumerate(gains)
            for m, lab, x in (('baseline', model, g), ('floor-scratch', floor_of(model), 0))
            for r in make_records({'en': 0.9, 'de': 0.4 + s / 100 + x + shift, 'fr': 0.35 + x + shift}, paper=paper,
                                  method=m, task='world-nli', model=lab, preset='cpu', seed=s, split='test')]


def test_baseline_claim_known_answers():
    "The baseline's claim (+10 points over the no-pretraining floor) on records whose answer is known."
    from xltnb.protocol import BASELINE_CLAIM
    gain = check_claims(floor_grid(), [BASELINE_CLAIM])
    assert gain[['model', 'model_b', 'verdict', 'n']].values.tolist() == [
        ['world-small', 'world-small-scratch', 'holds', 5]]
    assert gain['delta'][0] == pytest.approx(0.20, abs=1e-12)
    worse = check_claims(floor_grid(gains=(-0.05, -0.04, -0.06, -0.05, -0.05)), [BASELINE_CLAIM])
    assert worse.verdict.tolist() == ['contradicted'] and worse['delta'][0] == pytest.approx(-0.05, abs=1e-12)
    short = check_claims(floor_grid(gains=(0.05, 0.06, 0.04, 0.05, 0.05)), [BASELINE_CLAIM])  # under the margin
    assert short.verdict.tolist() == ['contradicted']


def test_baseline_claim_takes_no_other_encoders_records():
    "Another encoder's baseline (meta-pretraining's `bert-small`, also method 'baseline') never enters the claim."
    from xltnb.protocol import BASELINE_CLAIM
    one = check_claims(floor_grid(), [BASELINE_CLAIM])
    other = [dict(r, paper='metapretrain', model='bert-small') for r in floor_grid(gains=(0.0,) * 5, shift=0.2)
             if r['method'] == 'baseline']
    both = check_claims(floor_grid() + other, [BASELINE_CLAIM])
    assert both[['model', 'delta', 'lo', 'hi', 'n', 'verdict']].values.tolist() == \
        one[['model', 'delta', 'lo', 'hi', 'n', 'verdict']].values.tolist()
    # the same baseline runs read by SALT's and robust training's notebooks count once
    shared = [dict(r, paper=p, cached=True) for p in ('salt', 'robust')
              for r in floor_grid() if r['method'] == 'baseline']
    assert check_claims(floor_grid() + shared, [BASELINE_CLAIM])[['delta', 'n']].values.tolist() == \
        one[['delta', 'n']].values.tolist()
    stale = dict(floor_grid()[1], value=0.1, paper='salt')  # seed 0's German baseline with another value
    with pytest.raises(ConflictingRecords, match=r"seed=0, lang='de'.*carry different values, 0.60+1 and 0.1 "
                                                  r"\(they differ in paper: 'baseline' / 'salt'\)"):
        check_claims(floor_grid() + [stale], [BASELINE_CLAIM])


def test_conflicting_records_are_refused_by_tables_and_pair_matrices():
    rs = recs()
    with pytest.raises(ConflictingRecords, match=r"seed=0, split='test', metric='accuracy', lang='de'\) "
                                                  r"carry different values, 0.5 and 0.7"):
        table(rs + [dict(rs[1], value=0.7)])
    assert table(rs + [dict(r, paper='other', cached=True) for r in rs]).equals(table(rs))  # copies count once
    mat = make_records(pd.DataFrame([[0.9, 0.5], [0.6, 0.7]], index=['en', 'de'], columns=['en', 'de']),
                       method='baseline', seed=0, **BASE)
    with pytest.raises(ConflictingRecords, match="lang_a='de', lang_b='en'"):
        pair_matrix(mat + [dict(mat[2], value=0.1)])


def test_claims_must_be_scoped_by_model():
    with pytest.raises(ValueError, match=r"claim 'x': scope \('task',\) lacks 'model'"):
        Claim('t', 'x', 'here', {'method': 'a'}, {'method': 'b'}, scope=('task',))
    with pytest.raises(ValueError, match="unit must be a record field such as 'seed' or 'pretrain_seed', got ''"):
        Claim('t', 'x', 'here', {'method': 'a'}, {'method': 'b'}, unit='')
    c = Claim('t', 'x', 'here', {'method': 'a'}, {'method': 'b'}, scope=('task',), where={'model': 'm'})
    assert c.scope == ('task',)
