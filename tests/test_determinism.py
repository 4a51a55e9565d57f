"""The same data in every process: each built artefact (world tasks, real-text tasks, tokenizers, SALT substitutes,
the converted and trimmed e5) is built in two processes with different hash seeds and private caches, and compared.

Run as a script, this file builds everything once and prints the digests as one JSON line (what the test runs)."""
import hashlib, json, os, subprocess, sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # every built artefact built twice, under two hash seeds (about 3 minutes)

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ('1', '2')  # PYTHONHASHSEED of the two builds


def _h(obj) -> str:
    "A digest of bytes, or of a JSON-able value."
    b = obj if isinstance(obj, bytes) else json.dumps(obj, sort_keys=True, ensure_ascii=False, default=str).encode()
    return hashlib.sha256(b).hexdigest()[:16]


def _files(folder: Path, root: Path) -> dict:
    "Path (relative to `root`: cache keys included) -> digest of the bytes, for every file under `folder`."
    return {str(p.relative_to(root)): _h(p.read_bytes()) for p in sorted(folder.rglob('*')) if p.is_file()}


def _guard(out: dict, name: str, build):
    "Record `build()` under `name`, or why it cannot be built on this machine."
    from xltnb.core import ResourceUnavailable
    try: out[name] = build()
    except ResourceUnavailable as e: out[name] = {'unavailable': str(e)[:300]}


def build_all() -> dict:
    "Build every artefact at its smallest size; digests of their contents."
    import numpy as np
    from xltnb.core import cache_dir, set_threads
    set_threads(1)
    cache = cache_dir()
    out = dict(hash_probe=hash('xltnb'))  # differs between the two processes: their set orders differ too

    from xltnb.tasks import load_task
    from xltnb.world import make_world
    w = make_world('smoke')
    def world():
        tasks = {f'{t}/{l}/{s}': (ds.to_dict(), ds._fingerprint) for t in ('world-nli', 'world-paws', 'world-bitext')
                 for l in w.languages()
                 for s in (('train',) if l == 'en' and t != 'world-bitext' else ()) + ('dev', 'test')
                 for ds in [load_task(t, l, s, world='smoke')]}
        return _h(dict(key=w.key, corpora={l: w.corpus(l) for l in w.languages()}, tasks=tasks,
                       lexicons={l: sorted(map(str, w.lexicons[l].items())) for l in w.languages()}))
    _guard(out, 'world', world)

    from xltnb.realtext import realtext_data
    for task in ('msg-topic', 'emoji-topic'):
        def realtext(task=task):
            data = realtext_data(task)
            files = _files(cache / 'realtext', cache)
            return dict(content=_h(data), en_train=len(data['en/train']['sentence']),
                        cache={k: v for k, v in files.items() if k.endswith(f'/{task}.json.gz')})
        _guard(out, task, realtext)

    from xltnb.encoders import build_encoder, world_tokenizer
    def tokenizers():
        world_tokenizer('smoke'); world_tokenizer('smoke', arch='xlmr')
        return _files(cache / 'tokenizer', cache)
    _guard(out, 'tokenizers', tokenizers)

    from xltnb.methods.salt import Salt
    def salt():
        tok = world_tokenizer('smoke')
        ds = load_task('world-nli', 'en', 'train', world='smoke').select(range(48))
        clf = build_encoder('bert', 'tiny', tok, head='seq-cls', num_labels=3, seed=0)
        got = {}
        for mode in ('mlm', 'embed'):
            s = Salt(mlm=build_encoder('bert', 'tiny', tok, head='mlm', seed=0), world=w, mode=mode, k=3)
            s.prepare(clf, tok, ds)
            rows = [(list(k), [np.asarray(x).tolist() for x in v]) for k, v in s.table.rows.items()]
            got[mode] = dict(rows=_h(rows), langs=_h(s._langs), allowed=_h(s._allowed.tolist()),
                             cache=_files(cache / 'salt-subs', cache))  # keys and bytes of the cached tables
        return got
    _guard(out, 'salt', salt)

    def e5():
        from xltnb.e5 import convert_e5, load_e5, task_texts, trim_vocab
        folder = convert_e5()
        m, t = load_e5('seq-cls', num_labels=3)
        m, t = trim_vocab(m, t, task_texts('emoji-topic'))
        trimmed = dict(vocab=m.config.trimmed_vocab, tokenizer=_h(t.backend_tokenizer.to_str()),
                       embedding=_h(m.get_input_embeddings().weight.detach().numpy().tobytes()))
        return dict(files=_files(folder, cache), trimmed=trimmed)
    _guard(out, 'e5', e5)
    return out


@pytest.fixture(scope='module')
def builds(tmp_path_factory) -> dict:
    "The digests of the two builds (run side by side), by hash seed."
    tmp, procs = tmp_path_factory.mktemp('determinism'), {}
    for s in SEEDS:
        env = dict(os.environ, PYTHONHASHSEED=s, XLTNB_CACHE=str(tmp / f'cache-{s}'), PYTHONPATH=str(ROOT),
                   HF_HUB_OFFLINE='1', HF_DATASETS_OFFLINE='1', TRANSFORMERS_OFFLINE='1',
                   TOKENIZERS_PARALLELISM='false',
                   XLTNB_THREADS='1', OMP_NUM_THREADS='1')
        procs[s] = subprocess.Popen([sys.executable, __file__], env=env, cwd=tmp, text=True,
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out = {}
    for s, p in procs.items():
        o, e = p.communicate(timeout=900)
        assert p.returncode == 0, f"the build under PYTHONHASHSEED={s} failed:\n{e[-4000:]}"
        out[s] = json.loads(o.strip().splitlines()[-1])
    return out


def test_the_two_builds_see_different_hash_orders(builds):
    a, b = (builds[s]['hash_probe'] for s in SEEDS)
    assert a != b  # otherwise the comparisons below would prove nothing


@pytest.mark.parametrize('name', ['world', 'msg-topic', 'emoji-topic', 'tokenizers', 'salt', 'e5'])
def test_same_artefact_in_both_processes(builds, name):
    a, b = (builds[s][name] for s in SEEDS)
    if isinstance(a, dict) and 'unavailable' in a: pytest.skip(a['unavailable'])
    assert a, f"{name}: nothing was built"
    assert a == b, f"{name} differs between PYTHONHASHSEED={SEEDS[0]} and {SEEDS[1]}:\n{a}\n{b}"


if __name__ == '__main__':
    import warnings
    warnings.filterwarnings('ignore')
    print(json.dumps(build_all(), sort_keys=True))
