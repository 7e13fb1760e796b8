"""Reports as their authors' files, made by LibreOffice (tests/authored.py): old Word, WPS,
RTF and OpenDocument files are converted with LibreOffice and read like the .docx it makes;
a scan is read by Tesseract (chi_sim), reported as OCR'd in ``show``, ``docs`` and on the
document page. Skipped where LibreOffice or Tesseract's chi_sim data is missing (.ci/run
installs both)."""
import re

import pytest
from click.testing import CliRunner

from searchlib import api
from searchlib.cli import main
from searchlib.ingest import read_document
from tests.authored import SOFFICE, TESSERACT_CHI_SIM, authored, scanned
from tests.conftest import CORPUS

needs_soffice = pytest.mark.skipif(SOFFICE is None, reason="LibreOffice is not installed")
SEED = sorted(CORPUS.glob("*.txt"))[0]          # 宁波市北仑区 2017: a title, 发布时间, quoted jargon
REPORT = ("某某县2019年法治政府建设工作报告\n\n"
          "一、主要工作\n\n"
          "（一）深化“放管服”改革。全面推行“最多跑一次”改革，办理行政复议案件42件，纠错率11%。\n\n"
          "（二）推进两法衔接。向公安机关移送涉嫌犯罪案件5件，“谁执法谁普法”普法责任制全面落实。\n\n"
          "二、存在的问题\n\n"
          "基层执法力量不足，执法人员专业素养有待提高。\n")


def _quotes(text: str) -> list[str]:
    return re.findall(r"“[^”]{1,40}”", text)


@pytest.fixture(scope="module")
def clean(tmp_path_factory):
    folder = tmp_path_factory.mktemp("clean")
    (folder / "seed.txt").write_text(SEED.read_text(encoding="utf-8"), encoding="utf-8")
    return read_document(folder / "seed.txt", folder)


@needs_soffice
@pytest.mark.parametrize("fmt", ["doc", "wps", "rtf", "odt"])
def test_old_word_wps_rtf_and_odt_files_read_like_the_text(tmp_path, fmt):
    path = authored(REPORT, fmt, tmp_path)
    doc = read_document(path, tmp_path)
    assert doc.format == fmt and doc.title == "某某县2019年法治政府建设工作报告"
    assert "“放管服”" in doc.text and "办理行政复议案件42件" in doc.text
    lines = doc.text.splitlines()
    assert "一、主要工作" in lines and "二、存在的问题" in lines


@needs_soffice
def test_a_seed_saved_as_doc_matches_its_text(tmp_path, clean):
    text = SEED.read_text(encoding="utf-8")
    doc = read_document(authored(text, "doc", tmp_path), tmp_path)
    assert doc.title == clean.title and doc.published == clean.published
    assert set(_quotes(clean.text)) <= set(_quotes(doc.text))
    assert abs(len(doc.text.splitlines()) - len(clean.text.splitlines())) <= 0.1 * len(clean.text.splitlines())


@pytest.mark.skipif(SOFFICE is None or not TESSERACT_CHI_SIM, reason="needs LibreOffice and Tesseract chi_sim")
def test_a_scan_is_read_by_ocr_and_said_to_be(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    scanned(authored(REPORT, "pdf", tmp_path / "made"), corpus / "scan.pdf", dpi=200)
    doc = read_document(corpus / "scan.pdf", corpus)
    assert doc.ocr and doc.ocr["pages"] == 1 and doc.ocr["confidence"] >= 80
    assert "法治政府建设工作报告" in doc.title and "2019" in doc.title
    # a noisy scan: OCR misreads a character here and there (淮 for 谁, a quotation mark),
    # never whole paragraphs
    found = [k for k in ("主要工作", "行政复议案件42件", "两法衔接", "移送涉嫌犯罪案件", "存在的问题", "执法力量不足")
             if k in doc.text]
    assert len(found) >= 5, (doc.title, doc.text)
    assert len(doc.text.splitlines()) == 5, doc.text               # the headings and paragraphs after the title
    assert any("OCR" in w for w in doc.warnings)
    with api.build_index([corpus], tmp_path / "index") and api.open_index(tmp_path / "index") as idx:
        assert idx.search("执法").hits[0].doc_id == "scan.pdf"
        assert idx.document("scan.pdf")["ocr"]["pages"] == 1
    run = CliRunner().invoke
    shown = run(main, ["--index", str(tmp_path / "index"), "show", "scan.pdf"]).output
    assert "scan read by OCR: 1 pages" in shown
    rows = run(main, ["--index", str(tmp_path / "index"), "docs", "--csv"]).output
    assert "ocr_confidence" in rows.splitlines()[0] and ",pdf," in rows.splitlines()[1]
    from searchlib.web import create_app
    page = create_app(tmp_path / "index").test_client().get("/doc/scan.pdf").get_data(as_text=True)
    assert "经文字识别（OCR）得到" in page
