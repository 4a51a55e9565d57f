"""The presets' parameter files (`configs/<paper>/<preset>.yaml`) against their notebooks' `parameters` cells: every key
is a parameter of the notebook, with a value of its type; each file is of its own preset; and `smoke.yaml` names only
what differs from the notebook's defaults (the defaults are the smoke values). The checks are run on planted files too,
to show that they fail when they should."""
from pathlib import Path

import pytest
import yaml

from xltnb.core import PRESETS, ParamError, validate_params
from xltnb.paper import notebook_params
from xltnb.reproduce import PAPERS

ROOT = Path(__file__).resolve().parents[1]


def config(paper: str, preset: str) -> dict:
    return yaml.safe_load((ROOT/'configs'/paper/f'{preset}.yaml').read_text()) or {}


def problems(paper: str, preset: str, cfg: dict) -> list[str]:
    "What is wrong with `cfg` as `configs/<paper>/<preset>.yaml`: unknown keys, wrong types, another preset, defaults."
    params = notebook_params(paper)
    defaults = {k: p.default for k, p in params.items()}
    where = f"configs/{paper}/{preset}.yaml"
    unknown = [k for k in cfg if k not in params]
    if unknown: return [f"{where} sets {', '.join(map(repr, unknown))}: not parameters of nbs/papers/{paper}.ipynb"]
    out = []
    try: validate_params({**defaults, **cfg}, {k: p.type for k, p in params.items()})  # as the notebook checks them
    except ParamError as e: out.append(f"{where}: {e}")
    if {**defaults, **cfg}['preset'] != preset: out.append(f"{where} runs preset {cfg['preset']!r}")
    if preset == 'smoke':
        out += [f"{where} sets {k} = {v!r}, the notebook's default: smoke.yaml names only what differs from it"
                for k, v in cfg.items() if v == defaults[k]]
    return out


def test_every_paper_has_a_file_for_every_preset():
    missing = [f'{p}/{s}.yaml' for p in PAPERS for s in PRESETS if not (ROOT/'configs'/p/f'{s}.yaml').is_file()]
    assert missing == []


@pytest.mark.parametrize('paper', PAPERS)
@pytest.mark.parametrize('preset', list(PRESETS))
def test_config_sets_parameters_of_its_notebook(paper, preset):
    assert problems(paper, preset, config(paper, preset)) == []


@pytest.mark.parametrize('paper', PAPERS)
def test_smoke_yaml_names_only_what_differs_from_the_notebook(paper):
    cfg = config(paper, 'smoke')
    defaults = {k: p.default for k, p in notebook_params(paper).items()}
    assert all(cfg[k] != defaults[k] for k in cfg), cfg
    head = (ROOT/'configs'/paper/'smoke.yaml').read_text().splitlines()[0]
    assert head.startswith('# smoke: '), head  # the file says what the preset is for


# ---------------------------------------------------------------- the checks, on planted files


def test_a_key_that_is_no_parameter_fails():
    assert problems('salt', 'cpu', {'preset': 'cpu', 'lr': 1e-4}) == [
        "configs/salt/cpu.yaml sets 'lr': not parameters of nbs/papers/salt.ipynb"]


def test_a_value_of_the_wrong_type_fails():
    got = problems('mothello', 'cpu', {'preset': 'cpu', 'steps': 'many'})
    assert got == ["configs/mothello/cpu.yaml: parameter 'steps' must be int, got 'many' (str)"], got


def test_a_file_of_another_preset_fails():
    assert problems('mothello', 'gpu', {'preset': 'cpu'}) == ["configs/mothello/gpu.yaml runs preset 'cpu'"]


def test_a_smoke_key_equal_to_the_default_fails():
    defaults = {k: p.default for k, p in notebook_params('langarith').items()}
    got = problems('langarith', 'smoke', {'preset': 'smoke', 'la_steps': defaults['la_steps'], 'n_corpus': 7})
    assert got == ["configs/langarith/smoke.yaml sets preset = 'smoke', the notebook's default: smoke.yaml names only "
                   "what differs from it",
                   f"configs/langarith/smoke.yaml sets la_steps = {defaults['la_steps']!r}, the notebook's default: "
                   "smoke.yaml names only what differs from it"], got
    assert problems('langarith', 'cpu', {'preset': 'cpu', 'la_steps': defaults['la_steps']}) == []  # only smoke
