"""The shared domain vocabulary (searchlib.vocabulary): numerals, units, character classes."""
import re
import subprocess
import sys

import pytest

from searchlib import vocabulary as v


@pytest.mark.parametrize("numeral, value", [
    ("一百零五", 105), ("两千三百", 2300), ("十二", 12), ("三万五千", 35000), ("〇", 0),
    ("十", 10), ("二十三", 23), ("两", 2), ("零", 0), ("一万二千", 12000), ("三亿五千万", 350_000_000),
    ("二〇一七", 2017), ("一九八○", 1980), ("十万", 100_000), ("一千零一", 1001), ("两千", 2000), ("三万", 30000),
])
def test_parse_chinese_number(numeral, value):
    assert v.parse_chinese_number(numeral) == value


def test_parse_chinese_number_empty_and_foreign():
    assert v.parse_chinese_number("") is None
    with pytest.raises(KeyError):
        v.parse_chinese_number("三点")


@pytest.mark.parametrize("numeral, value", [
    ("九十五点七", 95.7), ("零点九", 0.9), ("一点六", 1.6), ("二十三", 23.0), ("三點零五", 3.05),
])
def test_parse_chinese_decimal(numeral, value):
    assert v.parse_chinese_decimal(numeral) == pytest.approx(value)


def test_numeral_characters_cover_digits_and_places():
    assert set(v.CN_NUMERAL_CHARS) == set("零〇○一二两三四五六七八九十百千万亿")


@pytest.mark.parametrize("unit, kind", [
    ("件", v.COUNT), ("项", v.COUNT), ("条", v.COUNT), ("次", v.EVENT), ("人", v.PEOPLE), ("名", v.PEOPLE),
    ("人次", v.PEOPLE), ("元", v.MONEY), ("万元", v.MONEY), ("亿元", v.MONEY), ("平方米", v.AREA),
    ("万平方米", v.AREA), ("亩", v.AREA), ("公顷", v.AREA), ("天", v.TIME), ("个工作日", v.TIME),
    ("小时", v.TIME), ("个月", v.TIME), ("年", v.TIME), ("%", v.PERCENT), ("‰", v.PERCENT),
    ("个百分点", v.PERCENT), ("倍", v.RATIO), ("月", v.DATE), ("亿吨公里", v.TURNOVER), ("人公里", v.TURNOVER),
])
def test_unit_classes(unit, kind):
    assert v.unit_kind(unit) == kind


def test_units_are_unique_and_classes_known():
    texts = [u.text for u in v.UNITS]
    assert len(texts) == len(set(texts))
    kinds = {v.COUNT, v.EVENT, v.PEOPLE, v.MONEY, v.AREA, v.LENGTH, v.WEIGHT, v.VOLUME, v.ENERGY, v.TURNOVER,
             v.CONCENTRATION, v.TIME, v.DATE, v.PERCENT, v.RATIO, v.AGE}
    assert {u.kind for u in v.UNITS} <= kinds
    assert v.unit_kind("部门") is None and v.unit_kind("万") is None


def test_base_unit_scales_as_figures_store_them():
    assert v.base_unit("万元") == ("元", 10_000)
    assert v.base_unit("亿元") == ("元", 100_000_000)
    assert v.base_unit("万平方米") == ("平方米", 10_000)
    assert v.base_unit("千米") == ("千米", 1)          # a unit of its own, not 千 x 米
    assert v.base_unit("件") == ("件", 1)
    assert v.base_unit("门") is None


def test_unit_regex_longest_first_and_guarded():
    rx = re.compile(f"(?:{v.unit_regex(v.UNITS)})")
    assert rx.match("个工作日内").group() == "个工作日"
    assert rx.match("平方米").group() == "平方米"
    assert rx.match("部门") is None and rx.match("年度") is None and rx.match("年计划") is None
    assert rx.match("部") and rx.match("年内")
    loose = re.compile(f"(?:{v.unit_regex(v.UNITS, unguarded={'部'})})")
    assert loose.match("部门").group() == "部" and loose.match("年度") is None


def test_query_units():
    assert {"件", "条", "人次", "万元", "亿元", "%", "平方米", "个工作日"} <= v.QUERY_UNITS
    assert not {"年", "月", "日"} & v.QUERY_UNITS          # 2019 年 names a year
    assert {"数量", "多少", "人数"} <= v.QUANTITY_WORDS
    assert "的" in v.FUNCTION_WORDS


def test_character_classes():
    han = re.compile(f"[{v.CJK}]")
    assert han.match("法") and han.match("㐀") and han.match("豈") and not han.match("a")
    assert not han.match("。") and not han.match("“")
    ends = re.compile(v.char_class(v.SENTENCE_ENDS))
    assert [bool(ends.match(c)) for c in "。;；!！?？,:"] == [True] * 7 + [False, False]
    assert set(v.FULL_STOPS) < set(v.SENTENCE_ENDS) and ";" not in v.FULL_STOPS
    assert set("“”「」\"'") <= set(v.QUOTES)
    assert re.fullmatch(v.char_class("a-]^\\"), "-")


def test_cheap_to_import():
    code = "import sys, searchlib.vocabulary; print(sorted(m for m in ('jieba', 'whoosh') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
