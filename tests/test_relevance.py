"""Relevance regression: the ranking's quality on the seed index, against numbers kept
as data (tests/data/expected_relevance.json), so a change that loses quality fails."""
import json

import pytest

from tests.conftest import ROOT
from tests.relevance import score_file

EXPECTED = json.loads((ROOT / "tests" / "data" / "expected_relevance.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", sorted(EXPECTED["files"]))
def test_relevance_does_not_regress(seed_index, name):
    path = (ROOT / name).resolve()
    if not path.exists():
        pytest.skip(f"{name} is not present")
    got = score_file(seed_index, path)
    want = EXPECTED["files"][name]
    tol = EXPECTED["tolerance"]
    assert got["ndcg"] >= want["ndcg"] - tol, f"nDCG@10 {got['ndcg']} < {want['ndcg']} on {name}"
    assert got["p3"] >= want["p3"] - tol, f"P@3 {got['p3']} < {want['p3']} on {name}"
