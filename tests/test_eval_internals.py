"""Evaluation internals rewritten for speed, against the plain computations they replace."""
import random

import numpy as np

from searchlib.passage_index import letter_shingles
from searchlib.prune import _union


def _pieces(t):
    return {t[i:i + 4] for i in range(max(len(t) - 3, 0))}


def test_letter_shingles_compare_as_the_pieces_do():
    """Integer pieces: as many as the 4-character pieces, and any two texts share as many;
    characters beyond the Basic Multilingual Plane and lone surrogates included."""
    rnd = random.Random(5)
    alphabet = "行政复议执法ab12监督规范𠀀𠀁程序\ud800"
    for _ in range(3000):
        a, b = ("".join(rnd.choice(alphabet) for _ in range(rnd.randrange(0, 24))) for _ in range(2))
        assert len(letter_shingles(a)) == len(_pieces(a))
        assert len(letter_shingles(a) & letter_shingles(b)) == len(_pieces(a) & _pieces(b)), (a, b)
    assert letter_shingles("行政复议") == letter_shingles("𠀀行政复议") - {max(letter_shingles("𠀀行政复议"))}


def test_union_of_id_arrays():
    rnd = np.random.default_rng(2)
    for _ in range(200):
        arrays = [np.unique(rnd.integers(0, 500, rnd.integers(0, 50))) for _ in range(rnd.integers(0, 4))]
        arrays.append(None)
        got = _union(arrays)
        want = np.unique(np.concatenate([a for a in arrays if a is not None] or [np.zeros(0, np.int64)]))
        assert got.dtype == np.int64 and got.tolist() == want.tolist()


def test_sorted_union_of_ascending_id_lists():
    import numpy as np
    from searchlib.scorer import _sorted_union
    assert _sorted_union([]).tolist() == []
    assert _sorted_union([np.array([2, 5, 9])]).tolist() == [2, 5, 9]
    assert _sorted_union([np.array([1, 3, 5]), np.array([2, 3, 9]), np.array([9])]).tolist() == [1, 2, 3, 5, 9]
