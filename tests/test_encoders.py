"Encoders: loading by name / folder / hub id offline, the shipped world encoder and its recipe, caching."
import json, os

import pytest
import torch

os.environ['HF_HUB_OFFLINE'] = '1'
from xltnb.core import ResourceUnavailable, content_hash
from xltnb.encoders import (ASSET_DIR, WORLD_RECIPES, build_encoder, load_encoder, pretrain_world_encoder,
                            world_tokenizer)

shipped = pytest.mark.skipif(not (ASSET_DIR / 'model.safetensors').exists(), reason='world encoder not shipped')

def test_bad_names_and_heads(tmp_path):
    with pytest.raises(ResourceUnavailable,
                       match="encoders that run offline: world-tiny, world-small, world-small-scratch"):
        load_encoder('xlm-roberta-base')
    with pytest.raises(ValueError, match="unknown head 'ner'; known: None, mlm, seq-cls"):
        load_encoder('world-tiny', head='ner')
    with pytest.raises(FileNotFoundError, match="is not a model folder"):
        load_encoder(str(tmp_path))
    with pytest.raises(ValueError, match="unknown size 'base'"): build_encoder(size='base')
    with pytest.raises(ValueError, match="unknown recipe 'laptop'"): pretrain_world_encoder('laptop')

def test_tokenizer_is_cached(monkeypatch):
    "A second call reads the cached tokenizer: nothing is trained or written again, and it is the same tokenizer."
    import xltnb.encoders as E
    from xltnb.core import cache_path
    from xltnb.world import make_world
    first = world_tokenizer('smoke')
    f = cache_path('tokenizer', dict(world=make_world('smoke').key, vocab_size=600, arch='bert', cap=20000,
                                     trainer=E.TOKENIZER_TRAINER))
    f = f / 'tokenizer.json'
    mtime = f.stat().st_mtime_ns
    monkeypatch.setattr(E, 'train_tokenizer', lambda *a, **k: pytest.fail('tokenizer trained again despite the cache'))
    tok = world_tokenizer('smoke')
    assert f.stat().st_mtime_ns == mtime and tok.get_vocab() == first.get_vocab() and len(tok) <= 600

def test_recipe_at_smoke_size(tmp_path):
    out = pretrain_world_encoder('smoke', out=tmp_path / 'enc', threads=1)
    rec = json.loads((out / 'recipe.json').read_text())
    assert rec['recipe'] == WORLD_RECIPES['smoke']
    assert rec['weights_sha256'] == content_hash(out / 'model.safetensors', n=64)
    assert rec['command'].endswith("pretrain_world_encoder('smoke')\"")  # the call that remakes it, overrides included
    curves = json.loads((out / 'curves.json').read_text())
    from xltnb.world import languages
    assert {c['step'] for c in curves} == {0, 10, 20} and {c['lang'] for c in curves} == set(languages())
    m, t = load_encoder(str(out), head='seq-cls', num_labels=3)
    assert m(**t(['Ann washes the car'], ['Ann cleans the car'], return_tensors='pt')).logits.shape == (1, 3)

@shipped
def test_shipped_world_encoder_matches_its_recipe():
    rec = json.loads((ASSET_DIR / 'recipe.json').read_text())
    assert rec['weights_sha256'] == content_hash(ASSET_DIR / 'model.safetensors', n=64)
    assert rec['recipe'] == WORLD_RECIPES['cpu'] and 'pretrain_world_encoder' in rec['command']
    from xltnb.world import make_world
    assert rec['world_key'] == make_world('cpu').key  # pretrained on the world the cpu preset makes
    assert sum(f.stat().st_size for f in ASSET_DIR.iterdir()) < 8e6  # a few MB

@shipped
def test_world_small_and_its_scratch_floor():
    m, t = load_encoder('world-small', head='seq-cls', num_labels=3)
    s, t2 = load_encoder('world-small-scratch', head='seq-cls', num_labels=3)
    assert t.get_vocab() == t2.get_vocab() and m.config.hidden_size == s.config.hidden_size
    assert all(p.dtype == torch.float32 for p in m.parameters())
    we = lambda x: x.get_input_embeddings().weight
    assert not torch.allclose(we(m), we(s))
    s2, _ = load_encoder('world-small-scratch', head='seq-cls', num_labels=3)
    assert torch.equal(we(s), we(s2))  # seeded

def test_cache_bench_builds_in_a_temporary_cache(tmp_path, monkeypatch, capsys):
    "bench/cache_hits.py (what the tests' cache checks leave out: the time saved) builds away from the user's cache."
    from pathlib import Path
    monkeypatch.syspath_prepend(str(Path(__file__).resolve().parents[1] / 'bench'))
    import cache_hits
    monkeypatch.setenv('XLTNB_CACHE', str(tmp_path / 'user-cache'))
    assert cache_hits.main(['--what', 'tokenizer', '--reps', '1', '--json', str(tmp_path / 'b.json')]) == 0
    rows = json.loads((tmp_path / 'b.json').read_text())['rows']
    assert [r['artefact'] for r in rows] == ['tokenizer'] and rows[0]['build_cpu_s'] > 0 and rows[0]['ratio'] >= 0
    assert os.environ['XLTNB_CACHE'] == str(tmp_path / 'user-cache') and not (tmp_path / 'user-cache').exists()
    assert 'x build' in capsys.readouterr().out
    with pytest.raises(SystemExit): cache_hits.main(['--what', 'tokeniser'])
    assert "unknown artefact 'tokeniser'; known: tokenizer, realtext, e5" in capsys.readouterr().err


def test_gpu_bench_peak_and_flops(monkeypatch, capsys):
    "bench/gpu_throughput.py: the bf16 peak read from a device name, FLOPs per token by hand, no CUDA fails clearly."
    import pytest
    from pathlib import Path
    from transformers import XLMRobertaConfig
    monkeypatch.syspath_prepend(str(Path(__file__).resolve().parents[1] / 'bench'))
    import gpu_throughput as g
    assert g.peak_flops('NVIDIA H100 80GB HBM3') == 989.4e12 and g.peak_flops('NVIDIA H100 PCIe') == 756.0e12
    assert g.peak_flops('NVIDIA A100-SXM4-40GB') == 312.0e12 and g.peak_flops('a CPU') is None
    cfg = XLMRobertaConfig(hidden_size=8, num_hidden_layers=2, intermediate_size=16, num_labels=3)
    n = 2 * (4 * 8 * 8 + 2 * 8 * 16) + 8 * 8 + 8 * 3  # layers (q, k, v, o; two FFN matrices), pooler, classifier
    assert g.flops_per_token(cfg, 10) == 6 * n + 12 * 2 * 8 * 10
    with pytest.raises(SystemExit): g.main(['--device', 'cpu', '--compile', 'yes'])
    assert "--compile takes 'off', 'on' or 'off,on', got 'yes'" in capsys.readouterr().err
    if not g.torch.cuda.is_available():
        with pytest.raises(SystemExit, match='no CUDA device here'): g.main(['--device', 'cuda'])
