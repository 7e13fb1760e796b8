"""PDF ingestion: ``extract_pdf`` turns a text PDF into article text (one paragraph per line,
headings on lines of their own, the title first) and metadata, the same input ``clean_text``
gives for a scraped page.

The text layer is read character by character with pypdfium2 (PDFium, the PDF engine of
Chrome): each character's code point, baseline origin, advance box, font size (times the text
matrix's scale), font name, weight and render mode (LibreOffice's bold is a stroked outline).
Why this library: on LibreOffice-made reports its characters and positions are as faithful as
pdfplumber's (every quoted phrase intact once ordered by position) at about 6 ms a page of
characters and boxes against about 70 ms for pdfplumber, 60 ms for pdfminer's layout analysis
and 45 ms for pypdf's ``extract_text`` (which gives drawing order); it opens RC4 and AES files
that need no password by itself and tells password-protected ones apart. One gap: PDFium
leaves out a text object whose glyphs it cannot measure (a font that is not embedded and that
no installed font stands in for); a page with such objects is read through pdfminer
(pdfplumber) instead, slower but whole. Then the page is read by layout, never by drawing
order or character counts:

* reading order: characters are grouped into rows by baseline (superscripts join their row,
  overprinted duplicates and rotated watermarks go) and ordered by x, so punctuation drawn in
  a Latin font before the Chinese text of its line (“”) lands where it is printed. Columns
  are found per page from the rows' horizontal coverage: a gutter is a vertical strip in the
  middle that almost no row crosses while enough rows lie on both sides of it. Rows that
  cross it (a title over both columns, a header) are read where they are; between them each
  column is read top to bottom, left column first;
* running headers and footers go: page numbers (``- 3 -``, ``第 3 页 共 12 页``, ``3/12`` …)
  among the two top and bottom rows of a page, and any top or bottom row whose text (digits
  ignored) comes back on half the pages or more at the same height and size. A title that
  the running header repeats stays: it is printed at another height, in another size;
* the title is the run of lines in the largest font at the top of the first page, larger than
  the body text (one to six lines, joined), and comes first;
* paragraphs come from geometry: a line goes on into the next when it reaches the right
  edge of its column (the edge most full lines share) and the next line is not indented,
  not set apart by a vertical gap, not in another size or weight; a line that ends short of
  the edge, a centred or right-aligned line, and a line in a heading's style end their
  paragraph. Where a document has no first-line indents and ragged right edges, a line
  that fills most of the width and does not end a sentence goes on;
* headings are the short paragraphs in a larger size, in bold or in another typeface than
  the body, and numbered ones (一、 （一） 1. 第一章). Unnumbered headings found by style are
  given to the section parser in ``meta["heading_levels"]``, as DOCX heading styles are.

A document that reads as mostly one-line paragraphs or paragraphs that end mid-sentence, or as a
long text without a heading, is indexed with a warning that its structure looks broken.

Bounds, with the reason as the skip message: at most ``MAX_PAGES`` pages; a file that needs a
password is "encrypted"; one whose pages have no text at all is "no text layer" (a scan:
OCR it first), never an empty document; one whose text is mostly private-use or control
characters (fonts without a Unicode mapping) "cannot be read"; a file PDFium cannot open is
"unreadable PDF". The per-file time budget of the pipeline bounds the rest: PDFium is
called once per character and page, so the alarm interrupts between calls.
"""
from __future__ import annotations

import ctypes
import io
import logging
import math
import re
import threading
import unicodedata
from collections import Counter, defaultdict
from statistics import median
from typing import Optional, Union

from ..errors import IngestError
from ..normalize import normalize_document_text
from .plaintext import clean_text, property_title

MAX_PAGES = 1000
_REPEATED_SHARE = 0.5        # a running header/footer is on at least this share of the pages
_EDGE_LINES = 2              # header/footer rows looked for at each end of a page
_MAX_GARBAGE = 0.3           # share of private-use/control/unassigned characters: an unmapped font
_MAX_RUNNING = 80            # a running header/footer is a line, not a paragraph
_ROW_TOLERANCE = 0.35        # baselines closer than this many font sizes share a row
_SPACE_GAP = 0.2             # a gap of this many font sizes between Latin letters is a space
_WIDE_GAP = 0.9              # any gap this wide is a space (tab stops, spread-out fields)
_JOIN_GAP = 0.6              # characters closer than this (font sizes) cover the gap between them
_MIN_COLUMN_ROWS = 6         # a page needs this many rows before columns are looked for
_GUTTER_SHARE = 0.15         # at most this share of a page's rows cross a column gutter
_SIDE_SHARE = 0.2            # and at least this share lie on each side of it
_FULL_SLACK = 1.2            # a line ending within this many font sizes of the right edge is full
_RAGGED_FULL = 0.85          # without justified edges, a line this share of the width is full
_INDENT = 0.8                # a line starting this many font sizes right of the edge is indented
_CENTRED = 3.5               # ... this many: centred or right-aligned, a line of its own
_GAP = 1.45                  # a baseline step this many times the usual one is a paragraph gap
_TITLE_SIZE = 1.15           # the title is at least this much larger than the body text
_MAX_TITLE_LINES = 6         # a long title in a narrow column
_HEADING_SIZE = 1.1          # a heading is at least this much larger than the body, or bold
_MAX_HEADING = 50            # ... and no longer than this
_BROKEN_PARAGRAPHS = 15      # at least this many paragraphs, and
_BROKEN_SHARE = 0.75         # ... this share of them one line long, or
_BROKEN_CUT = 0.5            # ... this share ending mid-sentence: the structure looks broken
_LONG_WITHOUT_HEADINGS = 3000  # a text this long without a single heading looks broken too

_PAGE_NUMBER = re.compile(
    r"^(?:[-—–_~·•\s]*\d{1,4}[-—–_~·•\s]*"                 # 3, - 3 -, — 3 —
    r"|第\s*\d{1,4}\s*页(?:\s*[,，/]?\s*共\s*\d{1,4}\s*页)?"  # 第 3 页, 第3页 共12页
    r"|共\s*\d{1,4}\s*页\s*[,，]?\s*第\s*\d{1,4}\s*页"
    r"|\d{1,4}\s*/\s*\d{1,4}"                              # 3/12
    r"|page\s*\d{1,4}(?:\s*of\s*\d{1,4})?)$", re.IGNORECASE)
_SENTENCE_END = tuple("。！？；：…!?;:」』”’）)")
HEADING_START = re.compile(r"^(?:第[一二三四五六七八九十百零〇\d]+[章节条编部分]|[一二三四五六七八九十]+[、.．]"
                            r"|[（(][一二三四五六七八九十\d]+[）)]|\d{1,2}[、.．](?!\d))")
_SENTENCE_INSIDE = re.compile(r"[。！？；!?;]")
_CLAUSE_END = tuple("。！？；：，、!?;:,")
_DIGITS = re.compile(r"\d+")
_SPACES = re.compile(r"\s+")
_LATIN_END = re.compile(r"[A-Za-z][,.;:]?$")     # English words wrap at spaces; numbers wrap anywhere
_LATIN_START = re.compile(r"^[A-Za-z]")
_BOLD_NAME = re.compile(r"bold|heavy|black|semibold|demi|粗", re.IGNORECASE)
_SUBSET_PREFIX = re.compile(r"^[A-Z]{6}\+")
_RED_HEAD = re.compile(r"文件$")             # 某某市人民政府文件: the issuing organ's banner, not the title

_LOCK = threading.Lock()     # PDFium is not thread-safe
logging.getLogger("pypdfium2").setLevel(logging.ERROR)

# a character: text, left, right (x along the line), baseline (y, growing down the page),
# font size, style id; a style: (typeface, bold)
_Char = tuple


class _Row:
    """Characters that share a baseline on one page, left to right."""
    __slots__ = ("chars", "y", "size", "text")

    def __init__(self, chars: list, y: float):
        self.chars = chars
        self.y = y
        self.size = 0.0
        self.text = ""

    def finish(self) -> "_Row":
        self.chars.sort(key=lambda c: c[1])
        self.size = _common_size(self.chars)
        self.text = _text(self.chars, self.size)
        return self


class _Line:
    """One line of one column: its text and where and how it is printed."""
    __slots__ = ("text", "x0", "x1", "y", "size", "page", "slot", "flow", "bold", "first_bold", "last_bold",
                 "face", "cjk")

    def __init__(self, chars: list, page: int, slot: tuple, flow: int, styles: list):
        self.size = _common_size(chars)
        self.text = _text(chars, self.size)
        self.x0 = chars[0][1]
        self.x1 = max(c[2] for c in chars)
        self.y = median(c[3] for c in chars)
        self.page, self.slot, self.flow = page, slot, flow
        words = [c for c in chars if c[0].isalnum()]
        bolds = [styles[c[5]][1] for c in words]
        self.bold = bool(bolds) and sum(bolds) >= 0.95 * len(bolds)
        self.first_bold = bolds[0] if bolds else False
        self.last_bold = bolds[-1] if bolds else False
        cjk = [styles[c[5]][0] for c in chars if _is_cjk(c[0])]
        self.cjk = len(cjk)
        self.face = Counter(cjk).most_common(1)[0][0] if cjk else ""


def extract_pdf(data: bytes) -> tuple[str, dict]:
    """Article text and metadata of a PDF (raw bytes). Raises ``IngestError`` with the
    reason for an encrypted, image-only, too long or unreadable file."""
    pages, styles, imaged = _read_rows(data)
    if not any(pages):
        raise IngestError(f"no text layer (scanned or image-only PDF, {len(pages)} page(s)): OCR it first")
    joined = "".join(row.text for page in pages for row in page)
    garbage = sum(1 for ch in joined if unicodedata.category(ch) in ("Co", "Cc", "Cn") or ch == "\ufffd")
    if garbage > _MAX_GARBAGE * len(joined):
        raise IngestError("text layer cannot be read (fonts without a Unicode mapping): OCR it or "
                          "save it as text from the program that made it")
    had_text = [bool(page) for page in pages]
    pages = [[row for i, row in enumerate(page) if _EDGE_LINES <= i < len(page) - _EDGE_LINES
              or _page_lines(row.text)] for page in pages]
    pages = _drop_running_lines(pages)
    # pages without text, and pages whose only text was a running header over a scan
    textless = sum(1 for i, page in enumerate(pages) if not had_text[i] or (not page and imaged[i]))
    lines = _layout(pages, styles)
    doc = _Document(lines)
    title_lines = doc.title_lines()
    title = join_text([ln.text for ln in title_lines]) if title_lines else ""
    flow = [ln for ln in lines if ln not in title_lines] if title_lines else lines
    paragraphs = doc.paragraphs(flow)
    texts = [join_text([ln.text for ln in par]) for par in paragraphs]
    # the title read by print goes first, one line; clean_text still judges the header
    # (a site's "<<返回" line set large is furniture, a 名称: line names the title)
    text, meta = clean_text("\n".join(([title] if title else []) + texts))
    levels = doc.heading_levels(paragraphs, texts)
    body = set(text.split("\n"))
    if levels:
        meta["heading_levels"] = {line: level for line, level in levels.items() if line in body}
    meta["encoding"] = "pdf"
    if "title" not in meta:
        stated = property_title(_properties(data).get("Title"))   # File → Properties, when it names a document
        if stated:
            meta["title"] = stated
    warnings = []
    if textless:
        warnings.append(f"{textless} of {len(pages)} pages have no text layer (scanned?): not indexed")
    broken = doc.broken(paragraphs, texts, text)
    if broken:
        warnings.append(f"PDF structure looks broken ({broken}): indexed as read, its passages and sections "
                        "may not follow the document")
    if warnings:
        meta["warnings"] = warnings
    return text, meta


# --------------------------------------------------------------------------- characters

def _read_rows(data: bytes) -> tuple[list[list[_Row]], list[tuple[str, bool]], list[bool]]:
    """Each page's rows top to bottom, the style table, and whether each page holds an image."""
    import pypdfium2 as pdfium                     # imported when a PDF is read
    with _LOCK:
        try:
            document = pdfium.PdfDocument(data)
        except pdfium.PdfiumError as e:
            code = getattr(e, "err_code", None)
            if code == pdfium.raw.FPDF_ERR_PASSWORD:
                raise IngestError("encrypted PDF: needs a password") from None
            if code == pdfium.raw.FPDF_ERR_SECURITY:
                raise IngestError("encrypted PDF (unsupported security handler)") from None
            raise IngestError(f"unreadable PDF ({_reason(e)})") from None
        except (MemoryError, RecursionError):
            raise
        except Exception as e:
            raise IngestError(f"unreadable PDF ({type(e).__name__}: {e})") from None
        try:
            count = len(document)
            if count > MAX_PAGES:
                raise IngestError(f"PDF has too many pages ({count} > {MAX_PAGES} limit)")
            if count == 0:
                raise IngestError("unreadable PDF (no pages)")
            styles: list[tuple[str, bool]] = []
            style_ids: dict[tuple[str, bool], int] = {}
            read, imaged, lost = [], [], []
            for index in range(count):
                chars, has_image, page_lost = _page_chars(pdfium, document, index, styles, style_ids)
                read.append(chars)
                imaged.append(has_image)
                if page_lost:
                    lost.append(index)
            if lost:
                read = _pdfminer_chars(data, read, lost, styles, style_ids)
            return [_rows(chars) for chars in read], styles, imaged
        except (IngestError, MemoryError, RecursionError):
            raise
        except Exception as e:     # a damaged page: never stop the batch
            raise IngestError(f"unreadable PDF ({type(e).__name__}: {e})") from None
        finally:
            document.close()


def _properties(data: bytes) -> dict:
    """The PDF's document information (Title, Author, CreationDate …); {} when unreadable."""
    import pypdfium2 as pdfium
    with _LOCK:
        try:
            document = pdfium.PdfDocument(data)
        except Exception:
            return {}
        try:
            return document.get_metadata_dict(skip_empty=True)
        except Exception:
            return {}
        finally:
            document.close()


def _reason(error: Exception) -> str:
    text = str(error)
    match = re.search(r"\(PDFium: ([^)]*)\)", text)
    return match.group(1) if match else text


def _page_chars(pdfium, document, index: int, styles: list, style_ids: dict) -> tuple[list[_Char], bool, bool]:
    """The printed characters of one page: (text, x0, x1, baseline, size, style id), in the
    page's reading direction (the dominant angle of its text), without rotated ones; whether
    the page holds an image (checked on pages with little text); whether PDFium left text out."""
    raw = pdfium.raw
    page = document[index]
    textpage = None
    try:
        textpage = page.get_textpage()
        n = textpage.count_chars()
        lost = _lost_text(raw, page.raw)
        if n <= 0:
            return [], _has_image(raw, page), lost
        text = textpage.get_text_range(0, n)
        exact = len(text) == n
        tp = textpage.raw
        ox, oy = ctypes.c_double(), ctypes.c_double()
        box = raw.FS_RECTF()
        matrix = raw.FS_MATRIX()
        buffer = ctypes.create_string_buffer(256)
        flags = ctypes.c_int()
        objects: dict[int, tuple[int, float, float]] = {}
        found = []
        for i in range(n):
            ch = text[i] if exact else chr(raw.FPDFText_GetUnicode(tp, i) or 0xFFFD)
            if ch in "\r\n\x00\ufffe\uffff" or ch.isspace():
                continue                      # spaces come back from the gaps between letters
            obj = raw.FPDFText_GetTextObject(tp, i)
            key = ctypes.cast(obj, ctypes.c_void_p).value or 0
            known = objects.get(key)
            if known is None:
                # the size printed: the font size times the text and graphics matrices' scale
                # (many writers set 1 Tf and scale the text matrix)
                raw.FPDFText_GetMatrix(tp, i, matrix)
                size = raw.FPDFText_GetFontSize(tp, i) * math.hypot(matrix.c, matrix.d)
                raw.FPDFText_GetFontInfo(tp, i, buffer, len(buffer), ctypes.byref(flags))
                name = _SUBSET_PREFIX.sub("", buffer.value.decode("utf-8", "replace"))
                mode = raw.FPDFTextObj_GetTextRenderMode(obj) if obj else 0
                weight = raw.FPDFText_GetFontWeight(tp, i)
                bold = (weight >= 600 or bool(flags.value & (1 << 18)) or bool(_BOLD_NAME.search(name))
                        or mode in (raw.FPDF_TEXTRENDERMODE_FILL_STROKE, raw.FPDF_TEXTRENDERMODE_FILL_STROKE_CLIP))
                style = (_BOLD_NAME.sub("", name).strip("-,_ ") or name, bold)
                sid = style_ids.get(style)
                if sid is None:
                    sid = style_ids[style] = len(styles)
                    styles.append(style)
                angle = math.atan2(matrix.b, matrix.a) % (2 * math.pi)
                known = objects[key] = (sid, size, angle)
            sid, size, angle = known
            if size <= 0:
                continue
            raw.FPDFText_GetCharOrigin(tp, i, ctypes.byref(ox), ctypes.byref(oy))
            raw.FPDFText_GetLooseCharBox(tp, i, box)
            found.append((ch, ox.value, oy.value, box.left, box.right, box.bottom, box.top, size, sid, angle))
        # a page with little text may be a scan under a stamped header or page number
        return _upright(found), len(found) < 200 and _has_image(raw, page), lost
    finally:
        if textpage is not None:
            textpage.close()
        page.close()


def _lost_text(raw, holder, form: bool = False, depth: int = 0) -> bool:
    """Whether PDFium's text page leaves text of this page out: it skips a text object whose
    glyph boxes have no width, which happens (besides spaces) when the font is not embedded
    and no installed font has its glyphs (a CJK font missing on this machine). Such a page is read by pdfminer."""
    count = raw.FPDFFormObj_CountObjects(holder) if form else raw.FPDFPage_CountObjects(holder)
    left, bottom, right, top = (ctypes.c_float() for _ in range(4))
    for i in range(count):
        obj = raw.FPDFFormObj_GetObject(holder, i) if form else raw.FPDFPage_GetObject(holder, i)
        kind = raw.FPDFPageObj_GetType(obj)
        if kind == raw.FPDF_PAGEOBJ_TEXT:
            raw.FPDFPageObj_GetBounds(obj, left, bottom, right, top)
            if right.value - left.value < 0.01:
                font = raw.FPDFTextObj_GetFont(obj)
                if font and not raw.FPDFFont_GetIsEmbedded(font):
                    return True
        elif kind == raw.FPDF_PAGEOBJ_FORM and depth < 3 and _lost_text(raw, obj, True, depth + 1):
            return True
    return False


def _pdfminer_chars(data: bytes, read: list[list[_Char]], lost: list[int], styles: list,
                    style_ids: dict) -> list[list[_Char]]:
    """``read`` with the pages PDFium left text out of read again by pdfminer (through
    pdfplumber), whose characters have the same positions and sizes; a page pdfminer cannot
    read keeps PDFium's characters."""
    try:
        import pdfplumber
        pdf = pdfplumber.open(io.BytesIO(data))
    except (MemoryError, RecursionError):
        raise
    except Exception:
        return read
    read = list(read)
    try:
        pages = pdf.pages
        for index in lost:
            if index >= len(pages):
                continue
            try:
                chars = pages[index].chars
            except (MemoryError, RecursionError):
                raise
            except Exception:
                continue
            found = []
            for c in chars:
                ch = c.get("text") or ""
                if len(ch) != 1 or ch.isspace() or ch in "\x00\ufffe\uffff" or not c.get("size"):
                    continue
                name = _SUBSET_PREFIX.sub("", str(c.get("fontname") or ""))
                style = (_BOLD_NAME.sub("", name).strip("-,_ ") or name, bool(_BOLD_NAME.search(name)))
                sid = style_ids.get(style)
                if sid is None:
                    sid = style_ids[style] = len(styles)
                    styles.append(style)
                a, b, _, _, e, f = c["matrix"]
                found.append((ch, e, f, c["x0"], c["x1"], c["y0"], c["y1"], float(c["size"]), sid,
                              math.atan2(b, a) % (2 * math.pi)))
            pages[index].close()
            read[index] = _upright(found)
    finally:
        pdf.close()
    return read


def _has_image(raw, page) -> bool:
    count = raw.FPDFPage_CountObjects(page.raw)
    return any(raw.FPDFPageObj_GetType(raw.FPDFPage_GetObject(page.raw, i)) == raw.FPDF_PAGEOBJ_IMAGE
               for i in range(min(count, 200)))


def _upright(found: list) -> list[_Char]:
    """Characters turned to the page's dominant text direction (a landscape page drawn
    rotated reads as lines again); characters at another angle (a diagonal watermark, a
    rotated stamp) are left out."""
    if not found:
        return []
    quarter = Counter(round(c[9] / (math.pi / 2)) % 4 for c in found).most_common(1)[0][0]
    out = []
    for ch, x, y, left, right, bottom, top, size, sid, angle in found:
        turn = (angle - quarter * math.pi / 2) % (2 * math.pi)
        if 0.09 < turn < 2 * math.pi - 0.09:
            continue
        if quarter == 0:
            u0, u1, v = left, right, -y
        elif quarter == 1:
            u0, u1, v = bottom, top, x
        elif quarter == 2:
            u0, u1, v = -right, -left, y
        else:
            u0, u1, v = -top, -bottom, -x
        if u1 - u0 <= 0:
            u1 = u0 + size * 0.5
        out.append((ch, u0, u1, v, size, sid))
    return out


def _rows(chars: list[_Char]) -> list[_Row]:
    """Characters grouped by baseline, rows top to bottom; a row of small characters just
    above or below a row of larger ones (a superscript, a footnote mark) joins it."""
    if not chars:
        return []
    chars = sorted(chars, key=lambda c: (c[3], c[1]))
    rows: list[_Row] = []
    for c in chars:
        row = rows[-1] if rows else None
        if row is not None and c[3] - row.y <= _ROW_TOLERANCE * max(c[4], row.size):
            row.chars.append(c)
            row.size = max(row.size, c[4])
        else:
            row = _Row([c], c[3])
            row.size = c[4]
            rows.append(row)
    rows = [row.finish() for row in rows]
    merged: list[_Row] = []
    for row in rows:
        if merged and row.size < 0.8 * merged[-1].size and row.y - merged[-1].y < 0.6 * merged[-1].size \
                and _overlaps(row, merged[-1]):
            merged[-1].chars.extend(row.chars)
            merged[-1].finish()
            continue
        if merged and merged[-1].size < 0.8 * row.size and row.y - merged[-1].y < 0.6 * row.size \
                and _overlaps(row, merged[-1]) and (len(merged) < 2 or merged[-1].y - merged[-2].y > 0.6 * row.size):
            chars_above = merged.pop().chars
            row.chars.extend(chars_above)
            row.finish()
        merged.append(row)
    return [row for row in merged if row.text]


def _overlaps(a: _Row, b: _Row) -> bool:
    return a.chars[0][1] < b.chars[-1][2] and b.chars[0][1] < a.chars[-1][2]


def _common_size(chars: list) -> float:
    sizes = Counter(round(c[4] * 2) / 2 for c in chars if c[0].isalnum()) or Counter(round(c[4] * 2) / 2 for c in chars)
    return sizes.most_common(1)[0][0]


def _is_cjk(ch: str) -> bool:
    o = ord(ch)
    return 0x2E80 <= o <= 0x9FFF or 0xF900 <= o <= 0xFAFF or 0xFF00 <= o <= 0xFFEF or 0x20000 <= o <= 0x3FFFF


def _is_latin(ch: str) -> bool:
    return ch.isascii() and (ch.isalnum() or ch in ".,;:%&'\"-+/()[]") or ("\u00c0" <= ch <= "\u024f")


def _text(chars: list, size: float) -> str:
    """The text of characters left to right: overprinted copies (fake bold, shadows) once,
    a space where Latin words or spread-out fields are apart."""
    out: list[str] = []
    prev = None
    for c in chars:
        if prev is not None:
            if c[0] == prev[0] and abs(c[1] - prev[1]) < min(1.0, 0.3 * (prev[2] - prev[1])):
                continue                      # drawn again a fraction of a point aside
            gap = c[1] - prev[2]
            if gap >= _WIDE_GAP * size or (gap >= _SPACE_GAP * size and _is_latin(prev[0]) and _is_latin(c[0])):
                out.append(" ")
        out.append(c[0])
        prev = c
    return "".join(out).strip()


# --------------------------------------------------------------------------- page furniture

def _page_lines(text: str) -> list[str]:
    """The lines of ``text`` that are not page numbers (``- 3 -``, ``第 3 页 共 12 页``, ``3/12``…)."""
    lines = [ln.strip() for ln in text.replace("\r", "\n").split("\n")]
    return [ln for ln in lines if ln and not _PAGE_NUMBER.match(ln)]


def _drop_running_lines(pages: list[list[Union[str, _Row]]]) -> list[list[Union[str, _Row]]]:
    """Without the lines that repeat at the top or bottom of most pages (running headers
    and footers; digits are ignored when comparing, so 'xx报告 3' repeats too). Rows (with
    a position) must also repeat at the same height and in the same size: the title that a
    running header repeats is printed elsewhere on page 1 and stays."""
    with_text = [p for p in pages if p]
    positioned = any(isinstance(item, _Row) for page in with_text for item in page)
    if len(with_text) < (2 if positioned else 3):
        return pages
    seen: dict[tuple, list[tuple[int, Optional[float], int]]] = defaultdict(list)
    for number, page in enumerate(pages):
        edges = set(range(min(_EDGE_LINES, len(page)))) | set(range(max(0, len(page) - _EDGE_LINES), len(page)))
        for i in edges:
            text, y, size = _edge_key(page[i])
            if len(text) <= _MAX_RUNNING and (y is not None or not text.endswith(_SENTENCE_END)):
                seen[(_DIGITS.sub("#", _SPACES.sub("", text)), size)].append((number, y, i))
    need = max(2, _REPEATED_SHARE * len(with_text))
    drop: set[tuple[int, int]] = set()
    for (text, size), places in seen.items():
        if len({number for number, _, _ in places}) < need:
            continue
        if places[0][1] is not None:
            middle = median(y for _, y, _ in places)
            places = [p for p in places if abs(p[1] - middle) <= max(2.0, 0.5 * size)]
            if len({number for number, _, _ in places}) < need:
                continue
        drop.update((number, i) for number, _, i in places)
    if not drop:
        return pages
    return [[item for i, item in enumerate(page) if (number, i) not in drop] for number, page in enumerate(pages)]


def _edge_key(item: Union[str, _Row]) -> tuple[str, Optional[float], float]:
    if isinstance(item, _Row):
        return item.text, item.y, item.size
    return item, None, 0.0


# --------------------------------------------------------------------------- columns and lines

def _layout(pages: list[list[_Row]], styles: list) -> list[_Line]:
    """The lines of every page in reading order: columns are read one after the other
    between the rows that cross them."""
    gutters = [_gutters(page) for page in pages]
    usual = Counter(tuple(g) for g in gutters if g).most_common(1)
    lines: list[_Line] = []
    flow = 0
    for number, page in enumerate(pages):
        page_gutters = gutters[number]
        if not page_gutters and usual and _fits(page, list(usual[0][0])):
            page_gutters = list(usual[0][0])     # a short last page of a two-column document
        if not page_gutters:
            for row in page:
                lines.append(_Line(row.chars, number, (1, 0), flow, styles))
            flow += 1
            continue
        band: list[list[list]] = [[] for _ in range(len(page_gutters) + 1)]

        def close_band():
            nonlocal flow
            for column, segments in enumerate(band):
                for chars in segments:
                    lines.append(_Line(chars, number, (len(band), column), flow, styles))
                flow += 1
                segments.clear()

        for row in page:
            if any(_crosses(row.chars, g) for g in page_gutters):
                close_band()
                lines.append(_Line(row.chars, number, (1, 0), flow, styles))
                flow += 1
                continue
            parts: list[list] = [[] for _ in band]
            for c in row.chars:
                parts[sum(1 for g in page_gutters if c[1] + c[2] >= g[0] + g[1])].append(c)
            for column, chars in enumerate(parts):
                if chars and _text(chars, row.size):
                    band[column].append(chars)
        close_band()
    return [ln for ln in lines if ln.text]


def _spans(chars: list, size: float) -> list[tuple[float, float]]:
    """The stretches a row covers: neighbouring characters closer than ``_JOIN_GAP`` font
    sizes make one stretch."""
    spans: list[list[float]] = []
    for c in chars:
        if spans and c[1] - spans[-1][1] < _JOIN_GAP * size:
            spans[-1][1] = max(spans[-1][1], c[2])
        else:
            spans.append([c[1], c[2]])
    return [(a, b) for a, b in spans]


def _gutters(page: list[_Row]) -> list[tuple[float, float]]:
    """The column gutters of a page: vertical strips in its middle that almost no row crosses
    while enough rows have text on either side of them."""
    if len(page) < _MIN_COLUMN_ROWS:
        return []
    size = median(row.size for row in page)
    spans = [_spans(row.chars, row.size) for row in page]
    left = min(s[0][0] for s in spans)
    right = max(s[-1][1] for s in spans)
    width = right - left
    if width < 10 * size:
        return []
    cells = int(width) + 2
    cover = [0] * (cells + 1)
    for row_spans in spans:
        for a, b in row_spans:
            cover[max(0, int(a - left))] += 1
            cover[min(cells, int(b - left) + 1)] -= 1
    running = 0
    for i in range(cells + 1):
        running += cover[i]
        cover[i] = running
    limit = max(1, int(_GUTTER_SHARE * len(page)))
    lo, hi = int(0.15 * width), int(0.85 * width)
    found: list[tuple[float, float]] = []
    i = lo
    while i < hi:
        if cover[i] > limit:
            i += 1
            continue
        j = i
        while j < hi and cover[j] <= limit:
            j += 1
        # widen the strip to where the coverage climbs again
        a, b = i, j
        while a > 0 and cover[a - 1] <= limit:
            a -= 1
        while b < cells and cover[b] <= limit:
            b += 1
        g0, g1 = left + a, left + b
        if g1 - g0 >= 0.4 * size:
            before = sum(1 for row_spans in spans if any(s[1] <= g0 + 1 for s in row_spans))
            after = sum(1 for row_spans in spans if any(s[0] >= g1 - 1 for s in row_spans))
            if before >= max(3, _SIDE_SHARE * len(page)) and after >= max(3, _SIDE_SHARE * len(page)):
                found.append((g0, g1))
        i = j + 1
    return found


def _crosses(chars: list, gutter: tuple[float, float]) -> bool:
    """Whether a row runs over a gutter (a title or header over both columns): a letter
    centred in it, or text without a break across its middle. Punctuation hanging into the
    gutter from the end of a column's line does not count."""
    g0, g1 = gutter
    middle = (g0 + g1) / 2
    left = right = None
    for c in chars:
        if not c[0].isalnum():
            continue
        centre = (c[1] + c[2]) / 2
        if g0 < centre < g1:
            return True
        if centre < middle:
            left = c[2] if left is None else max(left, c[2])
        elif right is None:
            right = c[1]
    return left is not None and right is not None and right - left < _JOIN_GAP * _common_size(chars)


def _fits(page: list[_Row], gutters: list[tuple[float, float]]) -> bool:
    """Whether another page's gutters hold on this one: some row has text on both sides and
    few cross them."""
    if not page:
        return False
    crossing = sum(1 for row in page if any(_crosses(row.chars, g) for g in gutters))
    both = sum(1 for row in page for g in gutters
               if any(c[2] <= g[0] + 1 for c in row.chars) and any(c[1] >= g[1] - 1 for c in row.chars))
    return both > 0 and crossing <= _GUTTER_SHARE * len(page) + 1


# --------------------------------------------------------------------------- paragraphs

class _Document:
    """Document-wide measures of the lines (body size, face and weight, each column's edges,
    the usual line step) and what is read with them: title, paragraphs, headings."""

    def __init__(self, lines: list[_Line]):
        self.lines = lines
        weights: Counter = Counter()
        for ln in lines:
            weights[(ln.size, ln.face, ln.bold)] += len(ln.text)
        (self.size, self.face, self.bold), _ = weights.most_common(1)[0] if weights else ((10.0, "", False), 0)
        body = [ln for ln in lines if abs(ln.size - self.size) <= 0.1 * self.size]
        by_slot: dict[tuple, list[_Line]] = defaultdict(list)
        by_page_slot: dict[tuple, list[_Line]] = defaultdict(list)
        for ln in body:
            by_slot[ln.slot].append(ln)
            by_page_slot[(ln.page, ln.slot)].append(ln)
        self.slot_edges = {slot: _edges(group) for slot, group in by_slot.items()}
        self.page_edges = {key: _edges(group) for key, group in by_page_slot.items() if len(group) >= 8}
        steps = [b.y - a.y for a, b in zip(body, body[1:])
                 if a.flow == b.flow and a.page == b.page and 0 < b.y - a.y < 3 * a.size]
        self.step = median(steps) if steps else 1.5 * self.size
        full = sum(1 for ln in body if abs(ln.x1 - self._edges(ln)[1]) <= 1.5)
        self.justified = bool(body) and full >= 0.3 * len(body)
        # first-line indents: the same step in from the edge, again and again
        indents = Counter(round(ln.x0 - self._edges(ln)[0]) for ln in body
                          if _INDENT * ln.size <= ln.x0 - self._edges(ln)[0] <= _CENTRED * ln.size)
        self.indents = bool(indents) and indents.most_common(1)[0][1] >= max(3, 0.01 * len(body))

    def _edges(self, ln: _Line) -> tuple[float, float]:
        return self.page_edges.get((ln.page, ln.slot)) or self.slot_edges.get(ln.slot) or (ln.x0, ln.x1)

    # ---- title

    def title_lines(self) -> list[_Line]:
        """The lines of the title: the largest print at the top of the first page with text,
        larger than the body, one to six lines in a row (the issuing organ's banner, 某某
        人民政府文件, is passed over)."""
        if not self.lines:
            return []
        first = self.lines[0].page
        top = [ln for ln in self.lines if ln.page == first][:12]
        big = [ln for ln in top if ln.size >= _TITLE_SIZE * self.size]
        while big:
            largest = max(ln.size for ln in big)
            start = next(i for i, ln in enumerate(top) if ln.size >= largest - 0.5)
            block = [top[start]]
            for ln in top[start + 1:]:
                if abs(ln.size - largest) > 0.5 or len(block) >= _MAX_TITLE_LINES \
                        or ln.y - block[-1].y > 2.5 * largest:
                    break
                block.append(ln)
            if not _RED_HEAD.search(join_text([ln.text for ln in block])):
                return block
            big = [ln for ln in big if ln not in block and ln.size < largest - 0.5]
        return []

    # ---- paragraphs

    def paragraphs(self, lines: list[_Line]) -> list[list[_Line]]:
        out: list[list[_Line]] = []
        for ln in lines:
            if out and self._goes_on(out[-1][-1], ln, out[-1]):
                out[-1].append(ln)
            else:
                out.append([ln])
        return out

    def _goes_on(self, a: _Line, b: _Line, paragraph: list[_Line]) -> bool:
        """Whether line ``b`` continues the paragraph that line ``a`` ends so far."""
        if abs(a.size - b.size) > 0.1 * max(a.size, b.size):
            return False
        left, right = self._edges(a)
        b_left, b_right = self._edges(b)
        a_centred = a.x0 - left > _CENTRED * a.size
        b_centred = b.x0 - b_left > _CENTRED * b.size
        if a_centred or b_centred:
            # lines of a centred heading in its own style go together, anything else is apart
            return (a_centred and b_centred and (a.size > self.size * 1.05 or a.bold) and a.bold == b.bold
                    and a.flow == b.flow and b.y - a.y <= 1.6 * a.size)
        if not self.indents:
            # no indents to tell a heading that fills the line from a bold lead-in sentence
            if a.bold and not b.first_bold and not self.bold:
                return False                   # a bold heading line, then body text
            if b.bold and not a.last_bold and not self.bold:
                return False
            if a.face != b.face and a.cjk >= 2 and b.cjk >= 2 and (a.face == self.face) != (b.face == self.face):
                return False                   # a heading in another typeface (黑体 over 仿宋)
        if a.flow == b.flow and a.page == b.page:
            if b.y - a.y > _GAP * self.step or b.y <= a.y:
                return False
        if b.x0 - b_left >= _INDENT * b.size:
            return False                       # a first-line indent
        ends = a.text.endswith(_SENTENCE_END)
        full = a.x1 >= right - _FULL_SLACK * a.size
        if not full:
            if self.justified or self.indents:
                return False
            return a.x1 - left >= _RAGGED_FULL * (right - left) and not ends and not HEADING_START.match(b.text)
        if HEADING_START.match(b.text) and (ends or not self.indents):
            return False
        if ends and not self.indents:
            return False                       # no indents to tell paragraphs apart: the old rule
        return True

    # ---- headings

    def _styled(self, par: list[_Line], text: str) -> bool:
        """A short paragraph in a heading's print: larger, bold (body not), or another face."""
        if len(text) > _MAX_HEADING or len(par) > 2 or _SENTENCE_INSIDE.search(text[:-1]):
            return False
        larger = all(ln.size >= _HEADING_SIZE * self.size for ln in par)
        bolder = all(ln.bold for ln in par) and not self.bold
        face = all(ln.face and ln.face != self.face and ln.cjk >= 2 for ln in par)
        return larger or bolder or face

    def heading_levels(self, paragraphs: list[list[_Line]], texts: list[str]) -> dict[str, int]:
        """Unnumbered headings found by their print, with an outline level (larger first,
        then bold, then another face): numbered ones are the section parser's to nest."""
        found = []
        for par, text in zip(paragraphs, texts):
            if HEADING_START.match(text) or text.endswith(_CLAUSE_END) or not self._styled(par, text):
                continue                       # numbered: the parser's; 特此通知。 in bold: a sentence
            found.append((normalize_document_text(text), (-par[0].size, not par[0].bold, par[0].face)))
        ranks = {style: i + 1 for i, style in enumerate(sorted({style for _, style in found}))}
        return {text: min(ranks[style], 3) for text, style in found if text}

    def broken(self, paragraphs: list[list[_Line]], texts: list[str], text: str) -> str:
        """Why the structure read looks broken, or "": most paragraphs one line long, or
        ending mid-sentence (lines that could not be joined), or a long text without a heading."""
        headings = 0
        body: list[tuple[list[_Line], str]] = []
        for par, t in zip(paragraphs, texts):
            if (HEADING_START.match(t) and len(t) <= _MAX_HEADING) or self._styled(par, t):
                headings += 1
            else:
                body.append((par, t))
        if len(body) >= _BROKEN_PARAGRAPHS:
            single = sum(1 for par, _ in body if len(par) == 1)
            if single >= _BROKEN_SHARE * len(body):
                return f"{single} of {len(body)} paragraphs are one line long"
            cut = sum(1 for _, t in body if not t.endswith(_SENTENCE_END))
            if cut >= _BROKEN_CUT * len(body):
                return f"{cut} of {len(body)} paragraphs end mid-sentence"
        if headings == 0 and len(text) >= _LONG_WITHOUT_HEADINGS:
            return f"no headings in {len(text)} characters"
        return ""


def _edges(lines: list[_Line]) -> tuple[float, float]:
    """A column's left and right edges: where most lines start, and where the full lines end
    (the right end most lines share in justified text, else the longer lines' usual end)."""
    starts = Counter(round(ln.x0) for ln in lines)
    left = min(x for x, n in starts.items() if n == max(starts.values()))
    ends = sorted(ln.x1 for ln in lines)
    usual = ends[int(0.8 * (len(ends) - 1))]
    need = max(2, int(0.15 * len(ends)))
    for x in reversed(ends):
        if x < ends[len(ends) // 2]:
            break
        if sum(1 for e in ends if abs(e - x) <= 1.5) >= need:
            return float(left), x
    return float(left), usual


def join_text(parts: list[str]) -> str:
    """Pieces of one line or paragraph joined: Chinese without a space, a space between a
    Latin word or number and the next."""
    out = ""
    for part in parts:
        if out and _LATIN_END.search(out) and _LATIN_START.match(part):
            out += " "
        out += part
    return out
