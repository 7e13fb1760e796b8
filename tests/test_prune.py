"""Block-max pruning (searchlib/prune.py) against exhaustive evaluation: the same page of
hits (ids, order, scores to 1e-9) for many kinds of query, on the seed corpus and on a
generated one, with blocks small enough that most of them are left out; and the
``total_relation`` semantics ("eq": exact; "gte": a lower bound; exact_total and facets count
every matching passage)."""
import sys
from pathlib import Path

import numpy as np
import pytest

from searchlib import prune
from searchlib.query import Filters

ROOT = Path(__file__).resolve().parents[1]

# (query, keyword arguments of SearchIndex.search)
QUERIES = [
    ("行政复议", {}),
    ("行政执法", {}),
    ("行政复议 案件", {}),
    ("行政复议 案件 数量", {}),
    ("两法衔接", {}),
    ("三项制度", {}),
    ("双随机一公开", {}),
    ("法律顾问 全覆盖", {}),
    ("法治政府 建设", {}),
    ("存在的问题和不足", {}),
    ("下一步工作打算", {}),
    ("下一步 行政复议", {}),
    ("主动公开政府信息 条", {}),
    ("行政机关负责人 出庭应诉", {}),
    ("执法记录仪 配备", {}),
    ("证明事项 取消", {}),
    ("满意度", {}),
    ("制定地方性法规多少件", {}),
    ("哪些地区开展了两法衔接", {}),
    ("生态环境保护还有哪些短板", {}),
    ("行政复议法 第二条", {}),
    ("宁波 行政复议", {}),
    ("广东 乡村振兴 县域经济", {}),
    ("2019年 行政复议", {}),
    ('"行政执法 公示"', {}),
    ('"行政复议 案件"', {}),
    ("行政复议 NOT 行政诉讼", {}),
    ("行政执法 -刑事", {}),
    ("region:宁波 行政复议", {}),
    ("行政复议 region:浙江", {}),
    ("title:秦皇岛", {"per_doc": 0}),
    ("type:annual_report OR 行政", {}),
    ("普法^3 行政复议", {}),
    ("行政*", {}),
    ("行政执法 OR 行政复议", {}),
    ("行政复议", {"region": "浙江"}),
    ("行政复议 案件", {"year": 2019}),
    ("法治政府建设", {"type": "annual_report"}),
    ("存在问题", {"kind": "problems"}),
    ("移交涉刑案件", {"has_figures": True}),
    ("行政复议", {"offset": 10, "limit": 5}),
    ("行政执法", {"per_doc": 0}),
    ("行政执法", {"show_duplicates": True}),
    ("行政复议", {"limit": 3}),
    ("行政复议", {"synonyms": False}),
    ("行政复议 zzzqqq", {}),
]


def _ranked(idx, text, kwargs, prune_):
    """The searcher's own ranking (full-precision scores), as search() computes it."""
    s = idx._searcher
    kw = dict(kwargs)
    filters = Filters(region=kw.pop("region", None), year=kw.pop("year", None), type=kw.pop("type", None),
                      kind=kw.pop("kind", None), has_figures=kw.pop("has_figures", False))
    synonyms = idx.synonyms if kw.pop("synonyms", True) else None
    limit, offset = kw.pop("limit", 10), kw.pop("offset", 0)
    per_doc = kw.pop("per_doc", None)
    dedupe = not kw.pop("show_duplicates", False)
    snap = s.snapshot()
    plan = s.plan(text, synonyms, snap)
    if plan.filters:
        filters = filters.merged(plan.filters)
    from searchlib.scorer import Scorer
    from searchlib.search import search_arguments
    limit, offset, per_doc, _ = search_arguments(text, limit, offset, per_doc, "relevance", s.ranking)
    scorer = Scorer(snap.passages, snap.stats, s.ranking, reports=snap.report_matches)
    return s._rank(scorer, plan, filters, snap, limit, per_doc, offset, "relevance", dedupe, prune=prune_)


def _compare(idx, text, kwargs):
    a = idx.search(text, exhaustive=True, **kwargs)
    b = idx.search(text, exhaustive=False, **kwargs)
    assert [h.passage_id for h in a.hits] == [h.passage_id for h in b.hits], text
    assert [h.score for h in a.hits] == [h.score for h in b.hits], text
    assert [h.missing for h in a.hits] == [h.missing for h in b.hits], text
    assert a.suggestions == b.suggestions and a.unmatched == b.unmatched, text
    assert a.total_relation == "eq"
    if b.total_relation == "eq":
        assert (b.total, b.total_partial, b.duplicates_hidden) == (a.total, a.total_partial, a.duplicates_hidden)
    else:
        assert b.total_relation == "gte"
        assert b.total <= a.total and b.total_partial <= a.total_partial, text
    ra, rb = _ranked(idx, text, kwargs, False), _ranked(idx, text, kwargs, True)
    assert ra.ids.tolist() == rb.ids.tolist(), text
    assert np.allclose(ra.score, rb.score, rtol=0, atol=1e-9), text
    return b


@pytest.fixture
def small_blocks(monkeypatch):
    """Blocks of 4 passages: on a small index most blocks are left out; and a default search
    prunes on these small indexes (below PRUNE_MIN_PASSAGES it is exhaustive)."""
    from searchlib import search
    monkeypatch.setattr(prune, "BLOCK_SHIFT", 2)
    monkeypatch.setattr(search, "PRUNE_MIN_PASSAGES", 0)


@pytest.fixture(scope="module")
def generated_index(tmp_path_factory):
    """An index of 40 reports generated from the seeds (scripts/gen_corpus.py, no external texts)."""
    sys.path.insert(0, str(ROOT / "scripts"))
    import gen_corpus
    from searchlib.api import build
    folder = tmp_path_factory.mktemp("gen")
    gen_corpus.generate(folder / "corpus", 40, seed=7, external_share=0.0, quiet=True)
    build([folder / "corpus"], folder / "index")
    return folder / "index"


def _fresh(path):
    from searchlib.api import open_index
    return open_index(path)       # a new snapshot: its block index is made with the current BLOCK_SHIFT


@pytest.mark.parametrize("short_list", [200, 20])
def test_seed_corpus_same_page_both_modes(seed_index_dir, small_blocks, monkeypatch, short_list):
    # (a shorter "short list", ranked whole by both modes, lets the seeds' lists be pruned)
    from searchlib import search
    monkeypatch.setattr(search, "SMALL_LIST", short_list)
    idx = _fresh(seed_index_dir)
    relations = [_compare(idx, text, kwargs).total_relation for text, kwargs in QUERIES]
    if short_list == 20:
        assert "gte" in relations          # blocks were left out, and the page stayed the same
    idx.close()


@pytest.mark.parametrize("shift", [2, 4, 6])
def test_generated_corpus_same_page_both_modes(generated_index, monkeypatch, shift):
    monkeypatch.setattr(prune, "BLOCK_SHIFT", shift)
    idx = _fresh(generated_index)
    pruned = 0
    for text, kwargs in QUERIES:
        pruned += _compare(idx, text, kwargs).total_relation == "gte"
    assert pruned >= len(QUERIES) // 3
    idx.close()


def test_total_relation_and_exact_total(generated_index, small_blocks):
    idx = _fresh(generated_index)
    exhaustive = idx.search("行政复议", exhaustive=True)
    pruned = idx.search("行政复议")
    assert pruned.total_relation == "gte" and pruned.total < exhaustive.total
    assert pruned.to_dict()["total_relation"] == "gte"
    exact = idx.search("行政复议", exact_total=True)
    assert exact.total_relation == "eq" and exact.total == exhaustive.total
    assert [h.passage_id for h in exact.hits] == [h.passage_id for h in pruned.hits]
    faceted = idx.search("行政复议", facets=True)
    assert faceted.total_relation == "eq" and faceted.total == exhaustive.total
    assert faceted.facets == idx.search("行政复议", facets=True, exhaustive=True).facets
    # a list short enough to rank whole is exact however it is searched
    rare = idx.search("行政复议 案件", region="浙江")
    if rare.total <= 200:
        assert rare.total_relation == "eq"
    idx.close()


def test_environment_forces_exhaustive(generated_index, small_blocks, monkeypatch):
    monkeypatch.setenv("SEARCHLIB_EXHAUSTIVE", "1")
    idx = _fresh(generated_index)
    assert idx.search("行政复议").total_relation == "eq"
    assert idx.search("行政复议", exhaustive=False).total_relation == "gte"
    idx.close()


def test_small_index_exhaustive_by_default(generated_index, monkeypatch):
    """Below PRUNE_MIN_PASSAGES a default search scores every passage (exact counts);
    exhaustive=False prunes anyway."""
    from searchlib import search
    monkeypatch.setattr(prune, "BLOCK_SHIFT", 2)
    idx = _fresh(generated_index)
    assert idx._searcher.snapshot().passages.passages < search.PRUNE_MIN_PASSAGES
    assert idx.search("行政复议").total_relation == "eq"
    assert idx.search("行政复议", exhaustive=False).total_relation == "gte"
    monkeypatch.setattr(search, "PRUNE_MIN_PASSAGES", 0)
    assert idx.search("行政复议").total_relation == "gte"
    idx.close()


def test_domain_select():
    d = prune.Domain(np.array([1, 3]), 40, 3)        # passages 8-15 and 24-31
    ids = np.array([0, 8, 9, 15, 16, 24, 31, 39])
    assert ids[d.select(ids)].tolist() == [8, 9, 15, 24, 31]
    assert d.ids().tolist() == list(range(8, 16)) + list(range(24, 32))
    many = np.arange(40)
    assert many[d.select(many)].tolist() == d.ids().tolist()


@pytest.mark.parametrize("shift", [2, 4])
def test_tightened_blocks_same_page(generated_index, monkeypatch, shift):
    """With small batches and _tighten on every batch past the first cutoff (bounding each
    passage by the query alone, and searching only the blocks that can reach the cutoff):
    the same pages, and the totals are "eq" only when exact."""
    from searchlib import search
    monkeypatch.setattr(prune, "BLOCK_SHIFT", shift)
    monkeypatch.setattr(search, "PRUNE_FIRST_BLOCKS", 2)
    monkeypatch.setattr(search, "PRUNE_TIGHTEN_BLOCKS", 1)
    calls = []
    tighten = search.IndexSearcher._tighten

    def counting(self, *args, **kwargs):
        out = tighten(self, *args, **kwargs)
        calls.append(len(out[1]) < len(args[6]))      # some blocks left out
        return out

    monkeypatch.setattr(search.IndexSearcher, "_tighten", counting)
    idx = _fresh(generated_index)
    pruned = sum(_compare(idx, text, kwargs).total_relation == "gte" for text, kwargs in QUERIES)
    assert pruned >= len(QUERIES) // 4
    assert any(calls)
    idx.close()


def test_cli_exact_total(generated_index, small_blocks):
    """The CLI says "at least N" for a lower bound; --exact-total (and "exact_total" in a
    batch request) counts every matching passage; the hits are the same."""
    import json

    from click.testing import CliRunner

    from searchlib.cli import main
    exhaustive = _fresh(generated_index)
    exact = exhaustive.search("行政复议", exhaustive=True)
    exhaustive.close()

    def run(*args, **kwargs):
        r = CliRunner().invoke(main, ["--index", str(generated_index), "search", *args], **kwargs)
        assert r.exit_code == 0, r.output
        return r.output

    pruned = json.loads(run("行政复议", "--json"))
    counted = json.loads(run("行政复议", "--json", "--exact-total"))
    assert pruned["total_relation"] == "gte" and pruned["total"] < exact.total
    assert counted["total_relation"] == "eq" and counted["total"] == exact.total
    assert [h["passage_id"] for h in pruned["hits"]] == [h["passage_id"] for h in counted["hits"]] == \
        [h.passage_id for h in exact.hits]
    assert f"at least {pruned['total']} matching passages" in run("行政复议")
    assert "--exact-total" in run("行政复议")
    text = run("行政复议", "--exact-total")
    assert f"{exact.total} matching passages" in text and "at least" not in text
    lines = run("--batch", "-", "--json", input='{"query": "行政复议"}\n{"query": "行政复议", "exact_total": true}\n')
    first, second = map(json.loads, lines.splitlines())
    assert (first["total_relation"], second["total_relation"]) == ("gte", "eq")
    assert second["total"] == exact.total
    assert [h["passage_id"] for h in first["hits"]] == [h.passage_id for h in exact.hits]
    # --exact-total on the whole batch
    lines = run("--batch", "-", "--json", "--exact-total", input='{"query": "行政复议"}\n')
    assert json.loads(lines)["total_relation"] == "eq"
