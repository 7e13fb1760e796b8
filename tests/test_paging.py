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
    assert set(f) == {"province", "city", "county", "year", "type", "kind", "has_figures"}
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
