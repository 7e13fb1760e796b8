"""Sharded indexes: documents routed by a stable hash of their doc_id, each shard a normal
index, and a sharded index that ranks, counts and facets exactly like one index of the same
corpus (index-wide statistics gathered before the shards score: dfs_query_then_fetch)."""
import json
import os
import shutil
import sys

import pytest
from click.testing import CliRunner

from searchlib import api
from searchlib.cli import main
from searchlib.errors import DocumentNotFoundError
from searchlib.search import IndexSearcher
from searchlib.shards import is_sharded, read_layout, shard_of
from tests.conftest import CORPUS, ROOT
from tests.test_rules import RULES

SHARDS = 3

# words, phrases, jargon with synonyms, questions, intents, regions and years in the query,
# Whoosh syntax (title scores, wildcards), quantities, paste-like text, a misspelling
QUERIES = ["两法衔接", "行政复议 案件 数量", "法律顾问 全覆盖", "存在的问题和不足", "下一步 行政复议",
           "浙江 营商环境", "2018年 行政复议", "2018年行政复议案件有多少", "行政附议", "三项制度", "放管服",
           '"执法记录仪" OR 执法记录设备', "title:报告 AND (复议 OR 诉讼)", "行政* 监督", "行政复议法 第九条",
           "制定地方性法规的法律依据", "行政执法 -刑事", "+行政 +复议", "普法^3 行政复议", "绿化 面积",
           "重大行政决策 合法性审查", "人民调解 矛盾纠纷", "qwzxkj 行政复议"]
OPTIONS = [{}, {"limit": 25, "offset": 5}, {"sort": "-date"}, {"sort": "date", "limit": 5},
           {"facets": True, "show_duplicates": True}, {"facets": True}, {"kind": "plans"},
           {"type": "annual_report", "year": 2019}, {"region": "浙江"}, {"has_figures": True, "per_doc": 0},
           {"explain": True, "limit": 3}, {"synonyms": False}]
BROWSES = [{"region": "浙江"}, {"year": 2019, "kind": "problems"}, {"type": "annual_report", "sort": "date"},
           {"has_figures": True, "facets": True, "limit": 30}, {"level": "法律"}]


def _corpus(root):
    """The seeds, three laws (two editions of one) and a generated library, as three folders
    whose doc_ids sort in the order they are given."""
    sys.path.insert(0, str(ROOT / "scripts"))
    import gen_corpus
    rules = root / "rules"
    rules.mkdir()
    for name, text in RULES.items():
        (rules / name).write_text(text, encoding="utf-8")
    gen = root / "gen"
    gen_corpus.generate(gen, 36, seed=27, external_share=0.0, html_share=0.1, min_chars=2500, max_chars=6000,
                        quiet=True)
    return [CORPUS, rules, gen]


@pytest.fixture(scope="module")
def pair(tmp_path_factory):
    root = tmp_path_factory.mktemp("shards")
    corpus = _corpus(root)
    single = api.build(corpus, root / "single")
    sharded = api.build(corpus, root / "sharded", shards=SHARDS)
    assert (sharded.documents, sharded.passages) == (single.documents, single.passages)
    with api.open_index(root / "single") as a, api.open_index(root / "sharded") as b:
        yield a, b, root


@pytest.fixture
def raw_scores(monkeypatch):
    """Each hit keeps its unrounded score (``raw``): hits show 4 decimals."""
    original = IndexSearcher._hit

    def hit(self, snap, pid, score, phrases, words):
        h = original(self, snap, pid, score, phrases, words)
        h.raw = score
        return h
    monkeypatch.setattr(IndexSearcher, "_hit", hit)


def _same(ra, rb, what):
    da, db = ra.to_dict(), rb.to_dict()
    da.pop("elapsed_ms"), db.pop("elapsed_ms")
    for key in da:
        assert da[key] == db.get(key), f"{what}: {key} differs"
    assert set(da) == set(db), what
    for ha, hb in zip(ra.hits, rb.hits):
        assert abs(ha.raw - hb.raw) <= 1e-9 * max(1.0, abs(ha.raw)), f"{what}: {ha.passage_id} score"


def test_routing_is_a_stable_hash_of_the_doc_id():
    # BLAKE2b's first 8 bytes, big-endian, mod N: the same on every machine and Python
    assert [shard_of(d, 4) for d in ("2017-09-01_行政复议法.txt", "2023-09-01_行政复议法.txt",
                                     "000_fe44817f17a5c838.txt", "gen/00/r00001.txt")] == [1, 2, 0, 2]
    assert shard_of("a", 1) == 0


def test_layout_and_each_shard_alone(pair):
    a, b, root = pair
    layout = read_layout(root / "sharded")
    assert is_sharded(root / "sharded") and not is_sharded(root / "single")
    manifest = json.loads((root / "sharded" / "shards.json").read_text())
    assert manifest == {"format": 1, "shards": SHARDS, "hash": "blake2b-8",
                        "dirs": ["shard-000", "shard-001", "shard-002"]}
    total = 0
    for k, path in enumerate(layout.shard_paths):
        with api.open_index(path) as shard:           # a normal index, opened alone
            docs = shard.documents()
            assert docs and all(shard_of(d["doc_id"], SHARDS) == k for d in docs)
            total += len(docs)
    assert total == len(a.documents()) == b.counts()["documents"]
    assert b.counts() == a.counts()
    assert [d["doc_id"] for d in b.documents(region="浙江")] == [d["doc_id"] for d in a.documents(region="浙江")]
    # the two editions of the law are in different shards: "current" is decided index-wide
    assert shard_of("2017-09-01_行政复议法.txt", SHARDS) != shard_of("2023-09-01_行政复议法.txt", SHARDS)


def test_sharded_search_ranks_and_counts_like_one_index(pair, raw_scores):
    a, b, _ = pair
    compared = 0
    for q in QUERIES:
        for opts in OPTIONS:
            opts = {"timeout": 60, **opts}   # a loaded machine is not a difference between them
            try:
                # (a sharded search scores every passage: its counts are the exact ones)
                ra = a.search(q, exact_total=True, **opts)
            except Exception as e:           # an error is the same error
                with pytest.raises(type(e)):
                    b.search(q, **opts)
                continue
            rb = b.search(q, **opts)
            _same(ra, rb, f"{q!r} {opts}")
            # the single index's pruned search (exhaustive=False: whatever its size; prune.py) shows the
            # same page, and its counts are exact ("eq") or lower bounds ("gte")
            # ... and so does the sharded one, each shard pruned
            for pruned in (a, b):
                rp = pruned.search(q, exhaustive=False, **opts)
                assert [(h.passage_id, h.raw) for h in rp.hits] == [(h.passage_id, h.raw) for h in ra.hits], q
                if rp.total_relation == "eq":
                    assert (rp.total, rp.total_partial) == (rb.total, rb.total_partial), q
                else:
                    assert rp.total <= rb.total and rp.total_partial <= rb.total_partial, q
            compared += 1
    for opts in BROWSES:
        _same(a.search("", **opts), b.search("", **opts), f"browse {opts}")
    assert compared > 200
    assert b._searcher.missing_stats == []           # every statistic was gathered index-wide
    # the comparison can fail: the hits carry what differs between shards
    r = b.search("行政复议 案件 数量", facets=True)
    assert r.total > 10 and r.duplicates_hidden >= 0 and r.facets["province"]


def test_pruned_shards_show_the_exhaustive_page(pair, raw_scores, monkeypatch):
    # the first batch of blocks a pruned walk evaluates (16) would hold every block of these
    # small shards (4-7 blocks of 64 passages): one block at a time, and short pages, a shard
    # leaves out the blocks that cannot reach its pool, and the router reads the candidates
    # from the highest of the shards' cutoffs up
    import searchlib.search as search_module
    monkeypatch.setattr(search_module, "PRUNE_FIRST_BLOCKS", 1)
    monkeypatch.setattr(search_module, "PRUNE_FIRST_MAX", 1)
    a, b, _ = pair
    lower_bounds = 0
    for q in QUERIES:
        # (short pages: a shard's pool is then smaller than what matches in it)
        for opts in ({"limit": 1}, {"limit": 2, "offset": 1}, {"limit": 1, "kind": "plans"},
                     {"limit": 3, "per_doc": 1}):
            opts = {"timeout": 60, **opts}
            try:
                ra = a.search(q, exact_total=True, **opts)
            except Exception as e:
                with pytest.raises(type(e)):
                    b.search(q, exhaustive=False, **opts)
                continue
            rp = b.search(q, exhaustive=False, **opts)
            assert [(h.passage_id, round(h.raw, 9)) for h in rp.hits] == \
                [(h.passage_id, round(h.raw, 9)) for h in ra.hits], f"{q!r} {opts}"
            if rp.total_relation == "gte":
                lower_bounds += 1
                assert rp.total <= ra.total and rp.total_partial <= ra.total_partial, q
            else:
                assert (rp.total, rp.total_partial) == (ra.total, ra.total_partial), q
    assert lower_bounds >= 5             # blocks were left out: the pruning was exercised


def test_answer_tables_documents_and_editions(pair):
    a, b, _ = pair
    for q, kw in [("行政复议", {"unit": "件", "by": "region"}), ("城镇新增就业", {"by": "year"}),
                  ("两法衔接 移送", {"by": "period"})]:
        ta, tb = a.figures(q, **kw), b.figures(q, **kw)
        assert [r.__dict__ for r in ta.rows] == [r.__dict__ for r in tb.rows]
        assert (ta.total, ta.passages) == (tb.total, tb.passages)
    for doc_id in ("2017-09-01_行政复议法.txt", "000_fe44817f17a5c838.txt"):
        assert a.document(doc_id) == b.document(doc_id)
    old = b.document("2017-09-01_行政复议法.txt")
    assert old["current"] is False and [e["doc_id"] for e in old["editions"]] == \
        ["2023-09-01_行政复议法.txt", "2017-09-01_行政复议法.txt"]
    assert a.passage("000_fe44817f17a5c838.txt#14", context=2) == b.passage("000_fe44817f17a5c838.txt#14", context=2)
    with pytest.raises(DocumentNotFoundError):
        b.document("nope.txt")
    st = b.stats()
    assert [s["shard"] for s in st["shards"]] == list(range(SHARDS))
    assert sum(s["documents"] for s in st["shards"]) == st["documents"] == a.stats()["documents"]
    assert all(s["generation"] >= 1 and s["bytes"] > 0 for s in st["shards"])


def test_document_pages_and_stats_across_shards(pair):
    """Pages merged from the shards in doc_id order are the single index's pages (each shard
    reads only its part of the page), with one or several values of a filter; stats are
    the sums of the shards' per-generation totals, ordered as one index's."""
    a, b, root = pair
    everything = a.documents()
    assert b.documents() == everything
    n = len(everything)
    for offset, limit in [(0, 1), (0, 10), (7, 5), (n - 3, 10), (n, 5), (n + 4, 2), (3, None), (0, n)]:
        want = everything[offset:] if limit is None else everything[offset:offset + limit]
        assert b.document_page(offset=offset, limit=limit) == (n, want), (offset, limit)
    for filters in ({"region": "浙江"}, {"region": ["浙江", "山东"]}, {"type": ["annual_report", "law"]},
                    {"year": [2015, 2018, 2021], "type": ["annual_report", "work_plan"]}, {"level": "法律"}):
        whole = a.documents(**filters)
        assert len(whole) >= 2, filters
        assert b.documents(**filters) == whole, filters
        assert b.document_page(offset=1, limit=3, **filters) == (len(whole), whole[1:4]), filters
    sa, sb = a.stats(), b.stats()
    for key in ("documents", "passages", "characters", "doc_types", "years", "regions"):
        assert sb[key] == sa[key], key
        if isinstance(sa[key], dict):
            assert list(sb[key]) == list(sa[key]), key      # the same order too
    single = create_app_client(root / "single")
    sharded = create_app_client(root / "sharded")
    for url in ("/api/documents?offset=5&limit=7", "/api/documents?region=浙江&region=山东&limit=2&offset=1",
                "/api/documents?offset=10000&limit=3"):
        assert single.get(url).get_json() == sharded.get(url).get_json(), url
    ja, jb = single.get("/api/stats").get_json(), sharded.get("/api/stats").get_json()
    for key in ("documents", "passages", "characters", "doc_types", "years", "regions"):
        assert ja[key] == jb[key], key


def create_app_client(index):
    from searchlib.web import create_app
    return create_app(index).test_client()


def test_sharded_add_and_remove_read_no_other_record(tmp_path, monkeypatch):
    """add and remove on a sharded index look files, hashes and ids up in the shards'
    report tables: no stored record of another report is read."""
    from whoosh.codec.whoosh3 import W3PerDocReader
    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus)
    index = tmp_path / "index"
    api.build([corpus], index, shards=2)
    reads = {"n": 0}
    original = W3PerDocReader.stored_fields

    def counting(self, docnum):
        reads["n"] += 1
        return original(self, docnum)
    monkeypatch.setattr(W3PerDocReader, "stored_fields", counting)
    seed = sorted(corpus.glob("*.txt"))[0]
    extra = tmp_path / "new" / "extra.txt"
    extra.parent.mkdir()
    extra.write_text(seed.read_text(encoding="utf-8") + "\n另有一段新的内容。\n", encoding="utf-8")
    assert api.add([extra], index).added == 1
    assert reads["n"] <= 2
    reads["n"] = 0
    assert api.remove(["extra.txt", "nope.txt"], index) == (["extra.txt"], ["nope.txt"])
    assert reads["n"] == 0
    copy = tmp_path / "copy" / "same.txt"          # the very bytes of a document in either shard
    copy.parent.mkdir()
    copy.write_bytes(seed.read_bytes())
    report = api.add([copy], index)
    assert report.added == 0 and report.duplicates == [(str(copy.resolve()), seed.name)]
    again = api.add([seed], index, root=corpus)     # the same file: found by its path in its shard
    assert again.unchanged == 1 and again.added == 0
    monkeypatch.setattr(W3PerDocReader, "stored_fields", original)
    assert api.update([corpus], index).unchanged == len(list(corpus.glob("*.txt")))


def test_updates_route_each_document_to_its_shard(tmp_path):
    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus)
    index = tmp_path / "index"
    api.build([corpus], index, shards=2)
    layout = read_layout(index)
    seeds = sorted(p.name for p in corpus.glob("*.txt"))
    # change one, remove one, add two: each goes to (or leaves) the shard of its doc_id
    changed = corpus / seeds[0]
    changed.write_text(changed.read_text(encoding="utf-8") + "\n新增一段：推进行刑衔接信息共享平台建设。\n", encoding="utf-8")
    (corpus / seeds[1]).unlink()
    new_ids = ["新报告甲.txt", "新报告乙.txt"]
    for i, name in enumerate(new_ids):
        (corpus / name).write_text(f"关于2020年法治政府建设情况的报告\n\n一、主要成效\n第{i}区推进数据共享平台建设，受理案件{i + 3}件。\n",
                                   encoding="utf-8")
    assert {shard_of(d, 2) for d in new_ids + [seeds[0]]} == {0, 1}      # both shards are written to
    report = api.update([corpus], index)
    assert (report.added, report.updated, report.removed) == (2, 1, 1)
    for k, path in enumerate(layout.shard_paths):
        with api.open_index(path) as shard:
            ids = {d["doc_id"] for d in shard.documents()}
            assert all(shard_of(d, 2) == k for d in ids)
    with api.open_index(index) as idx:
        ids = {d["doc_id"] for d in idx.documents()}
        assert ids == (set(seeds) - {seeds[1]}) | set(new_ids)
        assert idx.search("行刑衔接信息共享平台").hits[0].doc_id == seeds[0]
        removed, unknown = idx.remove([new_ids[0], "nope.txt"])
        assert (removed, unknown) == ([new_ids[0]], ["nope.txt"])
        assert idx.counts()["documents"] == len(ids) - 1
    # a file added with another root: its doc_id (and so its shard) is its path under that root
    extra = tmp_path / "more" / "sub"
    extra.mkdir(parents=True)
    (extra / "甲.txt").write_text("关于2021年法治政府建设的报告\n\n一、成效\n推进数字法治政府建设。\n", encoding="utf-8")
    assert api.add([extra / "甲.txt"], index, root=tmp_path / "more").added == 1
    k = shard_of("sub/甲.txt", 2)
    with api.open_index(layout.shard_path(k)) as shard:
        assert "sub/甲.txt" in {d["doc_id"] for d in shard.documents()}
    api.optimize(index)
    # one shard rebuilt alone from the corpus: the corpus's documents of that shard (the
    # one removed by hand is back, the one added from elsewhere is not), the other untouched
    with api.open_index(layout.shard_path(0)) as shard:
        other = sorted(d["doc_id"] for d in shard.documents())
    report = api.build([corpus], index, shard=1)
    expected = sorted(p.name for p in corpus.glob("*.txt") if shard_of(p.name, 2) == 1)
    with api.open_index(layout.shard_path(1)) as shard:
        assert sorted(d["doc_id"] for d in shard.documents()) == expected
    with api.open_index(layout.shard_path(0)) as shard:
        assert sorted(d["doc_id"] for d in shard.documents()) == other
    assert report.documents == len(expected) >= 2


def test_cli_on_a_sharded_index(tmp_path):
    runner = CliRunner()
    index = str(tmp_path / "ix")
    r = runner.invoke(main, ["--index", index, "build", str(CORPUS), "--shards", "2"])
    assert r.exit_code == 0, r.output
    r = runner.invoke(main, ["--index", index, "stats"])
    assert r.exit_code == 0 and "shard 0 (shard-000)" in r.output and "shard 1 (shard-001)" in r.output
    r = runner.invoke(main, ["--index", index, "search", "两法衔接", "--json"])
    assert r.exit_code == 0 and json.loads(r.output)["total"] >= 1
    r = runner.invoke(main, ["--index", index, "show", "000_fe44817f17a5c838.txt#14"])
    assert r.exit_code == 0 and "000_fe44817f17a5c838.txt" in r.output
    r = runner.invoke(main, ["--index", index, "build", str(CORPUS), "--shard", "5"])
    assert r.exit_code == 2 and r.output.startswith("Error: the index at") and "Traceback" not in r.output
    r = runner.invoke(main, ["--index", index, "build", str(CORPUS), "--shards", "0"])
    assert r.exit_code == 2 and "Error:" in r.output
    r = runner.invoke(main, ["--index", str(tmp_path / "plain"), "build", str(CORPUS), "--shard", "0"])
    assert r.exit_code == 2 and "Error:" in r.output and "Traceback" not in r.output


def test_web_api_on_a_sharded_index(pair):
    from searchlib.web import create_app
    a, b, root = pair
    single = create_app(root / "single").test_client()
    sharded = create_app(root / "sharded").test_client()
    for url in ("/api/search?q=两法衔接&facets=1", "/api/search?region=浙江", "/api/documents?region=浙江",
                "/api/figures?q=行政复议&unit=件&by=region", "/api/passages/000_fe44817f17a5c838.txt%2314"):
        ja, jb = single.get(url).get_json(), sharded.get(url).get_json()
        ja.pop("elapsed_ms", None), jb.pop("elapsed_ms", None)
        assert ja == jb, url
    assert sharded.get("/api/health").status_code == 200
    page = sharded.get("/?q=两法衔接")
    assert page.status_code == 200 and "两法衔接" in page.get_data(as_text=True)


EXTERNAL = os.environ.get("SEARCHLIB_SHARD_EXTERNAL", "").lower() in ("1", "true", "yes")


@pytest.mark.skipif(not EXTERNAL, reason="SEARCHLIB_SHARD_EXTERNAL=1 runs it (builds two indexes of 3.5k "
                                         "documents and searches ~600 queries: minutes)")
@pytest.mark.parametrize("through_ray", [False, True])
def test_the_library_in_four_shards_is_one_index(tmp_path_factory, through_ray):
    # every benchmark and judgement query over the seeds + ../shared/corpus-external: the same
    # top 10 (scores to 1e-9) and totals in 4 shards as in one index, exhaustive and pruned;
    # through_ray: the shards searched by Ray actors on a local instance
    if not (ROOT.parent / "shared" / "corpus-external").is_dir():
        pytest.skip("../shared/corpus-external is not present")
    if through_ray:
        pytest.importorskip("ray")
    import subprocess
    out = tmp_path_factory.getbasetemp() / "shard-check"        # both runs share the indexes
    args = ["--out", str(out)] + (["--reuse"] if (out / "sharded-4").is_dir() else [])
    done = subprocess.run([sys.executable, str(ROOT / "scripts" / "shard_check.py"), *args,
                           *(["--ray"] if through_ray else [])], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert " identical " in done.stdout
