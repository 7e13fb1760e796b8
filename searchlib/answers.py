"""Answer tables: the figures the matching passages state about what the query asks.

A search ranks passages; an answer is the figures in them, one row per figure, with
its region, year, document, subject, value and unit, and the sentence it comes from.
This module turns the hits of a search (search.py) and the query's plan (query.py)
into those rows, and groups them by region, year or document.

Which figures of a passage answer the query (precision first: a table is read as fact):

* the concepts of the query (or their synonyms) are written in the figure's sentence
  since the figure before it, or in the figure's subject (受理行政复议案件126件);
* a figure that counts something it names itself, in a sentence whose concept belongs
  to an earlier figure, does not answer: "受理行政复议案件126件，行政诉讼案件300件"
  answers 行政复议 with 126件 only;
* concepts missing from the sentence may be in the passage's opening sentence when it
  states no number (一是健全两法衔接机制。全年受理12件), but a figure that names what it
  counts must name one of the query's concepts itself: in "（一）行政复议工作。…办理行政
  诉讼案件300件" the 300件 does not answer 行政复议;
* a figure with no subject of its own, only a verb (受理28件, 已审结25件), counts what
  the figure before it counts and answers as that one does.

Heading paths are not used: "（三）行政复议和应诉" heads figures of both.

Units: ``--unit`` takes a unit (件, 万元, 亩) or a class (count, money, area, people,
time, percent). Comparable units match each other: a count of cases in 件 also
matches 宗 and 起 (when the subject is about cases); 人 matches 名; money is stored in
元 whatever its scale; areas convert (亩, 公顷, 平方公里 → the unit asked for);
个工作日 and 工作日 are one unit. Unrelated units never merge (人次 is not 人).
"""
from __future__ import annotations

import re
from typing import Callable, Iterable, Optional

from .errors import QuerySyntaxError
from .figures import ends_with_measure
from .models import Figure, FigureRow, Hit
from .normalize import fold_traditional, normalize
from .analysis import dictionary_parts, segment
from .periods import names_two_periods, read_figure
from .query import QueryPlan, mentions
from .snippets import sentence_spans
from .vocabulary import (AREA, CONCENTRATION, COUNT, EVENT, LENGTH, MONEY, PEOPLE, PERCENT, RATIO, TIME, TURNOVER,
                         VOLUME, WEIGHT, base_unit, unit_kind)

GROUPINGS = ("region", "year", "period", "document")
ROLES = ("result", "target", "baseline")
UNIT_CLASSES = {"count": COUNT, "event": EVENT, "people": PEOPLE, "money": MONEY, "area": AREA, "length": LENGTH,
                "weight": WEIGHT, "volume": VOLUME, "turnover": TURNOVER, "time": TIME, "percent": PERCENT, "ratio": RATIO,
                "concentration": CONCENTRATION}
# units that count the same thing and so compare: value in the asked unit = value × factor
_AREA_M2 = {"平方米": 1.0, "亩": 10_000 / 15, "公顷": 10_000.0, "平方公里": 1_000_000.0}
_SAME = [{"人": 1.0, "名": 1.0}, {"个工作日": 1.0, "工作日": 1.0}, {"公里": 1.0, "千米": 1.0},
         {"公斤": 1.0, "千克": 1.0}, {"微克/立方米": 1.0, "微克每立方米": 1.0, "μg/m3": 1.0, "ug/m3": 1.0}]
# counters of cases: 件 宗 起 count the same cases (行政复议案件126件, 案件3宗, 事故2起)
_CASE_UNITS = {"件", "宗", "起"}
_CASE_SUBJECT = re.compile(r"案|纠纷|事故|事件|诉讼|复议|投诉|举报|信访")
_NOT_CASES = re.compile(r"文书|文件|材料|建议|提案|意见|制度|规定|办法|清单|事项")    # 公开复议决定文书30件
_CASE_WORDS = {"案件", "案件数", "案件数量", "案子", "案件量"}
_COUNTED = "\x00cases"          # marks a clause whose figure counts cases (see _counted)
# a measure word at the end of a concept that the figure's unit says by itself (进出口总额:
# 外贸进出口8500亿元, 进出口总值9356.7亿元; 粮食产量: 粮食总产量4564亿公斤): the concept's other words
# with a figure in that kind of unit name it. Each kind of unit marks its figures' clauses
# (see _counted) as the case counts do.
_MEASURE_UNITS = {
    MONEY: {"总额", "总值", "金额", "额", "贸易额", "贸易总额", "总金额", "资金"},
    WEIGHT: {"产量", "总产量", "年产量", "总量"},
    # a rate of change is a percentage (居民消费价格涨幅: 居民消费价格上涨2%)
    PERCENT: {"涨幅", "增幅", "增速", "增长率", "降幅", "上涨幅度", "增长幅度", "下降幅度"},
}
_MEASURED = {kind: f"\x00{kind}" for kind in _MEASURE_UNITS}
# adverbs before the verb of a short subject (已经审结, 共受理): not part of what is counted
_ADVERBS = re.compile(r"^(?:已经|已|共|累计|共计|其中|另|又|再|均|还)+")
# a short subject that says how the things the figure before it counts were handled or
# changed (受理28件, 办结120件, 增产3877万吨, 新开工630万套) or what measure of them it is
# (总量, 同口径): it counts the same things
_HANDLING = re.compile(r"^(?:已经|已|共|累计|共计|其中|另|又|再|均|还|全年|当年|同比|新|即|从|比|较|由)*"
                       r"(?:受理|办结|审结|办理|收到|收案|立案|结案|收|审理|处理|接待|化解|调解|查处|移送|"
                       r"完成|开展|增|减|提高|提升|下降|降低|上升|达到|实现|建成|建设|改造|发放|培训|帮扶|"
                       r"兑现|落实|支出|投入|安排|筹集|筹措|交付|开工|竣工|出台|制定|修订|审查|备案|纠错|"
                       r"提供|总|同口径|规模|数量|其|办|审|结|一)")
# the outcomes of cases (维持3件, 驳回3件): parts of a total, never the total asked for
_OUTCOMES = ("维持", "驳回", "撤销", "确认违法", "责令履行", "变更", "终止", "不予受理", "调解", "和解")
# a subject that names the asked measure only in part of a population (城镇居民人均可支配收入
# for 居民人均可支配收入) or as the base of a share (工业投资占固定资产投资比重): another measure
_PARTITION = ("城镇", "农村", "城市", "乡村", "农民", "城乡")
# a concept that is a measure (脱贫人口, 城镇化率, 粮食产量, 固定资产投资): followed in a subject
# by another measure (人均纯收入, 务工规模, 占比) it is what that measure is of, not the answer;
# what only restates it (总量, 增速, 年均增长率) is the same measure
# ... or in the units of one kind of ownership (全民所有制单位的固定资产投资, 国有企业营业收入)
_OWNERSHIP = re.compile(r"(?:全民所有制|集体所有制|国有|集体|私营|个体|外商投资|外资|港澳台)(?:经济|单位|企业|工业)?的?$")
# a kind of the asked total named before it (铁路货物周转量, 清洁能源发电装机, 民营经营主体,
# 新设经营主体 for 货物周转量, 发电装机, 经营主体): a part of it, or its flow of new entrants
_KIND_OF = re.compile(r"(?:铁路|公路|汽车|水运|水路|内河|沿海|海运|远洋|航空|民航|管道|轮驳船|"
                      r"清洁能源|可再生能源|非化石能源|新能源|火电|水电|风电|光伏|核电|煤电|"
                      r"民营|新设|新登记|新注册|"
                      # ... or of one sector (农业科技进步贡献率 for 科技进步贡献率, 工业用水量 for 用水量),
                      # or of a grade of it (高价值发明专利拥有量 for 发明专利拥有量)
                      r"农业|工业|高价值|高技术|高新技术|高端)的?$")
# a question that asks how many (经营主体 数量, 高新技术企业有多少家): a sum of money, a count of
# times (6.3万户次) or a rate that is no change (“无事不扰”率达99.11%) is another measure
_ASKS_COUNT = re.compile(r"数量|个数|总数|多少(?:个|家|户|所|座)")
_MEASURES = ("人口", "人数", "率", "量", "额", "总值", "收入", "产量", "面积", "规模", "指数", "比重", "强度",
             "浓度", "投资", "支出", "数", "单产")
_PER_PERSON = re.compile(r"人均|每人|平均每个?人|每个人")
_SAME_MEASURE = re.compile(r"总量|总额|总数|总计|合计|累计|增速|增幅|增长率|增量|平均值|均值|年均|同比")
_OTHER_MEASURE = re.compile(r"人均|收入|规模|面积|比重|占比|比例|人数|户数|个数|产值|增加值|密度|能耗|之比|强度|"
                            r"协议|合同|"     # 外商直接投资协议金额: contracted, not the investment made
                            r"工程|行动|项目")  # 粮食单产提升工程600万亩: a programme's size, not the measure
# a share asked (服务业增加值 比重, 占GDP比重): a figure whose clause names no share is a growth rate
# or an amount of the thing, not its share
_SHARE = re.compile(r"比重|占比|比例|份额")
_SHARE_SAID = re.compile(r"比重|占比|比例|份额|占")


# --------------------------------------------------------------------------- units

# a unit read as the first part of a compound one (一千二百一十亿吨|公里 in an index built
# before 吨公里 was a unit): the compound, as written
_COMPOUND_UNITS = {"吨": ("吨公里", "吨海里"), "人": ("人公里",)}


def _as_written(text: str, f: Figure) -> Figure:
    """``f`` in the compound unit its passage writes (吨 followed by 公里 is 吨公里)."""
    for compound in _COMPOUND_UNITS.get(f.unit, ()):
        if text.startswith(compound[len(f.unit):], f.end):
            return Figure(value=f.value, unit=compound, text=f.text, subject=f.subject, start=f.start, end=f.end)
    return f


def unit_converter(unit: Optional[str]) -> Callable[[Figure], Optional[tuple[float, str]]]:
    """For ``--unit``: a function giving a figure's (value, unit) in the asked unit, or
    None when the figure is in another unit. QuerySyntaxError for an unknown unit."""
    if not unit:
        return lambda f: (f.value, f.unit)
    unit = normalize(unit).strip()
    if unit.lower() in UNIT_CLASSES:
        kind = UNIT_CLASSES[unit.lower()]
        return lambda f: (f.value, f.unit) if unit_kind(f.unit) == kind else None
    base = base_unit(unit)
    if base is None:
        raise QuerySyntaxError(f"unknown unit {unit!r} (a unit such as 件, 人, 万元, 亩, %, or a class: "
                               f"{', '.join(UNIT_CLASSES)})")
    asked, scale = base
    if asked in _AREA_M2:
        to_m2 = _AREA_M2[asked] * scale

        def area(f: Figure):
            return (f.value * _AREA_M2[f.unit] / to_m2, unit) if f.unit in _AREA_M2 else None
        return area
    same = next((s for s in _SAME if asked in s), {asked: 1.0})

    def convert(f: Figure):
        if f.unit in same:
            return f.value * same[f.unit] / scale, unit
        if asked in _CASE_UNITS and f.unit in _CASE_UNITS and _CASE_SUBJECT.search(fold_traditional(f.subject or "")):
            return f.value / scale, unit
        return None
    return convert


# --------------------------------------------------------------------------- concepts

_RANGE_WORDS = re.compile(r"(?:以上|以下|以内|左右|多|余)+")


def _past_range(text: str, at: int) -> int:
    """Where what a figure counts starts when it is written after it: past 以上, 左右 …
    (1000万以上|农村贫困人口)."""
    m = _RANGE_WORDS.match(text, at)
    return m.end() if m else at


def _covered(text: str, groups) -> set[int]:
    """The concepts (indexes into ``groups``) that ``text`` names."""
    return {i for i, g in enumerate(groups) if mentions(text, g)}


def _counted(text: str, f: Figure) -> str:
    """``text`` (what a figure's clause says it counts), marked as a count of cases when
    the figure is one (件/起/宗 of something that is a case: 复议申请292件)."""
    if f.unit in _CASE_UNITS and _CASE_SUBJECT.search(text) and not _NOT_CASES.search(f.subject or text):
        return text + " " + _COUNTED
    kind = unit_kind(f.unit)
    if kind == PERCENT and _CHANGE_TAIL.search(text + " "):
        # a change in percent of a measured total is a figure of that measure (原煤增长百分之
        # 四点六 for 原煤产量, 进出口增长5% for 进出口总额)
        return text + " " + " ".join(_MEASURED[k] for k in (PERCENT, MONEY, WEIGHT))
    if kind in _MEASURED:
        return text + " " + _MEASURED[kind]
    return text


# a verb of change right before the figure (the end of the text before it; a space follows it
# when the figure's subject is appended)
_CHANGE_TAIL = re.compile(r"(?:增长|下降|增加|减少|提高|降低|上升|上涨|回落)了?\s")


def _measured_topic(tokens: list[str]) -> list[tuple[str, list[str]]]:
    """(kind of unit, the other words) of a concept's tokens that end with a measure word
    that kind of unit says (进出口|总额, 固定资产|投资总额 → 固定资产 投资, 粮食|产量)."""
    out = []
    last = tokens[-1] if tokens else ""
    for kind, words in _MEASURE_UNITS.items():
        word = max((w for w in words if last.endswith(w)), key=len, default=None)
        if word is None:
            continue
        topic = tokens[:-1] + ([last[:-len(word)]] if len(last) > len(word) else [])
        if len("".join(topic)) >= 2:
            out.append((kind, topic))
    return out


def _heads(groups) -> set[str]:
    """The head words of the concepts' forms: the last dictionary word of each (复议 of
    行政复议, 衔接 of 两法衔接); a figure whose subject has one names the concept's kind of
    thing (办理复议案件 for 行政复议, not 行政诉讼案件)."""
    heads = set()
    for group in groups:
        for whole, tokens in group:
            last = tokens[-1] if tokens else whole
            heads.update(p for p in dictionary_parts(last) if len(p) >= 2 and p != last and last.endswith(p))
            heads.add(last)
    return heads


def _answering(text: str, figures: list[Figure], groups, asked_units=frozenset(),
               heads=frozenset()) -> list[tuple[Figure, int, int]]:
    """(figure, sentence start, sentence end) of the figures in ``text`` that answer the
    concepts ``groups`` (see the module's docstring for the rules); ``asked_units``: the
    units a quantity word of the query asks for (两法衔接 时限: 天, 个工作日 …). The
    concepts are in their matching form (simplified characters): so is the text they are
    looked for in (folding keeps offsets), and each subject."""
    lowered = fold_traditional(text).lower()
    everything = set(range(len(groups)))
    spans = sentence_spans(text)

    def numberless(lo: int, hi: int) -> bool:       # a topic: states no number
        return not any(c.isdigit() for c in text[lo:hi]) and not any(lo <= f.start < hi for f in figures)
    opening = set()
    if spans and numberless(*spans[0]):
        opening = _covered(lowered[spans[0][0]:spans[0][1]], groups)
    out = []
    for k, (s, e) in enumerate(spans):
        figs = [f for f in figures if s <= f.start < e]
        answered = False
        prev_end = s
        said: dict = {}           # subject → whether the first figure of it answers
        for f in figs:
            subject = fold_traditional(f.subject or "").lower()
            listed = _listed_at(lowered, s, f.start)
            members = [g for g in figs if g.subject and _listed_at(lowered, s, g.start) == listed] \
                if listed is not None and subject else []
            covers = [_covered(fold_traditional(g.subject).lower(), groups) for g in members]
            if len(members) >= 2 and any(covers):
                # a list with 分别 (新能源汽车、智能家电、智能手机零售额分别增长8.7%、31.5%和32.3%), its
                # values' subjects its items: each figure is its own item's, whatever else the
                # clause names. The text before the list is shared, and so is what only the last
                # item's subject names (its measure word: 化学需氧量、二氧化硫排放量分别下降12.45%、
                # 14.29%: 排放 is both items')
                # (an index built before figures.py wrote each item in full; now 二氧化硫排放量,
                # 化学需氧量排放量 each say it, and nothing is shared)
                shared = covers[-1] - set().union(*covers[:-1]) \
                    if not any(ends_with_measure(g.subject) for g in members[:-1]) else set()
                got = _covered(_counted(subject, f), groups)
                answered = bool(got) and got | shared | _covered(lowered[s:listed], groups) \
                    | (opening if k else set()) == everything
                prev_end = f.end
                said.setdefault(f.subject, answered)
                if answered:
                    out.append((f, s, e))
                continue
            if len(members) >= 2 and len({g.subject for g in members}) == len(members) and all(
                    ends_with_measure(g.subject) or g.subject.endswith("率") for g in members[:-1]):
                # a list with 分别 of measures each named in full, none of them a concept whole
                # (农村供电可靠率、自来水普及率分别达99.9%、94.5%, for 农村自来水普及率): a figure is
                # its item's, and an item without the concept's measure word that the list names
                # (普及率) is another measure, whatever the other items say. (Not where the items
                # share the last one's measure word: 农村自来水、卫生户厕普及率分别提升至97.2%、99.8%.)
                measure = {t[-1] for g in groups for _, t in g if len(t) > 1 and len(t[-1]) >= 2
                           and t[-1] in lowered[s:f.start]}
                if measure and not any(m in subject for m in measure):
                    continue
            # 行政诉讼案件, not 受理 / 已审结 / 纠错; or what is written right after it, however
            # short (7517台执法记录设备, 两个闸门, 832个贫困县): that is what it counts
            after = len(subject) >= 2 and lowered.startswith(subject, f.end) or \
                len(subject) >= 4 and lowered.startswith(subject, _past_range(lowered, f.end))
            # (a short subject that is itself a concept asked, 发电量达2900亿千瓦时, is its own too)
            own = len(_ADVERBS.sub("", subject)) >= 4 or after or _covered(subject, groups) == everything
            clause = max(prev_end, _clause_start(lowered, s, f.start))
            own = own and (after or subject in lowered[clause:f.start])
            if not own and f.subject in said:
                # its subject restated from a figure before it in the sentence (城镇居民人均可支配收入
                # 15781元，农村居民人均纯收入4761元，实际增长8.4%和8%: figures.py gave 8.4% its
                # counterpart's subject): it answers as that figure does
                answered = said[f.subject]
            elif own:
                # it counts what it names: the concepts in its clause or its subject, or
                # in a clause before it that states no number (两法衔接工作扎实推进，移送
                # 涉嫌犯罪案件30件); "受理行政复议案件126件，行政诉讼案件300件": 300件
                # does not answer 行政复议; the items of a list it counts (人工智能、新能源汽车
                # 等4个产业) are not what it counts
                named_before = lowered[clause:f.start]
                if after:         # ... nor the item before it (551万贫困人口全部脱贫、52个贫困县)
                    named_before = "" if named_before.rstrip().endswith("等") else named_before.rpartition("、")[2]
                got = _covered(_counted(named_before + " " + subject, f), groups)
                prev_clause = _clause_start(lowered, s, clause - 1) if clause > s else clause
                # ... when that clause opens the sentence (its topic): one action in a list of
                # them (加强高标准农田建设，增加深松土地1.5亿亩) is not what the next one counts;
                # and not to a thing written after the figure that names none of them (针对固定
                # 资产投资增长过快的问题，严把两个闸门)
                topical = not after or bool(got) or any(h in subject for h in heads)
                if topical and clause > prev_end and prev_clause == s and numberless(prev_clause, clause):
                    got |= _covered(lowered[prev_clause:clause], groups)
                # the opening sentence may add the other concepts once the figure names one
                # (or its head word), or the query asks for its unit (两法衔接 时限:
                # 办理时限5个工作日); （一）行政复议工作。…办理行政诉讼案件300件 names none
                named = bool(got) or f.unit in asked_units or any(h in subject for h in heads)
                answered = got == everything or named and got | (opening if k else set()) == everything
                if "其中" in lowered[s:f.start] and got != everything:
                    # a part of a total (其中，行政确认案件1件): only when it names the concepts itself
                    answered = False
                elif _outcome(subject, groups):
                    answered = False      # 因当事人撤回复议申请终止审理4件: an outcome, a part of the total
            elif f is figs[0]:
                # no subject of its own: the sentence before it names the concepts, or the
                # passage's opening sentence does (一是健全两法衔接机制。全年受理12件)
                answered = _covered(_counted(lowered[s:f.start], f), groups) | (opening if k else set()) == everything
            elif _another_thing(subject, groups):
                # a short subject of its own that is another thing (建制镇, 大模型, 闸门) or an
                # outcome (维持3件, 驳回3件: a part of the total): not what the figure before counts
                answered = False
            # else: no subject of its own, only a verb (受理28件, 办结120件): it counts what
            # the figure before it counts, and answers as that one does
            prev_end = f.end
            if len(subject) >= 4:
                said.setdefault(f.subject, answered)
            if answered:
                out.append((f, s, e))
    return out


_OUTCOME_END = re.compile("(?:" + "|".join(_OUTCOMES) + r")(?:审理|处理|办理|结案)?$")


def _outcome(subject: str, groups) -> bool:
    """Whether a subject of its own ends in an outcome of cases (…终止审理, …驳回) that is
    not itself one of the query's concepts (调解 for 人民调解)."""
    m = _OUTCOME_END.search(subject)
    return m is not None and not _covered(m.group(0), groups)


_RUN_GAP = re.compile(r"(?:左右|以上|以内|以下|多|余)?[、和及与]{1,2}")
_ITEMS = re.compile(r"、|和|及|与")


def _parallel_item(lowered: str, lo: int, figures: list[Figure], f: Figure) -> Optional[str]:
    """The item of a list without 分别 that figure ``f`` belongs to: in "A和B实际增长8.4%和
    11.4%" 8.4% is A's and 11.4% B's (the i-th value of a run of values joined by 和/、 is the
    i-th item of as many before it in the clause); None when ``f`` is not in such a run."""
    at = figures.index(f) if f in figures else -1
    if at < 0:
        return None
    first = last = at
    while first > 0 and _RUN_GAP.fullmatch(lowered, figures[first - 1].end, figures[first].start) \
            and figures[first - 1].unit == f.unit:
        first -= 1
    while last + 1 < len(figures) and _RUN_GAP.fullmatch(lowered, figures[last].end, figures[last + 1].start) \
            and figures[last + 1].unit == f.unit:
        last += 1
    if last == first:
        return None
    start = figures[first].start
    clause = lowered[_clause_start(lowered, lo, start):start]
    if "分别" in clause:
        return None
    items = _ITEMS.split(clause)
    if len(items) != last - first + 1 or any(len(x) < 2 for x in items):
        return None
    return items[at - first]


def _listed_at(text: str, lo: int, pos: int) -> Optional[int]:
    """Where the list holding the figure at ``pos`` starts, when the figure is one of the
    values of a 分别 list in its clause (…、…分别增长8.7%、31.5%和32.3%); None otherwise."""
    at = text.rfind("分别", lo, pos)
    if at < 0 or any(c in "，,；;。：:" for c in text[at:pos]):
        return None
    return _clause_start(text, lo, at)


def _clause_start(text: str, lo: int, pos: int) -> int:
    """Where the clause holding ``pos`` starts (after the last comma, semicolon or colon
    between ``lo`` and ``pos``)."""
    for i in range(pos - 1, lo - 1, -1):
        if text[i] in ",;:，；：":
            return i + 1
    return lo


def _another_thing(subject: str, groups) -> bool:
    """Whether a short subject (not one of its own by length) names another thing than the
    query's concepts: not a verb of handling or change, no concept, no two characters in a
    row of one (预算收入 of 一般公共预算收入 is the concept's)."""
    bare = _ADVERBS.sub("", subject)
    if len(bare) < 2 or _covered(subject, groups):
        return False
    if bare.startswith(_OUTCOMES):
        return True
    if _HANDLING.match(bare):
        return False
    forms = [form for g in groups for form, _ in g if form]
    return not any(bare[i:i + 2] in form for form in forms for i in range(len(bare) - 1))


def _share_of(clause: str, concepts: list[str]) -> bool:
    """Whether a figure's clause makes it a share of one of the ``concepts`` (X占固定资产投资
    的20%): the concept is the base after 占, and not itself a share."""
    for c in concepts:
        at = clause.find(c)
        if any(w in c for w in ("比重", "占比", "比例")):
            continue
        if at > 0 and "占" in clause[:at]:
            return True
        if at >= 0 and re.match(r"(?:中|里)?(?:的|所占)?(?:比重|占比|比例)", clause[at + len(c):]):
            return True           # 服务业在国内生产总值中的比重: a share of it
    return False


def _inside_a_word(subject: str, concept: str) -> bool:
    """Whether every occurrence of ``concept`` in ``subject`` starts inside a longer word of
    it (出口总额 in 进出口总额, 公路 in 高速公路): the subject names another measure."""
    starts = [i for i in range(len(subject)) if subject.startswith(concept, i)]
    words = [(s, e) for _, s, e, main in segment(subject) if main]
    return bool(starts) and all(any(s < i < e for s, e in words) for i in starts)


def _whole_item(subject: str, concepts: list[str]) -> bool:
    """Whether a list item's subject, written in full by figures.py, is one of the query's
    ``concepts`` (as typed) and nothing else (城镇居民人均可支配收入 of 城镇居民人均可支配收入和农村居民人均纯收入
    分别…): the list's other items are other measures, not a partition of it."""
    subject = fold_traditional(subject).lower()
    return any(subject == c or subject.endswith(c) and len(subject) - len(c) <= 2 for c in concepts)


def _other_measure(subject: str, concepts: list[str]) -> bool:
    """Whether a figure's subject names one of the query's ``concepts`` (as typed) only as
    part of another measure: a part of a population the query does not name (城镇居民人均可
    支配收入, 城乡居民…分别 for 居民人均可支配收入), the base of a share (工业投资占固定资
    产投资比重 for 固定资产投资), or, when the concept is itself a measure (脱贫人口, 城镇化率,
    粮食产量), the measure of something it qualifies (脱贫人口人均纯收入, 脱贫人口务工规模);
    an amount per person (平均每人占有粮食近八百斤) for a query that asks no such thing."""
    if _PER_PERSON.search(subject) and not any(_PER_PERSON.search(c) for c in concepts):
        return True
    for c in concepts:
        at = subject.find(c)
        if at < 0:
            continue
        if _inside_a_word(subject, c):
            return True           # 出口总额 in 进出口总额: a longer measure that merely contains it
        if "占" in subject[:at] and not any(w in c for w in ("比重", "占比", "比例")):
            return True
        before = subject[:at]
        if before.endswith(_PARTITION) and c.startswith(("居民", "人均", "人口")):
            return True
        if _OWNERSHIP.search(before) and not any(o in before for o in concepts):
            return True           # 全民所有制单位的固定资产投资: the units of one kind of ownership
        if _KIND_OF.search(before) and not any(o in before for o in concepts):
            return True           # 铁路货物周转量, 可再生能源发电装机: one kind of the total asked
        if c.endswith(_MEASURES) and _OTHER_MEASURE.search(_SAME_MEASURE.sub("", subject[at + len(c):])):
            return True
    return False


def _kind_in_clause(lowered: str, lo: int, f: Figure, concepts: list[str]) -> bool:
    """Whether a figure whose subject does not name the query's ``concepts`` follows, in its
    sentence (from ``lo``), a concept named as one kind of the total asked (铁路货物周转量将
    达到…亿吨公里，即比一九五二年增长一倍: the 一倍 is the railways')."""
    subject = fold_traditional(f.subject or "").lower()
    if any(c in subject for c in concepts):
        return False
    best = None
    for c in concepts:
        at = lowered.rfind(c, lo, f.start)
        if at >= 0 and (best is None or at > best[0]):
            best = (at, c)
    if best is None:
        return False
    at, c = best
    before = lowered[_clause_start(lowered, lo, at):at]
    return _KIND_OF.search(before) is not None and not any(o in before for o in concepts)


def answer_rows(hits: Iterable[Hit], plan: QueryPlan, unit: Optional[str] = None,
                leads: Optional[Callable[[Hit], tuple]] = None) -> list[FigureRow]:
    """The figures of ``hits`` (in their order) that answer ``plan``'s concepts, in ``unit``.
    ``leads(hit)``: the first sentences of the passages before ``hit``'s in its section,
    asked for only under a heading that names two periods (“十四五”时期和2025年工作回顾)."""
    groups = alternatives = plan.alternatives()
    # each concept's own forms (itself, its synonyms), not the related measures it also finds
    # (a => b^w): a row that names only those is marked (``measure`` "related")
    related = {fold_traditional(r).lower() for r in plan.related}
    own_forms = [[(w, t) for w, t in g if w not in related] for g in alternatives]
    # 案件 in 行政复议 案件 is what the figure counts: a count of cases (收到行政复议申请292件)
    # names it by its unit
    groups = [g + [(_COUNTED, [_COUNTED])] if any(w in _CASE_WORDS for w, _ in g) else g for g in groups]
    # ... and so it is in 行政复议案件: 行政复议 with a count of cases
    groups = [g + [("", t[:-1] + [_COUNTED]) for _, t in g if len(t) > 1 and t[-1] in _CASE_WORDS] for g in groups]
    # ... and 进出口总额 is 进出口 with a sum of money, 粮食产量 粮食 with a weight
    topics = [[(kind, topic) for _, t in g for kind, topic in _measured_topic(t)] for g in groups]
    groups = [g + [("", topic + [_MEASURED[kind]]) for kind, topic in m] for g, m in zip(groups, topics)]
    convert = unit_converter(unit)
    typed = [fold_traditional(c).lower() for c in plan.concepts if len(c) >= 3]
    # ... and what a measure word leaves of them (国内生产总值 of GDP增速): another measure of it
    # (单位国内生产总值能耗, 占国内生产总值比重) is not it either
    measured = typed + [w for w in dict.fromkeys("".join(topic) for m in topics for _, topic in m)
                        if len(w) >= 3 and w not in typed]
    heads = _heads(groups)
    wanted_units = set(plan.units) if not unit else set()    # 行政复议 人数: figures in people units
    asks_count = not unit and _ASKS_COUNT.search(plan.text or "") is not None
    # a rate of change asked (居民消费价格涨幅, GDP增速): percentages and multiples only
    asks_rate = not unit and any(c.endswith(tuple(_MEASURE_UNITS[PERCENT])) for c in typed)
    asks_share = not unit and _SHARE.search(fold_traditional(plan.text or "")) is not None
    # the concepts that are measures, split into topic and measure word (社会融资|规模, 粮食|产量):
    # a figure with a subject of its own that names no concept, no topic and no measure of
    # them (广义货币增长目标, 资本市场融资 after 保持合理的社会融资规模，) counts another measure
    split = [(c[:-len(m)], m) for c in typed for m in _MEASURES if c.endswith(m)] \
        if typed and all(c.endswith(_MEASURES) for c in typed) else []
    measure_words = {w for t, m in split for w in (t, m) if len(w) >= 2} | \
        {"".join(topic) for m in topics for _, topic in m} if split else set()
    rows, seen = [], set()
    for hit in hits:
        if not hit.figures:
            continue
        text = hit.text
        lowered = None
        hit_leads = None
        for f, s, e in _answering(text, hit.figures, groups, wanted_units, heads):
            f = _as_written(text, f)
            if wanted_units and f.unit not in wanted_units:
                continue
            converted = convert(f)
            if converted is None:
                continue
            lowered = lowered or fold_traditional(text).lower()
            # in a list without 分别 (A和B实际增长8.4%和11.4%) each value is its item's: 11.4% is B's
            item = _parallel_item(lowered, s, hit.figures, f)
            if item is not None:
                if not _covered(item, groups) or _other_measure(item, measured):
                    continue
            elif f.subject and _other_measure(fold_traditional(f.subject).lower(), measured):
                continue
            elif _kind_in_clause(lowered, s, f, typed):
                continue          # 铁路货物周转量将达到…，即比一九五二年增长一倍: the kind the clause names
            listed = _listed_at(lowered, s, f.start)
            if listed is not None and item is None and not (f.subject and _whole_item(f.subject, measured)) \
                    and _other_measure(lowered[listed:lowered.rfind("分别", s, f.start)], measured):
                continue          # 城镇居民、农村居民人均可支配收入分别增长4.5%、5.7%: each item a part
            clause_text = lowered[_clause_start(lowered, s, f.start):f.start]
            if _share_of(clause_text, measured):
                continue          # 这方面的投资占整个固定资产投资的百分之二十: a share of it
            subject = fold_traditional(f.subject or "").lower()
            if asks_share and not _SHARE_SAID.search(clause_text + subject):
                continue          # 服务业增加值增长5.8% for 服务业增加值 比重: a growth rate
            if measure_words and len(_ADVERBS.sub("", subject)) >= 4 and not _covered(subject, groups) \
                    and not _covered(clause_text, groups) and not any(m in subject for m in measure_words):
                continue          # 保持合理的社会融资规模，广义货币增长目标为16%: another measure
            if hit_leads is None:
                hit_leads = tuple(leads(hit)) if leads is not None and \
                    names_two_periods(hit.heading_path, hit.year, hit.doc_type) else ()
            reading = read_figure(text[s:e], f.start - s, hit.year, hit.doc_type, hit.section_kind,
                                  before_sentence=text[:s], headings=tuple(hit.heading_path), leads=hit_leads)
            if asks_rate and unit_kind(f.unit) not in (PERCENT, RATIO):
                continue          # 国内生产总值增长6.6%，总量突破90万亿元: the total is not the rate
            if asks_count and (unit_kind(f.unit) in (MONEY, EVENT)
                               or (unit_kind(f.unit) == PERCENT and reading.change is None)):
                continue          # 经营主体 数量: not 为经营主体减轻税费负担4900亿元, 惠及经营主体6.3万户次
            sentence = text[s:e].strip()
            key = (hit.doc_id, f.text, f.subject, sentence)
            if key in seen:               # the same sentence twice in one report
                continue
            seen.add(key)
            value, unit_ = converted
            rows.append(FigureRow(
                region=hit.region, region_code=hit.region_code, year=hit.year, title=hit.title,
                doc_id=hit.doc_id, passage_id=hit.passage_id, subject=f.subject, value=_tidy(value),
                unit=unit_, text=f.text, sentence=sentence, published=hit.published,
                doc_type=hit.doc_type, heading_path=list(hit.heading_path), section_kind=hit.section_kind,
                period=reading.period, period_start=reading.period_start, period_end=reading.period_end,
                role=reading.role, change=reading.change,
                measure="related" if related and _names_related_only(
                    fold_traditional(f.subject).lower() if f.subject
                    else lowered[_clause_start(lowered, s, f.start):f.end], alternatives, own_forms) else "asked"))
    return rows


def _names_related_only(text: str, groups, own_forms) -> bool:
    """Whether ``text`` (a figure's subject, else its clause) names a concept only by a related
    measure (a form ``own_forms`` lacks): 城镇居民人均生活费收入 for 城镇居民人均可支配收入."""
    return any(len(own) < len(g) and mentions(text, g) and not mentions(text, own)
               for g, own in zip(groups, own_forms))


def _tidy(value: float) -> float:
    """12000.0 stays a float but 1666.6666666 becomes 1666.67 (a converted area); below 1,
    four significant digits (36件 in 万件 is 0.0036, 2万元 in 亿元 0.0002, never 0)."""
    if value == int(value):
        return float(value)
    return round(value, 2) if abs(value) >= 1 else float(f"{value:.4g}")


def group_rows(rows: list[FigureRow], by: Optional[str]) -> list[dict]:
    """Rows grouped: ``region`` (regions by code; each region's latest report first),
    ``year`` or ``period`` (a time series by the period each figure describes, oldest first,
    a multi-year period apart from the years in it; within a period by region; ``year`` is
    kept as a name for it) or ``document`` (documents in the order of their best figure)."""
    if not by:
        return []
    if by not in GROUPINGS:
        raise QuerySyntaxError(f"cannot group by {by!r} (one of: {', '.join(GROUPINGS)})")
    rank = {id(r): i for i, r in enumerate(rows)}
    groups: dict = {}
    for r in rows:
        if by == "region":
            key = r.region or "(no region)"
        elif by in ("year", "period"):
            key = r.period
        else:
            key = r.doc_id
        groups.setdefault(key, []).append(r)
    if by == "region":
        order = sorted(groups, key=lambda k: (groups[k][0].region_code or "999999", str(k)))
        for k in order:
            groups[k].sort(key=lambda r: (-(r.year or 0), r.published or "", rank[id(r)]))
    elif by in ("year", "period"):
        def when(k):
            if k is None:
                return (1, 0, 0)
            first, _, last = k.partition("-")
            return (0, int(first), int(last or first))
        order = sorted(groups, key=when)
        for k in order:
            groups[k].sort(key=lambda r: (r.region_code or "999999", rank[id(r)]))
    else:
        order = list(groups)
    out = []
    for k in order:
        first = groups[k][0]
        key = k if by != "document" else first.title
        out.append({"key": key, "rows": groups[k]} if by != "document" else
                   {"key": key, "doc_id": k, "rows": groups[k]})
    return out
