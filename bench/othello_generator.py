"""Games per second: the batched bitboard generator against a straightforward pure-Python generator, one run.

    .venv/bin/python bench/othello_generator.py [--n 20000] [--n_py 300] [--size 6 8]

Both generators run in the same process, one after the other, for each board size; the numpy time includes its
first call (lookup tables are built there).
"""
import argparse, random, time

from xltnb.othello.engine import random_games

DIRS = [(-1, -1), (-1, 0), (-1, 1), (0, -1), (0, 1), (1, -1), (1, 0), (1, 1)]


def py_game(rng, size=8):
    "One uniformly random legal game with a list board and loops over squares and directions."
    b = [0] * (size * size); c = size // 2
    b[(c - 1) * size + c - 1] = b[c * size + c] = 2; b[(c - 1) * size + c] = b[c * size + c - 1] = 1
    who, game = 1, []

    def flips(q, w):
        if b[q]: return []
        r0, c0 = divmod(q, size); out = []
        for dr, dc in DIRS:
            run, r, cc = [], r0 + dr, c0 + dc
            while 0 <= r < size and 0 <= cc < size and b[r * size + cc] == 3 - w:
                run.append(r * size + cc); r += dr; cc += dc
            if run and 0 <= r < size and 0 <= cc < size and b[r * size + cc] == w: out += run
        return out

    while True:
        moves = [q for q in range(size * size) if flips(q, who)]
        if not moves:
            who = 3 - who
            moves = [q for q in range(size * size) if flips(q, who)]
            if not moves: return game
        q = rng.choice(moves)
        for f in flips(q, who) + [q]: b[f] = who
        game.append(q); who = 3 - who


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--n', type=int, default=20000); ap.add_argument('--n_py', type=int, default=300)
    ap.add_argument('--size', type=int, nargs='+', default=[6, 8])
    a = ap.parse_args()
    for size in a.size:
        rng = random.Random(0)
        t = time.perf_counter(); [py_game(rng, size) for _ in range(a.n_py)]; py = a.n_py / (time.perf_counter() - t)
        t = time.perf_counter(); random_games(a.n, seed=0, size=size); npg = a.n / (time.perf_counter() - t)
        print(f"board {size}x{size}: pure Python {py:,.0f} games/s; numpy bitboards {npg:,.0f} games/s; "
              f"speed-up {npg / py:,.0f}x (target >= 100x)")


if __name__ == '__main__':
    main()
