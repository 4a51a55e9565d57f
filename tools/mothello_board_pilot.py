#!/usr/bin/env python
"""Pilot for mOthello: which model and budget make the board probe read the board (in-language probe well above the
untrained model's)?

Trains one mOthello GPT on two atomic languages with no anchors (the naive arm; `xltnb.othello.mothello.run_experiment`
at the `cpu` preset's settings, but for `--layers`, `--d` and `--steps`), then probes every layer of it and of an
untrained model of the same shape, for two probe targets:

- `absolute`: each square black / white / empty (the page's probe today);
- `relative`: each square the stone of the player who just moved / the other player's / empty (as the Othello-GPT
  probes that read the board read it: "mine / theirs", whichever colour moved).

Each probe trains on `--probe-games` games of language 0 for as many steps and is read on 500 held-out games in
language 0 (`same`) and in language 1 (`mixed`, the cross-lingual probe). Pilot seeds are >= 100: no reference seed
sees a choice made here. One thread; prints one JSON line per measurement and writes them to `--out` if given.

    python tools/mothello_board_pilot.py --seed 100 --layers 2 --d 64 --steps 80000 --probe-games 2000
"""
import argparse, json, os, time
from pathlib import Path


def relative_boards(states):
    "Boards as the player who just moved sees them: 0 empty, 1 that player's stone, 2 the other player's."
    import numpy as np
    b, p = states.boards.astype(np.int64), states.player.astype(np.int64)[..., None]
    return np.where(b == 0, 0, np.where(b == p, 1, 2)).astype(np.int8)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--seed', type=int, default=100, help='a pilot seed (>= 100)')
    ap.add_argument('--layers', type=int, default=2)
    ap.add_argument('--d', type=int, default=64)
    ap.add_argument('--steps', type=int, default=6000, help="training steps of 16 games (the cpu preset's: 6000)")
    ap.add_argument('--probe-games', type=int, default=500, help="probe training games = probe steps (the page's: 500)")
    ap.add_argument('--model-dir', default='_runs/pilot/mothello-board', help='trained models are kept here by setting')
    ap.add_argument('--out', default='', help='also append the JSON lines to this file')
    a = ap.parse_args(argv)
    if a.seed < 100: ap.error(f"--seed {a.seed}: pilots use seeds >= 100 (0-99 are reference seeds)")
    os.environ.setdefault('OMP_NUM_THREADS', '1')
    import torch
    from xltnb.othello.engine import random_games, replay
    from xltnb.othello.mothello import (load_experiment_model, make_gpt, move_states, probe_accuracy, run_experiment,
                                        train_probe)
    torch.set_num_threads(1)
    path = Path(a.model_dir) / f"s{a.seed}-L{a.layers}-d{a.d}-n{a.steps}.pt"
    path.parent.mkdir(parents=True, exist_ok=True)
    out = open(a.out, 'a') if a.out else None

    def emit(**r):
        line = json.dumps(dict(seed=a.seed, layers=a.layers, d=a.d, steps=a.steps, probe_games=a.probe_games, **r))
        print(line, flush=True)
        if out: out.write(line + '\n'); out.flush()
    if not path.exists():
        r = run_experiment(dict(kinds=['atomic', 'atomic'], n_anchors=0, unified=False, size=6, seed=a.seed,
                                n_layer=a.layers, n_head=4, d=a.d, steps=a.steps, batch_size=16, lr=2e-3, pool=100000,
                                probe_steps=10, probe_train=50, probe_test=20, acc_games=200, save=str(path)))
        legal = [x['value'] for x in r['records'] if x['metric'] == 'legal_move_acc']
        emit(what='trained', train_cpu_s=round(r['cpu_s']), legal_move_acc=[round(v, 4) for v in legal])
    model, langs, _ = load_experiment_model(path)
    torch.manual_seed(a.seed); untrained = make_gpt(langs, a.layers, 4, a.d, 0.0).eval()
    test = random_games(500, seed=2000 + a.seed, size=6); st_te = replay(test, 6)
    train = random_games(a.probe_games, seed=3000 + a.seed, size=6); st_tr = replay(train, 6)
    for target, f in (('absolute', lambda s: s.boards), ('relative', relative_boards)):
        for name, m in (('trained', model), ('untrained', untrained)):
            for layer in range(1, a.layers + 1):
                t0 = time.process_time()
                X = move_states(m, langs, train, 0, layer)
                p = train_probe(X, train, f(st_tr), hidden=128, steps=a.probe_games, seed=a.seed)
                same = probe_accuracy(p, move_states(m, langs, test, 0, layer), test, f(st_te))
                mixed = probe_accuracy(p, move_states(m, langs, test, 1, layer), test, f(st_te))
                emit(what='probe', target=target, model=name, layer=layer, same=round(same, 4), mixed=round(mixed, 4),
                     cpu_s=round(time.process_time() - t0, 1))


if __name__ == '__main__':
    main()
