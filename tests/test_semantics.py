"""What a query matches, what is counted and what the user typed: passages holding every
concept first, partial matches marked with what they miss, words nothing holds, did you
mean, typed punctuation as text, synonyms off never wider, how a query was read; and the
relevance failure classes of unseen queries, each on a crafted pair."""
import json

import pytest
from click.testing import CliRunner

from searchlib import api
from searchlib.cli import main
from tests.conftest import build_small_index

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
        res = seed_index.search(para, timeout=0.5)
        assert time.perf_counter() - t0 < 1.0 and not res.partial
        assert res.hits[0].doc_id == path.name          # a long paste may span several passages of it
        sentence = para[:120]
        first = seed_index.search(sentence).hits[0]
        assert normalize(sentence)[:30] in normalize(first.text).replace(" ", "")
        assert res.read_as["concepts"][0]["role"] == "topic" and len(res.read_as["concepts"]) == 1
