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
    # a rate of change named as a noun (涨幅, 增速) held at a level is still a change
    ("居民消费价格涨幅控制在3%左右", "3%", 2012, GWR, "plans", ("2012", "target", "increase")),
    ("居民消费价格指数涨幅2%以内", "2%", 2024, GWR, "plans", ("2024", "target", "increase")),
    # a clause opening with 新增/净增 counts an increase; 城镇新增就业 above names a measure
    ("全年新增发电装机容量5055万千瓦", "5055万千瓦", 2010, GWR, None, ("2009", "result", "increase")),
    ("新增省级创新平台30个、高新技术企业150家", "150家", 2024, GWR, None, ("2023", "result", "increase")),
    ("新培育专精特新“小巨人”企业688家", "688家", 2026, GWR, None, ("2025", "result", "increase")),
    ("新设152个跨境电商综试区", "152个", 2023, GWR, None, ("2022", "result", "increase")),
    # a change from a year compared with is over the years after it; a clause going on about
    # the figure before it (即比…, 比上年…) shares its plan
    ("到一九八五年，社会商品零售总额将达到二千九百亿元，比一九八○年增长百分之四十", "百分之四十", 1983, GWR, None,
     ("1981-1985", "target", "increase")),
    ("一九八二年同一九七八年相比，社会商品零售总额增长百分之六十四点八", "百分之六十四", 1983, GWR, None,
     ("1979-1982", "result", "increase")),
    ("到一九五七年，货物周转量将达到一千二百一十亿吨公里，即比一九五二年增长一倍", "一倍", 1955, GWR, None,
     ("1953-1957", "target", "increase")),
    ("汽车货物周转量比1954年增长35%", "35%", 1956, GWR, None, ("1955", "result", "increase")),
    ("1956年汽车货物周转量将比上年增长31%", "31%", 1956, GWR, None, ("1956", "target", "increase")),
    # a stock stated as such over five years is at their end, and no increase
    ("过去五年，累计净增经营主体155万户、总量达474万户", "474万户", 2026, GWR, None, ("2025", "result", None)),
    ("过去五年，累计净增经营主体155万户、总量达474万户", "155万户", 2026, GWR, None,
     ("2021-2025", "result", "increase")),
    ("五年来，农村公路总里程12.96万公里", "12.96万公里", 2026, GWR, None, ("2025", "result", None)),
    # a sentence that opens with a plan (拟…) plans each of its figures; 增加 X 100亿元 adds
    ("拟发行长期建设国债800亿元，比上年减少300亿元，同时增加中央预算内经常性建设投资100亿元", "100亿元", 2005, GWR,
     None, ("2005", "target", "increase")),
    ("财政收入增加到5260亿元", "5260亿元", 2026, GWR, "achievements", ("2025", "result", None)),
    # the first years of a plan
    ("“十一五”前四年累计，二氧化硫排放量下降13.14%", "13.14%", 2010, GWR, None, ("2006-2009", "result", "decrease")),
    ("十二五期间头两年，粮食产量增加300亿斤", "300亿斤", 2013, GWR, None, ("2011-2012", "result", "increase")),
])
def test_period_role_and_change_of_a_figure(sentence, figure, year, doc_type, kind, expected):
    got = read_figure(sentence, sentence.index(figure), year, doc_type, kind)
    period, role, change = expected
    assert (got.role, got.change) == (role, change)
    if period is not None:
        assert got.period == period


def test_a_heading_about_the_years_reviewed_gives_them():
    sentence = "发电装机增长百分之四十六，达到16500万千瓦；"
    heading = ("一、改革开放和现代化建设取得伟大成就的五年",)
    assert read_figure(sentence, sentence.index("百分之"), 1993, GWR, None, headings=heading).period == "1988-1992"
    assert read_figure(sentence, sentence.index("16500"), 1993, GWR, None, headings=heading).period == "1992"
    # 过去一年和五年工作回顾 names two periods: the passages before the figure's say which
    from searchlib.periods import names_two_periods
    assert names_two_periods(("一、过去一年和五年工作回顾",), 2023, GWR)


def test_funds_secured_in_a_review_are_a_result():
    sentence = "自审自发地方政府专项债券1542亿元，争取中央预算内投资150亿元。"
    got = read_figure(sentence, sentence.index("150亿元"), 2026, GWR, "achievements")
    assert (got.period, got.role) == ("2025", "result")
    sentence = "争取中央预算内投资200亿元。"
    assert read_figure(sentence, sentence.index("200"), 2026, GWR, "plans").role == "target"


def test_an_average_each_year_is_over_the_headings_years():
    sentence = "社会消费品零售总额平均每年增长10.6%。"
    got = read_figure(sentence, sentence.index("10.6%"), 2001, GWR, None,
                      headings=("“九五”时期和2000年工作回顾",))
    assert (got.period, got.change) == ("1996-2000", "increase")


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
    # a review of five years and the last one together: the passage that leads each part says which
    "2026_乙省_2026年乙省政府工作报告.txt":
        "2026年江苏省政府工作报告\n\n一、2025年和“十四五”时期工作回顾\n\n这是乡村全面振兴扎实推进的五年。\n\n"
        "严守耕地保护红线，建成高标准农田142万亩，累计建成高标准农田4128万亩。\n\n"
        "刚刚过去的2025年，全省经济运行稳中有进。\n\n新建高标准农田30万亩。\n",
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


def test_the_passages_before_a_figure_say_which_of_a_headings_two_periods_it_is_about(idx):
    rows = idx.figures("高标准农田").rows
    assert sorted((r.value, r.period) for r in rows) == [(300_000.0, "2025"), (1_420_000.0, "2021-2025"),
                                                         (41_280_000.0, "2025")]


def _read(sentence, figure, year, doc_type=GWR, kind=None, before_sentence="", headings=(), leads=()):
    got = read_figure(sentence, sentence.index(figure), year, doc_type, kind, before_sentence=before_sentence,
                      headings=headings, leads=leads)
    return got.period, got.role


@pytest.mark.parametrize("sentence, figure, headings, leads, expected", [
    # under a heading naming a plan and a year, the nearest passage before that opens with a period
    ("建成高标准农田142万亩", "142万亩", ("一、2025年和“十四五”时期工作回顾",),
     ("五年来，我们坚定不移促进区域协调发展。", "乡村全面振兴扎实推进。"), "2021-2025"),
    ("建设筹集保障性住房155.4万套", "155.4万套", ("一、2025年和“十四五”时期工作回顾",),
     ("这是改革动力不断增强的五年。", "深圳47项经验获全国推广。", "这是人民生活品质不断提高的五年。"), "2021-2025"),
    ("建设筹集保障性住房155.4万套", "155.4万套", ("一、“十四五”时期和2025年工作回顾",),
     ("五年来，我们坚定不移推进改革。", "刚刚过去的2025年，全省经济运行稳中有进。"), "2025"),
    ("建设筹集保障性住房155.4万套", "155.4万套", ("一、2025年和“十四五”时期工作回顾",), (), "2025"),
    # a figure over several years keeps the plan; a heading of one period is not asked
    ("居民人均可支配收入年均增长5.4%", "5.4%", ("一、2025年和“十四五”时期工作回顾",),
     ("2025年，全省经济运行稳中有进。",), "2021-2025"),
    ("新建高标准农田30万亩", "30万亩", ("一、2025年工作回顾",), ("五年来，我们坚定不移推进改革。",), "2025"),
    # a level reached is at the end; 累计建成 without a span of its sentence is the total built so far
    ("常住人口城镇化率提高到76.58%", "76.58%", ("一、2025年和“十四五”时期工作回顾",),
     ("这是城乡区域协调发展取得新进展的五年。",), "2025"),
    ("补充耕地39.08万亩，累计建成高标准农田4128万亩", "4128万亩", ("一、“十四五”时期和2025年工作回顾",),
     ("五年来，我们坚定不移推进乡村振兴。",), "2025"),
    ("过去五年，累计建成高标准农田1000万亩", "1000万亩", ("一、“十四五”时期和2025年工作回顾",), (), "2021-2025"),
    # ... while 累计完成 sums the heading's years
    ("累计完成棚户区改造47.63万户、老旧小区改造68.56万户", "68.56万户", ("一、2025年和“十四五”时期工作回顾",),
     (), "2021-2025"),
])
def test_a_section_on_a_plan_and_its_last_year_is_split_by_the_passages_that_lead_it(sentence, figure, headings,
                                                                                      leads, expected):
    assert _read(sentence, figure, 2026, headings=headings, leads=leads)[0] == expected


@pytest.mark.parametrize("sentence, figure, headings, expected", [
    # 连续N年: the N years up to the year reviewed; a level held over them is theirs, not the last year's
    ("粮食总产量连续12年稳定在1.3万亿斤以上", "1.3万亿斤", (), "2014-2025"),
    ("财政赤字率一直控制在3%以内", "3%", ("一、过去五年工作回顾",), "2021-2025"),
    ("森林覆盖率由五年前的20%提高到23%", "23%", ("一、过去五年工作回顾",), "2025"),   # reached: at the end
    ("一般公共预算收入从3800亿元增长到4400亿元", "4400亿元", ("一、“十四五”时期经济社会发展回顾",), "2025"),
])
def test_a_level_held_is_over_the_whole_period(sentence, figure, headings, expected):
    assert _read(sentence, figure, 2026, headings=headings)[0] == expected


@pytest.mark.parametrize("sentence, figure, before_sentence, expected", [
    # another clause's period (创近5年新高, 连续六年获…) is not the figure's
    ("棉花产量创近5年新高，油料产量3600万吨", "3600万吨", "", "2025"),
    ("考核连续六年获“好”的等次，脱贫人口人均纯收入增长12%", "12%", "", "2025"),
    ("油料产量达到3600万吨", "3600万吨", "小麦产量从2020年的1.3亿吨提高到2025年的1.4亿吨。", "2025"),
    ("建成高标准农田1169万亩", "1169万亩", "粮食总产再创新高，连续16年位居全国首位。", "2025"),
    # ... but a clause of time is about what follows it, and so is a sentence's opening year
    ("在刚刚过去的2019年，全市城镇新增就业8万人", "8万人", "", "2019"),
    ("城镇新增就业8万人", "8万人", "2019年，全市经济平稳运行。", "2019"),
    # a year compared with is not the period
    ("财政收入1200亿元，是2015年的1.8倍，全年新建公租房3万套", "3万套", "", "2025"),
    ("在2019年基础上，粮食产量再增加50亿斤", "50亿斤", "", "2025"),
    # a list of years says when each of its items happens, not what the next sentence is about
    ("高速公路里程突破9500公里", "9500公里", "今年建成雄商高铁，2027年、2028年分别建成津潍、潍宿高铁。", "2026"),
])
def test_only_a_statement_of_time_about_the_figure_gives_its_period(sentence, figure, before_sentence, expected):
    assert _read(sentence, figure, 2026, before_sentence=before_sentence,
                 headings=("一、2025年工作回顾",))[0] == expected


def test_a_base_year_stated_with_the_period_sentences_before_is_the_figures_base():
    # 1992年同1987年相比，…；发电装机增长百分之四十六: the statement that gave the year (in the
    # sentence before, parted by ；) compares it with 1987: the change is over 1988-1992
    before = "工业生产有较大增长。1992年同1987年相比，钢产量增长百分之四十二，达到8000万吨；"
    assert _read("发电装机增长百分之四十六，达到16500万千瓦；", "百分之四十六", 1993,
                 before_sentence=before, headings=("一、改革开放和现代化建设取得伟大成就的五年",))[0] == "1988-1992"
    # ... not a comparison of an earlier statement, ended by a full stop
    before = "1992年同1987年相比，钢产量增长百分之四十二。1992年，"
    assert _read("发电装机增长百分之四十六", "百分之四十六", 1993, before_sentence=before)[0] == "1992"


def test_plans_before_the_tenth_and_a_plan_named_in_a_heading_are_periods():
    heads = ("二、“七五”时期的基本任务",)
    got = _read("基本建设投资总额五年为三千亿元", "三千亿元", 1986, before_sentence="一九九○年工农业总产值达到一万亿元。",
                headings=heads)
    assert got[0] == "1986-1990"          # over five years: the plan's, not 1990 of the sentence before
    assert _read("第六个五年计划期间，能源投资为七百亿元", "七百亿元", 1982)[0] == "1981-1985"
    heads = ("一、2025年工作和“十四五”发展成就",)
    sentence = "一般公共预算收入从5000亿元提高到6500亿元"
    assert _read(sentence, "5000亿元", 2026, headings=heads) == ("2020", "baseline")
    assert _read(sentence, "6500亿元", 2026, headings=heads) == ("2025", "result")
    # in running text a plan's name alone is the plan, not the period of the figures after it
    assert _read("粮食产量1.4万亿斤", "1.4万亿斤", 2026, before_sentence="“十四五”圆满收官，")[0] == "2025"


@pytest.mark.parametrize("sentence, figure, year, doc_type, kind, headings, expected", [
    # a heading about the year ahead is a plans section, whatever the section was classified as
    ("新建高标准农田200万亩以上", "200万亩", 2026, GWR, "other", ("三、2026年工作安排",), ("2026", "target")),
    ("新建高标准农田200万亩以上", "200万亩", 2026, GWR, "achievements", ("关于今年工作",), ("2026", "target")),
    ("办理行政复议案件100件", "100件", 2019, "annual_report", None, ("三、2020年工作计划",), ("2020", "target")),
    ("办理行政复议案件100件", "100件", 2019, "annual_report", None, ("一、2019年工作情况",), ("2019", "result")),
    ("森林覆盖率达到30%", "30%", 2026, GWR, "other", ("二、“十五五”时期经济社会发展重点任务",), ("2030", "target")),
    ("森林覆盖率达到30%", "30%", 2021, GWR, "other", ("一、“十三五”时期工作回顾",), ("2020", "result")),
    ("办理行政复议案件100件", "100件", 2019, "annual_report", None, ("三、下一步工作打算",), (None, "target")),
    # 拟 plans (拟安排, 拟按3%安排); 预计 in a review estimates a result
    ("拟安排地方政府专项债券4.4万亿元", "4.4万亿元", 2026, GWR, "other", (), ("2026", "target")),
    ("预计全社会研发投入5350亿元、增长4.9%", "5350亿元", 2026, GWR, "achievements", ("一、2025年工作回顾",),
     ("2025", "result")),
    # 比上年 compares: a target for this year is this year's
    ("今年主要预期目标是：地区生产总值比上年增长5%左右", "5%", 2026, GWR, "plans", (), ("2026", "target")),
    # a period past stated in the sentence: a result, even in a plans section or with 左右
    ("从1990年到2000年的十年中，这项投资占百分之十五左右", "百分之十五", 2001, GWR, "plans", (),
     ("1990-2000", "result")),
])
def test_role_from_where_the_figure_stands_and_what_period_it_states(sentence, figure, year, doc_type, kind,
                                                                     headings, expected):
    period, role = _read(sentence, figure, year, doc_type, kind, headings=headings)
    assert role == expected[1]
    if expected[0] is not None:
        assert period == expected[0]


@pytest.mark.parametrize("sentence, figure, leads, expected", [
    # a heading on five years past and five ahead: a figure of the past years is a result ...
    ("常住人口城镇化率五年提高3.89个百分点", "3.89个百分点", (), ("2021-2025", "result")),
    ("常住人口城镇化率五年提高3.89个百分点", "3.89个百分点", ("过去五年，我们牢记嘱托。",), ("2021-2025", "result")),
    # ... a target by its words is the plan ahead's, and a lead of the review does not reach it
    ("地区生产总值年均增长5%左右", "5%", (), ("2026-2030", "target")),
    ("城镇新增就业每年50万人以上", "50万人", ("过去五年，我们牢记嘱托。",), ("2026-2030", "target")),
    ("常住人口城镇化率达到75%", "75%", ("过去五年，我们牢记嘱托。",), ("2030", "target")),
])
def test_a_heading_on_a_plan_past_and_the_next_gives_each_figure_its_own(sentence, figure, leads, expected):
    heads = ("二、“十四五”时期发展成就和“十五五”时期主要目标任务",)
    assert _read(sentence, figure, 2026, kind="plans", headings=heads, leads=leads) == expected
