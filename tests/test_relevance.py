"""Relevance regression: the ranking's quality per judgement set (and per half of the split
ones), against numbers kept as data (tests/data/expected_relevance.json, written by
``scripts/eval.py --write-expected``): a change that moves a score by more than the
tolerance, either way, fails until the data says what the code does. Sets on the seeds run
always; the library-wide ones when their index is in bench-out/ (scripts/eval.py builds it)."""
import json

import pytest

from tests.conftest import ROOT
from tests.relevance import score_file

EXPECTED = json.loads((ROOT / "tests" / "data" / "expected_relevance.json").read_text(encoding="utf-8"))
SPLITS = json.loads((ROOT / "eval" / "splits.json").read_text(encoding="utf-8"))


def _items(name: str) -> list:
    path_name, _, part = name.partition("#")
    path = (ROOT / path_name).resolve()
    if not path.exists():
        pytest.skip(f"{path_name} is not present")
    items = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    if part:
        ids = SPLITS[path.name][part]
        by_id = {item["id"]: item for item in items}
        items = [by_id[i] for i in ids]
    return items


@pytest.fixture(scope="module")
def indexes(seed_index):
    from searchlib.api import open_index
    opened = {"dev": seed_index}
    yield opened, open_index
    for name, idx in opened.items():
        if name != "dev":
            idx.close()


@pytest.mark.parametrize("name", sorted(EXPECTED["files"]))
def test_relevance_is_what_the_data_says(indexes, name, tmp_path):
    opened, open_index = indexes
    want = EXPECTED["files"][name]
    corpus = want.get("corpus", "dev")
    if corpus not in opened:
        path = ROOT / "bench-out" / f"eval-{corpus}"
        if not path.exists():
            pytest.skip(f"no {corpus} index in bench-out/ (scripts/eval.py builds it)")
        opened[corpus] = open_index(path)
    part = tmp_path / "set.jsonl"
    part.write_text("".join(json.dumps(item, ensure_ascii=False) + "\n" for item in _items(name)), encoding="utf-8")
    got = score_file(opened[corpus], part)
    tol = EXPECTED["tolerance"]
    assert abs(got["ndcg"] - want["ndcg"]) <= tol, f"nDCG@10 {got['ndcg']} ≠ {want['ndcg']} ± {tol} on {name}"
    assert abs(got["p3"] - want["p3"]) <= tol, f"P@3 {got['p3']} ≠ {want['p3']} ± {tol} on {name}"
