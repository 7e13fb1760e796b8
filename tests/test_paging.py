"""Paging and sorting: pages are stable slices of one order; date sorts put known dates
in order with ties by relevance; bad values are clear errors."""
import json

import pytest
from click.testing import CliRunner

from searchlib.cli import main
from searchlib.errors import QuerySyntaxError


@pytest.mark.parametrize("per_doc", [0, None])
def test_pages_are_slices_of_one_order(seed_index, per_doc):
    whole = [h.passage_id for h in seed_index.search("行政执法", limit=12, per_doc=per_doc).hits]
    pages = [h.passage_id for off in (0, 4, 8)
             for h in seed_index.search("行政执法", limit=4, offset=off, per_doc=per_doc).hits]
    assert pages == whole and len(set(pages)) == 12
    beyond = seed_index.search("行政执法", limit=10, offset=5000)
    assert beyond.hits == [] and beyond.total == seed_index.search("行政执法").total


@pytest.mark.parametrize("sort, reverse", [("date", False), ("-date", True)])
def test_sort_by_published_date(seed_index, sort, reverse):
    hits = seed_index.search("行政复议", limit=20, per_doc=0, sort=sort).hits
    dates = [h.published for h in hits if h.published]
    assert len(set(dates)) > 1 and dates == sorted(dates, reverse=reverse)
    # within one date, by relevance
    for d in set(dates):
        scores = [h.score for h in hits if h.published == d]
        assert scores == sorted(scores, reverse=True)


@pytest.mark.parametrize("kwargs, message", [({"offset": -1}, "offset"), ({"offset": "x"}, "offset"),
                                             ({"sort": "size"}, "unknown sort")])
def test_bad_paging_values(seed_index, kwargs, message):
    with pytest.raises(QuerySyntaxError, match=message):
        seed_index.search("行政复议", **kwargs)


def test_cli_offset_and_sort(seed_index_dir):
    run = CliRunner().invoke
    r = run(main, ["--index", str(seed_index_dir), "search", "行政执法", "-n", "3", "--offset", "3", "--json"])
    data = json.loads(r.output)
    assert r.exit_code == 0 and data["offset"] == 3 and len(data["hits"]) == 3
    human = run(main, ["--index", str(seed_index_dir), "search", "行政执法", "-n", "3", "--offset", "3"])
    assert "; hits 4–6 (" in human.output.splitlines()[0] and "\n4. " in human.output
    bad = run(main, ["--index", str(seed_index_dir), "search", "行政执法", "--sort", "size"])
    assert bad.exit_code == 2 and "Invalid value for '--sort'" in bad.output


def test_facets_count_passages_and_documents(seed_index):
    res = seed_index.search("行政复议", limit=3, facets=True)
    f = res.facets
    assert set(f) == {"province", "city", "county", "year", "type", "level", "issuer", "kind", "has_figures"}
    for name in ("province", "year", "type", "kind"):          # every seed has a region, year, type
        assert sum(v["passages"] for v in f[name]) == res.total, name
        assert all(1 <= v["documents"] <= v["passages"] for v in f[name])
    assert {v["value"] for v in f["province"]} >= {"浙江省", "河北省"}
    assert f["year"][0]["passages"] >= f["year"][-1]["passages"]
    filtered = seed_index.search("行政复议", facets=True, region="浙江")
    assert [v["value"] for v in filtered.facets["province"]] == ["浙江省"]
    assert filtered.facets["province"][0]["passages"] == filtered.total
    assert seed_index.search("行政复议").facets is None


def test_facets_in_json_and_one_human_line(seed_index_dir):
    run = CliRunner().invoke
    r = run(main, ["--index", str(seed_index_dir), "search", "行政复议", "--facets", "--json"])
    assert "facets" in json.loads(r.output)
    human = run(main, ["--index", str(seed_index_dir), "search", "行政复议", "--facets"]).output.splitlines()
    assert human[1].startswith("facets: province: ") and "year: " in human[1] and "kind: " in human[1]


def test_city_facet_holds_cities(seed_index):
    f = seed_index.search("行政复议", facets=True).facets
    cities = {v["value"]: v["code"] for v in f["city"]}
    assert cities["宁波市"] == "330200" and "浙江省" not in cities
    assert {v["value"]: v["code"] for v in f["county"]}["北仑区"] == "330206"
    assert all(v["code"].endswith("0000") for v in f["province"])


def test_has_figures_facet_counts_what_the_filter_keeps(seed_index):
    f = seed_index.search("行政复议", facets=True).facets["has_figures"]
    narrowed = seed_index.search("行政复议", has_figures=True)
    assert f == [{"value": True, "passages": narrowed.total,
                  "documents": len({h.doc_id for h in seed_index.search("行政复议", has_figures=True, limit=1000,
                                                                         per_doc=0).hits})}]


_WORDS = "规范 程序 质量 监督 指导 培训 队伍 建设 制度 机制 平台 信息 公开 宣传 调解 衔接 渠道 效率 标准 考核".split()
_TAIL = "持续深化改革，不断提升服务水平和工作成效，切实维护群众合法权益"


def test_a_passage_shown_below_the_pool_has_its_answer_factor(tmp_path):
    """One report fills the best passages and the per-document cap sends the ranking below
    the pool: a passage shown from there is scored with its answer factor, as it is when a
    larger page puts it in the pool (its score does not depend on the page size)."""
    import random

    from searchlib import api
    from tests.conftest import build_small_index
    rnd = random.Random(1)
    big = ["甲市行政复议工作报告"]
    for _ in range(260):
        w = rnd.sample(_WORDS, 4)
        big.append(f"行政复议{w[0]}{w[1]}，行政复议{w[2]}{w[3]}。")
    other = ["乙市法治政府建设年度报告"]
    for _ in range(40):
        w = rnd.sample(_WORDS, 8)
        other.append(f"推进行政复议{''.join(w)}工作，{_TAIL}，{w[0]}{w[1]}。")
    other.append(f"全年受理行政复议案件12件，审结10件，纠错率提升，{_TAIL}，推进工作规范有序开展，坚持依法办案，强化监督指导。")
    files = {"a.txt": "\n\n".join(big), "b.txt": "\n\n".join(other)}
    with api.open_index(build_small_index(tmp_path, files)) as idx:
        def figure_hit(limit):
            hits = idx.search("行政复议", limit=limit, explain=True).hits
            return next(h for h in hits if "12件" in h.text)
        small, large = figure_hit(10), figure_hit(100)
        assert small.explanation["answer_factor"] == large.explanation["answer_factor"] > 1
        assert small.score == pytest.approx(large.score)


def test_pages_are_slices_of_one_order_among_near_duplicates(tmp_path):
    """Forty reports copy one paragraph with their own name in it (near duplicates, shown
    once), then come other passages: page 2 continues page 1, as one longer list does."""
    import random

    from searchlib import api
    from tests.conftest import build_small_index
    rnd = random.Random(2)
    names = [a + b for a in "甲乙丙丁戊己庚辛壬癸" for b in "东西南北"]
    files = {}
    for i, name in enumerate(names):
        files[f"copy{i:02}.txt"] = (f"{name}区工作报告\n\n{name}区认真贯彻行政复议法，畅通行政复议渠道，规范行政复议"
                                    "案件办理程序，提升行政复议决定质量，加强行政复议与行政诉讼衔接，推动行政复议"
                                    "工作规范化建设。\n")
    for i in range(30):
        w = "".join(rnd.sample(_WORDS, 10))
        files[f"other{i:02}.txt"] = f"某{i}县报告\n\n推进行政复议{w}工作，{_TAIL}。\n"
    with api.open_index(build_small_index(tmp_path, files)) as idx:
        whole = [h.passage_id for h in idx.search("行政复议", limit=20).hits]
        pages = [h.passage_id for off in (0, 10) for h in idx.search("行政复议", limit=10, offset=off).hits]
        assert pages == whole and len(set(pages)) == 20
        # the first 30 near duplicates are left out; after that they are compared exactly only
        assert sum(p.startswith("copy") for p in whole) == len(names) - 30


def test_near_duplicates_found_through_shared_pieces_are_those_of_every_pair():
    """The near-duplicate check looks only at shown passages sharing one of a passage's
    rarest pieces (linear, not pairwise); it finds what comparing every pair finds."""
    import random

    from searchlib.search import NEAR_DUPLICATE, _Shown, shingles
    rnd = random.Random(3)
    base = "".join(rnd.choice("行政复议执法监督规范程序质量公开调解衔接") for _ in range(60))
    texts = []
    for i in range(300):
        t = list(base)
        for _ in range(rnd.choice([1, 3, 8, 20])):
            t[rnd.randrange(len(t))] = rnd.choice("甲乙丙丁戊己庚辛")
        texts.append("".join(t) + (f"共{rnd.randrange(3)}件" if i % 3 == 0 else ""))
    shown, pairs, found = _Shown(), [], []
    for t in texts:
        a = shingles(t)
        brute = len(a[0]) >= 20 and any(a[1] <= n and len(a[0] & b) >= NEAR_DUPLICATE * len(a[0]) for b, n in pairs)
        assert shown.near_duplicate(a) == brute
        found.append(brute)
        if not brute:
            shown.add(a)
            pairs.append(a)
    assert 0 < sum(found) < len(found)
