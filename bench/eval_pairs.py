#!/usr/bin/env python
"""Evaluation's overhead: the generalized matrix (every ordered language pair) as it was built before (a `datasets`
table per pair, tokenized with a `datasets` map, rows read back one by one) against `xltnb.evaluate.generalized_matrix`
(each language read once, tokenized from plain lists), in the same run on the same model.

    .venv/bin/python bench/eval_pairs.py [--task world-nli] [--world smoke] [--size tiny] [--json FILE]

The model is a randomly initialised encoder of the world's tokenizer (`--size`: 'tiny', or 'small', the main job's
encoder's shape), its weights drawn wide so that its predictions vary from row to row. Both ways must give the same
accuracy in every cell and the same prediction for every row of one language's test set (the script exits 1 if not);
it prints each one's wall time and their ratio (one thread)."""
import argparse, json, sys, time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
import numpy as np, pandas as pd, torch
from xltnb.core import atomic_write_text
from xltnb.encoders import build_encoder, load_encoder
from xltnb.evaluate import _device, generalized_matrix, pair_split, predict, task_langs
from xltnb.finetune import Collator, encode, text_fields
from xltnb.tasks import load_task, task_info


@torch.no_grad()
def predict_via_map(model, tokenizer, ds, batch_size=64, max_length=128) -> np.ndarray:
    "The earlier `predict`: `finetune.encode` (a datasets filter and map), rows read back one at a time."
    enc = encode(ds, tokenizer, text_fields(ds), max_length)
    enc = enc.select_columns([c for c in ('input_ids', 'attention_mask', 'token_type_ids') if c in enc.column_names])
    order = np.argsort([len(x) for x in enc['input_ids']], kind='stable')
    model.eval(); dev, out = _device(model), np.empty(len(enc), dtype=np.int64)
    collate = Collator(tokenizer)
    for i in range(0, len(order), batch_size):
        idx = order[i:i + batch_size]
        batch = {k: v.to(dev) for k, v in collate([enc[int(j)] for j in idx]).items()}
        out[idx] = model(**batch).logits.argmax(-1).cpu().numpy()
    return out


def matrix_via_pairs(model, tokenizer, task, world, max_length) -> pd.DataFrame:
    "The earlier `generalized_matrix`: `pair_split` (two loads and a column swap) and `predict_via_map` per pair."
    langs = task_langs(task, None)
    mat = pd.DataFrame(np.nan, index=pd.Index(langs, name='lang_a'), columns=pd.Index(langs, name='lang_b'))
    for l1 in langs:
        for l2 in langs:
            ds = pair_split(task, l1, l2, 'test', world=world)
            mat.loc[l1, l2] = float(np.mean(predict_via_map(model, tokenizer, ds, max_length=max_length)
                                            == np.array(ds['label'])))
    return mat


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--task', default='world-nli', choices=['world-nli', 'world-paws'])
    ap.add_argument('--world', default='smoke', choices=['smoke', 'cpu'])
    ap.add_argument('--size', default='tiny', choices=['tiny', 'small'])
    ap.add_argument('--json', help='also write the result here')
    a = ap.parse_args(argv)
    torch.set_num_threads(1)
    tok = load_encoder('world-tiny')[1]
    model = build_encoder('bert', a.size, tok, head='seq-cls', num_labels=task_info(a.task)['num_labels'], seed=1,
                          initializer_range=0.5).eval()
    one = load_task(a.task, 'de', 'test', world=a.world)
    rows_equal = predict_via_map(model, tok, one).tolist() == predict(model, tok, one).tolist()
    t = time.perf_counter(); before = matrix_via_pairs(model, tok, a.task, a.world, 256)
    t_before = time.perf_counter() - t
    t = time.perf_counter(); now = generalized_matrix(model, tok, a.task, world=a.world, max_length=256)
    t_now = time.perf_counter() - t
    res = dict(task=a.task, world=a.world, size=a.size, rows_a_language=len(one), pairs=int(now.size),
               rows_equal=rows_equal, cells_equal=bool(before.equals(now)), varied=len(set(now.values.ravel())) > 1,
               before_s=round(t_before, 2), now_s=round(t_now, 2), ratio=round(t_now / t_before, 3))
    print(json.dumps(res))
    if a.json: atomic_write_text(a.json, json.dumps(res, indent=1) + '\n')
    return 0 if rows_equal and res['cells_equal'] else 1


if __name__ == '__main__':
    sys.exit(main())
