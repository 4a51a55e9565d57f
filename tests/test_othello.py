"""The bitboard engine against an independent, deliberately plain Othello implementation (lists, loops)."""
import random

import numpy as np
import pytest

from xltnb.othello.engine import default_prefix, random_games, replay

DIRS = [(-1, -1), (-1, 0), (-1, 1), (0, -1), (0, 1), (1, -1), (1, 0), (1, 1)]


class RefBoard:
    "Othello on a list of lists: 0 empty, 1 black, 2 white; written from the rules, not from the engine."

    def __init__(self, size=8):
        self.size, c = size, size // 2
        self.cells = [[0] * size for _ in range(size)]
        self.cells[c - 1][c - 1] = self.cells[c][c] = 2
        self.cells[c - 1][c] = self.cells[c][c - 1] = 1
        self.turn = 1

    def flips(self, r, c, who):
        if self.cells[r][c] != 0: return []
        out = []
        for dr, dc in DIRS:
            run, rr, cc = [], r + dr, c + dc
            while 0 <= rr < self.size and 0 <= cc < self.size and self.cells[rr][cc] == 3 - who:
                run.append((rr, cc)); rr += dr; cc += dc
            if run and 0 <= rr < self.size and 0 <= cc < self.size and self.cells[rr][cc] == who: out += run
        return out

    def legal(self, who=None):
        who = who or self.turn
        return [r * self.size + c for r in range(self.size) for c in range(self.size) if self.flips(r, c, who)]

    def play(self, sq):
        "Play `sq` for the side to move, passing first if that side cannot move; returns True if a pass happened."
        passed = False
        if not self.legal(): self.turn, passed = 3 - self.turn, True
        r, c = divmod(sq, self.size)
        fl = self.flips(r, c, self.turn)
        assert fl, f"illegal move {sq}"
        self.cells[r][c] = self.turn
        for rr, cc in fl: self.cells[rr][cc] = self.turn
        self.turn = 3 - self.turn
        return passed

    def next_legal(self):
        return self.legal() or self.legal(3 - self.turn)

    def flat(self):
        return [v for row in self.cells for v in row]


def ref_game(rng, size=8, prefix=()):
    b, game = RefBoard(size), list(prefix)
    for q in prefix: b.play(q)
    while True:
        moves = b.next_legal()
        if not moves: return game
        q = rng.choice(moves); b.play(q); game.append(q)


def check_with_ref(games, size):
    "Replay every game in the reference: every move legal, same boards, same next-legal sets, same passes."
    st = replay(games, size)
    n_pass = 0
    for i, g in enumerate(games):
        b = RefBoard(size)
        moves = [int(q) for q in g if q >= 0]
        assert (g[len(moves):] == -1).all()
        for t, q in enumerate(moves):
            mover = b.turn if b.legal() else 3 - b.turn
            n_pass += b.play(q)
            assert st.player[i, t] == mover
            assert st.boards[i, t].tolist() == b.flat(), (i, t)
            assert np.flatnonzero(st.next_legal[i, t]).tolist() == sorted(b.next_legal())
        assert b.next_legal() == [], f"game {i} stopped before the end"
    return n_pass


@pytest.mark.parametrize("size,n", [(8, 1000), (6, 2000)])
def test_engine_games_are_legal_in_reference(size, n):
    games = random_games(n, seed=7, size=size)
    n_pass = check_with_ref(games, size)
    assert n_pass > 0, "no game with a pass: the pass rule was not exercised"


@pytest.mark.parametrize("size", [8, 6])
def test_reference_games_replay_in_engine(size):
    rng = random.Random(3)
    games = [ref_game(rng, size) for _ in range(500)]
    arr = np.full((len(games), size * size - 4), -1, np.int8)
    for i, g in enumerate(games): arr[i, :len(g)] = g
    check_with_ref(arr, size)
    assert any(len(g) < size * size - 4 for g in games)  # some games end early


def test_prefix_games():
    for size in (8, 6):
        p = default_prefix(size)
        games = random_games(500, seed=2, prefix=p, size=size)
        assert (games[:, :3] == p).all()
        check_with_ref(games, size)


def test_uniform_move_choice():
    "The first move is uniform over black's four openings; the second over white's three replies to 19."
    g = random_games(40000, seed=5)
    counts = np.bincount(g[:, 0], minlength=64)[[19, 26, 37, 44]]
    assert counts.sum() == 40000 and np.abs(counts / 40000 - 0.25).max() < 0.01
    second = g[g[:, 0] == 19, 1]
    c2 = np.bincount(second, minlength=64)[[18, 20, 34]] / len(second)
    assert c2.sum() == 1 and np.abs(c2 - 1 / 3).max() < 0.02


def test_bad_input():
    with pytest.raises(ValueError, match="unknown board size 5"): random_games(2, size=5)
    with pytest.raises(ValueError, match="illegal move"): replay(np.array([[0] + [-1] * 59]))
