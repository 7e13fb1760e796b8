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
  about (a plans section: the report's session year; otherwise the year reviewed).
* role: ``baseline`` for X in 从/由 X 提高/增长/下降 到 Y; ``target`` when the clause plans
  (预期, 目标, 力争, 确保, 到…年, 左右, 以上 in plans) or the section is a plans section;
  otherwise ``result``.
* change: ``increase`` or ``decrease`` when a verb of change (增长, 提高, 下降, 减少 …) stands
  just before the figure (比上年增长5.2%, 下降3.1%); None for a level (粮食产量1.3万亿斤).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional

from .vocabulary import parse_chinese_number

_YEAR = r"((?:19|20)\d\d)"
_RANGE = re.compile(_YEAR + r"\s*年?\s*(?:[-—–~～至到]|—)\s*" + _YEAR + r"\s*年")
_SINGLE = re.compile(_YEAR + r"\s*年(?!\s*(?:[-—–~～至到]|—)\s*(?:19|20)\d\d)")
_HORIZON = re.compile(r"(?:到|至|力争到|力争在|争取到|预计到)\s*" + _YEAR + r"\s*年")
_PLAN = re.compile(r"[“\"]?(十[一二三四五六七八九]?五|十五)[”\"]?\s*(?:时期|期间|以来|规划期|末)")
_PLAN_START = {"十五": 2001, "十一五": 2006, "十二五": 2011, "十三五": 2016, "十四五": 2021, "十五五": 2026}
_PAST_YEARS = re.compile(r"(?:过去|近|这|前)\s*([一二三四五六七八九十两\d]{1,2})\s*年|([一二三四五六七八九十两\d]{1,2})\s*年来")
_LAST_YEAR = re.compile(r"去年|上年|上一年|2\d{3}年以来")
_THIS_YEAR = re.compile(r"今年|本年|全年|当年")
_BASELINE = re.compile(r"(?:从|由)\s*$")
_TO_AFTER = re.compile(r"^\s*[^，,。；;]{0,12}?(?:提高|提升|增长|增加|上升|下降|降低|减少|扩大|缩小)?\s*(?:到|至)")
_TARGET = re.compile(r"预期|预计|目标|力争|确保|计划|争取|将达到|要达到|左右|以上|不低于|不少于|不超过|控制在|以内|达到\s*$")
_INCREASE = re.compile(r"(?:增长|提高|提升|上升|增加|扩大|上涨|增幅|增速|增)\s*(?:了|为|达|达到)?\s*$")
_DECREASE = re.compile(r"(?:下降|降低|减少|缩小|下调|压减|降幅|回落|减)\s*(?:了|为|达|达到)?\s*$")
_CLAUSE = re.compile(r"[，,；;：:。！？]")
_CHINESE_YEAR = re.compile(r"[一二三四五六七八九〇零○]{4}(?=年)")
_DIGIT = str.maketrans("〇零○一二三四五六七八九", "00012345678" + "9")


def _digit_years(text: str) -> str:
    """一九五二年 → 1952年, 二〇二五年 → 2025年 (same length: positions hold)."""
    return _CHINESE_YEAR.sub(lambda m: m.group(0).translate(_DIGIT), text) if "年" in text else text


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
                headings: tuple = ()) -> FigureReading:
    """The period, role and change of the figure at ``start`` of ``sentence``, in a report
    about ``report_year`` (a 政府工作报告: its session year) of ``doc_type``, in a section of
    ``section_kind``. When the sentence states no period, the passage's text before it
    (``before_sentence``, nearest statement first) and then its ``headings`` (innermost
    first; a heading's first statement: “十四五”时期和2025年工作回顾 is the five years) do."""
    sentence, before_sentence = _digit_years(sentence), _digit_years(before_sentence)
    headings = tuple(_digit_years(h) for h in headings)
    before = sentence[:start]
    clause_at = max((m.end() for m in _CLAUSE.finditer(before)), default=0)
    clause = before[clause_at:]
    gwr = doc_type == "government_work_report"
    planning = section_kind == "plans"
    # the year reviewed: the year before a work report's session; the year a report covers
    reviewed = (report_year - 1 if gwr else report_year) if report_year else None
    ahead = report_year if report_year else None          # 今年 in a work report: its session year

    role = "result"
    if _BASELINE.search(before) and _TO_AFTER.match(sentence[start:]) is not None:
        role = "baseline"
    elif planning or _TARGET.search(clause) or _HORIZON.search(clause):
        role = "target"
    elif gwr and _THIS_YEAR.search(clause) and "全年" not in clause:
        role = "target"                                   # a work report's 今年: this year's plan

    change = None
    near = before[max(clause_at, start - 8):]
    if _INCREASE.search(near):
        change = "increase"
    elif _DECREASE.search(near):
        change = "decrease"

    start_year = end_year = None
    # the nearest statement of time before the figure, in its sentence (its clause first)
    for text in (clause, before, before_sentence):
        found = _period_in(text, reviewed, ahead, gwr)
        if found:
            start_year, end_year = found
            break
    else:
        for heading in reversed(headings):
            found = _period_in(heading, reviewed, ahead, gwr, first=True)
            if found:
                start_year, end_year = found
                break
    if start_year is None:
        year = (ahead if (role == "target" or planning) and gwr else reviewed) if report_year else None
        start_year = end_year = year
    if role == "target" and start_year is None and ahead:
        start_year = end_year = ahead
    period = None
    if start_year is not None:
        period = str(start_year) if start_year == end_year else f"{start_year}-{end_year}"
    return FigureReading(period, start_year, end_year, role, change)


def _period_in(text: str, reviewed: Optional[int], ahead: Optional[int], gwr: bool,
               first: bool = False) -> Optional[tuple[int, int]]:
    """The last (with ``first``: the first) statement of a period in ``text``: (first year,
    last year), or None."""
    found: list[tuple[int, tuple[int, int]]] = []          # (end position, period)
    for m in _RANGE.finditer(text):
        a, b = int(m.group(1)), int(m.group(2))
        if a <= b:
            found.append((m.end(), (a, b)))
    for m in _HORIZON.finditer(text):
        found.append((m.end(), (int(m.group(1)), int(m.group(1)))))
    for m in _SINGLE.finditer(text):
        if not any(s <= m.start() < e for s, e in _spans(_RANGE, text)):
            found.append((m.end(), (int(m.group(1)), int(m.group(1)))))
    for m in _PLAN.finditer(text):
        first = _PLAN_START.get(m.group(1))
        if first:
            found.append((m.end(), (first, first + 4)))
    if reviewed:
        for m in _PAST_YEARS.finditer(text):
            n = _number(m.group(1) or m.group(2))
            if n and 1 < n <= 20:
                found.append((m.end(), (reviewed - n + 1, reviewed)))
        for m in _LAST_YEAR.finditer(text):
            if m.group(0).startswith(("去年", "上年", "上一年")):
                found.append((m.end(), (reviewed if gwr else reviewed - 1,) * 2))
    if ahead:
        for m in _THIS_YEAR.finditer(text):
            if m.group(0) in ("今年", "本年"):
                found.append((m.end(), (ahead if gwr else reviewed or ahead,) * 2))
    if not found:
        return None
    return (min if first else max)(found, key=lambda f: f[0])[1]


def _spans(pattern: re.Pattern, text: str) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in pattern.finditer(text)]
