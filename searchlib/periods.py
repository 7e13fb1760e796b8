"""When a figure is from and what it is: the period it describes, its role (a result, a
target or a baseline) and, for a figure of change, its direction.

A report's figures are rarely about the report's own year alone. A government work report
delivered in 2026 reviews 2025 (去年) and the five years before it (过去五年, "十四五"时期)
and sets targets for 2026 (今年) and beyond (到2030年); a rule-of-law report for 2019 states
2019's results. ``read_figure`` reads a figure's sentence up to the figure, nearest words
first:

* period: an explicit year or range in the figure's clause (2025年, 2021—2025年, 2021年至
  2025年), a five-year plan ("十四五": 2021-2025), 过去五年/五年来/近三年 (the years up to the
  year reviewed), 去年/上年 and 今年/本年 relative to the report: for a 政府工作报告 (the
  year of its session) 去年 is the year before, for other reports (the year they cover) 今年
  is that year; 到/力争到/至 YYYY年 is the horizon of a target; else the year the section is
  about (a plans section: the report's session year; otherwise the year reviewed); a heading
  naming a year and a plan (“十四五”时期和2025年工作回顾) gives the year, or the plan's years to a
  figure over several years (五年, 年均), unless a passage before the figure's in that section
  opens with a period (五年来，…; 这是人民生活品质不断提高的五年。; 刚刚过去的2025年，…): the
  nearest such one does. 累计建成 with no span stated in its sentence is the total built so
  far, at the period's end.
* role: ``baseline`` for X in 从/由 (2020年的) X … 提高/增长/下降 到 Y; ``target`` in a plans
  section, in a clause that plans (预期, 目标, 力争, 确保, 计划, 争取, 应该), after a horizon
  (到2030年，…), in a sentence or work-report passage that lists targets (主要预期目标是：…),
  for a work report's 今年 or a figure it states 左右; otherwise ``result``. A level reached
  (达到, 突破, 提高到 …) over a range is at the range's end; a baseline over a five-year plan
  is the year before it.
* change: ``increase`` or ``decrease`` when a verb of change (增长, 提高, 增产, 下降, 减少 …)
  heads the figure's clause and only figures stand between them (比上年增长5.2%, 分别增长
  8.7%、31.5%和32.3%); None for a level (粮食产量1.3万亿斤, 提高到65%).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional

from .vocabulary import digit_years, parse_chinese_number

_YEAR = r"((?:19|20)\d\d)"
_RANGE = re.compile(_YEAR + r"\s*年?\s*(?:[-—–~～至到]|—)\s*" + _YEAR + r"\s*年")
_SINGLE = re.compile(_YEAR + r"\s*年(?!\s*(?:[-—–~～至到]|—)\s*(?:19|20)\d\d)")
# the horizon of a target (到2030年，…; 力争到2030年): not the end of a change (提升到2025年的57.7%)
_HORIZON = re.compile(r"(?:(?:^|(?<=[，,；;：:\s]))(?:到|至)|力争到|力争在|争取到|预计到)\s*" + _YEAR + r"\s*年(?!的|底的|末的)")
# a five-year plan: “十四五”时期, “七五”期间, 六五计划, 第六个五年计划
_PLAN = re.compile(r"[“\"](十[一二三四五六七八九]?五|[一二三四五六七八九]五)[”\"](?!\s*(?:普法|规划))\s*(?:时期|期间|以来|规划期|计划|末)?"
                   r"|(十[一二三四五六七八九]?五|[一二三四五六七八九]五)\s*(?:时期|期间|以来|规划期|计划|末)"
                   r"|第([一二三四五六七八九十]{1,2})个五年计划")
_PLAN_TIME = re.compile(r"(?:时期|期间|以来|规划期|计划|末)$")
# the first years of a plan (“十一五”前四年, 十二五期间头两年): those years
_PLAN_FIRST_YEARS = re.compile(r"[“\"]?(十[一二三四五六七八九]?五|[一二三四五六七八九]五)[”\"]?\s*(?:时期|期间)?的?(?:前|头)([一二三四两])年")
_PLAN_START = {"一五": 1953, "二五": 1958, "三五": 1966, "四五": 1971, "五五": 1976, "六五": 1981, "七五": 1986,
               "八五": 1991, "九五": 1996, "十五": 2001, "十一五": 2006, "十二五": 2011, "十三五": 2016,
               "十四五": 2021, "十五五": 2026}
_PLAN_ORDINAL = ["一", "二", "三", "四", "五", "六", "七", "八", "九", "十", "十一", "十二", "十三", "十四", "十五"]
_COMPARED = re.compile(r"(?:较|比|相比|与)\s*[“\"]?$")
# a year compared with: 比2020年, 较2020年, 是2010年的2.2倍, 与2019年相比, 在2019年(的)基础上
_COMPARISON_BEFORE = re.compile(r"(?:比|较|是|同|与|相比|高于|低于|超过)\s*$")
_COMPARISON_AFTER = re.compile(r"(?:底|末)?的?(?:[^，,。；;]{0,8}?基础上|同期|水平上|相比|[\d.一二三四五六七八九十两]+倍|翻)")
_PAST_YEARS = re.compile(r"(?:过去|近|这|前|连续)\s*([一二三四五六七八九十两\d]{1,2})\s*年|([一二三四五六七八九十两\d]{1,2})\s*年来")
# 这是人民生活品质不断提高的五年: the lead of a passage about the years up to the one reviewed
_THESE_YEARS = re.compile(r"这是[^。，,；;！]{0,40}的([一二三四五六七八九十两\d]{1,2})年(?=[。！]|$)")
# a heading about the years reviewed (取得伟大成就的五年), or the last one and them (过去一年和五年工作回顾)
_HEADING_YEARS = re.compile(r"的([一二三四五六七八九十两\d]{1,2})年(?=$|[\s，,。])|(?<=和)([一二三四五六七八九十两\d]{1,2})年(?=工作|回顾)")
_YEAR_AND_YEARS = re.compile(r"过去一年(?=和)")
_LAST_YEAR = re.compile(r"去年|上年|上一年|2\d{3}年以来")
_THIS_YEAR = re.compile(r"今年|本年|全年|当年")
_BASELINE = re.compile(r"(?:从|由)\s*(?:(?:19|20)\d\d\s*年(?:底|末|初)?的?)?\s*$")
_TO_AFTER = re.compile(r"^\s*[^。；;]{0,16}?(?:提高|提升|增长|增加|上升|下降|降低|减少|扩大|缩小)了?\s*(?:到|至)")
# a clause that plans (a target), and a passage that lists a plan's targets (主要预期目标是：…)
_TARGET = re.compile(r"预期(?!寿命)|目标|力争|确保|计划|争取|将达到|要达到|应该|应当|要求|拟")   # (预期寿命: a measure)
# 将 before a verb of change or attainment (将比上年增长31%, 将达到): what is to come; 将 alone
# also marks an object (将X纳入Y)
_TARGET_AHEAD = re.compile(r"将(?:比|较|增长|提高|增加|达|超过|突破|减少|下降|降低)")
# a clause that goes on about the figure of the one before (…将达到460亿元，比上年增长15%;
# …，即比1952年增长一倍): that one's plan is its own
_CONTINUES = re.compile(r"\s*(?:即|也就是|相当于|比|较|同比|增长|下降|提高|增加|减少)")
# a year compared with before a change (比1952年增长一倍, 1982年同1978年相比): the change is over
# the years after it
_COMPARED_YEAR = re.compile(r"(?:比|较|同|与)\s*" + _YEAR + r"\s*年(?:底|末)?")
# 争取 with funds (争取中央预算内投资150亿元): what was secured, when nothing else plans
_SECURED = re.compile(r"争取(?:到)?[^，,；;。、]{0,12}?(?:资金|投资|债券|补助|资助|基金|贷款)")
_TARGET_LIST = re.compile(r"预期目标|主要目标是|发展目标是|目标是")
_AROUND = re.compile(r"^[^，,。；;]{0,3}左右")            # 增长6%左右: a target's way of saying it
# a level reached (达到67.4%, 突破4000亿元, 提高到65%): at the end of the period it is stated in
_LEVEL = re.compile(r"(?:达到|达|突破|超过|(?:提高|提升|增加|增长|上升|扩大|下降|降低|减少|缩小|缩减|压减)了?(?:到|至)"
                    r"|增至|升至|降至|降到|稳定在|保持在|控制在)\s*$")
# a level held over the whole period (连续18年保持在…以上, 一直控制在3%以内): not only at its end
_HELD = re.compile(r"连续|一直|始终|每年|历年|保持|稳定在")
_FROM_TO = re.compile(r"(?:从|由)[^，,；;。]{0,24}?(?:提高|提升|增长|增加|上升|下降|降低|减少|扩大|缩小|增至|降至|升至)了?"
                      r"\s*(?:到|至)?\s*$")
_MULTI_YEAR = re.compile(r"年均|平均每年|每年平均|累计|合计|总计|五年|三年|[“\"]?十[一二三四五六七八九]?五[”\"]?")
# ... and over several years for certain (年均增长5.4%, 五年改造…): 累计建成 may be a level reached
_SPAN = re.compile(r"年均|平均每年|每年平均|五年|三年|[“\"]?十[一二三四五六七八九]?五[”\"]?")
# a sum over the years (累计完成棚户区改造47.63万户): not 累计建成, a level reached (see below)
_SUMMED = re.compile(r"累计(?!建成)")
_CHANGE_VERB = re.compile(r"(增长|提高|提升|上升|增加|扩大|上涨|增产|增收|增幅|增速|涨幅|多增|增)"
                          r"|(下降|降低|减少|缩小|下调|压减|降幅|回落|减产|减收|少减|减)")
# what may stand between a verb of change and its figures: 分别增长8.7%、31.5%和32.3%
_CHANGE_LIST = re.compile(r"[\d.%％、,，和及与分别个百分点倍万亿千百十余多近约超了为达\s]*")
# a rate of change named as a noun holds its figure as a level does (涨幅控制在3%, 增速为5%):
# still a change
_RATE_NOUN = frozenset(["增幅", "增速", "涨幅", "降幅"])
_RATE_HELD = re.compile(r"(?:总水平)?(?:控制在|保持在|稳定在|为|在|达到|达)")
# a clause that opens with 新增/净增 (全年新增发电装机容量5055万千瓦, 五年净增经营主体120.5万户):
# its figures are increases; 城镇新增就业 names a measure
_NEW_ADDED = re.compile(r"(?:全年|今年|明年|去年|当年|本年|年内|[一二三四五两\d]年|累计|共|争取|力争|计划|预计|其中|同时|并|还|"
                        r"(?:19|20)\d\d年)*(新增|净增|新设|新培育|增加(?![到至了]))")
# a sentence that opens with a plan (拟发行长期建设国债800亿元，…，同时增加…100亿元): each figure of it
_PLANNED_SENTENCE = re.compile(r"\s*(?:(?:今年|明年|(?:19|20)\d\d年)[,，]?\s*)?(?:拟|计划|力争)")
# a stock stated as such (总量达474万户, 农村公路总里程12.96万公里): a level, not an increase
_STOCK = re.compile(r"总量|总数|总里程|总规模|保有量|余额|总装机")
_STOCK_END = re.compile(r"(?:总量|总数|总里程|总规模|保有量|余额|总装机(?:容量)?)(?:已?达到|已?达|为|突破|超过)?\s*$")
_CLAUSE = re.compile(r"[，,；;：:。！？]")

@dataclass
class FigureReading:
    period: Optional[str]          # "2025" or "2021-2025"
    period_start: Optional[int]
    period_end: Optional[int]
    role: str                      # result | target | baseline
    change: Optional[str]          # increase | decrease | None


def _number(word: str) -> Optional[int]:
    if word.isdigit():
        return int(word)
    value = parse_chinese_number(word)
    return int(value) if value else None


def read_figure(sentence: str, start: int, report_year: Optional[int], doc_type: Optional[str] = None,
                section_kind: Optional[str] = None, before_sentence: str = "",
                headings: tuple = (), leads: tuple = ()) -> FigureReading:
    """The period, role and change of the figure at ``start`` of ``sentence``, in a report
    about ``report_year`` (a 政府工作报告: its session year) of ``doc_type``, in a section of
    ``section_kind``. When the sentence states no period, the passage's text before it
    (``before_sentence``, nearest statement first) and then its ``headings`` (innermost
    first; a heading's first statement: “十四五”时期和2025年工作回顾 is the five years) do.
    Under a heading that names two periods (a plan and a year), ``leads``, the first sentences
    of the passages before it in its section (in order), decide first: the nearest one that
    opens with a period (五年来，…; 这是人民生活品质不断提高的五年。; 刚刚过去的2025年，…)."""
    sentence, before_sentence = digit_years(sentence), digit_years(before_sentence)
    headings = tuple(digit_years(h) for h in headings)
    leads = tuple(digit_years(t) for t in leads)
    before = sentence[:start]
    clause_at = max((m.end() for m in _CLAUSE.finditer(before)), default=0)
    clause = before[clause_at:]
    gwr = doc_type == "government_work_report"
    # the year reviewed: the year before a work report's session; the year a report covers
    reviewed = (report_year - 1 if gwr else report_year) if report_year else None
    ahead = report_year if report_year else None          # 今年 in a work report: its session year
    planning = section_kind == "plans" or any(_plans_heading(h, report_year, gwr) for h in headings)

    after = sentence[start:]
    role = "result"
    # a target by what its clause says (预期, 力争, 到2030年) or by where it stands (a plans
    # section, a list of targets, 左右 in a work report): the latter not for a period past
    context_target = False
    # ... by words near it (a list of targets, 左右), not only by the section it stands in
    worded = bool(_TARGET_LIST.search(before) or (gwr and _TARGET_LIST.search(before_sentence[-200:]))
                  or (gwr and _AROUND.match(_skip_figure(after))))
    if _BASELINE.search(before) and _TO_AFTER.match(after) is not None:
        role = "baseline"
    elif (_TARGET.search(clause) and not (_SECURED.search(clause) and not _TARGET.search(_SECURED.sub("", clause))
                                          and not planning and not _THIS_YEAR.search(clause))) \
            or _HORIZON.search(before) or _TARGET_AHEAD.search(clause) \
            or (_CONTINUES.match(clause) and _TARGET.search(_previous_clause(before, clause_at))) \
            or _PLANNED_SENTENCE.match(sentence):
        role = "target"
    elif planning or _TARGET_LIST.search(before) or (gwr and _TARGET_LIST.search(before_sentence[-200:])):
        role, context_target = "target", True
    elif gwr and _THIS_YEAR.search(clause) and "全年" not in clause:
        role = "target"                                   # a work report's 今年: this year's plan
    elif gwr and _AROUND.match(_skip_figure(after)):
        role, context_target = "target", True

    change = None
    verbs = list(_CHANGE_VERB.finditer(before[clause_at:]))
    if verbs:
        verb = verbs[-1]
        between = before[clause_at + verb.end():]
        if verb.group(0) in _RATE_NOUN:
            between = _RATE_HELD.sub("", between, count=1) if _RATE_HELD.match(between) else between
        if _CHANGE_LIST.fullmatch(between) and not re.match(r"\s*(?:到|至)", between):
            change = "increase" if verb.group(1) else "decrease"
    added = _NEW_ADDED.match(clause)
    if change is None and added and not _CHANGE_VERB.search(clause, added.end()) \
            and not _STOCK.search(clause, added.end()):
        change = "increase"

    start_year = end_year = None
    # the nearest statement of time before the figure, in its sentence (its clause first)
    multi = bool(_MULTI_YEAR.search(before))
    # a clause before it or an earlier sentence: only a statement that opens a clause (去年，…;
    # 2025年全省…) is about what follows; 创近10年新高, 连续六年获… are their own clause's
    # a figure its clause says is over several years (五年为8960亿元, 年均增长5.4%) takes the
    # nearest period of several years, a single year only when none is stated
    spanning = bool(_SPAN.search(clause))
    # ... and a change from one level to another (从7248亿元提高到8865亿元) is over several years
    # when a heading names a plan and a year
    several = bool(_SPAN.search(before)) or role == "baseline" or _FROM_TO.search(clause) is not None \
        or bool(_SUMMED.search(clause))
    single = None
    in_sentence = False                   # the period is stated in the figure's sentence
    stated = False                        # ... or by a passage leading its section, or a review heading
    compared_in = before          # where a year compared with (比1980年增长) is read
    for text, opening in ((clause, False), (before, True), (before_sentence, True)):
        found = _period_in(text, reviewed, ahead, gwr, opening=opening)
        if found and spanning and found[0] == found[1] and text is not clause:
            single = single or found
        elif found:
            start_year, end_year = found
            in_sentence = text is not before_sentence
            if not in_sentence:
                # 1992年同1987年相比，钢产量增长…；发电装机增长百分之四十六: the statement of
                # several sentences (parted by ；) that gave the period also gives its base
                compared_in = text[text.rfind("。") + 1:] + before
            break
    else:
        # a section that reviews a plan's years and the last one together: the passages
        # before the figure's say which (五年来，…), the nearest first
        if leads and any(_two_periods(h, reviewed, ahead, gwr) for h in headings):
            for lead in reversed(leads):
                found = _period_in(lead, reviewed, ahead, gwr, opening=True)
                if found and spanning and found[0] == found[1]:
                    break                 # 年均增长5.4% after 2025年，…: the heading's plan
                if found:
                    start_year, end_year = found
                    stated = True
                    break
    if start_year is None:
        for heading in reversed(headings):
            # a heading about a year and a plan (“十四五”时期和2025年工作回顾): the plan's years
            # for a figure over several years (五年…, 年均增长5.4%), else the year (the
            # labelled audit: 2025 for most figures there)
            found = _period_in(heading, reviewed, ahead, gwr, first=multi, spans=several, heading=True)
            if found and single and found[0] == found[1]:
                continue
            if found and role == "target" and (worded or not context_target) and reviewed and found[1] <= reviewed:
                # a target (年均增长5%左右) under “十四五”时期发展成就和“十五五”时期主要目标任务: the plan ahead
                ahead_of = [_period_in(heading, reviewed, ahead, gwr, first=f, heading=True) for f in (True, False)]
                found = next((f for f in ahead_of if f and f[0] > reviewed), found)
            if found:
                start_year, end_year = found
                # “十四五”时期发展成就和“十五五”时期主要目标任务: its review's years are past
                stated = _REVIEW_HEADING.search(heading) is not None
                break
        else:
            if single:
                start_year, end_year = single
    item = clause[clause.rfind("、") + 1:]           # 累计净增…155万户、总量达474万户: the item's own words
    if start_year is not None and start_year != end_year and role != "baseline" \
            and (_LEVEL.search(clause) or _STOCK_END.search(item)) and "累计" not in item and not _HELD.search(item):
        start_year = end_year             # a level reached: where the period ends (提高到65%)
    elif start_year is not None and start_year != end_year and not in_sentence and "累计建成" in clause:
        # 累计建成高标准农田6281万亩 under a heading or passage about five years: a total since
        # whenever, where the period ends (过去五年…累计6900万人 sums the years it states)
        start_year = end_year
    if change and start_year is not None and start_year == end_year:
        compared = [int(m.group(1)) for m in _COMPARED_YEAR.finditer(compared_in)]
        if compared and compared[-1] < end_year - 1:
            start_year = compared[-1] + 1          # 1985年…，比1980年增长百分之四十: 1981-1985
    if role == "baseline" and start_year is not None and start_year != end_year:
        # 由52.23%提高到58.08% over "十四五" (2021-2025): the end of 2020; over 2020年到2025年: 2020
        explicit = _RANGE.search(before) is not None
        start_year = end_year = start_year if explicit else start_year - 1
    if context_target and (in_sentence or (stated and not worded)) and report_year \
            and end_year < (ahead if gwr else report_year):
        # 五年提高3.89个百分点 in a section on five years and the next, stated in its sentence or
        # by a heading that reviews them
        role = "result"
    if start_year is None:
        year = (ahead if (role == "target" or planning) and gwr else reviewed) if report_year else None
        start_year = end_year = year
    if role == "target" and start_year is None and ahead:
        start_year = end_year = ahead
    period = None
    if start_year is not None:
        period = str(start_year) if start_year == end_year else f"{start_year}-{end_year}"
    return FigureReading(period, start_year, end_year, role, change)


def names_two_periods(headings, report_year: Optional[int], doc_type: Optional[str] = None) -> bool:
    """Whether one of ``headings`` names two periods (“十四五”时期和2025年工作回顾), so that the
    passages before a figure's in its section say which of them it is about."""
    gwr = doc_type == "government_work_report"
    if not report_year:
        return False
    reviewed = report_year - 1 if gwr else report_year
    return any(_two_periods(digit_years(h), reviewed, report_year, gwr) for h in headings)


def _two_periods(heading: str, reviewed: Optional[int], ahead: Optional[int], gwr: bool) -> bool:
    """Whether ``heading`` names two periods reviewed (“十四五”时期和2025年工作回顾)."""
    first = _period_in(heading, reviewed, ahead, gwr, first=True, heading=True)
    last = _period_in(heading, reviewed, ahead, gwr, heading=True)
    # ... both reviewed: a heading on past years and years ahead (“十四五”时期发展成就和“十五五”
    # 时期主要目标任务) is split by what each figure's sentence says, not by a review's lead
    return first is not None and first != last and reviewed is not None and max(first[1], last[1]) <= reviewed


# a heading about the years ahead: 三、2026年工作安排, 关于今年工作, 明年工作打算, “十五五”时期主要目标任务
_TASK_HEADING = re.compile(r"工作|任务|安排|打算|目标|计划|部署")
_AHEAD_HEADING = re.compile(r"今年|明年|下一年|下一步")
_REVIEW_HEADING = re.compile(r"回顾|成就|成绩|完成情况|总结|进展|执行情况")


def _plans_heading(heading: str, report_year: Optional[int], gwr: bool) -> bool:
    """Whether ``heading`` is about the work of the years after the one reviewed (from a work
    report's session year, from the year after the one a report covers)."""
    if not report_year or _REVIEW_HEADING.search(heading) or not _TASK_HEADING.search(heading):
        return False
    found = _period_in(heading, report_year - 1 if gwr else report_year, report_year, gwr, first=True, heading=True)
    if found:
        return found[0] >= (report_year if gwr else report_year + 1)
    m = _AHEAD_HEADING.search(heading)
    return m is not None and (m.group(0) != "今年" or gwr)


def _previous_clause(before: str, clause_at: int) -> str:
    """The clause before the one starting at ``clause_at`` of ``before``."""
    head = before[:max(clause_at - 1, 0)]
    return head[max((m.end() for m in _CLAUSE.finditer(head)), default=0):]


def _skip_figure(text: str) -> str:
    """``text`` (from a figure on) without the figure itself."""
    m = re.match(r"[\d.,，万亿千百十零一二三四五六七八九两〇%％]*[^\d\s，,。；;、]{0,4}?(?=左右|[，,。；;、]|$)", text)
    return text[m.end():] if m else text


_OPENS = re.compile(r"[\s“\"”（(—]*(?:在|从|自|截至|截止|到|至|于|经过|其中|同时|此外|另外|而|但|全年)?[\s“\"]*$")


_ENDS = re.compile(r"[的年]?(?:底|末|初|里|中|内|以来|期间|时期|来|间)?[”\"]?\s*[，,：:]")


def _opens_clause(text: str, at: int, end: int) -> bool:
    """Whether the statement at ``at``…``end`` of ``text`` is about the clauses after it:
    it opens its clause (only a leading 在, 从, 截至 … before it: 2025年全省…) or ends a
    clause of time (在刚刚过去的1987年，…)."""
    lo = max((m.end() for m in _CLAUSE.finditer(text, 0, at)), default=0)
    lo = max(lo, text.rfind("\n", 0, at) + 1)
    return _OPENS.fullmatch(text, lo, at) is not None or _ENDS.match(text, end) is not None


_YEAR_LIST = re.compile(r"[、和及与至到]\s*(?:19|20)[0-9]{2}年")
_YEAR_LIST_END = re.compile(r"(?:19|20)[0-9]{2}年\s*[、和及与]\s*$")


def _period_in(text: str, reviewed: Optional[int], ahead: Optional[int], gwr: bool,
               first: bool = False, spans: Optional[bool] = None,
               opening: bool = False, heading: bool = False) -> Optional[tuple[int, int]]:
    """The last (with ``first``: the first) statement of a period in ``text``: (first year,
    last year), or None; ``spans`` True / False: of the statements that span several years /
    a single year, when there are any; ``opening``: only statements that open a clause;
    ``heading``: ``text`` is a heading, where a plan's name alone is its years (“十四五”发展成就)."""
    found: list[tuple[int, tuple[int, int], int]] = []     # (end position, period, start)
    ranges = []
    for m in _RANGE.finditer(text):
        ranges.append((m.start(), m.end()))
        a, b = int(m.group(1)), int(m.group(2))
        if a <= b:
            found.append((m.end(), (a, b), m.start()))
    for m in _HORIZON.finditer(text):
        found.append((m.end(), (int(m.group(1)), int(m.group(1))), m.start()))
    for m in _SINGLE.finditer(text):
        if _COMPARISON_BEFORE.search(text, max(0, m.start() - 4), m.start()) or _COMPARISON_AFTER.match(text, m.end()):
            continue                      # 是2010年的2.2倍, 比2020年增长, 在2019年基础上: the base compared with
        if not any(s <= m.start() < e for s, e in ranges):          # a year of a range is the range's
            found.append((m.end(), (int(m.group(1)), int(m.group(1))), m.start()))
    for m in _PLAN.finditer(text):
        if m.group(1) and not heading and not _PLAN_TIME.search(m.group(0)):
            continue                      # “十四五”圆满收官, “十五五”开局: the plan, not a period of figures
        name = m.group(1) or m.group(2) or (m.group(3) in _PLAN_ORDINAL and m.group(3) + "五")
        begin = _PLAN_START.get(name or "")
        if begin:
            if m.group(0).endswith("末") and _COMPARED.search(text, 0, m.start()):
                begin += 5            # 较“十三五”末改善16.5%: the change over the next plan's years
            found.append((m.end(), (begin, begin + 4), m.start()))
    for m in _PLAN_FIRST_YEARS.finditer(text):
        begin, n = _PLAN_START.get(m.group(1)), _number(m.group(2))
        if begin and n and n < 5:
            found.append((m.end(), (begin, begin + n - 1), m.start()))
    if reviewed:
        for m in _PAST_YEARS.finditer(text):
            if opening and m.group(0).startswith("连续"):
                continue                  # 连续16年位居全国首位: how long a state lasted, its clause's only
            n = _number(m.group(1) or m.group(2))
            if n and 1 < n <= 20:
                found.append((m.end(), (reviewed - n + 1, reviewed), m.start()))
        if heading:
            for m in _HEADING_YEARS.finditer(text):
                n = _number(m.group(1) or m.group(2))
                if n and 1 < n <= 20:
                    found.append((m.end(), (reviewed - n + 1, reviewed), m.start()))
            for m in _YEAR_AND_YEARS.finditer(text):
                found.append((m.start() + 4, (reviewed, reviewed), m.start()))
        for m in _THESE_YEARS.finditer(text):
            n = _number(m.group(1))
            if n and n <= 20:
                found.append((m.end(), (reviewed - n + 1, reviewed), m.start()))
        for m in _LAST_YEAR.finditer(text):
            if _COMPARISON_BEFORE.search(text, max(0, m.start() - 4), m.start()) or _COMPARISON_AFTER.match(text, m.end()):
                continue                  # 比上年增长5.2%, 与去年持平: the year compared with
            if m.group(0).startswith(("去年", "上年", "上一年")):
                found.append((m.end(), (reviewed if gwr else reviewed - 1,) * 2, m.start()))
    if ahead:
        for m in _THIS_YEAR.finditer(text):
            if m.group(0) in ("今年", "本年"):
                found.append((m.end(), (ahead if gwr else reviewed or ahead,) * 2, m.start()))
    if opening:
        # ... and not a list of years (2027年、2028年分别建成…): each item's own, not what follows
        found = [f for f in found if _opens_clause(text, f[2], f[0]) and not _YEAR_LIST.match(text, f[0])
                 and not _YEAR_LIST_END.search(text, 0, f[2])]
    if not found:
        return None
    if spans is not None:
        preferred = [f for f in found if (f[1][0] != f[1][1]) == spans]
        found = preferred or found
    return (min if first else max)(found, key=lambda f: f[0])[1]

