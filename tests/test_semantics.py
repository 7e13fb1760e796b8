"""What a query matches, what is counted and what the user typed: passages holding every
concept first, partial matches marked with what they miss, words nothing holds, did you
mean, typed punctuation as text, synonyms off never wider, how a query was read; and the
relevance failure classes of unseen queries, each on a crafted pair."""
import json

import pytest
from click.testing import CliRunner

from searchlib import api
from searchlib.cli import main
from tests.conftest import TIME_SCALE, build_small_index

REPORTS = {
    "a.txt": "甲区2019年法治政府建设工作报告\n\n一、主要工作\n\n"
             "（一）行政复议。全年办理行政复议案件42件，纠错率11%。\n\n"
             "（二）行政复议规范化。加强行政复议规范化建设，提高办案质量。\n\n"
             "（三）案件办理。全年办理信访案件300件，化解矛盾纠纷。\n\n"
             "（四）稳就业。落实六稳六保工作任务，新增就业1200人。\n\n"
             "（五）方位。东南西北四个片区稳步推进，六预一保措施到位。\n\n"
             "二、存在的问题\n\n安全生产监管仍有薄弱环节，基层执法力量不足，隐患排查不到位。企业主体责任落实不够。\n\n"
             "生态环境保护还有短板，农村污水治理滞后，部分河道水质不达标。垃圾分类覆盖面不广。\n\n"
             "三、下一步工作打算\n\n（一）加强生态环境保护。推进污染防治攻坚，开展河湖整治。\n",
    "b.txt": "乙区2019年法治政府建设工作报告\n\n一、主要工作\n\n"
             "（一）养老保险。推进基本养老保险全国统筹，城乡居民养老保险参保率98%。\n\n"
             "（二）社会保险。完善社会保险制度，全国统筹推进医保改革，全国人大代表建议办理30件。\n\n"
             "（三）两法衔接。完善两法衔接机制，移送涉刑案件5件。\n\n"
             "（四）衔接机制。两法委员会开会，做好工作衔接。\n\n"
             "（五）生态环境保护。完成造林面积1.2万亩，生态环境保护成效明显。\n",
    "c.txt": "丙省2020年政府工作报告\n\n一、工作回顾\n\n"
             "（一）全国统筹。积极推进养老保险全国统筹，中国特色社会主义制度优势充分发挥。\n\n"
             "（二）营商环境。优化营商环境，新增市场主体5万户。\n",
}


@pytest.fixture(scope="module")
def idx(tmp_path_factory):
    with api.open_index(build_small_index(tmp_path_factory.mktemp("sem"), REPORTS)) as index:
        yield index


# -- every concept first, partial matches marked ------------------------------------------

def test_adding_a_word_narrows_and_full_matches_come_first(idx):
    one = idx.search("行政复议", per_doc=0)
    two = idx.search("行政复议 案件", per_doc=0, limit=20)
    assert two.total <= one.total and two.total == 1            # only (一) says both
    assert "纠错率11%" in two.hits[0].text and not two.hits[0].missing
    assert two.total_partial >= 2
    partial = [h for h in two.hits if h.missing]
    assert partial and all(h.missing in (["案件"], ["行政复议"]) for h in partial)
    assert two.hits.index(partial[0]) == two.total            # after every full match
    data = two.to_dict()
    assert data["total_partial"] == two.total_partial and data["hits"][1]["missing"]


def test_a_word_nothing_holds_is_reported(idx):
    res = idx.search("qwzxkj 行政复议")
    assert res.total == 0 and "qwzxkj" in res.unmatched
    assert res.hits and all(h.missing == ["qwzxkj"] for h in res.hits)
    nothing = idx.search("qwzxkj火星猫猫")
    assert nothing.total == 0 and "qwzxkj" in "".join(nothing.unmatched)


def test_did_you_mean_comes_from_the_index_vocabulary(idx):
    res = idx.search("行政附议")
    assert res.total == 0
    assert res.suggestions and res.suggestions[0]["suggestion"] == "行政复议"
    assert res.suggestions[0]["query"] == "行政复议"
    assert idx.search("行政复议").suggestions == []


def test_the_cli_says_what_is_missing_and_what_was_meant(idx):
    run = CliRunner().invoke
    out = run(main, ["--index", str(idx.path), "search", "行政复议 案件", "--per-doc", "0", "-n", "5"]).output
    assert "1 matching passages (+" in out and "缺少 (missing): 案件" in out
    assert "read as: 行政复议 + 案件" in out
    typo = run(main, ["--index", str(idx.path), "search", "行政附议"]).output
    assert "did you mean: 行政复议" in typo and "no passage holds: 附议" in typo
    data = json.loads(run(main, ["--index", str(idx.path), "search", "行政附议", "--json"]).output)
    assert data["suggestions"][0]["suggestion"] == "行政复议" and data["read_as"]["concepts"][0]["text"] == "行政附议"


# -- typed text is text -------------------------------------------------------------------

@pytest.mark.parametrize("query", ["行政复议（规范化）", "“行政复议”规范化", "《行政复议》", "(一)行政复议", "行政复议:规范化"])
def test_full_width_punctuation_is_searched_as_written(idx, query):
    plan = idx.plan(query)
    assert not plan.advanced
    assert idx.search(query, per_doc=0).hits


def test_ascii_syntax_still_works(idx):
    assert idx.plan('"行政复议 案件"').advanced and idx.plan("(行政复议 OR 两法衔接)").advanced
    assert idx.plan("行政复议 AND 案件").advanced


def test_a_pasted_sentence_finds_its_source_first(idx):
    pasted = "（三）案件办理。全年办理信访案件300件，化解矛盾纠纷。"
    res = idx.search(pasted, per_doc=0)
    assert "信访案件300件" in res.hits[0].text


# -- synonyms off never widens ------------------------------------------------------------

def test_synonyms_off_never_splits_jargon(idx):
    on = idx.search("两法衔接", per_doc=0)
    off = idx.search("两法衔接", per_doc=0, synonyms=False)
    assert off.total + off.total_partial <= on.total + on.total_partial
    assert all("两法衔接" in h.text for h in off.hits)            # never 两法 … 衔接 apart
    assert not any("两法委员会" in h.text for h in off.hits)


# -- how it was read, highlights ----------------------------------------------------------

@pytest.mark.parametrize("query", ["行政复议", "2019年 行政复议", "下一步 生态环境保护", "两法衔接", "行政复议 多少"])
def test_every_query_says_how_it_was_read(idx, query):
    res = idx.search(query)
    assert res.expanded_query and res.read_as["concepts"]
    roles = {c["text"]: c["role"] for c in res.read_as["concepts"]}
    if "2019年" in query:
        assert roles["2019年"] == "year"
    if "下一步" in query:
        assert roles["下一步"] == "intent" and res.read_as["section_kind"] == "plans"
    if "两法衔接" == query:
        assert "行刑衔接" in res.read_as["concepts"][0]["synonyms"]


def test_only_whole_query_words_are_marked(idx):
    res = idx.search("下一步 生态环境保护", per_doc=0)
    assert res.hits and all("<mark>一步</mark>" not in h.snippet and "<mark>下一步</mark>" not in h.snippet
                            for h in res.hits)


# -- relevance failure classes (issue: relevance on unseen queries) -----------------------

def test_a_compound_typed_whole_beats_its_common_part(idx):
    hits = idx.search("基本养老保险 全国统筹", per_doc=0).hits
    assert "基本养老保险全国统筹" in hits[0].text


def test_a_region_inside_a_word_is_not_a_region(idx):
    for query in ("全国统筹", "全国人大", "中国特色"):
        plan = idx.plan(query)
        assert not plan.regions, query


def test_section_intent_in_other_words(idx):
    for query, kind in (("生态环境保护还有哪些短板", "problems"), ("安全生产 薄弱环节", "problems"),
                        ("生态环境保护 明年", "plans"), ("生态环境保护 重点任务", "plans")):
        plan = idx.plan(query)
        assert plan.kind_intent == kind, query
    hits = idx.search("生态环境保护还有哪些短板", per_doc=0).hits
    assert hits[0].section_kind == "problems" and "生态环境保护还有短板" in hits[0].text
    # the kind never outweighs the topic: the other problems passage (安全生产) is not first
    assert "安全生产" not in hits[0].text


def test_an_unknown_compound_reaches_its_pieces_never_single_characters(idx):
    res = idx.search("六稳六保", per_doc=0)
    assert res.hits and "六稳六保" in res.hits[0].text
    assert not any("东南西北" in h.text for h in res.hits)


def test_a_rare_word_of_a_compound_reaches_the_words_inside_it(tmp_path):
    # 企业承包制 is written nowhere; 1988's report says 企业承包经营责任制: its passage comes
    # before those that hold only 改革, and a passage holding 承包制 itself before it
    filler = "\n\n".join(f"（{i}）改革第{i}项。深化企业改革，推进第{i}项改革任务。" for i in range(1, 40))
    a = "1988年政府工作报告\n\n一、过去五年\n\n" + filler + "\n\n（四十）企业改革。全面推行企业承包经营责任制，深化企业改革。\n"
    b = "1984年政府工作报告\n\n一、改革\n\n（一）建筑业改革。推行招标承包制，企业改革加快。\n"
    ix = build_small_index(tmp_path, {"1988_a.txt": a, "1984_b.txt": b})
    with api.open_index(ix) as index:
        texts = [h.text for h in index.search("企业承包制 改革", per_doc=0).hits]
    assert "承包制" in texts[0] and "承包经营责任制" in texts[1]


def test_a_question_is_split_into_its_topics(idx):
    plan = idx.plan("生态环境保护还有哪些短板")
    assert "生态环境保护" in plan.concepts and "哪些" not in "".join(plan.concepts)
    assert idx.plan("农业税是哪一年全面取消的").concepts == ["农业税", "全面取消"]
    assert idx.plan("跨省异地就医直接结算是怎样推进的").concepts == ["跨省异地就医直接结算"]


def test_a_pasted_paragraph_finds_its_source_within_the_time_budget(seed_index):
    import time
    from searchlib.normalize import normalize
    from tests.conftest import SEEDS
    for path in SEEDS[:3]:
        para = max(path.read_text(encoding="utf-8").split("\n"), key=len)[:500].strip()
        t0 = time.perf_counter()
        res = seed_index.search(para, timeout=0.5 * TIME_SCALE)
        assert time.perf_counter() - t0 < 1.0 * TIME_SCALE and not res.partial
        assert res.hits[0].doc_id == path.name          # a long paste may span several passages of it
        sentence = para[:120]
        first = seed_index.search(sentence).hits[0]
        assert normalize(sentence)[:30] in normalize(first.text).replace(" ", "")
        assert res.read_as["concepts"][0]["role"] == "topic" and len(res.read_as["concepts"]) == 1


# -- counts that hold: what paging can show; repeats counted apart -------------------------

def _report(place: str, year: int, date: str, items: list[str]) -> str:
    body = "\n\n".join(f"（{'一二三四五六七八九十'[i]}）{t}" for i, t in enumerate(items))
    return f"{place}{year}年法治政府建设工作报告\n发布日期：{date}\n\n一、主要工作\n\n{body}\n"


COPIED = "执法公示。推行行政执法公示制度，执法信息全部上网公开，接受社会监督，执法行为更加规范透明。"
COUNTED = {
    "many.txt": _report("甲县", 2019, "2020-03-02",
                        [f"行政执法第{i}项。开展行政执法专项检查{i}次，查处违法案件{i * 7}件。" for i in range(1, 9)]
                        + [COPIED]),
    "one.txt": _report("乙县", 2020, "2021-02-20", ["行政执法培训。组织行政执法人员培训12场。", COPIED]),
    "two.txt": _report("丙县", 2018, "2019-01-08", ["行政执法监督。开展行政执法案卷评查40卷。"]),
}


@pytest.fixture(scope="module")
def counted(tmp_path_factory):
    with api.open_index(build_small_index(tmp_path_factory.mktemp("counts"), COUNTED)) as index:
        yield index


@pytest.mark.parametrize("per_doc", [None, 1, 0])
def test_the_count_is_what_paging_shows(counted, per_doc):
    first = counted.search("行政执法", limit=3, per_doc=per_doc)
    # 8 + 1 + 1 passages, the copied one once: 11; the other copy counted apart
    assert (first.total, first.duplicates_hidden, first.counts_exact) == (11, 1, True)
    seen, offset = [], 0
    while True:
        page = counted.search("行政执法", limit=3, offset=offset, per_doc=per_doc)
        assert page.total == first.total
        if not page.hits:
            break
        seen += [h.passage_id for h in page.hits]
        offset += 3
    assert len(seen) == len(set(seen)) == first.total        # the pager ends exactly where the count says
    assert sum(COPIED in counted.document(p.split("#")[0])["passages_list"][0]["text"] for p in seen) <= 1


def test_the_cap_puts_other_documents_first_and_hides_nothing(counted):
    hits = counted.search("行政执法", limit=5).hits           # 3 per document, then the next 3
    assert [h.doc_id for h in hits[:3]].count("many.txt") <= 3
    assert {h.doc_id for h in hits[:5]} == {"many.txt", "one.txt", "two.txt"}
    assert counted.search("行政执法", limit=20).total == len(counted.search("行政执法", limit=20).hits)


def test_repeats_are_shown_on_request_and_facets_count_like_the_total(counted):
    every = counted.search("行政执法", limit=20, show_duplicates=True, facets=True)
    assert (every.total, every.duplicates_hidden, len(every.hits)) == (12, 0, 12)
    assert sum(COPIED in h.text for h in every.hits) == 2
    res = counted.search("行政执法", facets=True)
    # facets count what the list shows: the near copy once (a year's filter alone shows its copy)
    assert res.facets["kind"] == [{"value": "achievements", "passages": 11, "documents": 3}]
    assert sum(v["passages"] for v in res.facets["year"]) == 11
    for v in res.facets["year"]:
        assert counted.search("行政执法", year=v["value"]).total >= v["passages"]


def test_cli_and_json_say_what_was_left_out(tmp_path_factory):
    index = build_small_index(tmp_path_factory.mktemp("counts-cli"), COUNTED)
    run = CliRunner().invoke
    human = run(main, ["--index", str(index), "search", "行政执法"])
    assert "11 matching passages" in human.output and "1 repeated passages left out (--show-duplicates" in human.output
    data = json.loads(run(main, ["--index", str(index), "search", "行政执法", "--json", "--show-duplicates"]).output)
    assert (data["total"], data["duplicates_hidden"], data["counts_exact"]) == (12, 0, True)


# -- browse by filters ----------------------------------------------------------------------

def test_filters_alone_list_documents_newest_first(counted):
    res = counted.search("", type="annual_report")
    assert res.browse == "documents" and res.total == 3
    assert [h.doc_id for h in res.hits] == ["one.txt", "many.txt", "two.txt"]     # published 2021, 2020, 2019
    assert [h.doc_id for h in counted.search("", type="annual_report", sort="date").hits] == \
        ["two.txt", "many.txt", "one.txt"]
    assert counted.search("year:2019").hits[0].doc_id == "many.txt"         # filters written in the query
    assert counted.search("", year=2019, limit=5).total == 1
    assert res.to_dict()["browse"] == "documents" and res.expanded_query == "browse type:annual_report"


def test_filters_with_a_section_kind_list_passages(counted):
    res = counted.search("", kind="achievements", limit=50)
    assert res.browse == "passages" and res.total == len(res.hits) == 11      # the copy once
    docs = [h.doc_id for h in res.hits]
    assert docs == sorted(docs, key=["one.txt", "many.txt", "two.txt"].index)   # newest document first
    ordinals = [int(h.passage_id.rpartition("#")[2]) for h in res.hits if h.doc_id == "many.txt"]
    assert ordinals == sorted(ordinals)                                          # in document order


def test_no_words_and_no_filters_is_an_error(counted):
    with pytest.raises(api.QuerySyntaxError, match="empty query"):
        counted.search("   ")


def test_cli_browses_by_filters(tmp_path_factory):
    index = build_small_index(tmp_path_factory.mktemp("browse-cli"), COUNTED)
    run = CliRunner().invoke
    out = run(main, ["--index", str(index), "search", "--type", "annual_report"])
    assert out.exit_code == 0 and "3 documents" in out.output and "newest first" in out.output
    assert out.output.index("乙县") < out.output.index("甲县") < out.output.index("丙县")
    none = run(main, ["--index", str(index), "search"])
    assert none.exit_code == 2 and "filters to browse by" in none.output


def test_a_long_list_with_many_near_copies_says_about_until_its_last_pages(tmp_path):
    template = ("（一）{who}推进行政执法规范化建设，完善行政执法程序，落实行政执法责任制，开展行政执法案卷评查，"
                "健全行政执法人员管理制度，加强行政执法监督检查，提升行政执法水平。")
    files = {f"copy{i:02d}.txt": f"第{i}县2020年法治政府建设工作报告\n\n一、主要工作\n\n" + template.format(who=f"第{i}县")
             for i in range(45)}
    files.update({f"own{i:03d}.txt": f"其他{i}县2020年法治政府建设工作报告\n\n一、主要工作\n\n（一）行政执法第{i}项。"
                  f"组织行政执法检查{i + 3}次，办理行政执法案件{i * 5 + 1}件，培训人员{i + 20}人。" for i in range(120)})
    with api.open_index(build_small_index(tmp_path, files)) as idx:
        first = idx.search("行政执法", limit=10)
        assert not first.counts_exact and first.total > 120       # the copies past the first 30 not yet found
        seen, offset, last = 0, 0, first
        while True:
            page = idx.search("行政执法", limit=10, offset=offset)
            if not page.hits:
                break
            seen, offset, last = seen + len(page.hits), offset + 10, page
        assert last.counts_exact and last.total == seen            # exact where the pager ends
        out = CliRunner().invoke(main, ["--index", str(tmp_path / "index"), "search", "行政执法"]).output
        assert out.startswith(f"about {first.total} matching passages")


def test_how_many_rules_asks_the_reports_not_the_rules(tmp_path):
    files = {
        "law.txt": "中华人民共和国立法法\n\n第一章 总则\n\n第七十二条 省、自治区、直辖市的人民代表大会及其常务委员会"
                   "根据本行政区域的具体情况和实际需要，可以制定地方性法规。\n\n第七十三条 地方性法规可以就下列事项作出规定："
                   "为执行法律、行政法规的规定，需要根据本行政区域的实际情况作具体规定的事项。\n",
        "report.txt": "甲市2019年法治政府建设工作报告\n\n一、主要工作\n\n（一）立法工作。全年提请市人大常委会审议"
                      "地方性法规草案6件，制定政府规章3件，清理地方性法规和规章28件。\n",
    }
    with api.open_index(build_small_index(tmp_path, files)) as idx:
        assert idx.search("地方性法规 数量").hits[0].doc_id == "report.txt"
        assert idx.search("制定地方性法规多少件").hits[0].doc_id == "report.txt"
        assert idx.search("制定地方性法规的法律依据").hits[0].doc_id == "law.txt"      # the rule itself when asked


def test_a_figure_of_a_year_is_found_in_the_next_work_report(tmp_path):
    # a 政府工作报告 is dated by its session: the 2023 report's review states 2022's harvest,
    # the 2022 report's states 2021's. Asked for 2022's figure, the 2023 review matches the
    # year; a topic with a year (no figure asked) still reads as that year's report.
    files = {
        "2022_全国_2022年政府工作报告.txt": "2022年政府工作报告\n\n一、2021年工作回顾\n\n"
            "过去一年，粮食产量1.37万亿斤，创历史新高。\n\n二、2022年工作任务\n\n稳定粮食播种面积，粮食产量保持在1.3万亿斤以上。\n",
        "2023_全国_2023年政府工作报告.txt": "2023年政府工作报告\n\n一、过去一年工作回顾\n\n"
            "过去一年，粮食产量1.37万亿斤，增产74亿斤。\n\n二、2023年工作任务\n\n粮食产量保持在1.3万亿斤以上。\n",
    }
    with api.open_index(build_small_index(tmp_path, files)) as idx:
        hits = idx.search("2022年粮食产量多少斤").hits
        review = [h for h in hits if "增产74亿斤" in h.text]
        assert review and not review[0].missing, [(h.title, h.text[:12], h.missing) for h in hits]
        assert all(h.year == 2022 or "增产74亿斤" in h.text for h in hits if not h.missing)
        topic = idx.search("2022年 粮食产量").hits
        assert [h for h in topic if "增产74亿斤" in h.text][0].missing == ["2022年"]
