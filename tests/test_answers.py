"""Answer tables (searchlib figures / SearchIndex.figures): crafted reports whose true
table is known -- three regions, two years, one 两法衔接 figure each -- among distractor
numbers (dates, 文号, phone numbers, ordinals, durations, other counts)."""
import csv
import io
import json

import pytest
from click.testing import CliRunner

from searchlib.answers import answer_rows, unit_converter
from searchlib.api import open_index
from searchlib.cli import main
from searchlib.errors import QuerySyntaxError
from searchlib.models import Figure, Hit

from .conftest import build_small_index

# region, code, year, transfers (the true table)
TRUTH = [("杭州市西湖区", "330106", 2018, 12), ("杭州市西湖区", "330106", 2019, 15),
         ("宁波市北仑区", "330206", 2018, 7), ("宁波市北仑区", "330206", 2019, 9),
         ("温州市鹿城区", "330302", 2018, 21), ("温州市鹿城区", "330302", 2019, 4)]


def _report(region: str, year: int, transfers: int, unit: str = "件") -> str:
    return f"""{region}{year}年法治政府建设工作报告

{region}人民政府
{year + 1}年3月15日
{region[:3]}政〔{year + 1}〕12号

一、{year}年法治政府建设主要成效
（一）推进两法衔接
一是健全两法衔接机制，召开第三次联席会议。全年向公安机关移送涉嫌犯罪案件{transfers}{unit}，办理时限压缩至5个工作日。
二是办理行政诉讼案件{transfers + 100}件，行政复议案件{transfers + 50}件。
（二）深化放管服改革
全年减少审批事项30项，咨询电话0571-87654321。
二、存在的问题
执法人员培训不足，近三年仅培训2次。
"""


@pytest.fixture(scope="module")
def answers_index(tmp_path_factory):
    files = {}
    for i, (region, _, year, n) in enumerate(TRUTH):
        unit = "宗" if (region, year) == ("温州市鹿城区", 2019) else "件"
        files[f"r{i}.txt"] = _report(region, year, n, unit)
    return build_small_index(tmp_path_factory.mktemp("answers"), files)


def _table(rows):
    return sorted((r.region, r.year, r.value, r.unit) for r in rows)


def test_the_true_table_and_nothing_else(answers_index):
    with open_index(answers_index) as idx:
        table = idx.figures("两法衔接 移送", unit="件")
    assert _table(table.rows) == sorted((r, y, float(n), "件") for r, _, y, n in TRUTH)
    assert table.total == 6
    assert {r.region_code for r in table.rows} == {c for _, c, _, _ in TRUTH}
    row = next(r for r in table.rows if r.region == "宁波市北仑区" and r.year == 2019)
    assert row.subject == "向公安机关移送涉嫌犯罪案件" and row.text == "9件"
    assert row.sentence.startswith("全年向公安机关移送涉嫌犯罪案件9件")
    assert row.passage_id.startswith(row.doc_id + "#") and row.section_kind == "achievements"


def test_distractors_are_not_rows(answers_index):
    with open_index(answers_index) as idx:
        table = idx.figures("两法衔接")
    values = {(r.value, r.unit) for r in table.rows}
    # the transfer counts; no time limit that does not name the concept, no date, 文号, phone
    # number, ordinal (第三次) or the other cases of the next sentence
    assert {(float(n), "件") for _, _, _, n in TRUTH if n != 4} <= values
    assert all(r.unit in ("件", "宗") for r in table.rows), values     # 办理时限5个工作日: not named as 两法衔接
    assert not any(r.value in (2019, 2020, 12, 3, 571) and r.unit != "件" for r in table.rows)
    assert not any("行政诉讼" in r.subject or "行政复议" in r.subject for r in table.rows)


def test_by_region_puts_each_regions_latest_report_first(answers_index):
    with open_index(answers_index) as idx:
        table = idx.figures("两法衔接 移送", unit="件", by="region")
    assert [g["key"] for g in table.groups] == ["杭州市西湖区", "宁波市北仑区", "温州市鹿城区"]
    assert [[r.year for r in g["rows"]] for g in table.groups] == [[2019, 2018]] * 3
    assert [[r.value for r in g["rows"]] for g in table.groups] == [[15, 12], [9, 7], [4, 21]]


def test_by_year_is_a_time_series(answers_index):
    with open_index(answers_index) as idx:
        table = idx.figures("两法衔接 移送", unit="件", by="year")
    assert [g["key"] for g in table.groups] == ["2018", "2019"]         # the period each figure describes
    assert [[r.value for r in g["rows"]] for g in table.groups] == [[12, 7, 21], [15, 9, 4]]


def test_filters_apply(answers_index):
    with open_index(answers_index) as idx:
        table = idx.figures("两法衔接 移送", unit="件", region="宁波", year=2019)
    assert _table(table.rows) == [("宁波市北仑区", 2019, 9.0, "件")]


def test_quantity_word_in_the_query_chooses_the_unit(answers_index):
    with open_index(answers_index) as idx:
        table = idx.figures("两法衔接 时限")
    assert {(r.value, r.unit) for r in table.rows} == {(5.0, "个工作日")}


def test_a_figure_counting_something_else_in_the_same_sentence_is_not_an_answer():
    text = "全年办理行政复议案件126件，行政诉讼案件300件，办结280件。受理行政复议申请36件，受理28件，已经审结25件。"
    plan = _plan("行政复议")
    hit = _hit(text)
    got = [(r.value, r.subject) for r in answer_rows([hit], plan)]
    assert got == [(126, "办理行政复议案件"), (36, "受理行政复议申请"), (28, "受理"), (25, "审结")]


def test_units_compare_only_with_comparable_units():
    case = Figure(3, "宗", "3宗", "移送涉刑案件")
    land = Figure(3, "宗", "3宗", "出让土地")
    assert unit_converter("件")(case) == (3, "件")
    assert unit_converter("件")(land) is None                     # 宗 of land is no case count
    assert unit_converter("人")(Figure(5, "名", "5名", "执法人员")) == (5, "人")
    assert unit_converter("人")(Figure(5, "人次", "5人次", "培训")) is None
    assert unit_converter("万元")(Figure(3_000_000, "元", "300万元", "罚没款")) == (300, "万元")
    assert unit_converter("亩")(Figure(2, "公顷", "2公顷", "用地")) == (30, "亩")
    assert unit_converter("money")(Figure(5, "元", "5元", "x")) == (5, "元")
    assert unit_converter("money")(Figure(5, "件", "5件", "x")) is None
    with pytest.raises(QuerySyntaxError, match="unknown unit"):
        unit_converter("斤斤")


def test_cli_table_csv_json_and_errors(answers_index):
    runner = CliRunner()
    base = ["--index", str(answers_index), "figures", "两法衔接 移送", "--unit", "件"]
    out = runner.invoke(main, base + ["--by", "region"])
    assert out.exit_code == 0, out.output
    assert "region: 宁波市北仑区" in out.output and "向公安机关移送涉嫌犯罪案件" in out.output
    lines = [line for line in out.output.splitlines() if line.startswith("宁波市北仑区")]
    assert [line.split()[1:4] for line in lines] == [["2019", "result", "9"], ["2018", "result", "7"]]
    rows = list(csv.DictReader(io.StringIO(runner.invoke(main, base + ["--csv"]).output)))
    assert len(rows) == 6 and {r["region_code"] for r in rows} == {"330106", "330206", "330302"}
    data = json.loads(runner.invoke(main, base + ["--json", "--by", "year"]).output)
    assert data["total"] == 6 and [g["key"] for g in data["groups"]] == ["2018", "2019"]
    # one flat row per figure, the heading path as text, as search --jsonl gives it
    flat = [json.loads(line) for line in runner.invoke(main, base + ["--jsonl"]).output.splitlines()]
    assert len(flat) == 6 and all(isinstance(r["heading_path"], str) and " › " in r["heading_path"] for r in flat)
    assert runner.invoke(main, ["--index", str(answers_index), "figures", "食品安全"]).exit_code == 1
    bad = runner.invoke(main, base[:-1] + ["斤斤"])
    assert bad.exit_code == 2 and bad.output.startswith("Error: unknown unit")


def test_seed_table_for_administrative_review(seed_index):
    table = seed_index.figures("行政复议", unit="件", by="region")
    got = {(r.region, r.year, r.value) for r in table.rows}
    assert ("宁波市北仑区", 2017, 36.0) in got and ("秦皇岛市", 2018, 292.0) in got
    assert all("行政诉讼" not in r.subject for r in table.rows)


def _plan(query):
    from searchlib.query import QueryBuilder
    return QueryBuilder().plan(query)


def _hit(text):
    from searchlib.figures import extract_figures
    from searchlib.normalize import normalize
    text = normalize(text)
    return Hit(doc_id="d", passage_id="d#0", title="t", text=text, snippet="", score=1.0,
               figures=extract_figures(text))


def test_traditional_report_answers(tmp_path):
    """A report in traditional characters answers a simplified (or traditional) query:
    concepts are matched in the folded text, rows keep the text as written."""
    report = ("廣東省某市2022年法治政府建設年度報告\n\n一、主要工作成效\n"
              "全年共收到行政復議申請126件，投入經費3.5萬元。\n")
    index = build_small_index(tmp_path, {"trad.txt": report})
    with open_index(index) as idx:
        for query in ("行政复议", "行政復議"):
            rows = idx.figures(query).rows
            assert [(r.value, r.unit, r.text, r.subject) for r in rows] == [(126.0, "件", "126件", "收到行政復議申請")]
        rows = idx.figures("经费", unit="万元").rows
        assert [(r.value, r.unit, r.text) for r in rows] == [(3.5, "万元", "3.5萬元")]


def test_a_small_value_in_a_large_unit_is_not_zero(answers_index):
    """移送 7件 asked in 万件 is 0.0007 万件 (it was rounded to 0), in the table, JSON and CLI."""
    assert unit_converter("万件")(Figure(7, "件", "7件", "移送案件")) == (0.0007, "万件")
    with open_index(answers_index) as idx:
        rows = idx.figures("两法衔接 移送", unit="万件", region="宁波市北仑区").rows
    assert sorted(r.value for r in rows) == [0.0007, 0.0009]
    out = CliRunner().invoke(main, ["--index", str(answers_index), "figures", "两法衔接 移送", "--unit", "万件",
                                    "--region", "宁波市北仑区"]).output
    assert "0.0007  万件" in out and "0.0009  万件" in out


def test_table_numbers_keep_their_digits():
    from searchlib.serialize import number_text
    assert [number_text(v) for v in (12000.0, 1666.67, 0.0036, 0.000012, 0.5)] == \
        ["12,000", "1,666.67", "0.0036", "0.000012", "0.5"]


def test_a_table_from_a_search_out_of_time_says_so(seed_index, monkeypatch):
    """The table of a search whose time budget ran out (ranked on the first concepts only)
    is marked partial, as the search result is; it looked complete."""
    import itertools
    import time as time_module
    query = "行政复议 法律顾问 人民调解 普法"
    assert not seed_index.figures(query).partial
    ticks = itertools.count()
    monkeypatch.setattr(time_module, "perf_counter", lambda: float(next(ticks)))     # each look: 1 s later
    table = seed_index.figures(query, timeout=12)
    assert table.partial and table.to_dict()["partial"] is True


def test_a_blank_unit_is_no_unit(answers_index):
    """--unit "" or " " (an empty form field, a script's unset variable) means no unit, as
    over HTTP; it was "unknown unit ''"."""
    with open_index(answers_index) as idx:
        whole = idx.figures("两法衔接 移送")
        for blank in ("", "  "):
            table = idx.figures("两法衔接 移送", unit=blank)
            assert table.unit is None and table.total == whole.total


def test_rows_without_a_year_get_their_own_group(tmp_path):
    undated = ("宁波市北仑区法治政府建设工作报告\n\n一、主要成效\n（一）推进两法衔接\n"
               "一是健全两法衔接机制。全年向公安机关移送涉嫌犯罪案件6件。\n")
    files = {"a.txt": _report("杭州市西湖区", 2018, 5), "b.txt": undated}
    index = build_small_index(tmp_path, files)
    with open_index(index) as idx:
        table = idx.figures("两法衔接 移送", unit="件", by="year")
    assert [g["key"] for g in table.groups] == ["2018", None]
    out = CliRunner().invoke(main, ["--index", str(index), "figures", "两法衔接 移送", "--unit", "件", "--by", "year"])
    assert "year: (no year)" in out.output


def test_an_opening_sentence_does_not_make_a_figure_about_something_else_an_answer():
    text = "（一）行政复议工作。全年办理行政诉讼案件300件，投入经费3.5万元。受理复议申请12件。"
    got = [(r.value, r.subject) for r in answer_rows([_hit(text)], _plan("行政复议"))]
    assert (300, "办理行政诉讼案件") not in got and all(r[1] != "投入经费" for r in got)
    assert (12, "受理复议申请") in got or got == [] or all(v != 300 for v, _ in got)


def test_a_case_count_names_the_word_cases():
    """行政复议 案件: 收到行政复议申请292件 counts cases (件 of a 复议 thing) though it does
    not say 案件; 公开行政复议决定文书30件 counts documents, not cases."""
    from searchlib.query import QueryBuilder
    text = "全年共收到行政复议申请292件，受理281件。累计公开行政复议决定文书30件。"
    hit = Hit(doc_id="a", passage_id="a#0", title="t", text=text, snippet="", score=1.0,
              figures=[Figure(292, "件", "292件", "收到行政复议申请", 11, 15),
                       Figure(281, "件", "281件", "受理", 18, 22),
                       Figure(30, "件", "30件", "公开行政复议决定文书", 35, 38)])
    rows = answer_rows([hit], QueryBuilder().plan("行政复议 案件"))
    assert [(r.value, r.subject) for r in rows] == [(292, "收到行政复议申请"), (281, "受理")]
    # the same with the compound, and with the question a user types
    for query in ("行政复议案件", "2018年行政复议案件有多少"):
        assert [r.value for r in answer_rows([hit], QueryBuilder().plan(query))] == [292, 281], query


def test_rules_are_left_out_of_tables_and_do_not_use_up_the_passages_read(tmp_path):
    """Laws state rules (处五千元以下罚款), not what a region reported: not in the table
    unless --type asks, and they are not counted among the passages read."""
    law = "中华人民共和国示范管理法\n\n第一章 总则\n\n" + "".join(
        f"第{n}条 违反本法规定实施行政处罚的，处{n}千元以下罚款。\n\n" for n in "一二三四五六七八九")
    report = ("某区2019年法治政府建设工作报告\n\n一、主要工作\n\n"
              "（一）行政处罚工作。全年作出行政处罚决定86件，罚款金额120万元。\n")
    with open_index(build_small_index(tmp_path, {"law.txt": law, "report.txt": report})) as idx:
        table = idx.figures("行政处罚")
        assert [r.doc_id for r in table.rows] and {r.doc_id for r in table.rows} == {"report.txt"}
        assert table.passages == 1            # the report's passage: the nine articles were not read
        assert {r.doc_id for r in idx.figures("行政处罚", type="law").rows} == {"law.txt"}


def test_a_filter_written_in_the_query_keeps_rules_out_of_tables(tmp_path):
    """kind:, has_figures: … written in the query are merged with the table's own filters:
    laws stay out, as they do with --kind."""
    law = ("中华人民共和国示范复议法\n\n第一章 总则\n\n"
           "第三十一条 行政复议机关每年办理行政复议案件超过100件的，应当配备专职行政复议人员。\n")
    report = ("某区2019年法治政府建设工作报告\n\n一、主要工作\n\n"
              "（一）行政复议工作。全年共收到行政复议申请42件，受理38件，审结35件。\n")
    with open_index(build_small_index(tmp_path, {"law.txt": law, "report.txt": report})) as idx:
        for query in ("行政复议", "行政复议 has_figures:true"):
            assert {r.doc_id for r in idx.figures(query).rows} == {"report.txt"}, query


def test_a_year_or_region_word_gives_way_to_the_filter_written_in_the_query(answers_index):
    """行政复议 year:2019 2018年: the written filter is the year, 2018年 only weighs (as in
    search); no "disagrees with the year filter 2018" that the user never gave."""
    with open_index(answers_index) as idx:
        table = idx.figures("行政复议 year:2019 2018年")
        assert table.rows and {r.year for r in table.rows} == {2019}
        assert idx.figures("行政复议 region:330206 杭州").rows


def test_an_intent_word_is_not_a_subject_figures_must_name(seed_index):
    """下一步 行政复议 and 行政复议 法律依据: the intent word is matched by the section kind or
    the rules, not as text, so a figure need not say 下一步 to answer 行政复议."""
    plan = seed_index.plan("下一步 行政复议")
    assert plan.intent_concepts == ["下一步"] and [g[0][0] for g in plan.alternatives()] == ["行政复议"]
    assert seed_index.figures("下一步 行政复议").rows


def test_two_region_words_keep_both_regions(seed_index):
    """行政复议 浙江 福建: the rows of those two provinces' reports, as two years keep both."""
    codes = {r.region_code[:2] for r in seed_index.figures("行政复议 浙江 福建").rows}
    assert codes and codes <= {"33", "35"}
    assert {r.region_code[:2] for r in seed_index.figures("行政复议").rows} - {"33", "35"}
    # a chain names one region, the most specific: 浙江 宁波 is 宁波 (北仑区 is in it), not 浙江 and 宁波
    with_chain = seed_index.figures("浙江省宁波市 行政复议").rows
    assert with_chain and {r.region_code for r in with_chain} == {"330206"}
    assert not seed_index.figures("浙江 杭州 行政复议").rows


@pytest.mark.parametrize("query, text, values", [
    # a short subject of its own is another thing, not what the figure before it counts
    ("常住人口城镇化率", "常住人口城镇化率提高至64.7%，美丽城镇建设覆盖全省93%的建制镇。", [64.7]),
    # outcomes of cases are parts of the total
    ("行政复议 案件", "共办理行政复议案件16件，维持3件，驳回3件。", [16]),
    # a part of the population is another measure
    ("居民人均可支配收入", "全体居民人均可支配收入32000元，城镇居民人均可支配收入41000元。", [32000]),
    # the base of a share is not the subject
    ("固定资产投资", "固定资产投资增长6.1%，工业投资占固定资产投资比重从17.9%提升到35.5%。", [6.1]),
    # a change or handling verb counts the same things as the figure before it
    ("粮食总产量", "全年粮食总产量达到46947万吨，增产3877万吨。", [469470000, 38770000]),
    # a clause without a number gives its concepts to the next figure when it opens the sentence,
    # not when it is one action in a list of them
    ("两法衔接", "两法衔接工作扎实推进，移送涉嫌犯罪案件30件。", [30]),
    ("高标准农田", "严守耕地红线，加强高标准农田建设，增加深松土地1.5亿亩。", []),
    # what is written right after a figure is what it counts, however short; not the items of a
    # list before it, nor the item before it
    ("固定资产投资", "针对固定资产投资增长过快的问题，严把土地、信贷两个闸门。", []),
    ("贫困人口", "年初剩余的农村贫困人口551万人全部脱贫、52个贫困县全部摘帽。", [5510000]),
    ("新能源汽车", "壮大人工智能、生物医药、新能源汽车等4个千亿级产业。", []),
    # a concept that is a measure, followed by another measure: what that measure is of
    ("脱贫人口", "脱贫人口人均纯收入增长12.1%，脱贫人口务工规模超过3200万人。", []),
    ("化学需氧量", "化学需氧量排放总量下降3.1%。", [3.1]),
    # a part of a total after 其中, an outcome: parts
    ("行政复议 案件", "一是加强行政复议工作。全年办理复议案件16件。其中，行政处罚类4件，行政确认案件1件。", [16]),
    ("行政复议 案件", "共办理行政复议案件16件，因当事人撤回复议申请终止审理4件。", [16]),
    ("行政复议 案件", "全年办理行政复议案件30件，其中行政复议案件涉及征收12件。", [30, 12]),
    # the items of a list with or without 分别 are each value's
    ("居民人均可支配收入", "城镇居民、农村居民人均可支配收入分别增长4.5%、5.7%。", []),
    ("居民人均可支配收入", "全体居民人均可支配收入和农民人均纯收入实际增长8.4%和11.4%。", [8.4]),
    ("化学需氧量 排放", "二氧化硫、化学需氧量排放量分别下降3.5%、2.9%。", [2.9]),
    ("化学需氧量 排放", "化学需氧量、二氧化硫排放量分别下降12.45%、14.29%。", [12.45]),
    ("城镇居民人均可支配收入", "城乡居民人均可支配收入分别增长4.4%、5.6%。", [4.4]),
    ("原煤产量", "原煤、原油、天然气产量分别增长72.1%、31.2%、141%。", [72.1]),
    # a run restating the figures before it answers as they do (its subject is theirs)
    ("城镇居民人均可支配收入", "城镇居民人均可支配收入15781元，农村居民人均纯收入4761元，实际增长8.4%和8%。",
     [15781, 8.4]),
    ("城镇居民人均可支配收入", "城乡居民人均可支配收入分别达6.9万元、3.4万元，增长4.2%、5.3%。", [69000, 4.2]),
    ("一般公共预算收入", "地方一般公共预算收入5853.9亿元，增长3.9%；", [585390000000, 3.9]),
    # a list of whole measures with 分别: the asked one is its own item, not a part of a total
    ("城镇居民人均可支配收入", "城镇居民人均可支配收入和农村居民人均纯收入年均分别实际增长9.7%和8.9%；", [9.7]),
    ("农村居民人均纯收入", "城镇居民人均可支配收入和农村居民人均纯收入年均分别增长8.8%、9.9%；", [9.9]),
    # a change with no subject of its own (五年来年均实际增长) is the one of the figure before
    ("城镇居民人均可支配收入", "1997年，城镇居民人均可支配收入达到5160元，五年来年均实际增长6％；", [5160, 6]),
    ("城镇居民人均可支配收入", "城镇居民人均可支配收入，由1997年的5160元增加到2002年的7703元，平均每年实际增长8.6%。",
     [5160, 7703, 8.6]),
    # a change in percent of a measured total's topic is a figure of that measure
    ("原煤产量", "一九八一年比一九八○年，原煤增长百分之零点二，原油下降百分之四点五。", [0.2]),
    ("原煤产量", "原煤占一次能源消费的百分之七十。", []),
    # what a figure counts may follow its range word (1000万以上|农村贫困人口)
    ("农村贫困人口", "今年要完成1000万以上农村贫困人口脱贫任务，其中易地搬迁脱贫200万人以上。", [10000000]),
    # a share of the concept is another measure
    ("固定资产投资", "能源交通投资占整个固定资产投资的百分之二十左右。", []),
    # the units of one kind of ownership are a part, unless the query names that kind
    ("固定资产投资", "全民所有制单位的固定资产投资总额五年为八千九百六十亿元，全社会固定资产投资增长5%。", [5]),
    ("全民所有制单位 固定资产投资", "全民所有制单位的固定资产投资总额五年为八千九百六十亿元。", [896000000000]),
    # a share asked: a growth rate of the thing is not its share
    ("服务业增加值 比重", "服务业增加值增长5.8%，服务业增加值占地区生产总值比重达54%。", [54]),
    ("服务业增加值 比重", "服务业增加值在国内生产总值中的比重提高4个百分点。", [4]),
    # one sector's measure is a part of the whole asked
    ("科技进步贡献率", "全省农业科技进步贡献率超74%，科技进步贡献率达到62%。", [62]),
    # a contracted amount is not the amount made
    ("外商直接投资", "外商直接投资协议金额120亿美元，实际投资43.7亿美元。", []),
    ("实际使用外资", "外商直接投资协议金额120亿美元，实际使用外资43.7亿美元。", [4370000000]),
    # an opening clause does not lend a measure to a figure that names another measure
    ("社会融资规模", "保持合理的社会融资规模，广义货币增长目标为16%。", []),
    ("社会融资规模", "社会融资增量恢复到近年最好水平，资本市场融资增长41.3%。", []),
    ("粮食产量", "粮食生产再获丰收，全年总产量达到6.5亿吨。", [650000000]),
    ("进出口总额", "外贸进出口增长2.7%。", [2.7]),
    # a grade of the measure (高价值) is a part of it; a programme named after a measure is no value of it
    ("发明专利拥有量", "每万人口高价值发明专利拥有量达到9.3件，发明专利拥有量达到12万件。", [120000]),
    ("粮食单产", "实施粮食单产提升工程超600万亩，粮食单产提高2%。", [2]),
])
def test_a_row_is_the_asked_measure_and_not_a_neighbouring_one(query, text, values):
    got = [r.value for r in answer_rows([_hit(text)], _plan(query))]
    assert got == values


def test_a_measure_under_its_earlier_name_answers_with_the_shipped_rules():
    # the statistics said 人均生活费收入 (urban) before 2013: a series over the decades needs it
    from searchlib.query import QueryBuilder
    from searchlib.synonyms import shipped_synonyms
    text = "城镇居民人均生活费收入达到３１７９元，扣除物价因素增长百分之八以上。"
    plan = QueryBuilder(synonyms=shipped_synonyms()).plan("城镇居民人均可支配收入")
    assert [r.value for r in answer_rows([_hit(text)], plan)] == [3179, 8]
    assert not answer_rows([_hit(text)], _plan("城镇居民人均可支配收入"))     # without the rules
    cpi = "全年CPI涨幅2%左右，城镇调查失业率5.5%左右。"
    plan = QueryBuilder(synonyms=shipped_synonyms()).plan("居民消费价格涨幅")
    assert [r.value for r in answer_rows([_hit(cpi)], plan)] == [2]


def test_a_row_naming_only_a_related_measure_is_marked():
    # 城镇化率 for 常住人口城镇化率, 生活费收入 for 可支配收入: the row says so (measure "related"),
    # a row naming the measure asked does not
    from searchlib.query import QueryBuilder
    from searchlib.synonyms import shipped_synonyms
    qb = QueryBuilder(synonyms=shipped_synonyms())
    rows = answer_rows([_hit("城镇居民人均生活费收入达到3179元。"), _hit("城镇居民人均可支配收入达到5160元。")],
                       qb.plan("城镇居民人均可支配收入"))
    assert [(r.value, r.measure) for r in rows] == [(3179, "related"), (5160, "asked")]
    rows = answer_rows([_hit("常住人口城镇化率达到65%，户籍人口城镇化率50%。"), _hit("城镇化率达到60%。")],
                       qb.plan("常住人口城镇化率"))
    # (户籍人口城镇化率 names another measure of which 城镇化率 is the related one: marked too)
    assert [(r.value, r.measure) for r in rows] == [(65, "asked"), (50, "related"), (60, "related")]


def test_a_unit_stored_as_the_first_part_of_a_compound_is_answered_whole():
    # an index built before 吨公里 was a unit stored 吨: the passage says which
    text = "货物周转量将达到三十二亿吨公里。"
    hit = _hit(text)
    at = text.index("三十二亿吨")
    hit.figures = [Figure(3_200_000_000.0, "吨", "三十二亿吨", "货物周转量将", at, at + 5)]
    got = [(r.value, r.unit) for r in answer_rows([hit], _plan("货物周转量"))]
    assert got == [(3_200_000_000.0, "吨公里")]


@pytest.mark.parametrize("query, text, kept", [
    # one kind of the total asked (a mode of transport, a source of power, private or newly
    # registered entities) is a part of it, not the answer
    ("货物周转量", "全社会货物周转量增长8%，铁路货物周转量增长5%。", [8.0]),
    ("货物周转量", "铁路货物周转量将达到三十二亿吨公里，即比一九五二年增长一倍。", []),
    ("发电装机", "发电装机达到3亿千瓦，可再生能源发电装机1.2亿千瓦。", [300_000_000.0]),
    ("经营主体", "经营主体总量达474万户，新设经营主体62万户，民营经营主体178万户。", [4_740_000.0]),
    ("铁路货物周转量", "铁路货物周转量增长5%。", [5.0]),
])
def test_a_kind_of_the_total_asked_is_not_an_answer(query, text, kept):
    got = [r.value for r in answer_rows([_hit(text)], _plan(query))]
    assert got == kept


def test_a_question_asking_how_many_keeps_counts_and_changes_of_them():
    text = ("净增经营主体242.8万户、增长12%，为经营主体减轻税费负担4900亿元，惠及经营主体6.3万户次，"
            "低风险经营主体“无事不扰”率达99.11%。")
    got = [(r.value, r.unit) for r in answer_rows([_hit(text)], _plan("经营主体 数量"))]
    assert got == [(2_428_000.0, "户"), (12.0, "%")]
    assert len(answer_rows([_hit(text)], _plan("经营主体"))) == 5


def test_a_longer_measure_that_contains_the_asked_one_is_not_an_answer():
    text = "外贸进出口总额增长8%，其中出口总额增长10%。"
    assert [r.value for r in answer_rows([_hit(text)], _plan("出口总额"))] == [10.0]
    assert [r.value for r in answer_rows([_hit(text)], _plan("进出口总额"))] == [8.0]


@pytest.mark.parametrize("query, text, kept", [
    # a measure word the unit says by itself: a sum of money for 总额/总值, a weight for 产量
    ("进出口总额", "外贸进出口突破5000亿元大关，进出口总值9356.7亿元。", [500_000_000_000.0, 935_670_000_000.0]),
    ("固定资产投资总额", "全社会固定资产投资23600多亿元，比上年增长18.2%。", [2_360_000_000_000.0, 18.2]),
    ("棉花产量", "棉花总产616.5万吨、占全国92.8%。", [6_165_000.0]),   # (a share of the national total is not it)
    # ... never a figure in another kind of unit, nor an amount per person
    ("进出口总额", "进出口企业达到4.2万家。", []),
    # a rate of change is a percentage: 涨幅/增速 are said by the verb and the %
    ("居民消费价格涨幅", "居民消费价格上涨2.1%。", [2.1]),
    ("国内生产总值增速", "国内生产总值增长6.6%，总量突破90万亿元。", [6.6]),
    # ... not another measure of the topic, nor a share of it
    ("国内生产总值增速", "单位国内生产总值能耗下降5.6%。", []),
    ("国内生产总值增速", "服务业在国内生产总值中的比重上升到50.5%。", []),
    # a short subject that is the concept itself is the figure's own, after another figure
    ("发电量", "电力装机规模达1.1亿千瓦，发电量达2900亿千瓦时。", [290_000_000_000.0]),
    ("粮食产量", "去年全国平均每人占有粮食近八百斤，棉花十多斤。", []),
])
def test_a_measure_word_is_said_by_the_unit(query, text, kept):
    got = [r.value for r in answer_rows([_hit(text)], _plan(query))]
    assert got == kept


def test_a_length_measure_in_every_wording(tmp_path):
    # 高铁营业里程 is also written 运营里程, 营运里程, 通车里程, and loosely 里程 (marked as the
    # related wording); a road's length in the same report is not a railway's
    files = {
        "2026_山东省_山东省2026年政府工作报告.txt": "山东省2026年政府工作报告\n\n一、2025年工作回顾\n\n"
            "交通网络加快完善，高铁运营里程达到2100公里，高速公路通车里程突破8000公里。\n",
        "2026_湖南省_湖南省2026年政府工作报告.txt": "湖南省2026年政府工作报告\n\n一、2025年工作回顾\n\n"
            "高铁营运里程达2501公里，民航机场增至9个。\n",
        "2026_重庆市_重庆市2026年政府工作报告.txt": "重庆市2026年政府工作报告\n\n一、2025年工作回顾\n\n"
            "高铁里程增至1356公里，城市轨道交通运营线路增至14条。\n",
    }
    with open_index(build_small_index(tmp_path, files)) as idx:
        rows = idx.figures("高铁营业里程").rows
    got = {(r.region, r.value, r.measure) for r in rows}
    assert {(r, v) for r, v, _ in got} == {("山东省", 2100), ("湖南省", 2501), ("重庆市", 1356)}, got
    assert ("重庆市", 1356, "related") in got and ("湖南省", 2501, "asked") in got


def test_energy_intensity_in_its_other_name(tmp_path):
    # 万元国内生产总值能耗 is 单位国内生产总值能耗 (energy per 10,000 yuan of GDP): the table of
    # either name holds the other's figures
    files = {"2024_全国_2024年政府工作报告.txt": "2024年政府工作报告\n\n一、2023年工作回顾\n\n"
             "过去一年，单位国内生产总值能耗下降0.5%，主要污染物排放量继续下降。\n"}
    with open_index(build_small_index(tmp_path, files)) as idx:
        rows = idx.figures("万元国内生产总值能耗").rows
    assert [(r.value, r.unit, r.change) for r in rows] == [(0.5, "%", "decrease")], rows


def test_a_list_of_full_measures_gives_each_value_to_its_own(tmp_path):
    # 农村供电可靠率、自来水普及率分别达99.9%、94.5%: 99.9% is the power supply's reliability,
    # whatever 农村 in the list says; 94.5% is the tap water's (农村 shared by the list)
    files = {"2026_贵州省_2026年贵州省政府工作报告.txt": "2026年贵州省政府工作报告\n\n一、2025年工作回顾\n\n"
             "村庄规划全覆盖，农村供电可靠率、自来水普及率分别达99.9%、94.5%，农村建制镇污水处理设施基本覆盖。\n\n"
             "城乡环卫一体化覆盖率、农村自来水普及率分别提高到60%、92%。\n"}
    with open_index(build_small_index(tmp_path, files)) as idx:
        rows = idx.figures("农村自来水普及率").rows
    assert sorted(r.value for r in rows) == [92.0, 94.5], [(r.value, r.subject) for r in rows]


def test_a_life_expectancy_has_a_table(tmp_path):
    # ages are no amounts (65岁以上老年人), a life expectancy is; and 预期 in 人均预期寿命 is the
    # measure's name, not a plan: 达到79岁 in a review is a result
    files = {"2026_江西省_2026年江西省政府工作报告.txt": "2026年江西省政府工作报告\n\n一、2025年工作回顾\n\n"
             "健康江西建设深入推进，人均预期寿命达到79岁，65岁以上老年人健康管理率达到70%。\n"}
    with open_index(build_small_index(tmp_path, files)) as idx:
        rows = idx.figures("人均预期寿命").rows
    assert [(r.value, r.unit, r.role, r.period) for r in rows] == [(79.0, "岁", "result", "2025")], rows


def test_an_indicator_named_with_days_is_not_a_question_of_days():
    # 空气优良天数 is an indicator the reports give mostly as a share of days (优良天数比例
    # 92.8%): 天数 glued to it is part of its name, not an ask for figures in days
    from searchlib.query import QueryBuilder
    plan = QueryBuilder().plan("空气优良天数")
    assert plan.concepts == ["空气优良天数"] and not plan.units
    rows = answer_rows([_hit("地级及以上城市空气质量优良天数比例达到92.8%。全年空气质量优良天数281天。")], plan)
    assert [r.value for r in rows] == [92.8, 281]
