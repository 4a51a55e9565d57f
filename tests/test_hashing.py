"""One weights digest, `xltnb.core.weights_digest`, for the cache keys that name a model's weights: it keeps the
values meta-pretraining's `weights_hash` gave, and fine-tuning keys a model handed in as an object by its weights
while an encoder loaded by name is keyed by its config and the contents of its weight files, not by the folder it was
read from."""
import hashlib
from pathlib import Path

import torch

from xltnb.core import config_content, content_hash, weights_digest
from xltnb.encoders import load_encoder
from xltnb.finetune import _model_hash


def _earlier(model) -> str:
    "meta-pretraining's `weights_hash` before the one helper: names, shapes and bytes (no dtype without numpy)."
    h = hashlib.sha256()
    for k, v in sorted(model.state_dict().items()):
        h.update(k.encode()); h.update(str(tuple(v.shape)).encode())
        h.update(v.detach().cpu().contiguous().numpy().tobytes())
    return h.hexdigest()[:16]


def test_the_digest_keeps_meta_pretrainings_values():
    m, _ = load_encoder('world-tiny', head='mlm')
    assert weights_digest(m) == _earlier(m) == weights_digest(m.state_dict())
    assert weights_digest(m, n=8) == weights_digest(m)[:8]


def test_the_digest_sees_values_names_and_shapes_in_any_dtype_or_layout():
    t = torch.arange(12.).reshape(3, 4)
    d = weights_digest({'w': t})
    assert weights_digest({'w': t.t()}) == weights_digest({'w': t.t().contiguous()})  # a view: its values, in order
    assert len({d, weights_digest({'w': t + 1}), weights_digest({'v': t}), weights_digest({'w': t.reshape(4, 3)})}) == 4
    assert weights_digest({'w': t.to(torch.bfloat16)}) != d  # numpy has no bfloat16: the bytes are read as they are


def test_finetune_keys_a_model_by_name_as_before_and_an_object_by_its_weights():
    m0, m1 = (load_encoder('world-tiny', head='seq-cls', num_labels=3, seed=s)[0] for s in (0, 1))
    assert _model_hash('world-tiny', m0) == _model_hash('world-tiny', m1) == content_hash([config_content(m0)])
    assert _model_hash(m0, m0) == weights_digest(m0) != _model_hash(m1, m1)  # two heads: two runs, not one
    before = _model_hash(m0, m0)
    with torch.no_grad(): m0.classifier.bias.add_(1.0)  # changed in memory: another starting model
    assert _model_hash(m0, m0) != before
    small, _ = load_encoder('world-small', head='seq-cls', num_labels=3)
    files = sorted(Path(small.name_or_path).glob('*.safetensors'))
    assert files and _model_hash('world-small', small) == content_hash([config_content(small)] + files)


def test_one_model_in_two_folders_is_one_run(tmp_path):
    "The key reads the folder's contents, not its path: a run is found again from another checkout or cache."
    import shutil
    from transformers import AutoModelForSequenceClassification
    src = Path(load_encoder('world-small', head='seq-cls', num_labels=3)[0].name_or_path)
    a, b = (shutil.copytree(src, tmp_path / d) for d in ('checkout-a', 'checkout-b'))
    ma, mb = (AutoModelForSequenceClassification.from_pretrained(d, num_labels=3) for d in (a, b))
    assert ma.config.to_dict()['_name_or_path'] != mb.config.to_dict()['_name_or_path']
    assert _model_hash(str(a), ma) == _model_hash(str(b), mb)
    (b / 'model.safetensors').write_bytes((b / 'model.safetensors').read_bytes()[:-4] + b'\0\0\0\0')
    assert _model_hash(str(a), ma) != _model_hash(str(b), mb)  # other weights in the folder: another run
