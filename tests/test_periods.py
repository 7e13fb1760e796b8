"""When each figure of an answer table is from and what it is: the period it describes
(去年 / 今年 relative to the report, five-year plans, ranges, horizons, the passage and its
headings when the sentence says nothing), its role (result, target, baseline) and, for a
change, its direction; tables grouped by period, a year in a question as a period."""
import pytest

from searchlib import api
from searchlib.periods import read_figure
from tests.conftest import build_small_index

GWR = "government_work_report"


@pytest.mark.parametrize("sentence, figure, year, doc_type, kind, expected", [
    ("去年国内生产总值增长5.2%，城镇新增就业1244万人", "5.2%", 2024, GWR, None, ("2023", "result", "increase")),
    ("去年国内生产总值增长5.2%，城镇新增就业1244万人", "1244万人", 2024, GWR, None, ("2023", "result", None)),
    ("今年发展主要预期目标是：城镇新增就业1200万人以上", "1200万人", 2024, GWR, "plans", ("2024", "target", None)),
    ("过去五年，城镇新增就业累计6900万人", "6900万人", 2026, GWR, None, ("2021-2025", "result", None)),
    ("“十四五”时期，粮食产量连续保持1.3万亿斤以上", "1.3万亿斤", 2026, GWR, None, ("2021-2025", "result", None)),
    ("2021—2025年，全省森林覆盖率提高2个百分点", "2个百分点", 2026, GWR, None, ("2021-2025", "result", "increase")),
    ("力争到2030年，森林覆盖率达到25%", "25%", 2026, GWR, None, ("2030", "target", None)),
    ("常住人口城镇化率从60.6%提高到66.2%", "60.6%", 2026, GWR, None, (None, "baseline", None)),
    ("单位国内生产总值能耗下降3.1%", "3.1%", 2024, GWR, None, ("2023", "result", "decrease")),
    ("全年共办理行政复议案件42件", "42件", 2019, "annual_report", "achievements", ("2019", "result", None)),
    ("一九五二年的粮食产量是三千二百七十八亿斤", "三千", 1955, GWR, None, ("1952", "result", None)),
])
def test_period_role_and_change_of_a_figure(sentence, figure, year, doc_type, kind, expected):
    got = read_figure(sentence, sentence.index(figure), year, doc_type, kind)
    period, role, change = expected
    assert (got.role, got.change) == (role, change)
    if period is not None:
        assert got.period == period


def test_the_passage_and_its_headings_give_the_period_when_the_sentence_does_not():
    heads = ("一、“十四五”时期和2025年工作回顾", "（四）民生福祉")
    got = read_figure("五年城镇新增就业超690万人", 8, 2026, GWR, None, before_sentence="", headings=heads)
    assert got.period == "2021-2025"
    got = read_figure("居民人均可支配收入年均增长5.4%", 13, 2026, GWR, None, headings=heads)
    assert got.period == "2021-2025"
    got = read_figure("城镇新增就业141万人", 6, 2026, GWR, None, headings=heads)
    assert got.period == "2025"
    got = read_figure("PM2.5年均浓度较“十三五”末改善16.5%", 16, 2026, GWR, None, headings=heads)
    assert got.period == "2021-2025"         # compared with the end of the plan before
    got = read_figure("城镇新增就业141万人", 6, 2026, GWR, None, before_sentence="2025年，经济运行稳中有进。")
    assert got.period == "2025"


REPORTS = {
    "2025_甲省_2025年甲省政府工作报告.txt":
        "2025年浙江省政府工作报告\n\n一、2024年工作回顾\n\n去年，全省城镇新增就业112万人，比上年增长3%。\n\n"
        "二、2025年工作安排\n\n今年主要预期目标是：城镇新增就业100万人以上。\n",
    "2026_甲省_2026年甲省政府工作报告.txt":
        "2026年浙江省政府工作报告\n\n一、“十四五”时期和2025年工作回顾\n\n过去五年，城镇新增就业累计560万人。"
        "去年，城镇新增就业115万人。\n\n二、2026年工作安排\n\n今年主要预期目标是：城镇新增就业100万人以上。\n",
}


@pytest.fixture(scope="module")
def idx(tmp_path_factory):
    with api.open_index(build_small_index(tmp_path_factory.mktemp("periods"), REPORTS)) as index:
        yield index


def test_a_table_by_period_keeps_five_years_apart_from_one(idx):
    table = idx.figures("城镇新增就业", by="period")
    keys = [g["key"] for g in table.groups]
    assert keys == ["2021-2025", "2024", "2025", "2026"]
    by_key = {g["key"]: [(r.value, r.role) for r in g["rows"]] for g in table.groups}
    assert by_key["2021-2025"] == [(5_600_000.0, "result")]
    assert sorted(by_key["2025"]) == [(1_000_000.0, "target"), (1_150_000.0, "result")]
    assert [r.role for r in idx.figures("城镇新增就业", role="target").rows] == ["target", "target"]


def test_a_year_in_the_question_is_the_period_from_any_report(idx):
    rows = idx.figures("2025年城镇新增就业").rows
    assert sorted((r.value, r.role, r.year) for r in rows) == [(1_000_000.0, "target", 2025),
                                                               (1_150_000.0, "result", 2026)]
    with pytest.raises(api.QuerySyntaxError, match="unknown role"):
        idx.figures("城镇新增就业", role="goal")
