"""The cache of whole-index query node results (scorer.NodeCache): a search that reuses what
an earlier search of the same snapshot evaluated gives exactly the result of one that
evaluates everything; only exact results are kept; a new index generation starts empty."""
import shutil

import numpy as np
import pytest
from whoosh import query as wq

from searchlib import scorer as scorer_mod
from searchlib.query import Filters, NamedTitle, Near
from searchlib.scorer import NodeCache, OutOfTime, Scorer, node_key

from .conftest import CORPUS
from .test_prune import QUERIES


def _sig(result):
    d = result.to_dict()
    d.pop("elapsed_ms", None)
    d["warnings"], d["partial"], d["facets"] = result.warnings, result.partial, result.facets
    return d


def test_node_key_is_structural():
    def concept(boost=0.6, slop=1, scale=0.9, tiebreak=0.1, word="衔接"):
        return wq.Or([wq.DisjunctionMax([wq.Or([wq.Term("body", "两法" + word), wq.Term("heading", "两法", boost=boost)]),
                                         wq.Phrase("body", ["行政执法", word], slop=slop)], tiebreak=tiebreak),
                      Near("body", ["移送", "案件"], window=8), NamedTitle("行政复议法", ["行政", "复议法"]),
                      wq.AndMaybe(wq.Term("body", "a"), wq.Term("kind", "plans")),
                      wq.AndNot(wq.Term("body", "a"), wq.Not(wq.Term("body", "b")))], scale=scale)
    assert node_key(concept()) == node_key(concept()) is not None
    for changed in (concept(boost=0.5), concept(slop=2), concept(scale=0.8), concept(tiebreak=0.2),
                    concept(word="xx")):
        assert node_key(changed) != node_key(concept())
    assert node_key(wq.Term("body", "a")) != node_key(wq.Term("heading", "a"))
    assert node_key(wq.And([wq.Term("body", "a")])) != node_key(wq.Or([wq.Term("body", "a")]))
    assert node_key(Near("body", ["a", "b"], window=8)) != node_key(Near("body", ["a", "b"], window=9))
    assert node_key(wq.Phrase("body", ["a", "b"])) != node_key(Near("body", ["a", "b"], window=1))
    assert node_key(NamedTitle("甲法", ["甲"])) != node_key(NamedTitle("乙法", ["甲"]))
    # expansions are not kept, nor is anything that holds one
    assert node_key(wq.Prefix("body", "行政")) is None
    assert node_key(wq.Or([wq.Term("body", "a"), wq.Wildcard("body", "行*")])) is None


@pytest.fixture
def keep_small(monkeypatch):
    """Small results kept too (the seeds' lists are short)."""
    monkeypatch.setattr(scorer_mod, "NODE_CACHE_MIN", 0)


def test_cached_results_are_the_evaluated_ones(seed_index_dir, monkeypatch):
    """Every query of test_prune, in several modes, first with the cache off, then twice with
    it (the second time from what the first kept, and what other modes kept)."""
    from searchlib.api import open_index
    from searchlib import search
    modes = [{}, {"exhaustive": False}, {"facets": True}, {"offset": 5}]
    monkeypatch.setattr(search, "PRUNE_MIN_PASSAGES", 0)     # the default search prunes here too
    with open_index(seed_index_dir) as idx:
        monkeypatch.setattr(NodeCache, "get", lambda self, key: None)   # (nothing kept, nothing found)
        monkeypatch.setattr(NodeCache, "put", lambda self, *a, **k: None)
        reference = [[_sig(idx.search(t, **dict(kw, **m))) for m in modes] for t, kw in QUERIES]
    monkeypatch.undo()
    monkeypatch.setattr(search, "PRUNE_MIN_PASSAGES", 0)
    monkeypatch.setattr(scorer_mod, "NODE_CACHE_MIN", 0)
    with open_index(seed_index_dir) as idx:
        for _ in range(2):
            for (t, kw), ref in zip(QUERIES, reference):
                for m, want in zip(modes, ref):
                    assert _sig(idx.search(t, **dict(kw, **m))) == want, (t, kw, m)
        assert len(NodeCache.of(idx._searcher.snapshot().passages))


def test_explain_reads_every_leaf(seed_index_dir, keep_small):
    from searchlib.api import open_index
    with open_index(seed_index_dir) as fresh:
        want = [h.explanation for h in fresh.search("两法衔接 行政复议", explain=True).hits]
    with open_index(seed_index_dir) as idx:
        idx.search("两法衔接 行政复议")
        idx.search("两法衔接 行政复议")
        got = [h.explanation for h in idx.search("两法衔接 行政复议", explain=True).hits]
    assert got == want and any(e["matched_terms"] for e in got)


def test_a_new_generation_has_a_new_cache(tmp_path, keep_small):
    from searchlib.api import build, open_index
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    seeds = sorted(CORPUS.glob("*.txt"))
    for f in seeds[:-1]:
        shutil.copy(f, corpus / f.name)
    build([corpus], tmp_path / "index")
    with open_index(tmp_path / "index") as idx:
        before = idx.search("行政复议 案件", exact_total=True)
        cache = NodeCache.of(idx._searcher.snapshot().passages)
        assert len(cache)
        shutil.copy(seeds[-1], corpus / seeds[-1].name)
        idx.add([corpus / seeds[-1].name], root=corpus)
        after = idx.search("行政复议 案件", exact_total=True)
        assert NodeCache.of(idx._searcher.snapshot().passages) is not cache
        assert after.total > before.total
    with open_index(tmp_path / "index") as fresh:
        assert _sig(fresh.search("行政复议 案件", exact_total=True)) == _sig(after)


def test_only_exact_results_are_kept(seed_index):
    """A concept evaluated before the deadline passed is kept; the query ranked on the
    concepts it had time for (partial) is not, nor is the concept the deadline cut."""
    s = seed_index._searcher
    snap = s.snapshot()
    plan = s.plan("行政复议 案件 法律顾问", seed_index.synonyms, snap)
    first, second = plan.concept_queries[0], plan.concept_queries[1]

    class Late(Scorer):
        def evaluate(self, node, within=None):
            r = super().evaluate(node, within)
            if node is first and within is None:
                self.deadline = 0.0          # out of time from here on
            return r

    cache = NodeCache(min_bytes=0)
    sc = Late(snap.passages, snap.stats, s.ranking, reports=snap.report_matches, cache=cache)
    sc.deadline = float("inf")
    r = sc.evaluate(plan.query)
    assert sc.partial and len(r)
    assert cache.get(sc._cache_key(first)) is not None
    assert cache.get(sc._cache_key(second)) is None
    assert cache.get(sc._cache_key(plan.query)) is None
    # a scorer out of time before it starts keeps nothing
    cache2 = NodeCache(min_bytes=0)
    sc2 = Scorer(snap.passages, snap.stats, s.ranking, reports=snap.report_matches, cache=cache2)
    sc2.deadline = 0.0
    with pytest.raises(OutOfTime):
        sc2.evaluate(plan.query)
    assert not len(cache2)


def test_bounded_by_bytes():
    cache = NodeCache(max_bytes=40_000, min_bytes=0)
    for i in range(20):
        n = 200
        cache.put(("k", i), scorer_mod.Scored(np.arange(n, dtype=np.int64), np.zeros(n), np.zeros(n),
                                             np.ones(n, np.int32)))
    assert cache.bytes <= 40_000 and 0 < len(cache) < 20
    assert cache.get(("k", 19)) is not None and cache.get(("k", 0)) is None
    cache.put(("big",), scorer_mod.Scored(np.arange(10_000, dtype=np.int64), np.zeros(10_000), np.zeros(10_000),
                                          np.ones(10_000, np.int32)))
    assert cache.get(("big",)) is None        # more than a quarter of the whole: not kept


def test_matching_words_by_presence(seed_index, keep_small, monkeypatch):
    """Scorer.matching finds, among some passages, those a word (on the text fields and the
    title) matches: from its presence (bits, or the passages of a rarer word), as evaluating
    it on them does."""
    s = seed_index._searcher
    snap = s.snapshot()
    cp = snap.passages
    rnd = np.random.default_rng(4)
    words = ["行政", "复议", "工作", "法治", "zzzz", "政府"]
    nodes = [wq.Or([wq.Term(f, w) for f in ("body", "heading", "title")]) for w in words]
    nodes += [wq.Term("body", "行政"), wq.Or([wq.Term("heading", "工作"), wq.Term("body", "复议", boost=0.5)])]
    plain = Scorer(cp, snap.stats, s.ranking, reports=snap.report_matches)
    for least, kind in ((0, "bits"), (10 ** 9, "ids")):
        monkeypatch.setattr(scorer_mod, "PRESENCE_MIN", least)
        cached = Scorer(cp, snap.stats, s.ranking, reports=snap.report_matches, cache=NodeCache(min_bytes=0))
        for node in nodes:
            assert cached._presence(node)[0] == kind
            for _ in range(5):
                among = np.unique(rnd.integers(0, cp.passages, rnd.integers(0, 200))).astype(np.int64)
                want = np.intersect1d(plain.evaluate(node).ids, among)
                assert cached.matching(node, among).tolist() == want.tolist()
        assert cached._presence(wq.Phrase("body", ["行政", "复议"])) is None


def test_search_plans_kept_per_snapshot_synonyms_and_ranking(seed_index_dir):
    """A search's plan is reused for the same text, synonyms and ranking in one snapshot;
    another ranking or synonyms makes its own, and ``plan()`` always makes a new one."""
    import dataclasses
    from searchlib.api import open_index
    with open_index(seed_index_dir) as idx:
        s = idx._searcher
        first = idx.search("两法衔接 行政复议")
        snap = s.snapshot()
        (key, (syn, ranking, plan)), = snap.plans.items()
        assert syn is idx.synonyms and ranking is s.ranking
        assert _sig(idx.search("两法衔接 行政复议")) == _sig(first) and len(snap.plans) == 1
        assert s._search_plan("两法衔接 行政复议", idx.synonyms, snap) is plan
        assert s.plan("两法衔接 行政复议", idx.synonyms, snap) is not plan
        idx.search("两法衔接 行政复议", synonyms=False)
        assert len(snap.plans) == 2
        s.ranking = dataclasses.replace(s.ranking, answer_boost=s.ranking.answer_boost + 1)
        assert s._search_plan("两法衔接 行政复议", idx.synonyms, snap) is not plan


def test_threads_share_a_generation_s_cache(seed_index_dir, keep_small):
    """Every thread searches its own snapshot; the snapshots of one generation share one
    NodeCache (one memory budget, and what one thread evaluated serves the others)."""
    import threading
    from searchlib.api import open_index
    with open_index(seed_index_dir) as idx:
        want = _sig(idx.search("行政复议 案件", exact_total=True))
        mine = NodeCache.of(idx._searcher.snapshot().passages)
        seen = {}

        def other():
            seen["sig"] = _sig(idx.search("行政复议 案件", exact_total=True))
            snap = idx._searcher.snapshot()
            seen["cache"] = NodeCache.of(snap.passages)
            seen["snap"] = snap

        t = threading.Thread(target=other)
        t.start()
        t.join()
        assert seen["snap"] is not idx._searcher.snapshot()
        assert seen["cache"] is mine and len(mine) and seen["sig"] == want


def test_a_kept_result_comes_back_bit_for_bit():
    # kept packed (int32 ids, a part whose values are all the same as one value), returned
    # exactly as it was: the same ids, the same scores to the bit (a -0.0 is not a 0.0)
    from searchlib.scorer import Scored
    rng = np.random.default_rng(7)
    ids = np.sort(rng.choice(5_000_000, 20_000, replace=False)).astype(np.int64)
    cases = [
        Scored(ids, rng.random(len(ids)), np.zeros(len(ids)), np.ones(len(ids), np.int32)),
        Scored(ids, rng.random(len(ids)), np.r_[np.zeros(len(ids) - 1), -0.0], np.full(len(ids), 3, np.int32)),
        Scored(ids, rng.random(len(ids)), rng.random(len(ids)), rng.integers(1, 4, len(ids)).astype(np.int32)),
        Scored(ids + (1 << 31), rng.random(len(ids)), np.full(len(ids), 0.6), np.ones(len(ids), np.int32)),
    ]
    cache = NodeCache(max_bytes=1 << 30, min_bytes=0)
    for k, r in enumerate(cases):
        cache.put(("case", k), r)
        got = cache.get(("case", k))
        for a, b in ((got.ids, r.ids), (got.text, r.text), (got.flat, r.flat), (got.count, r.count)):
            assert a.dtype == b.dtype and a.tobytes() == b.tobytes()
    # packed: a common word's result takes 12 bytes a passage, not 28
    assert cache._entries[("case", 0)][1] < 13 * len(ids) + 1024


def test_the_cache_grows_with_the_index(monkeypatch):
    monkeypatch.delenv(scorer_mod.NODE_CACHE_ENV, raising=False)
    assert NodeCache.for_passages(100_000).max_bytes == scorer_mod.NODE_CACHE_BYTES
    assert NodeCache.for_passages(3_600_000).max_bytes == 3_600_000 * scorer_mod.NODE_CACHE_PER_PASSAGE
    assert NodeCache.for_passages(100_000_000).max_bytes == scorer_mod.NODE_CACHE_MAX
    monkeypatch.setenv(scorer_mod.NODE_CACHE_ENV, "64")
    assert NodeCache.for_passages(3_600_000).max_bytes == 64 << 20
