"""PDF reading by layout (searchlib/ingest/pdf.py).

The seed reports written as their authors would (tests/authored.py) and exported to PDF by
LibreOffice read like the seeds' text: same title, year, region and type, every quoted
phrase intact, the same paragraphs and headings, no running header or 第 N 页 共 M 页
footer, two columns read one after the other; a file whose structure cannot be read is
indexed with a warning. The documents are made once for the module, in one LibreOffice
run. Hand-drawn PDFs (no LibreOffice needed) pin down reading by position: punctuation
drawn before the Chinese text of its line, a running header that repeats the title, a
heading set larger than the body, a rotated watermark."""
from __future__ import annotations

import re
import subprocess
import tempfile
import time
import zlib
from pathlib import Path

import pytest

from searchlib.ingest import extract_pdf, read_document
from searchlib.pipeline import _analyse_job, analyse_file

from .conftest import CORPUS
from .filegen import pdf_file

try:                                            # LibreOffice-made files; the hand-drawn ones need nothing
    from . import authored as authored_module
    SOFFICE = authored_module.SOFFICE
except ImportError:
    authored_module, SOFFICE = None, None
needs_soffice = pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not installed")

QUOTED = re.compile(r"“[^“”\n]{2,40}”")
FOOTER = re.compile(r"第\s*\d+\s*页\s*共\s*\d+\s*页")
BROKEN = "structure looks broken"


def _seed(prefix: str) -> Path:
    return next(CORPUS.glob(f"{prefix}_*.txt"))


def _first_line(text: str) -> str:
    return next(line.strip() for line in text.splitlines() if line.strip())


def _chopped(text: str) -> str:
    """The clean text with each paragraph cut into pieces of 9-21 characters, each a paragraph
    of its own (a PDF printed from hard-wrapped text)."""
    lines = [line for line in text.splitlines() if line.strip()]
    widths = (9, 15, 21, 12, 18)
    pieces = [lines[0]]
    for line in lines[1:]:
        i = k = 0
        while i < len(line):
            pieces.append(line[i:i + widths[k % len(widths)]])
            i += widths[k % len(widths)]
            k += 1
    return "\n\n".join(pieces)


def _documents() -> dict[str, tuple[str, dict, Path]]:
    """name -> (text to write, authored() options, seed the result should read like)."""
    raw = {p: _seed(p).read_text(encoding="utf-8") for p in ("001", "002", "003", "004")}
    clean_002 = read_document(_seed("002"), CORPUS)
    clean_002_text = clean_002.title + "\n\n" + "\n\n".join(clean_002.text.splitlines())
    no_headings = "\n\n".join(line for line in clean_002_text.split("\n\n")
                              if not authored_module.heading_level(line))
    return {
        # a two-line title, quoted jargon, 一、/（一） headings
        "plain": (raw["001"], {}, _seed("001")),
        # a two-line title that the running header repeats, 第 N 页 共 M 页 footer
        "header": (raw["003"], {"header": _first_line(raw["003"]), "page_numbers": True}, _seed("003")),
        # two columns; a one-line title the running header repeats word for word
        "columns": (raw["002"], {"columns": 2, "header": _first_line(raw["002"]), "page_numbers": True},
                    _seed("002")),
        # headings as bold body paragraphs (no heading styles), “放管服”
        "bold": (raw["004"], {"heading_styles": False}, _seed("004")),
        "broken": (_chopped(clean_002_text), {}, _seed("002")),
        "no-headings": (no_headings, {}, _seed("002")),
    }


def _make(documents: dict[str, tuple[str, dict, Path]], out: Path) -> dict[str, Path]:
    """The documents as PDFs: written as Flat ODT by tests/authored.py and converted in one
    LibreOffice run (one call per document when its XML writer is not there)."""
    fodt = getattr(authored_module, "_fodt", None)
    if fodt is None:
        return {name: authored_module.authored(text, "pdf", out, name=name, **options)
                for name, (text, options, _) in documents.items()}
    with tempfile.TemporaryDirectory(prefix="pdf-layout-") as tmp:
        work = Path(tmp)
        sources = []
        for name, (text, options, _) in documents.items():
            source = work / f"{name}.fodt"
            source.write_text(fodt(text, header=options.get("header"), page_numbers=options.get("page_numbers", False),
                                   columns=options.get("columns", 1),
                                   heading_styles=options.get("heading_styles", True)), encoding="utf-8")
            sources.append(str(source))
        proc = subprocess.run([SOFFICE, f"-env:UserInstallation={(work / 'profile').as_uri()}", "--headless",
                               "--norestore", "--convert-to", "pdf", "--outdir", str(out), *sources],
                              capture_output=True, text=True, timeout=300)
    made = {name: out / f"{name}.pdf" for name in documents}
    missing = [name for name, path in made.items() if not path.is_file()]
    if missing:
        pytest.fail(f"LibreOffice did not make {missing}: {proc.stderr.strip()[:300]}")
    return made


@pytest.fixture(scope="module")
def pdfs(tmp_path_factory):
    if SOFFICE is None:
        pytest.skip("LibreOffice (soffice) is not installed")
    out = tmp_path_factory.mktemp("pdf-layout")
    documents = _documents()
    paths = _make(documents, out)
    return {name: (analyse_file(paths[name], out), analyse_file(seed, CORPUS))
            for name, (_, _, seed) in documents.items()}


def _meta(doc) -> tuple:
    return doc.title, doc.year, doc.region.code if doc.region else None, doc.doc_type


def _headings(doc) -> list[str]:
    return [s.heading for s in doc.sections if s.heading]


# --------------------------------------------------------------------------- LibreOffice PDFs

@needs_soffice
@pytest.mark.parametrize("name", ["plain", "header", "columns", "bold"])
def test_title_year_region_and_type_as_in_the_text(pdfs, name):
    doc, text = pdfs[name]
    assert _meta(doc) == _meta(text)
    assert doc.source.format == "pdf"


@needs_soffice
def test_a_title_on_two_lines_is_one_title_even_when_the_running_header_repeats_it(pdfs):
    doc, text = pdfs["header"]
    title = "西安市莲湖区人民政府办公室关于印发莲湖区2017年法治政府建设工作要点的通知"
    assert doc.title == text.title == title        # printed on two lines at the top of page 1
    # the header line on every page is gone, the title is not a passage
    assert not any(title in p.text for p in doc.passages)
    one_line, _ = pdfs["columns"]                   # header = title word for word, page 1 too
    assert one_line.title == "厦门市湖里区法治政府建设创新情况报告"


@needs_soffice
@pytest.mark.parametrize("name", ["plain", "header", "columns", "bold"])
def test_quoted_phrases_are_intact(pdfs, name):
    doc, text = pdfs[name]
    phrases = QUOTED.findall(text.source.text)
    assert phrases
    missing = [p for p in phrases if p not in doc.source.text]
    # LibreOffice now and then leaves a line's last 、 or 。 out of the PDF: at most one phrase
    assert len(missing) <= 1, missing
    if name == "bold":
        assert "“放管服”" in doc.source.text


@needs_soffice
@pytest.mark.parametrize("name", ["plain", "header", "columns", "bold"])
def test_paragraphs_and_headings_as_in_the_text(pdfs, name):
    doc, text = pdfs[name]
    assert abs(len(doc.passages) - len(text.passages)) <= 0.1 * len(text.passages)
    assert _headings(doc) == _headings(text)
    paragraphs = text.source.text.splitlines()
    lines = set(doc.source.text.splitlines())
    assert sum(p in lines for p in paragraphs) >= 0.95 * len(paragraphs)
    assert not any(BROKEN in w for w in doc.source.warnings)


@needs_soffice
@pytest.mark.parametrize("name", ["header", "columns"])
def test_running_header_and_page_number_footer_are_removed(pdfs, name):
    doc, text = pdfs[name]
    body = doc.source.text
    assert not FOOTER.search(body) and "第1页" not in body.replace(" ", "")
    assert doc.title not in body.splitlines()
    assert sum(p.text.count(doc.title) for p in doc.passages) == sum(p.text.count(doc.title) for p in text.passages)


@needs_soffice
def test_two_columns_are_read_one_after_the_other(pdfs):
    doc, text = pdfs["columns"]
    lines = doc.source.text.splitlines()
    where = [lines.index(p) for p in text.source.text.splitlines() if p in lines]
    assert len(where) >= 0.9 * len(text.source.text.splitlines())
    assert where == sorted(where)                   # every paragraph whole, in the text's order


@needs_soffice
@pytest.mark.parametrize("name, why", [("broken", "end mid-sentence"), ("no-headings", "no headings")])
def test_a_pdf_whose_structure_looks_broken_is_indexed_with_a_warning(pdfs, name, why):
    doc, _ = pdfs[name]
    assert doc.passages                             # still indexed
    warnings = [w for w in doc.source.warnings if BROKEN in w]
    assert len(warnings) == 1 and why in warnings[0], doc.source.warnings


# --------------------------------------------------------------------------- hand-drawn PDFs

def _drawn_pdf(pages: list[list[tuple]]) -> bytes:
    """A PDF whose pages draw runs of text in the given order, each ``(x, y, size, text)`` or
    ``(x, y, size, text, (a, b, c, d))`` (a rotation), in a Type0 font with a ToUnicode map
    and every glyph one em wide."""
    objects: list[bytes] = []

    def add(body: bytes) -> int:
        objects.append(body)
        return len(objects)

    def stream(data: bytes) -> bytes:
        data = zlib.compress(data)
        return b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(data) + data + b"\nendstream"

    used = sorted({ord(ch) for page in pages for run in page for ch in run[3]})
    cmap = (b"/CIDInit /ProcSet findresource begin 12 dict begin begincmap\n/CIDSystemInfo << /Registry (Adobe) "
            b"/Ordering (UCS) /Supplement 0 >> def\n/CMapName /Adobe-Identity-UCS def /CMapType 2 def\n"
            b"1 begincodespacerange <0000> <FFFF> endcodespacerange\n%d beginbfchar\n" % len(used)
            + b"".join(b"<%04X> <%04X>\n" % (c, c) for c in used)
            + b"endbfchar\nendcmap CMapName currentdict /CMap defineresource pop end end")
    tounicode = add(stream(cmap))
    descriptor = add(b"<< /Type /FontDescriptor /FontName /TestSong /Flags 4 /FontBBox [0 -200 1000 900] "
                     b"/ItalicAngle 0 /Ascent 900 /Descent -200 /CapHeight 700 /StemV 80 >>")
    cidfont = add(b"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /TestSong /CIDSystemInfo << /Registry (Adobe) "
                  b"/Ordering (Identity) /Supplement 0 >> /FontDescriptor %d 0 R /DW 1000 /CIDToGIDMap /Identity >>"
                  % descriptor)
    font = add(b"<< /Type /Font /Subtype /Type0 /BaseFont /TestSong /Encoding /Identity-H "
               b"/DescendantFonts [%d 0 R] /ToUnicode %d 0 R >>" % (cidfont, tounicode))
    pages_id = len(objects) + 1 + 2 * len(pages)
    page_ids = []
    for runs in pages:
        ops = []
        for run in runs:
            x, y, size, text = run[:4]
            a, b, c, d = run[4] if len(run) > 4 else (1, 0, 0, 1)
            hexed = "".join(f"{ord(ch):04X}" for ch in text)
            ops.append(f"BT /F1 1 Tf {a * size:.3f} {b * size:.3f} {c * size:.3f} {d * size:.3f} {x} {y} Tm "
                       f"<{hexed}> Tj ET")
        content = add(stream("\n".join(ops).encode("ascii")))
        page_ids.append(add(b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 595 842] /Contents %d 0 R "
                            b"/Resources << /Font << /F1 %d 0 R >> >> >>" % (pages_id, content, font)))
    kids = b" ".join(b"%d 0 R" % p for p in page_ids)
    assert add(b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, len(page_ids))) == pages_id
    catalog = add(b"<< /Type /Catalog /Pages %d 0 R >>" % pages_id)
    return pdf_file(objects, catalog)


TITLE = "某某区2019年法治政府建设情况报告"
BODY = ("2019年，我区深入推进“放管服”改革，全面推行“最多跑一次”，办理行政复议案件42件，"
        "依法纠错5件，行政机关负责人出庭应诉率达到100%。全区落实“谁执法谁普法”普法责任制，"
        "开展“法律进社区”活动120场。")
LEFT, WIDTH, SIZE = 72.0, 26, 16        # a 26-character column at x 72..488


def _column(text: str, top: float, indent: bool = True) -> list[tuple[float, float, str]]:
    """``text`` laid out as justified lines: (x, baseline, line text), first line indented."""
    lines, first, i = [], True, 0
    while i < len(text):
        room = WIDTH - (2 if first and indent else 0)
        lines.append((LEFT + (WIDTH - room) * SIZE, top - len(lines) * 1.5 * SIZE, text[i:i + room]))
        i += room
        first = False
    return lines


def _runs_quotes_first(lines: list[tuple[float, float, str]]) -> list[tuple]:
    """Each line drawn as LibreOffice does with a Latin font for “”: the quotes first, at
    their places, then the Chinese text around them."""
    runs = []
    for x, y, text in lines:
        for i, ch in enumerate(text):
            if ch in "“”":
                runs.append((x + i * SIZE, y, SIZE, ch))
        for match in re.finditer(r"[^“”]+", text):
            runs.append((x + match.start() * SIZE, y, SIZE, match.group()))
    return runs


def test_punctuation_drawn_before_its_line_is_read_where_it_is_printed():
    lines = _column(BODY, 700)
    pdf = _drawn_pdf([[(LEFT, 760, 22, TITLE), *_runs_quotes_first(lines)]])
    text, meta = extract_pdf(pdf)
    assert meta["title"] == TITLE
    assert text.splitlines() == [BODY.replace("，", ",")]           # one paragraph, quotes in place
    for phrase in ("“放管服”", "“最多跑一次”", "“谁执法谁普法”", "“法律进社区”"):
        assert phrase in text


def test_a_running_header_that_repeats_the_title_goes_and_the_title_stays():
    second = "二、存在的问题。基层执法力量不足，执法人员专业素养有待进一步提高，行政执法监督还不够有力。"
    page1 = [(200, 800, 10, TITLE), (LEFT, 740, 22, TITLE), (LEFT, 690, SIZE, "一、主要工作"),
             *[(x, y - 50, SIZE, t) for x, y, t in _column(BODY, 690)], (280, 60, 10, "- 1 -")]
    page2 = [(200, 800, 10, TITLE), *[(x, y, SIZE, t) for x, y, t in _column(second, 740)],
             (280, 60, 10, "- 2 -")]
    text, meta = extract_pdf(_drawn_pdf([page1, page2]))
    assert meta["title"] == TITLE
    assert TITLE not in text and "- 1 -" not in text and "- 2 -" not in text
    assert text.splitlines() == ["一、主要工作", BODY.replace("，", ","), second.replace("，", ",")]


def test_a_heading_set_larger_than_the_body_is_a_heading_without_a_number():
    first, second = BODY[:40] + "。", BODY[40:]
    runs = [(LEFT, 780, 22, TITLE), *[(x, y, SIZE, t) for x, y, t in _column(first, 730)],
            (LEFT, 640, 20, "工作回顾与展望"), *[(x, y, SIZE, t) for x, y, t in _column(second, 600)]]
    text, meta = extract_pdf(_drawn_pdf([runs]))
    assert text.splitlines() == [first.replace("，", ","), "工作回顾与展望", second.replace("，", ",")]
    assert meta["heading_levels"] == {"工作回顾与展望": 1}


def test_characters_drawn_one_by_one_in_a_font_that_is_not_embedded_are_all_read():
    """PDFium drops a text object whose glyphs it cannot measure (here: a one-character
    object in a font neither embedded nor installed); such a file is read by pdfminer."""
    runs = [(LEFT, 780, 22, TITLE)]
    for x, y, line in _column(BODY, 730):
        runs += [(x + i * SIZE, y, SIZE, ch) for i, ch in enumerate(line)]
    text, meta = extract_pdf(_drawn_pdf([runs]))
    assert meta["title"] == TITLE and text.splitlines() == [BODY.replace("，", ",")]


def test_a_rotated_watermark_is_not_text():
    runs = [(LEFT, 780, 22, TITLE), *[(x, y, SIZE, t) for x, y, t in _column(BODY, 730)],
            (150, 300, 60, "内部资料", (0.7071, 0.7071, -0.7071, 0.7071))]
    text, _ = extract_pdf(_drawn_pdf([runs]))
    assert text.splitlines() == [BODY.replace("，", ",")] and "内部" not in text


def test_running_out_of_time_inside_the_pdf_library_is_a_time_out(tmp_path, monkeypatch):
    import pypdfium2
    (tmp_path / "slow.pdf").write_bytes(_drawn_pdf([[(LEFT, 780, 22, TITLE)]]))
    monkeypatch.setenv("SEARCHLIB_FILE_TIMEOUT", "0.2")
    monkeypatch.setattr(pypdfium2, "PdfDocument", lambda *args, **kwargs: time.sleep(5))
    result = _analyse_job((tmp_path / "slow.pdf", tmp_path, False))
    assert "took longer than 0.2 s" in result.reason
