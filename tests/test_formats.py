"""PDF, DOCX, Big5/UTF-16 text and traditional Chinese: each format and encoding with small
files made here (tests/filegen.py), through ingestion, the pipeline, a build and a search."""
from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from searchlib import api
from searchlib.cli import main
from searchlib.errors import IngestError
from searchlib.ingest import decode_text, extract_docx, extract_pdf, read_document
from searchlib.ingest import pdf as pdf_module
from searchlib.normalize import fold_traditional, normalize
from searchlib.pipeline import analyse_file

from .conftest import SEEDS
from .filegen import encrypt_pdf, make_docx, make_pdf

TITLE = "某某区2018年法治政府建设工作报告"
LONG = ("2018年，我区认真贯彻落实党中央、国务院关于法治政府建设的决策部署，全年共办理行政复议"
        "案件30件，依法纠错5件，行政机关负责人出庭应诉率达到100%。")
PAGES = [
    [TITLE, "一、主要工作", LONG[:34], LONG[34:], "- 1 -"],
    ["某某区人民政府", "二、存在的问题", "执法人员素质和执法能力有待进一步提高，部分单位和部门的行政执法工作与执法", "监督还不够有力。", "第 2 页"],
    ["某某区人民政府", "三、下一步工作", "继续深化行政复议体制改革。", "第 3 页"],
]


def _write(tmp_path, name, data: bytes):
    path = tmp_path / name
    path.write_bytes(data)
    return path


def _skip_reason(path, root):
    with pytest.raises(IngestError) as e:
        read_document(path, root)
    return str(e.value)


# --------------------------------------------------------------------------- PDF

def test_pdf_text_headings_and_rejoined_lines(tmp_path):
    path = _write(tmp_path, "report.pdf", make_pdf(PAGES))
    doc = analyse_file(path, tmp_path)
    assert doc.source.format == "pdf" and doc.title == TITLE
    text = doc.source.text
    # the sentence the layout broke over two lines is one paragraph again
    assert LONG.replace("，", ",").replace("、", "、") in text.replace("，", ",")
    # page numbers and the running header are not passage text
    assert "- 1 -" not in text and "第 2 页" not in text and "某某区人民政府" not in text
    headings = [s.heading for s in doc.sections if s.heading]
    assert headings == ["一、主要工作", "二、存在的问题", "三、下一步工作"]
    kinds = {s.heading: s.kind for s in doc.sections if s.heading}
    assert kinds["二、存在的问题"] == "problems" and kinds["三、下一步工作"] == "plans"
    assert any("部门的行政执法工作与执法监督还不够有力。" in p.text for p in doc.passages)


def test_pdf_page_numbers_and_running_footers():
    assert pdf_module._page_lines("正文\n- 3 -\n— 12 —\n第 3 页\n第3页 共12页\n3/12\n7\n") == ["正文"]
    body = ["一是加强领导。", "二是健全制度。", "三是强化监督", "四是落实责任。"]
    pages = [["某市法治报告", line, f"某市司法局印 {i}"] for i, line in enumerate(body)]
    assert pdf_module._drop_running_lines(pages) == [[line] for line in body]


def test_encrypted_pdf_is_skipped_with_its_reason(tmp_path):
    path = _write(tmp_path, "locked.pdf", encrypt_pdf(make_pdf(PAGES)))
    assert _skip_reason(path, tmp_path) == "encrypted PDF: needs a password"


def test_pdf_with_restrictions_only_is_read(tmp_path):
    """Encrypted with an empty user password (no copying/printing): readable, indexed."""
    path = _write(tmp_path, "restricted.pdf", encrypt_pdf(make_pdf(PAGES), password=""))
    assert "一、主要工作" in read_document(path, tmp_path).text


def test_scanned_pdf_is_no_text_layer_not_an_empty_document(tmp_path):
    path = _write(tmp_path, "scan.pdf", make_pdf([], image_pages=2))
    # read by OCR when Tesseract is there (blank pages: nothing readable), else what to install
    reason = _skip_reason(path, tmp_path)
    assert reason.startswith(("scanned PDF: OCR found no readable page", "scanned PDF (no text layer): install"))


def test_pdf_with_some_image_pages_is_indexed_with_a_warning(tmp_path):
    path = _write(tmp_path, "mixed.pdf", make_pdf(PAGES, image_pages=1))
    src = read_document(path, tmp_path)
    assert "一、主要工作" in src.text
    assert src.warnings == ["1 of 4 pages have no text layer (scanned?): not indexed"]


def test_pdf_text_layer_without_unicode_mapping_is_skipped(tmp_path):
    path = _write(tmp_path, "unmapped.pdf", make_pdf([["\ue001\ue002\ue003\ue004\ue005" * 6] * 3]))
    assert _skip_reason(path, tmp_path).startswith("text layer cannot be read (fonts without a Unicode mapping)")


@pytest.mark.parametrize("data", [b"%PDF-1.4\n", b"not a pdf at all", make_pdf(PAGES)[:400], b"%PDF-1.7\n" + b"\x00" * 50])
def test_broken_pdf_is_skipped(tmp_path, data):
    path = _write(tmp_path, "broken.pdf", data)
    assert _skip_reason(path, tmp_path).startswith("unreadable PDF")


def test_pdf_page_limit(tmp_path, monkeypatch):
    monkeypatch.setattr(pdf_module, "MAX_PAGES", 2)
    path = _write(tmp_path, "long.pdf", make_pdf(PAGES))
    assert _skip_reason(path, tmp_path) == "PDF has too many pages (3 > 2 limit)"


def test_pdf_over_the_time_budget_is_skipped(tmp_path, monkeypatch):
    import time
    from searchlib import pipeline
    _write(tmp_path, "slow.pdf", make_pdf(PAGES))
    monkeypatch.setenv("SEARCHLIB_FILE_TIMEOUT", "0.2")
    monkeypatch.setattr(pdf_module, "_page_lines", lambda text: time.sleep(5) or [])
    result = pipeline._analyse_job((tmp_path / "slow.pdf", tmp_path, False))
    assert "took longer than 0.2 s" in result.reason
    # out of time inside the PDF library: tests/test_pdf_layout.py


# --------------------------------------------------------------------------- DOCX

def test_docx_heading_styles_become_headings(tmp_path):
    data = make_docx([
        ("Title", TITLE),
        ("Heading 1", "主要工作"),
        ("", LONG),
        ("Heading 2", "加强执法监督工作的情况"),
        ("", "开展执法检查5次。"),
        ("Heading 1", "存在的问题"),
        ("", "执法人员素质有待提高。"),
    ], table=[["项目", "数量"], ["行政复议", "30件"]])
    path = _write(tmp_path, "report.docx", data)
    doc = analyse_file(path, tmp_path)
    assert doc.source.format == "docx" and doc.title == TITLE
    paths = [s.heading_path for s in doc.sections if s.heading]
    assert paths == [["主要工作"], ["主要工作", "加强执法监督工作的情况"], ["存在的问题"]]
    assert {s.heading: s.kind for s in doc.sections if s.heading}["存在的问题"] == "problems"
    assert any("行政复议 | 30件" in p.text for p in doc.passages)          # table rows are text


def test_docx_without_heading_styles_uses_text_headings(tmp_path):
    data = make_docx([("", TITLE), ("", "一、主要工作"), ("", LONG), ("", "(一)加强执法监督。开展执法检查5次。"),
                      ("", "二、存在的问题"), ("", "执法人员素质有待提高。")])
    doc = analyse_file(_write(tmp_path, "plain.docx", data), tmp_path)
    assert doc.title == TITLE
    assert [s.heading_path for s in doc.sections if s.heading] == [
        ["一、主要工作"], ["一、主要工作", "(一)加强执法监督"], ["二、存在的问题"]]


def test_docx_chinese_style_names_and_outline_levels():
    """WPS names its heading styles 标题 1…; a custom style with an outline level is a
    heading at that level too."""
    import io

    import docx
    from docx.enum.style import WD_STYLE_TYPE
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    document = docx.Document()
    wps = document.styles.add_style("标题 1", WD_STYLE_TYPE.PARAGRAPH)
    custom = document.styles.add_style("报告小标题", WD_STYLE_TYPE.PARAGRAPH)
    outline = OxmlElement("w:outlineLvl")
    outline.set(qn("w:val"), "1")                      # 0-based: level 2
    custom.element.get_or_add_pPr().append(outline)
    document.add_paragraph("正文开头。")
    document.add_paragraph("工作回顾", style=wps)
    document.add_paragraph("加强执法监督", style=custom)
    document.add_paragraph("正文一。")
    out = io.BytesIO()
    document.save(out)
    text, meta = extract_docx(out.getvalue())
    assert meta["heading_levels"] == {"工作回顾": 1, "加强执法监督": 2}


@pytest.mark.parametrize("data,reason", [
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "not a .docx file (not a zip archive"),
    (b"PK\x05\x06" + b"\x00" * 18, "not a Word .docx file"),
])
def test_broken_docx_is_skipped(tmp_path, data, reason):
    assert _skip_reason(_write(tmp_path, "bad.docx", data), tmp_path).startswith(reason)


def test_docx_zip_bomb_is_refused_before_reading(tmp_path, monkeypatch):
    from searchlib.ingest import word
    monkeypatch.setattr(word, "MAX_UNPACKED", 10_000)
    path = _write(tmp_path, "big.docx", make_docx([("", LONG * 200)]))
    assert "unpacks to too much data" in _skip_reason(path, tmp_path)


def test_old_word_files_without_libreoffice_say_what_to_install(tmp_path, monkeypatch):
    from searchlib.ingest import convert
    monkeypatch.setattr(convert, "soffice", lambda: None)
    for name in ("old.doc", "old.wps", "old.rtf", "old.odt"):
        path = _write(tmp_path, name, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100)
        reason = _skip_reason(path, tmp_path)
        assert reason.startswith(f"{path.suffix} file: install LibreOffice Writer") and "apt install" in reason


def test_scans_without_tesseract_say_what_to_install(tmp_path, monkeypatch):
    from searchlib.ingest import convert
    monkeypatch.setattr(convert, "tesseract_chi_sim", lambda: None)
    path = _write(tmp_path, "scan.pdf", make_pdf([], image_pages=1))
    reason = _skip_reason(path, tmp_path)
    assert reason.startswith("scanned PDF (no text layer): install Tesseract") and "tesseract-ocr-chi-sim" in reason


# --------------------------------------------------------------------------- encodings

TRADITIONAL = "2018年法治政府建設工作報告\n一、主要工作\n全年共辦理行政復議案件30件，依法糾錯5件。\n"


def test_big5_text_is_detected(tmp_path):
    for codec in ("big5", "big5hkscs"):
        decoded = decode_text(TRADITIONAL.encode(codec))
        assert decoded.text == TRADITIONAL and decoded.encoding == "big5hkscs" and decoded.warning is None
    src = read_document(_write(tmp_path, "tw.txt", TRADITIONAL.encode("big5")), tmp_path)
    assert "行政復議" in src.text and src.encoding == "big5hkscs"


def test_gb_text_stays_gb18030():
    simplified = "2018年法治政府建设工作报告\n全年共办理行政复议案件30件，依法纠错5件。\n"
    for codec in ("gb2312", "gbk", "gb18030"):
        assert decode_text(simplified.encode(codec))[:2] == (simplified, "gb18030")


def test_short_big5_and_gb_texts():
    assert decode_text("行政復議".encode("big5")).encoding == "big5hkscs"
    assert decode_text("行政复议".encode("gbk")).encoding == "gb18030"


def test_declared_big5_page(tmp_path):
    page = (f'<html><head><meta charset="big5"><title>報告</title></head><body><div class="content">'
            f'<p>{TRADITIONAL.splitlines()[2]}</p></div></body></html>')
    src = read_document(_write(tmp_path, "tw.html", page.encode("big5")), tmp_path)
    assert "行政復議" in src.text and src.encoding == "big5hkscs"


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_utf16_without_bom(codec):
    text = "法治政府建设\n行政复议案件30件。\n"
    assert decode_text(text.encode(codec))[:2] == (text, codec)


def test_binary_with_nul_bytes_is_still_binary():
    with pytest.raises(IngestError, match="binary file"):
        decode_text(bytes(range(256)) * 8)


def test_low_confidence_decoding_is_reported(tmp_path):
    data = ("行政复议案件办理情况良好。" * 40).encode("utf-8")
    data = data[:201] + b"\xff" + data[201:]          # one byte no encoding explains
    decoded = decode_text(data)
    assert decoded.encoding == "utf-8" and "low confidence" in decoded.warning
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "odd.txt").write_bytes(data)
    r = CliRunner().invoke(main, ["--index", str(tmp_path / "index"), "build", str(corpus)])
    assert r.exit_code == 0, r.output
    assert "warning: " in r.output and "odd.txt: decoded as utf-8 with low confidence" in r.output
    report = api.build([corpus], tmp_path / "index2")
    assert report.warnings and report.warnings[0][0].endswith("odd.txt")


# --------------------------------------------------------------------------- traditional Chinese

def test_fold_traditional_keeps_length_and_simplified_text():
    assert fold_traditional("行政復議") == "行政复议"
    assert normalize("行政復議 著作權 乾淨") == "行政复议 著作权 干净"
    for text in ("依法惩处破坏土地资源犯罪", "乾县", "乾隆年间", "行政复议"):
        assert fold_traditional(text) == text          # simplified text is never converted
    for seed in SEEDS:
        text = seed.read_text(encoding="utf-8")
        assert fold_traditional(text) == text
    mixed = TRADITIONAL * 3
    assert len(fold_traditional(mixed)) == len(mixed)
    assert fold_traditional("\udcff復議") == "\udcff复议"     # a lone surrogate (undecodable argv) is kept


def test_traditional_and_simplified_find_each_other(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "hk.txt").write_bytes(TRADITIONAL.encode("big5"))
    (corpus / "cn.txt").write_text("某某县2018年法治政府建设工作报告\n一、主要工作\n全年共办理行政复议案件12件。\n",
                                   encoding="utf-8")
    index = api.build([corpus], tmp_path / "index")
    assert not index.skipped
    with api.open_index(tmp_path / "index") as idx:
        for query in ("行政复议", "行政復議"):
            hits = idx.search(query).hits
            assert {h.doc_id for h in hits} == {"hk.txt", "cn.txt"}, query
        hk = next(h for h in idx.search("行政复议").hits if h.doc_id == "hk.txt")
        assert "行政復議" in hk.text                                 # shown as written
        assert "<mark>行政復議</mark>" in hk.snippet


# --------------------------------------------------------------------------- a mixed folder

def test_mixed_folder_summary_by_format(tmp_path):
    corpus = tmp_path / "corpus"
    (corpus / "sub").mkdir(parents=True)
    (corpus / "a.pdf").write_bytes(make_pdf(PAGES))
    (corpus / "locked.pdf").write_bytes(encrypt_pdf(make_pdf(PAGES)))
    (corpus / "scan.pdf").write_bytes(make_pdf([], image_pages=1))
    (corpus / "b.docx").write_bytes(make_docx([("Heading 1", "主要工作"), ("", "受理行政复议申请12件。")]))
    (corpus / "c.txt").write_bytes(TRADITIONAL.encode("big5"))
    (corpus / "old.doc").write_bytes(b"\xd0\xcf\x11\xe0" + b"\x00" * 64)
    (corpus / "sub" / "logo.jpg").write_bytes(b"\xff\xd8\xff")
    (corpus / "sub" / "photo.jpg").write_bytes(b"\xff\xd8\xff")
    r = CliRunner().invoke(main, ["--index", str(tmp_path / "index"), "build", str(corpus)])
    assert r.exit_code == 3, r.output
    assert "Indexed 3 documents" in r.output
    assert "locked.pdf: encrypted PDF: needs a password" in r.output
    assert "scan.pdf: scanned PDF" in r.output             # OCR'd, or what to install
    assert "old.doc: " in r.output and "LibreOffice" in r.output
    assert "skipped: 2 .jpg file(s): unsupported format" in r.output and "logo.jpg" not in r.output
    assert "By format: pdf: 1 indexed, 2 skipped; jpg: 2 skipped; doc: 1 skipped; docx: 1 indexed; " \
           "txt: 1 indexed" in r.output
    assert "5 file(s) skipped" in r.output
    report = api.build([corpus], tmp_path / "index2")
    assert report.by_format() == {"pdf": {"indexed": 1, "skipped": 2}, "jpg": {"indexed": 0, "skipped": 2},
                                  "doc": {"indexed": 0, "skipped": 1}, "docx": {"indexed": 1, "skipped": 0},
                                  "txt": {"indexed": 1, "skipped": 0}}
    assert json.loads(json.dumps(report.to_dict()))["by_format"]["pdf"] == {"indexed": 1, "skipped": 2}
    with api.open_index(tmp_path / "index2") as idx:
        assert {h.doc_id for h in idx.search("行政复议").hits} == {"a.pdf", "b.docx", "c.txt"}


def test_traditional_documents_get_their_region_and_section_kinds():
    from searchlib.metadata import document_metadata
    from searchlib.models import SourceDocument
    from searchlib.structure import classify_heading
    title = "廣東省人民政府關於2019年法治政府建設情況的報告"
    doc_type, year, region = document_metadata(SourceDocument(path="x", doc_id="x", text=title, title=title))
    assert (doc_type, year, region.code) == ("annual_report", 2019, "440000")
    assert classify_heading("三、存在問題和不足") == "problems" and classify_heading("四、下一步工作計劃") == "plans"


def test_an_article_naming_a_furniture_word_is_kept_and_a_broken_title_is_joined():
    from searchlib.ingest.plaintext import clean_text, is_boilerplate
    assert not is_boilerplate("第十五条承办单位办理诉求应当遵守下列规定：")
    assert is_boilerplate("承办单位：市政府办公室")
    text, meta = clean_text("政府工作报\n告\n\n——2021年3月5日在第十三届全国人民代表大会第四次会议上\n\n各位代表：\n现在，我代表国务院，向大会报告政府工作。\n")
    assert meta["title"] == "政府工作报告"


def test_docx_with_a_damaged_zip_directory_is_skipped_not_a_crash(tmp_path):
    """zipfile raises NotImplementedError (not BadZipFile) for an unknown 'version needed
    to extract': one damaged file must be skipped, not stop the build."""
    data = bytearray(make_docx([("", "某县2020年法治政府建设情况报告"), ("", "受理行政复议案件12件。")]))
    at = data.find(b"PK\x01\x02")           # the first central directory entry
    data[at + 6:at + 8] = (204).to_bytes(2, "little")
    path = _write(tmp_path, "damaged.docx", bytes(data))
    assert _skip_reason(path, tmp_path).startswith("unreadable DOCX (NotImplementedError")


def test_word_lock_file_is_named_as_such(tmp_path):
    """~$报告.docx (162 bytes Word leaves beside an open document) was reported as "not a
    .docx file (not a zip archive; an old .doc renamed? …)": advice that does not apply."""
    lock = _write(tmp_path, "~$报告.docx", b"\x0cAdministrator" + b"\x00" * 148)
    assert _skip_reason(lock, tmp_path).startswith("a Word lock file")


def test_docx_whose_first_heading_is_the_reports_name_takes_it_as_title(tmp_path):
    from searchlib.ingest import read_document
    from tests.filegen import make_docx
    path = tmp_path / "b.docx"
    path.write_bytes(make_docx([("Heading 1", "某县2019年依法行政工作报告"), ("Heading 1", "一、主要工作"),
                                ("Normal", "全年受理行政复议申请8件，审结7件。")]))
    doc = read_document(path, tmp_path)
    assert doc.title == "某县2019年依法行政工作报告"
    assert "某县2019年依法行政工作报告" not in doc.text.split("\n")
    assert doc.heading_levels == {"一、主要工作": 1}


# --------------------------------------------------------------------------- metadata from any script and file

def test_traditional_labels_and_furniture_read_like_simplified_ones(tmp_path):
    page = ("2018年法治政府建設工作報告\n發佈時間：2019-05-07 10:00 來源：區法制辦\n文號：蓮政辦發〔2019〕20號\n"
            "索引號：11330206-2019-00012\n一、主要工作\n全年共辦理行政復議案件30件，依法糾錯5件。\n"
            "掃一掃在手機打開當前頁\n主辦單位：某某區人民政府辦公室\n")
    src = read_document(_write(tmp_path, "t.txt", page.encode("big5", "replace")), tmp_path)
    assert (src.published, src.source, src.doc_number, src.index_number) == \
        ("2019-05-07", "区法制办", "莲政办发〔2019〕20号", "11330206-2019-00012")
    assert "掃一掃" not in src.text and "主辦單位" not in src.text and "行政復議案件30件" in src.text


def test_a_doc_number_on_its_own_line_is_read(tmp_path):
    page = ("西安市莲湖区人民政府办公室关于印发莲湖区2017年法治政府建设工作要点的通知\n莲政办发〔2017〕20号\n"
            "各街道办事处，区政府各工作部门：\n现将《莲湖区2017年法治政府建设工作要点》印发给你们，请认真贯彻落实。\n")
    src = read_document(_write(tmp_path, "n.txt", page.encode("utf-8")), tmp_path)
    assert src.doc_number == "莲政办发〔2017〕20号" and "莲政办发" not in src.text


def test_a_docx_without_a_title_line_takes_its_title_property(tmp_path):
    import docx
    for stated, expected in (("某县2019年法治政府建设工作报告", "某县2019年法治政府建设工作报告"),
                             ("Microsoft Word - 文档1.doc", "p")):
        d = docx.Document()
        d.core_properties.title = stated
        d.add_paragraph("一、主要工作")
        d.add_paragraph("全年办理行政复议案件42件，纠错率11%。")
        d.save(tmp_path / "p.docx")
        assert read_document(tmp_path / "p.docx", tmp_path).title == expected


def test_a_title_style_holding_site_navigation_is_not_the_title(tmp_path):
    data = make_docx([("Title", "<‹返回 秦皇岛市政府网站"), ("", "秦皇岛市2018年度法治政府建设工作报告"),
                      ("", "2018年，我市法治政府建设取得新进展。全年办理行政复议案件42件。")])
    src = read_document(_write(tmp_path, "q.docx", data), tmp_path)
    assert src.title == "秦皇岛市2018年度法治政府建设工作报告" and "返回" not in src.text


def test_a_pdf_without_a_title_line_takes_its_title_property(tmp_path):
    import io

    import pypdf
    reader = pypdf.PdfReader(io.BytesIO(make_pdf([["一、主要工作", "全年办理行政复议案件42件，纠错率11%。"]])))
    for stated, expected in (("某县2019年法治政府建设工作报告", "某县2019年法治政府建设工作报告"), ("文档1", "t")):
        writer = pypdf.PdfWriter()
        for page in reader.pages:
            writer.add_page(page)
        writer.add_metadata({"/Title": stated})
        with open(tmp_path / "t.pdf", "wb") as fh:
            writer.write(fh)
        assert read_document(tmp_path / "t.pdf", tmp_path).title == expected


def test_a_docx_text_part_over_the_limit_is_refused_before_parsing(tmp_path, monkeypatch):
    from searchlib.ingest import word
    monkeypatch.setattr(word, "MAX_DOCUMENT_XML", 10_000)
    path = _write(tmp_path, "huge.docx", make_docx([("", LONG * 200)]))
    assert "DOCX text part too large" in _skip_reason(path, tmp_path)
