"""Domain vocabulary: the one home of the word and character tables searchlib shares.

Units and counters (with their classes and scale words), Chinese numerals and their
parser, the words a query uses to ask for a quantity, function words, and the
punctuation and character classes. The analyzer, figure extraction, structure,
normalisation, snippets, synonyms and query building all read them from here.

A module that needs only part of a table derives it here or next to its use with a
commented rule (``units_of``, ``unit_regex``); it does not keep a list of its own.

Cheap to import (``re`` only): synonyms and normalisation import it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Container, Iterable, Optional

# --------------------------------------------------------------------------- characters

# CJK ideographs (Extension A, Unified Ideographs, Compatibility Ideographs), as a
# fragment for a regex character class: re.compile(f"[{CJK}]")
CJK = r"\u3400-\u9fff\uf900-\ufaff"
# quotation marks around jargon (“七五”普法, 「放管服」改革): ignored in tokens and synonym keys
QUOTES = "“”‘’\"'「」『』"
# characters that end a sentence for good (a line with none is a title, date or signature)
FULL_STOPS = "。!！?？"
# characters that end a sentence, including the semicolon that ends each measure in a
# list (snippets and passages are cut here). Both widths: NFKC makes ；！？ into ;!?
SENTENCE_ENDS = FULL_STOPS + ";；"


def char_class(chars: Iterable[str], negate: bool = False) -> str:
    """A regex character class matching any of ``chars`` (any other character if ``negate``)."""
    return ("[^" if negate else "[") + "".join("\\" + c if c in "\\]^-[" else c for c in chars) + "]"


def alternation(words: Iterable[str]) -> str:
    """Regex alternation of literal ``words``, longest first."""
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


# --------------------------------------------------------------------------- numerals

# Chinese digits and their values (〇 and ○ are both written for zero: 二〇一七, 一九八○)
CN_DIGITS = {"零": 0, "〇": 0, "○": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4,
             "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
# Chinese place values: 十百千 inside a group of four digits, 万 and 亿 start a new group
CN_PLACES = {"十": 10, "百": 100, "千": 1000, "万": 10_000, "亿": 100_000_000}
# every character a Chinese numeral is written with
CN_NUMERAL_CHARS = "".join(CN_DIGITS) + "".join(CN_PLACES)
# the decimal point of a Chinese numeral (九十五点七), simplified and traditional
CN_POINTS = "点點"
# scale words written after an Arabic number: 20万 = 200000, 8.65亿元 = 865000000 元
SCALES = {"百": 100, "千": 1000, "万": 10_000, "亿": 100_000_000,
          "百万": 1_000_000, "千万": 10_000_000}
# the scales that may also follow an "approximately" marker: 20余万元, 3000多万
LARGE_SCALES = "万亿"
# "approximately" markers after a number or scale: 30余件, 1.5万余人, 200多名
APPROX = "余多"


# a calendar year as the work reports before the 2000s write it (一九五二年, 二〇二五年)
CHINESE_YEAR = re.compile(r"[一二三四五六七八九〇零○]{4}(?=年)")
_YEAR_DIGITS = str.maketrans("〇零○一二三四五六七八九", "00012345678" + "9")


def digit_years(text: str) -> str:
    """一九五二年 → 1952年, 二〇二五年 → 2025年 (same length: positions hold)."""
    return CHINESE_YEAR.sub(lambda m: m.group(0).translate(_YEAR_DIGITS), text) if "年" in text else text


def chinese_year(year: int) -> str:
    """1957 → 一九五七年, the other way round."""
    return "".join("〇一二三四五六七八九"[int(d)] for d in str(year)) + "年"


def parse_chinese_number(s: str) -> Optional[int]:
    """Value of a Chinese numeral: 二十三 -> 23, 十 -> 10, 一百零五 -> 105,
    三亿五千万 -> 350000000, 两 -> 2. Digit-by-digit strings (二〇一七) give the
    positional reading (2017). None for an empty string; KeyError for a character
    that is not a numeral."""
    if not s:
        return None
    if not any(ch in CN_PLACES for ch in s):            # 二〇一七: positional digits
        v = 0
        for ch in s:
            v = v * 10 + CN_DIGITS[ch]
        return v
    yi = wan = section = digit = 0
    for ch in s:
        d = CN_DIGITS.get(ch)
        if d is not None:
            digit = d
        elif ch == "万":
            wan = ((section + digit) or 1) * 10_000
            section = digit = 0
        elif ch == "亿":
            yi = ((yi + wan + section + digit) or 1) * 100_000_000
            wan = section = digit = 0
        else:                                            # 十 百 千
            section += (digit or 1) * CN_PLACES[ch]
            digit = 0
    return yi + wan + section + digit


def parse_chinese_decimal(s: str) -> Optional[float]:
    """Value of a Chinese numeral with an optional decimal part read digit by digit:
    九十五点七 -> 95.7, 零点九 -> 0.9, 一点六 -> 1.6, 二十三 -> 23.0."""
    if not s:
        return None
    whole, frac = s, ""
    for point in CN_POINTS:
        if point in s:
            whole, _, frac = s.partition(point)
            break
    value = float(parse_chinese_number(whole) or 0)
    if frac:
        value += parse_chinese_number(frac) / 10 ** len(frac)
    return value


# --------------------------------------------------------------------------- units

# Unit classes: what a unit measures.
COUNT = "count"          # things, by their counter; the thing usually follows (81个部门, 698项)
EVENT = "event"          # how often something was done; the action comes first (抽查3823次)
PEOPLE = "people"        # people and attendances (120名, 3000人次)
MONEY = "money"          # 元; with a scale 万元, 亿元 (stored in 元, see base_unit)
AREA = "area"            # 平方米, 亩, 公顷
LENGTH = "length"        # 公里, 米
WEIGHT = "weight"        # 吨, 斤
VOLUME = "volume"        # 立方米
ENERGY = "energy"        # energy and power (千瓦时, 千瓦)
TURNOVER = "turnover"    # freight and passenger turnover (吨公里, 人公里): not a weight, not people
CONCENTRATION = "concentration"   # 微克/立方米 (PM2.5), 毫克/升
TIME = "time"            # durations (个工作日, 个月; 年 also after a calendar year: 2017年)
DATE = "date"            # after a number a calendar date, not an amount (5月, 23日)
PERCENT = "percent"      # %, ‰, 个百分点
RATIO = "ratio"          # multiples (增长1.6倍)
AGE = "age"              # 60岁


@dataclass(frozen=True)
class Unit:
    """A unit or counter that follows a number.

    ``not_before``: what must NOT follow the unit for it to be one (部 in 部门, 年 in
    年度): single characters, then optionally ``|`` and whole words separated by ``|``."""

    text: str
    kind: str
    not_before: str = ""


# Every unit or counter written after a number in the reports, with its class. Scaled
# forms (万元, 亿元, 万平方米) are a scale (SCALES) plus a unit, not entries of their own.
UNITS: tuple[Unit, ...] = (
    Unit("件", COUNT), Unit("项", COUNT, "目"), Unit("条", COUNT, "例件款线理约文规"),
    Unit("个", COUNT, "体性案别税"), Unit("家", COUNT, "庭长属乡园具电居政族底"),
    Unit("户", COUNT, "籍口外型主数头政"), Unit("场", COUNT, "所地景馆合面主区站域镇"),
    Unit("期", COUNT, "间限末初满刊待望货权"), Unit("批", COUNT, "准复示评发件判"),
    Unit("篇", COUNT), Unit("份", COUNT, "额"), Unit("册", COUNT),
    Unit("本", COUNT, "级单部地市区县年次届着身人土质领金科位溪辖"),
    Unit("台", COUNT, "账湾阶风前后州上下"), Unit("套", COUNT, "餐路"),
    Unit("部", COUNT, "门署分委长位队属件级局际"), Unit("所", COUNT, "有属在以得谓长"),
    Unit("座", COUNT, "谈位席"), Unit("处", COUNT, "理罚置分长室级于在境事"), Unit("宗", COUNT, "教旨"),
    Unit("起", COUNT, "草来点步止始见算到"), Unit("只", COUNT, "有能要是需进跑在会"), Unit("辆", COUNT),
    Unit("例", COUNT, "如"), Unit("张", COUNT, "贴"), Unit("位", COUNT, "置于列数"),
    Unit("类", COUNT, "别型似"), Unit("种", COUNT, "类植子"), Unit("支", COUNT, "持付出部撑援柱"),
    Unit("轮", COUNT, "车胎"), Unit("栋", COUNT), Unit("棵", COUNT), Unit("株", COUNT),
    Unit("艘", COUNT), Unit("方面", COUNT),
    Unit("次", EVENT, "性日年月要级序"), Unit("场次", EVENT), Unit("户次", EVENT), Unit("家次", EVENT),
    Unit("件次", EVENT), Unit("批次", EVENT), Unit("架次", EVENT), Unit("车次", EVENT), Unit("个次", EVENT),
    Unit("人", PEOPLE, "民大员口才均力事防社类格性权工身文居行"), Unit("名", PEOPLE, "单称录义额誉片牌"),
    Unit("人次", PEOPLE),
    Unit("元", MONEY, "旦素宵化"), Unit("美元", MONEY), Unit("欧元", MONEY),
    Unit("平方米", AREA), Unit("平方公里", AREA), Unit("亩", AREA), Unit("公顷", AREA),
    Unit("公里", LENGTH), Unit("千米", LENGTH), Unit("米", LENGTH),
    Unit("吨", WEIGHT), Unit("公斤", WEIGHT), Unit("千克", WEIGHT), Unit("斤", WEIGHT),
    Unit("立方米", VOLUME),
    Unit("千瓦时", ENERGY), Unit("千瓦", ENERGY),
    Unit("吨公里", TURNOVER), Unit("吨海里", TURNOVER), Unit("人公里", TURNOVER),
    Unit("微克/立方米", CONCENTRATION), Unit("微克每立方米", CONCENTRATION), Unit("μg/m3", CONCENTRATION),
    Unit("ug/m3", CONCENTRATION), Unit("毫克/立方米", CONCENTRATION), Unit("毫克/升", CONCENTRATION),
    Unit("mg/L", CONCENTRATION),
    Unit("天", TIME, "然气津下空地河天"), Unit("个工作日", TIME), Unit("工作日", TIME),
    Unit("小时", TIME), Unit("分钟", TIME), Unit("个月", TIME), Unit("周", TIME, "年岁边末期刊转密围"),
    Unit("年", TIME, "度底初末中份级会报鉴货薪金龄检来代|多来|计划|规划|行动|一遇|纲要"),
    Unit("学时", TIME), Unit("课时", TIME),
    Unit("月", DATE), Unit("日", DATE),
    Unit("%", PERCENT), Unit("‰", PERCENT), Unit("个百分点", PERCENT), Unit("百分点", PERCENT),
    Unit("倍", RATIO),
    Unit("岁", AGE),
)
_BY_TEXT = {u.text: u for u in UNITS}
# units that state an amount (figures extracts these): every class but dates (5月, 23日
# name a day) and ages (65岁以上老年人 names a group of people)
AMOUNT_UNITS = tuple(u for u in UNITS if u.kind not in (DATE, AGE))

# after a number these make it a date, a time or a serial number, not an amount:
# 2017年5月23日, 〔2015〕69号, 9时30分 (only 年 月 日 are units too)
DATE_PARTS = "年月日号时分"
# parts of a document numbered 第一章, 第二节, 第三部分, 第四篇
DIVISIONS = ("章", "节", "部分", "篇")


def units_of(*kinds: str) -> tuple[Unit, ...]:
    """The units of the given classes, in table order (all units when none is given)."""
    return tuple(u for u in UNITS if not kinds or u.kind in kinds)


def unit_kind(text: str) -> Optional[str]:
    """The class of a unit, scaled or not (万元 -> money); None if ``text`` is no unit."""
    base = base_unit(text)
    return _BY_TEXT[base[0]].kind if base else None


def base_unit(text: str) -> Optional[tuple[str, int]]:
    """(unit, factor) of a possibly scaled unit, as figures store it:
    万元 -> (元, 10000), 亿元 -> (元, 100000000), 千米 -> (千米, 1); None if not a unit."""
    if text in _BY_TEXT:
        return text, 1
    for scale in sorted(SCALES, key=len, reverse=True):
        if text.startswith(scale) and text[len(scale):] in _BY_TEXT:
            return text[len(scale):], SCALES[scale]
    return None


def unit_regex(units: Iterable[Unit], unguarded: Container[str] = ()) -> str:
    """Regex alternation of ``units``, longest first (个工作日 before 个), each unit
    followed by a negative lookahead for its ``not_before``, except the units named in
    ``unguarded``."""
    alts = []
    for u in sorted(units, key=lambda u: -len(u.text)):
        chars, _, words = u.not_before.partition("|")
        neg = "|".join(([char_class(chars)] if chars else []) + ([words] if words else []))
        alts.append(re.escape(u.text) + (f"(?!{neg})" if neg and u.text not in unguarded else ""))
    return "|".join(alts)



# --------------------------------------------------------------------------- query words

# words that ask for a quantity: in a query they favour passages with figures instead
# of being matched as text
QUANTITY_WORDS = frozenset({"数量", "多少", "几", "几个", "多少件", "多少条", "多少人", "件数", "人数", "次数",
                            "总数", "数字", "数据", "数目", "规模", "比例", "多少个"})
# words that ask for a quantity of a kind: figures in these units answer them (the word
# itself is not searched as text: 面积 is rarely written next to 192.05万平方米)
QUANTITY_UNITS = {
    "面积": tuple(u.text for u in units_of(AREA)),
    "占地": tuple(u.text for u in units_of(AREA)),
    "金额": ("元",), "资金": ("元",), "经费": ("元",), "费用": ("元",), "罚款": ("元",), "罚没款": ("元",),
    "人数": tuple(u.text for u in units_of(PEOPLE)), "人次": ("人次",),
    "时限": ("天", "个工作日", "工作日", "小时", "个月"), "时长": ("天", "小时", "分钟", "学时", "课时"),
    "天数": ("天", "个工作日", "工作日"), "学时": ("学时", "课时"),
    "比例": tuple(u.text for u in units_of(PERCENT)), "比重": tuple(u.text for u in units_of(PERCENT)),
    "占比": tuple(u.text for u in units_of(PERCENT)), "百分比": tuple(u.text for u in units_of(PERCENT)),
    "件数": ("件", "件次"), "次数": tuple(u.text for u in units_of(EVENT)), "户数": ("户", "户次"),
}
# a unit typed on its own in a query asks for figures in that unit: the amount units but
# 年 (2019 年 names a year), and money with its scales (万元, 亿元)
QUERY_UNITS = frozenset([u.text for u in AMOUNT_UNITS if u.text not in DATE_PARTS]
                        + [s + u.text for u in units_of(MONEY) for s in LARGE_SCALES])
# words too common to require on their own when a concept is loose-matched
FUNCTION_WORDS = frozenset("的 了 和 与 及 等 在 对 为 将 把 被 是 之 或 并 其 以 于 由 向 从 好".split())

# query words that ask for a kind of section in other words than its headings use
# (生态环境保护 短板, 安全生产 存在的薄弱环节, 重大行政决策 明年): problems or plans
INTENT_WORDS = {
    **dict.fromkeys("不足 短板 弱项 短板弱项 薄弱环节 薄弱 差距 难点 堵点 痛点 难点堵点 难题 瓶颈 突出问题 主要问题 "
                    "存在问题 困难 困难和问题 问题和不足 风险隐患 隐患".split(), "problems"),
    **dict.fromkeys("下一步 下步 下一阶段 明年 今后 今后工作 重点任务 主要任务 工作打算 打算 工作计划 工作安排 "
                    "工作思路 思路举措 目标任务".split(), "plans"),
}
