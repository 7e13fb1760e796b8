"""Search behaviour through the Python API, on an index of the shipped corpus."""
import threading

import pytest

from searchlib import IndexNotFoundError, IndexVersionError, QuerySyntaxError, open_index


def texts(result):
    return [h.text for h in result.hits]


def test_jargon_query_returns_the_passage_with_the_figures(seed_index):
    res = seed_index.search("两法衔接", limit=5)
    assert any("移交区检察院涉刑案件30件" in t for t in texts(res)[:3])


def test_hit_is_an_answer(seed_index):
    hit = seed_index.search("移交区检察院涉刑案件", limit=1).hits[0]
    assert hit.title == "关于2017年宁波市北仑区人民政府依法行政工作的报告"
    assert hit.region == "宁波市北仑区" and hit.region_code == "330206" and hit.year == 2017
    assert hit.published == "2017-12-17" and hit.section_kind == "achievements"
    assert len(hit.heading_path) >= 2 and "移交区检察院涉刑案件30件" in hit.text
    assert "<mark>" in hit.snippet
    assert any(f.value == 30 and f.unit == "件" for f in hit.figures)


def test_phrase_query_matches_only_the_phrase(seed_index):
    res = seed_index.search('"行政复议"', limit=20)
    assert res.hits
    for h in res.hits:
        assert "行政复议" in h.text + "".join(h.heading_path) + h.title


def test_boolean_and_field_syntax(seed_index):
    res = seed_index.search("行政复议 NOT 行政诉讼", limit=20)
    assert res.hits and all("行政诉讼" not in h.text for h in res.hits)
    res = seed_index.search("kind:problems 不足", limit=20)
    assert res.hits and all(h.section_kind == "problems" for h in res.hits)


@pytest.mark.parametrize("region", ["北仑", "北仑区", "宁波", "浙江", "330206"])
def test_region_filter_any_level(seed_index, region):
    res = seed_index.search("行政复议", region=region, limit=50)
    assert res.hits and all(h.region_code == "330206" for h in res.hits)


def test_year_filter(seed_index):
    res = seed_index.search("法治政府", year=2019, limit=50)
    assert res.hits and {h.year for h in res.hits} == {2019}


def test_type_filter(seed_index):
    res = seed_index.search("法治政府", type="work_plan", limit=50)
    assert res.hits and {h.doc_type for h in res.hits} == {"work_plan"}


def test_kind_filter(seed_index):
    res = seed_index.search("依法行政", kind="plans", limit=50)
    assert res.hits and {h.section_kind for h in res.hits} == {"plans"}


def test_date_range_filter(seed_index):
    res = seed_index.search("法治政府", since="2019-01", until="2019-12-31", limit=50)
    assert res.hits and all("2019-01-01" <= h.published <= "2019-12-31" for h in res.hits)
    assert not seed_index.search("法治政府", since="2030").hits


def test_has_figures_filter(seed_index):
    res = seed_index.search("行政复议", has_figures=True, limit=50)
    assert res.hits and all(h.figures for h in res.hits)


def test_unknown_region_is_an_error_with_suggestions(seed_index):
    with pytest.raises(QuerySyntaxError, match="unknown region '火星'"):
        seed_index.search("行政复议", region="火星")
    with pytest.raises(QuerySyntaxError, match="did you mean 浙江"):
        seed_index.search("行政复议", region="浙将")


@pytest.mark.parametrize("kwargs", [{"since": "2017-13-45"}, {"since": "2017-02-30"}, {"until": "2018-00"},
                                    {"year": -5}, {"year": 20180}, {"since": "2019", "until": "2018"}])
def test_impossible_dates_and_years_are_errors(seed_index, kwargs):
    with pytest.raises(QuerySyntaxError):
        seed_index.search("行政复议", **kwargs)


def test_multi_concept_query_is_neither_strict_and_nor_flooding_or(seed_index):
    res = seed_index.search("行政复议 案件 数量", limit=10)
    top = texts(res)[:3]
    assert any("新收行政复议案件36件" in t or "收到行政复议申请292件" in t or "共办理复议案件16件" in t for t in top)


def test_search_from_many_threads(seed_index):
    expected = texts(seed_index.search("法律顾问", limit=5))
    errors, results = [], []

    def run():
        try:
            for _ in range(5):
                results.append(texts(seed_index.search("法律顾问", limit=5)))
        except Exception as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=run) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and all(r == expected for r in results)


@pytest.mark.parametrize("query", ['"行政复议', "(行政 复议", "", "   ", "。,;!"])
def test_malformed_queries_raise_a_clear_error(seed_index, query):
    with pytest.raises(QuerySyntaxError):
        seed_index.search(query)


@pytest.mark.parametrize("kw", [{"kind": "bogus"}, {"type": "bogus"}, {"since": "yesterday"}, {"year": "x"}])
def test_bad_filters_raise_a_clear_error(seed_index, kw):
    with pytest.raises(QuerySyntaxError):
        seed_index.search("行政复议", **kw)


def test_missing_index(tmp_path):
    with pytest.raises(IndexNotFoundError):
        open_index(tmp_path / "nope")


def test_incompatible_index(tmp_path, seed_index_dir):
    import json
    import shutil
    copy = tmp_path / "old"
    shutil.copytree(seed_index_dir, copy)
    meta = json.loads((copy / "searchlib.json").read_text())
    meta["analysis"] = "0000"
    (copy / "searchlib.json").write_text(json.dumps(meta))
    with pytest.raises(IndexVersionError, match="rebuild"):
        open_index(copy)


def test_document_and_stats(seed_index):
    doc = seed_index.document("003_67b0e456f0c9070f.txt")
    assert doc["doc_number"] == "莲政办发〔2017〕20号" and doc["doc_type"] == "work_plan"
    assert doc["passages_list"] and doc["passages_list"][0]["ordinal"] == 0
    st = seed_index.stats()
    assert st["documents"] == 5 and st["passages"] > 100


def test_snippet_shows_the_jargon_sentence_not_expansion_words(seed_index):
    hit = next(h for h in seed_index.search("两法衔接", limit=5).hits if "对全33个移送司法机关案件" in h.text)
    assert "<mark>两法衔接</mark>" in hit.snippet and "对全33个移送司法机关案件" in hit.snippet


def test_snippet_unit():
    from searchlib.snippets import make_snippet
    text = "深入推进依法行政。全年移交涉刑案件30件,开展两法衔接培训。其他工作。"
    snip = make_snippet(text, {"案件"}, {"两法衔接"}, max_chars=30)
    assert "<mark>两法衔接</mark>" in snip and "<mark>案件</mark>" in snip and snip.startswith("…")


def test_title_field_query_finds_the_document_opening(seed_index):
    res = seed_index.search("title:秦皇岛", limit=10, per_doc=0)
    assert [h.passage_id for h in res.hits] == [f"004_c33dbd6b483a1526.txt#{i}" for i in range(10)]


def test_displayed_text_keeps_chinese_punctuation(seed_index):
    """Matching uses NFKC text (，→ ,); what a hit shows has the document's full-width
    punctuation back, and numbers keep their own (3,823)."""
    hit = seed_index.search("两法衔接", limit=1).hits[0]
    assert "，建立健全协作联席会议" in hit.text and "," not in hit.text.replace("3,823", "")
    assert "（三）创新行政执法监督工作机制" in hit.heading_path[-1]
    assert "，" in hit.snippet and "<mark>两法衔接</mark>" in hit.snippet
