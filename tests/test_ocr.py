"""Scans read by OCR (searchlib/ingest/convert.py): what Tesseract's Chinese model reads badly
is put right. Quotation marks are found in the page image and put back after Tesseract has
read the rest; middle dots and single marks replace what it read there; marks are paired;
division names with a character the model lacks are restored. The image and text steps are
tested on their own; the whole reading on scans of a report made by LibreOffice, as two
different scanners would make them (skipped without LibreOffice or Tesseract's chi_sim)."""
import re

import numpy as np
import pytest

from searchlib.ingest import convert, read_document
from searchlib.metadata import region_table, resolve_region
from tests.authored import SOFFICE, TESSERACT_CHI_SIM, authored, scanned

H = 40                                    # line height of the drawn pages, pixels


def _page(width: int = 400, height: int = 200):
    return np.zeros((height, width), dtype=bool)


def _character(ink, left: int, top: int = 40, size: int = H) -> None:
    """A character's body: a hollow square (strokes all round)."""
    ink[top:top + size, left:left + size] = True
    ink[top + 4:top + size - 4, left + 4:left + size - 4] = False


def _comma(ink, left: int, top: int, opening: bool) -> None:
    """A 6-shaped comma (ball below, tail above: “) or a 9-shaped one (”), 4 wide, 10 tall."""
    ball, tail = (slice(top + 5, top + 10), slice(top, top + 5)) if opening else (slice(top, top + 5), slice(top + 5, top + 10))
    ink[ball, left:left + 4] = True
    ink[tail, left + 1:left + 3] = True


def _marks(ink):
    return convert._quote_marks(ink, H, convert._column_runs(ink, H))


def test_a_pair_of_commas_at_the_top_of_a_line_is_a_double_mark_turned_by_its_shape():
    for opening, char in ((True, "“"), (False, "”")):
        ink = _page()
        _character(ink, 20)
        _comma(ink, 66, 41, opening)
        _comma(ink, 73, 41, opening)
        _character(ink, 82)
        doubles, singles = _marks(ink)
        assert [(m.left, m.right, m.char) for m in doubles] == [(66, 76, char)] and singles == []


def test_the_dots_of_a_character_are_no_mark():
    ink = _page()
    _character(ink, 20)
    _comma(ink, 66, 41, True)             # 丷 over a body, as in 单 or 关: ink below the dots
    _comma(ink, 73, 41, True)
    ink[58:80, 64:80] = True
    _character(ink, 90)
    assert _marks(ink) == ([], [])


def test_a_comma_at_the_foot_of_a_line_is_no_mark():
    ink = _page()
    _character(ink, 20)
    _comma(ink, 64, 70, False)            # a comma after the character, at the line's foot
    _comma(ink, 71, 70, False)
    assert _marks(ink) == ([], [])


def test_a_lone_comma_of_the_double_marks_size_is_a_single_mark():
    ink = _page(600)
    _character(ink, 20)
    _comma(ink, 66, 41, True)
    _comma(ink, 73, 41, True)
    _character(ink, 82)
    _comma(ink, 128, 41, True)            # ‘ inside the quotation
    _character(ink, 136)
    doubles, singles = _marks(ink)
    assert [m.char for m in doubles] == ["“"] and [(m.left, m.char) for m in singles] == [(128, "‘")]


def test_a_middle_dot_sits_at_the_middle_of_its_neighbours_a_decimal_point_at_their_foot():
    ink = _page()
    _character(ink, 20, size=30)          # digits, 30 pixels tall
    ink[52:57, 56:61] = True              # 12·4: a dot at half their height
    _character(ink, 66, size=30)
    _character(ink, 200, size=30)
    ink[64:69, 236:241] = True            # 83.5: a dot at their foot
    _character(ink, 246, size=30)
    dots = convert._middle_dots(ink, H, convert._column_runs(ink, H))
    assert [(d.left, d.char) for d in dots] == [(56, "·")]


def test_quotation_marks_open_and_close_in_turn():
    pair = convert._pair_quotes
    assert pair('推行"先照后证"和"一照一码"') == "推行“先照后证”和“一照一码”"
    assert pair("实行“五证合一””多证合一”") == "实行“五证合一”“多证合一”"        # read the wrong way round
    assert pair("“甲”乙“丙“丁”戊“己”") == "“甲”乙“丙“丁”戊“己”"                  # a mark lost: the others stay
    assert pair("以“坚持发展'枫桥经验',实现矛盾不上交”") == "以“坚持发展‘枫桥经验’,实现矛盾不上交”"
    assert pair("推进“四个全面’‘战略布局") == "推进“四个全面”战略布局"          # a double mark read as two singles
    assert pair("查处“,涉企收费”") == "查处,“涉企收费”"                        # no quotation opens on a comma


def test_a_division_name_the_model_cannot_write_is_restored():
    # a model that can write every character of every division name but 濉
    known = frozenset("".join(region_table().full) + "人民政府关于建设数字山全安徽省") - {"濉"}
    pages = ["潍溪县人民政府关于", "建设“数字潍溪”,山区县,全县,安徽省"]
    assert convert.restore_place_names(pages, known) == ["濉溪县人民政府关于", "建设“数字濉溪”,山区县,全县,安徽省"]
    # not without its province or city in the document, never a real division name
    assert convert.restore_place_names(["潍溪县人民政府", "宁波市北仑区"], known) == ["潍溪县人民政府", "宁波市北仑区"]
    assert convert.restore_place_names(["宁波市北仑区"], known | {"濉"}) == ["宁波市北仑区"]


def test_a_county_misread_after_its_city_is_restored():
    known = frozenset("".join(region_table().full))
    pages = ["西安市夸湖区人民政府办公室关于印发", "西安市城区,宁波市北仑区,浙江省内各县"]
    assert convert.restore_place_names(pages, known) == ["西安市莲湖区人民政府办公室关于印发", pages[1]]


@pytest.mark.skipif(not TESSERACT_CHI_SIM, reason="needs Tesseract chi_sim")
def test_the_models_characters_are_read_from_its_data():
    known = convert._model_characters(convert.tesseract_chi_sim())
    assert len(known) > 3000 and {"县", "“", "”"} <= known


REPORT = ("濉溪县人民政府关于2019年度法治政府建设情况的报告\n\n"
          "一、主要工作\n\n"
          "（一）深化“放管服”改革。推行“最多跑一次”“一网通办”，建设“数字濉溪”，以“坚持发展‘枫桥经验’，"
          "实现矛盾不上交”为目标，行政复议纠错率8.5%。\n\n"
          "（二）开展“12·4”国家宪法日和“学宪法·讲宪法”活动，落实“谁执法谁普法”普法责任制，"
          "全县“七五”普法工作通过安徽省验收。\n")


@pytest.mark.skipif(SOFFICE is None or not TESSERACT_CHI_SIM, reason="needs LibreOffice and Tesseract chi_sim")
@pytest.mark.parametrize("dpi,grainy", [(200, False), (300, True)], ids=["speckled-200dpi", "grainy-300dpi-tilted"])
def test_a_scan_keeps_its_quotations_dots_and_place_names(tmp_path, dpi, grainy):
    corpus = tmp_path / "corpus"
    scan = scanned(authored(REPORT, "pdf", tmp_path / "made"), corpus / "scan.pdf", dpi=dpi, grainy=grainy)
    doc = read_document(scan, corpus)
    text = doc.text.replace("，", ",")
    for phrase in ("“放管服”", "“最多跑一次”“一网通办”", "“坚持发展", "实现矛盾不上交”", "“12·4”", "·讲", "“谁执法谁普法”",
                   "“七五”"):
        assert phrase in text, (phrase, doc.text)
    assert "8.5%" in text                                   # a decimal point stays one
    # chi_sim has no 濉: read as a look-alike, put right since the report names 安徽省
    assert doc.title.startswith("濉溪县人民政府") and resolve_region(doc.title).code == "340621"
    assert not re.search(r"[\u4e00-\u9fff] +[\u4e00-\u9fff]", doc.text)      # no spaces between characters
