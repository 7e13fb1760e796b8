"""Figures: quantities with units and subjects (searchlib.figures)."""
import re
from pathlib import Path

import pytest

from searchlib.figures import count_figures, extract_figures
from searchlib.models import Figure

CORPUS = Path(__file__).resolve().parents[1] / "corpus"


@pytest.fixture(scope="module")
def seed_paragraphs():
    paras = []
    for path in sorted(CORPUS.glob("*.txt")):
        paras += [p for p in path.read_text(encoding="utf-8").split("\n") if p.strip()]
    assert paras, "the seed corpus ships with the project"
    return paras


def _sentence(paras, anchor):
    """The sentence (up to 。) of the seed corpus that contains ``anchor``."""
    for p in paras:
        i = p.find(anchor)
        if i >= 0:
            start = max(p.rfind("。", 0, i) + 1, 0)
            end = p.find("。", i + len(anchor))
            return p[start:end + 1 if end >= 0 else len(p)]
    raise AssertionError(f"anchor not in seeds: {anchor}")


def _find(figs, value, unit):
    hits = [f for f in figs if f.value == pytest.approx(value) and f.unit == unit]
    assert hits, f"no ({value}, {unit}) in {[(f.text, f.value, f.unit) for f in figs]}"
    return hits[0]


# ----------------------------------------------------------------------------- seeds

@pytest.mark.parametrize("anchor, value, unit, subject", [
    ("移交区检察院涉刑案件30件", 30, "件", "涉刑案件"),
    ("累计公布“最多跑一次”事项1192项", 1192, "项", "事项"),
    ("新收行政复议案件36件", 36, "件", "行政复议案件"),
    ("共处置违法建筑192.05万平方米", 1920500, "平方米", "违法建筑"),
    ("7517台执法记录设备", 7517, "台", "执法记录设备"),
    ("胜诉率95.7%", 95.7, "%", "胜诉率"),
    ("检查对象库31100户", 31100, "户", "检查对象库"),
    ("全年逾3000人次参与公务员学法用法考试", 3000, "人次", None),
    ("全年组织区政府常务会议学法活动不少于4次", 4, "次", "学法活动"),
    ("公众满意度达72.93%", 72.93, "%", "公众满意度"),
])
def test_seed_figures(seed_paragraphs, anchor, value, unit, subject):
    sentence = _sentence(seed_paragraphs, anchor)
    fig = _find(extract_figures(sentence), value, unit)
    assert isinstance(fig, Figure)
    assert sentence[fig.start:fig.end] == fig.text
    assert fig.text in anchor
    if subject:
        assert subject in fig.subject
    assert 0 < len(fig.subject) <= 20


def test_subject_exact_forms(seed_paragraphs):
    figs = extract_figures(_sentence(seed_paragraphs, "移交区检察院涉刑案件30件"))
    assert _find(figs, 30, "件").subject == "移交区检察院涉刑案件"          # 共 is skipped
    figs = extract_figures(_sentence(seed_paragraphs, "7517台执法记录设备"))
    assert _find(figs, 7517, "台").subject == "执法记录设备"                 # thing after the unit
    figs = extract_figures(_sentence(seed_paragraphs, "累计公布“最多跑一次”事项1192项"))
    assert _find(figs, 1192, "项").subject in ("累计公布“最多跑一次”事项", "公布“最多跑一次”事项")
    assert not any(f.subject.startswith(("累计", "共", "全年")) for f in figs)


def test_two_figures_in_one_phrase(seed_paragraphs):
    figs = extract_figures(_sentence(seed_paragraphs, "压紧压实81个部门698项普法责任"))
    assert [(f.value, f.unit) for f in figs] == [(81, "个"), (698, "项")]
    assert figs[0].subject == "部门" and figs[1].subject == "普法责任"


def test_multiplier_and_approximation_kept_in_text(seed_paragraphs):
    figs = extract_figures(_sentence(seed_paragraphs, "20万余册"))
    fig = _find(figs, 200000, "册")
    assert fig.text == "20万余册"
    fig = _find(extract_figures("共处置违法建筑192.05万平方米"), 1920500, "平方米")
    assert fig.text == "192.05万平方米"
    fig = _find(extract_figures("总投资8.65亿元。"), 865000000, "元")
    assert fig.text == "8.65亿元" and fig.subject == "总投资"
    assert _find(extract_figures("各部门开展抽查3,823次"), 3823, "次").text == "3,823次"
    assert _find(extract_figures("优秀率达95%以上"), 95, "%").subject == "优秀率"


def test_figures_are_in_order_with_offsets(seed_paragraphs):
    for para in seed_paragraphs:
        figs = extract_figures(para)
        assert [f.start for f in figs] == sorted(f.start for f in figs)
        for f in figs:
            assert para[f.start:f.end] == f.text and f.value >= 0 and f.unit


def test_seed_counts_are_plausible(seed_paragraphs):
    total = sum(len(extract_figures(p)) for p in seed_paragraphs)
    assert 250 <= total <= 400


# ----------------------------------------------------------------------------- negatives

@pytest.mark.parametrize("text", [
    "2017年", "2017年5月23日", "2017-12-17", "12月底前", "6月5日前", "2015—2020年",
    "(2015-2020年)", "2018年度", "仑政〔2015〕69号", "莲政办发〔2017〕20号", "国务院令第711号",
    "第10次区政府常务会议", "00035727X/2019-33", "16:46:09", "第十二条", "(一)", "1.", "一是", "二、",
    "十八大", "十八届三中全会", "十九届四中全会", "三项制度", "出台三项制度", "“最多跑一次”",
    "最多跑一次改革", "放管服", "双随机一公开", "七五普法", "“四个全面”", "“两个维护”", "一刀切",
    "一站式", "一网通办", "三改一拆", "五水共治", "一窗受理", "第一责任人", "一把手", "一体化",
    "一次性告知", "第一批", "二〇一七年", "一户一档", "先后查办一批有影响的典型案件", "人手一册",
    "万人发明专利", "千家万户", "PM2.5", "《五年行动计划(2018-2022年)》", "打造“10分钟医疗服务圈”",
    "发表时间 : 2019-05-07 16:56:142017年", "1993年以来", "八项规定", "劣五类河流",
    "第二、三、四、五、七项规定", "省十四届人大五次会议", "十一届九次、十次全会",
    "五十年代", "刚刚过去的一年", "总有一天", "这是一次极其重要的会议", "推进三年行动",
    "比上一年增长", "榆林化学二期等项目", "三次产业结构", "进入前五位",
])
def test_not_figures(text):
    assert extract_figures(text) == []


def test_no_year_figures_in_seed_paragraph(seed_paragraphs):
    para = next(p for p in seed_paragraphs if "(2015-2020年)" in p and "2017年" in p)
    assert all(f.unit != "年" for f in extract_figures(para))
    heading = next(p for p in seed_paragraphs if p.startswith("2018年依法行政工作思路"))
    assert extract_figures(heading) == []


def test_document_header_lines_have_no_figures(seed_paragraphs):
    for p in seed_paragraphs:
        if re.search(r"发布时间|发表时间|文号|索引号", p) and len(p) < 120:
            assert extract_figures(p) == [], p


def test_quoted_and_titled_numerals_are_names():
    assert extract_figures("打造“四个平台”,推进四个功能性工作平台")[0].subject == "功能性工作平台"
    assert len(extract_figures("打造“四个平台”,推进四个功能性工作平台")) == 1
    assert extract_figures("《湖里区促进培训就业的十五条意见》") == []
    figs = extract_figures("完成三项改革任务")
    assert [(f.value, f.unit, f.subject) for f in figs] == [(3, "项", "改革任务")]


# ----------------------------------------------------------------------------- Chinese numerals

@pytest.mark.parametrize("text, value, unit, written", [
    ("企业开办时间压缩至一个工作日以内", 1, "个工作日", "一个工作日"),
    ("参与研讨活动十余件", 10, "件", "十余件"),
    ("每年向区政府汇报两次依法行政工作情况", 2, "次", "两次"),
    ("设立二十三个服务站", 23, "个", "二十三个"),
    ("实施了两部地方性法规草案", 2, "部", "两部"),
    ("支出增长百分之九十五点七", 95.7, "%", "百分之九十五点七"),
    ("每季度开展一次案卷评查", 1, "次", "一次"),
    ("受益一万二千人", 12000, "人", "一万二千人"),
    ("比一九八○年增长一点六倍", 1.6, "倍", "一点六倍"),
    ("成本上升百分之零点九", 0.9, "%", "百分之零点九"),
    ("纺织行业提前一年实现目标", 1, "年", "一年"),
])
def test_chinese_numerals(text, value, unit, written):
    fig = _find(extract_figures(text), value, unit)
    assert fig.text == written


@pytest.mark.parametrize("text, value, unit", [
    ("粮食总产量3,680亿斤", 368_000_000_000, "斤"),
    ("海拔5000米以上", 5000, "米"),
    ("提前两周向基层投放", 2, "周"),
])
def test_units_of_the_shared_vocabulary(text, value, unit):
    _find(extract_figures(text), value, unit)


@pytest.mark.parametrize("text", ["65岁以上老年人", "建党100周年", "2019年5月23日", "联合12部门"])
def test_ages_dates_and_words_are_not_amounts(text):
    assert extract_figures(text) == []


def test_count_figures(seed_paragraphs):
    for para in seed_paragraphs[:40]:
        assert count_figures(para) == len(extract_figures(para))
    assert count_figures("") == 0


def test_traditional_chinese_figures_as_simplified_ones():
    """A traditional passage states the same figures as its simplified form (萬, 個, 項 are
    scales and units there too); text and subject stay as written, offsets hold."""
    trad = "全年投入經費3.5萬元,建成服務站50個,收到行政復議申請126件。"
    simp = "全年投入经费3.5万元,建成服务站50个,收到行政复议申请126件。"
    got, want = extract_figures(trad), extract_figures(simp)
    assert [(f.value, f.unit, f.start, f.end) for f in got] == [(f.value, f.unit, f.start, f.end) for f in want]
    assert [f.text for f in got] == ["3.5萬元", "50個", "126件"]
    assert all(trad[f.start:f.end] == f.text for f in got)
    assert [f.subject for f in got] == ["投入經費", "建成服務站", "收到行政復議申請"]
    assert count_figures(trad) == count_figures(simp) == 3


def test_concentrations_are_figures_in_one_unit():
    from searchlib.figures import extract_figures
    from searchlib.normalize import normalize
    got = [(f.value, f.unit, f.subject) for t in ("全市PM2.5平均浓度为27微克/立方米，下降10%。",
                                                   "细颗粒物（PM2.5）平均浓度降至32.4微克每立方米",
                                                   "PM2.5年均浓度26.3μg/m³")
           for f in extract_figures(normalize(t)) if f.unit != "%"]
    assert [(v, u) for v, u, _ in got] == [(27.0, "微克/立方米"), (32.4, "微克每立方米"), (26.3, "μg/m3")]
    assert all("PM2.5" in s for _, _, s in got)
    from searchlib.answers import unit_converter
    from searchlib.models import Figure
    convert = unit_converter("微克/立方米")
    assert convert(Figure(value=26.3, unit="μg/m3", text="26.3μg/m3", subject="PM2.5")) == (26.3, "微克/立方米")
    assert unit_converter("concentration")(Figure(value=1.0, unit="毫克/升", text="1毫克/升", subject="")) == \
        (1.0, "毫克/升")


def test_a_compound_unit_is_read_whole():
    from searchlib.figures import extract_figures
    got = [(f.value, f.unit) for f in extract_figures("铁路货物周转量将达到一千二百一十亿吨公里，旅客周转量300亿人公里，钢产量1000万吨")]
    assert got == [(121_000_000_000.0, "吨公里"), (30_000_000_000.0, "人公里"), (10_000_000.0, "吨")]


@pytest.mark.parametrize("text, subjects", [
    # modifiers sharing the last item's head, and 城乡 before two figures: each item in full
    ("城镇、农村居民人均可支配收入分别增长4.3%、5.7%。", ["城镇居民人均可支配收入", "农村居民人均可支配收入"]),
    ("城镇和农村居民人均可支配收入分别增长4.3%、5.5%。", ["城镇居民人均可支配收入", "农村居民人均可支配收入"]),
    ("城乡居民人均可支配收入分别增长4.4%、5.6%。", ["城镇居民人均可支配收入", "农村居民人均可支配收入"]),
    # the measure word of the last item, that the others leave out, is each item's
    ("新能源汽车、智能家电、智能手机零售额分别增长8.7%、31.5%和32.3%", ["新能源汽车零售额", "智能家电零售额", "智能手机零售额"]),
    ("原煤、原油、天然气产量分别增长72.1%、31.2%、141%。", ["原煤产量", "原油产量", "天然气产量"]),
    ("城镇居民、农村居民人均可支配收入分别增长4.5%、5.7%。", ["城镇居民人均可支配收入", "农村居民人均可支配收入"]),
    # ... and a shared head only where the last item's modifier is as long as the others
    # (二氧化硫 | 化学需氧量…: its measure word, 排放量, is shared instead)
    ("二氧化硫、化学需氧量排放量分别下降3.5%、2.9%。", ["二氧化硫排放量", "化学需氧量排放量"]),
    # 及 and 与 inside a word (普及率, 参与率) do not part the list
    ("城乡环卫一体化覆盖率、农村自来水普及率分别提高到60%、92%。", ["城乡环卫一体化覆盖率", "农村自来水普及率"]),
    ("农村供电可靠率、自来水普及率分别达99.9%、94.5%。", ["农村供电可靠率", "自来水普及率"]),
    ("基本养老保险参保率与参与率分别达到95%、90%。", ["基本养老保险参保率", "参与率"]),
    # a rate the last item names, that the others leave out, is each item's
    ("农村自来水、卫生户厕普及率分别提升至97.2%、99.8%。", ["农村自来水普及率", "卫生户厕普及率"]),
    ("城镇、农村居民参保率分别达到95%、97%。", ["城镇居民参保率", "农村居民参保率"]),
])
def test_the_items_of_a_list_with_respectively_are_written_in_full(text, subjects):
    from searchlib.figures import extract_figures
    assert [f.subject for f in extract_figures(text)] == subjects


@pytest.mark.parametrize("text, subjects", [
    # a run of changes after levels of distinct subjects restates them in order
    ("城镇居民人均可支配收入9422元,农村居民人均纯收入2936元,扣除价格因素,分别实际增长7.7%和6.8%。",
     ["城镇居民人均可支配收入", "农村居民人均纯收入"] * 2),
    ("城镇居民人均可支配收入15781元,农村居民人均纯收入4761元,实际增长8.4%和8%。",
     ["城镇居民人均可支配收入", "农村居民人均纯收入"] * 2),
    ("新建公租房3万套、棚户区改造5万户,分别增长10%和20%。", ["新建公租房", "棚户区改造"] * 2),
    # the list before 分别 may be the clause before it (…，2000年分别达到…)
    ("农村居民人均纯收入和城镇居民人均可支配收入,2000年分别达到2253元和6280元。",
     ["农村居民人均纯收入", "城镇居民人均可支配收入"]),
    # figures that name their own subjects keep them, and a list before 分别 comes first
    ("财政收入1200亿元,增长8%,支出1500亿元,增长9%。", ["财政收入", "财政收入", "支出", "支出"]),
    ("CPI微降0.1%,城镇调查失业率5.2%,城镇、农村居民人均可支配收入分别增长3.4%、5.2%。",
     ["CPI微降", "城镇调查失业率", "城镇居民人均可支配收入", "农村居民人均可支配收入"]),
])
def test_a_run_of_figures_restating_the_ones_before_takes_their_subjects(text, subjects):
    from searchlib.figures import extract_figures
    assert [f.subject for f in extract_figures(text)] == subjects


@pytest.mark.parametrize("text, expected", [
    # a number of people in 万 or 亿 with no unit, after a word for people or before 人口
    ("全年农村贫困人口减少700万。", [(7_000_000.0, "人", "农村贫困人口")]),
    ("力争今年农村贫困人口再减少1000万以上,并做好防止返贫的工作。", [(10_000_000.0, "人", "力争今年农村贫困人口再")]),
    ("贫困人口减少6800多万,易地扶贫搬迁830万人", [(68_000_000.0, "人", "贫困人口"), (8_300_000.0, "人", "易地扶贫搬迁")]),
    ("近1亿农村贫困人口实现脱贫", [(100_000_000.0, "人", "农村贫困人口")]),
    # ... also right after a comma (a thousands separator only follows a digit)
    ("脱贫攻坚成果举世瞩目，5575万农村贫困人口实现脱贫", [(55_750_000.0, "人", "农村贫困人口")]),
    ("争取今年再有1000万以上贫困人口解决温饱问题。", [(10_000_000.0, "人", "贫困人口解决温饱问题")]),
    # ... never a sum with no word for people (投资1000万), nor a percentage written in words
    ("投资1000万,建成道路。", []),
    ("争取有百分之四十左右的主要工业产品达到先进水平", [(40.0, "%", "主要工业产品")]),
])
def test_people_counted_in_wan_without_a_unit(text, expected):
    from searchlib.normalize import normalize
    text = normalize(text)
    from searchlib.figures import extract_figures
    assert [(f.value, f.unit, f.subject) for f in extract_figures(text)] == expected


@pytest.mark.parametrize("text, subjects", [
    # adverbs of time and of measure before a change are no subject (五年来年均实际增长6%)
    ("城镇居民人均可支配收入达到5160元,五年来年均实际增长6%;", ["城镇居民人均可支配收入", ""]),
    ("扣除价格因素,实际增长7.7%", [""]),
    ("原煤产量拟定为一亿五千零七十二万四千吨,将比一九五七年增长百分之十七点二。", ["原煤产量拟定", ""]),
    # a verb of change after a figure is not what it counts
    ("城镇居民人均可支配收入,由1997年的5160元增加到2002年的7703元。", ["", ""]),
    ("全市法律顾问由120名增加到150名", ["全市法律顾问", "全市法律顾问"]),
])
def test_what_a_change_is_of_is_no_adverb_or_verb(text, subjects):
    from searchlib.figures import extract_figures
    assert [f.subject for f in extract_figures(text)] == subjects


@pytest.mark.parametrize("text, values", [
    # a scale after 多/余 multiplies the part after 亿, not the whole numeral
    ("原煤产量达到七亿七千多万吨，原油达到一亿一千四百多万吨。", [770_000_000.0, 114_000_000.0]),
    ("粮食产量四亿零七百多万吨。", [407_000_000.0]),
    ("产值三千多万元。", [30_000_000.0]),
    ("全年投资一亿多元。", [100_000_000.0]),
])
def test_a_chinese_numeral_with_yi_and_an_approximate_wan(text, values):
    from searchlib.figures import extract_figures
    assert [f.value for f in extract_figures(text)] == values


def test_how_a_change_is_measured_is_no_subject():
    # 扣除物价因素 / 按可比价格计算 say how the change was measured: it is the figure before's
    from searchlib.figures import extract_figures
    from searchlib.normalize import normalize
    for text in ("城镇居民人均生活费收入达到3179元，扣除物价因素增长百分之八以上。",
                 "城镇居民人均生活费收入达到3179元，按可比价格计算增长8%。"):
        assert [f.subject for f in extract_figures(normalize(text))] == ["城镇居民人均生活费收入"] * 2


@pytest.mark.parametrize("text, got", [
    ("人均预期寿命达到78.6岁。", [(78.6, "岁", "人均预期寿命")]),         # a life expectancy is an amount
    ("人均预期寿命提高1岁。", [(1.0, "岁", "人均预期寿命")]),
    ("65岁以上老年人健康管理率达到70%。", [(70.0, "%", "65岁以上老年人健康管理率")]),   # an age names people
    ("年满60周岁的老年人，寿命长短不一。", []),
])
def test_an_age_is_an_amount_only_as_a_life_expectancy(text, got):
    assert [(f.value, f.unit, f.subject) for f in extract_figures(text)] == got


@pytest.mark.parametrize("raw, figure", [
    ("五年来年均实际增长6 ％；", "6%"),          # a space before the per-cent sign (an old page)
    ("年均实际增长5 .4 %。", "5.4%"),            # ... and inside the number
    ("人均居住面积增加到8 .7 平方米", "8.7平方米"),
    ("粮食产量达到 120 万吨", "120万吨"),         # set off from the text around it
])
def test_a_number_set_off_by_layout_spaces_is_one_figure(raw, figure):
    from searchlib.figures import extract_figures
    from searchlib.normalize import normalize_document_text
    assert [f.text for f in extract_figures(normalize_document_text(raw))] == [figure]


def test_a_comma_ends_the_values_of_a_list_with_respectively():
    # ， is , once normalised: the figure after it is not a third value of the list
    from searchlib.normalize import normalize_document_text
    text = normalize_document_text("二氧化硫、氮氧化物排放量分别下降5.6%和4%，74个重点城市细颗粒物浓度下降。")
    assert [(f.text, f.subject) for f in extract_figures(text)][:2] == [
        ("5.6%", "二氧化硫排放量"), ("4%", "氮氧化物排放量")]
