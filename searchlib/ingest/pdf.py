"""PDF ingestion: ``extract_pdf`` turns a text PDF into article text (one paragraph per line)
and metadata, the same input ``clean_text`` gives for a scraped page.

The text layer is read with pypdf (pure Python, maintained, reads the CID fonts Chinese
PDFs use through their ToUnicode maps, and tells encrypted files apart). Then the page
layout is undone:

* running headers, footers and page numbers go: page-number lines (``- 3 -``, ``— 3 —``,
  ``第 3 页``, ``第3页 共12页``, ``3/12``, a bare number) and any short line, not a sentence,
  that repeats at the top or bottom of half the pages or more (digits ignored; documents of
  3 pages or more);
* lines the layout broke mid-sentence are joined again: a line that fills the page width
  (at least ``_FULL_LINE`` of the usual length) and does not end a sentence continues on the
  next line, unless that one starts a heading (一、, (一), 1., 第一章). Short lines (headings,
  a paragraph's last line) end their paragraph.

Bounds, with the reason as the skip message: at most ``MAX_PAGES`` pages; a file that needs a
password is "encrypted"; one whose pages have no text at all is "no text layer" (a scan:
OCR it first), never an empty document; one whose text is mostly private-use or control
characters (fonts without a Unicode mapping) "cannot be read"; a file pypdf cannot parse is "unreadable PDF". The
per-file time budget of the pipeline bounds the rest (pypdf is pure Python, so the alarm
interrupts it anywhere).
"""
from __future__ import annotations

import io
import logging
import re
import unicodedata
from collections import Counter

from ..errors import IngestError
from .plaintext import clean_text

MAX_PAGES = 1000
_FULL_LINE = 0.85            # a line this share of the usual full line length is "full"
_REPEATED_SHARE = 0.5        # a header/footer line is on at least this share of the pages
_EDGE_LINES = 2              # header/footer lines looked for at each end of a page
_MAX_GARBAGE = 0.3           # share of private-use/control/unassigned characters: an unmapped font
_MAX_RUNNING = 40            # a running header/footer is a short line, not a sentence

_PAGE_NUMBER = re.compile(
    r"^(?:[-—–_~·•\s]*\d{1,4}[-—–_~·•\s]*"                 # 3, - 3 -, — 3 —
    r"|第\s*\d{1,4}\s*页(?:\s*[,，/]?\s*共\s*\d{1,4}\s*页)?"  # 第 3 页, 第3页 共12页
    r"|共\s*\d{1,4}\s*页\s*第\s*\d{1,4}\s*页"
    r"|\d{1,4}\s*/\s*\d{1,4}"                              # 3/12
    r"|page\s*\d{1,4}(?:\s*of\s*\d{1,4})?)$", re.IGNORECASE)
_SENTENCE_END = tuple("。！？；：…!?;:」』”’）)")
_HEADING_START = re.compile(r"^(?:第[一二三四五六七八九十百零〇\d]+[章节条编部分]|[一二三四五六七八九十]+[、.．]"
                            r"|[（(][一二三四五六七八九十\d]+[）)]|\d{1,2}[、.．](?!\d))")
_DIGITS = re.compile(r"\d+")
_LATIN_END = re.compile(r"[A-Za-z0-9,]$")
_LATIN_START = re.compile(r"^[A-Za-z0-9]")

logging.getLogger("pypdf").setLevel(logging.ERROR)    # its warnings about odd files are not ours to print


def extract_pdf(data: bytes) -> tuple[str, dict]:
    """Article text and metadata of a PDF (raw bytes). Raises ``IngestError`` with the
    reason for an encrypted, image-only, too long or unreadable file."""
    pages = _page_texts(data)
    lines_per_page = [_page_lines(text) for text in pages]
    if not any(lines_per_page):
        raise IngestError(f"no text layer (scanned or image-only PDF, {len(pages)} page(s)): OCR it first")
    joined = "".join(ln for page in lines_per_page for ln in page)
    garbage = sum(1 for ch in joined if unicodedata.category(ch) in ("Co", "Cc", "Cn") or ch == "\ufffd")
    if garbage > _MAX_GARBAGE * len(joined):
        raise IngestError("text layer cannot be read (fonts without a Unicode mapping): OCR it or "
                          "save it as text from the program that made it")
    lines_per_page = _drop_running_lines(lines_per_page)
    text, meta = clean_text("\n".join(_join_lines([ln for page in lines_per_page for ln in page])))
    meta["encoding"] = "pdf"
    empty = sum(1 for page in lines_per_page if not page)
    if empty:
        meta["warnings"] = [f"{empty} of {len(pages)} pages have no text layer (scanned?): not indexed"]
    return text, meta


def _page_texts(data: bytes) -> list[str]:
    from pypdf import PdfReader                      # imported when a PDF is read
    from pypdf.errors import DependencyError, FileNotDecryptedError, PdfReadError
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            try:
                opened = reader.decrypt("")          # restrictions only (no copy/print): readable
            except DependencyError:
                raise IngestError("encrypted PDF (AES): install the cryptography package to read it") from None
            if not opened:
                raise IngestError("encrypted PDF: needs a password")
        count = len(reader.pages)
        if count > MAX_PAGES:
            raise IngestError(f"PDF has too many pages ({count} > {MAX_PAGES} limit)")
        return [page.extract_text() or "" for page in reader.pages]
    except IngestError:
        raise
    except FileNotDecryptedError:
        raise IngestError("encrypted PDF: needs a password") from None
    except PdfReadError as e:
        raise IngestError(f"unreadable PDF ({e})") from None
    except (MemoryError, RecursionError):
        raise
    except Exception as e:           # pypdf on a broken file: KeyError, TypeError, ... never stop the batch
        raise IngestError(f"unreadable PDF ({type(e).__name__}: {e})") from None


def _page_lines(text: str) -> list[str]:
    lines = [ln.strip() for ln in text.replace("\r", "\n").split("\n")]
    return [ln for ln in lines if ln and not _PAGE_NUMBER.match(ln)]


def _drop_running_lines(pages: list[list[str]]) -> list[list[str]]:
    """Without the lines that repeat at the top or bottom of most pages (running headers
    and footers; digits are ignored when comparing, so 'xx报告 3' repeats too)."""
    with_text = [p for p in pages if p]
    if len(with_text) < 3:
        return pages
    counts: Counter = Counter()
    for page in with_text:
        edges = set(page[:_EDGE_LINES]) | set(page[-_EDGE_LINES:])
        counts.update({_DIGITS.sub("#", ln) for ln in edges})
    running = {key for key, n in counts.items()
               if n >= max(2, _REPEATED_SHARE * len(with_text)) and len(key) <= _MAX_RUNNING
               and not key.endswith(_SENTENCE_END)}
    if not running:
        return pages
    out = []
    for page in pages:
        page = list(page)
        for _ in range(_EDGE_LINES):
            if page and _DIGITS.sub("#", page[0]) in running:
                page.pop(0)
            if page and _DIGITS.sub("#", page[-1]) in running:
                page.pop()
        out.append(page)
    return out


def _join_lines(lines: list[str]) -> list[str]:
    """Paragraphs from layout lines: a full line that does not end a sentence continues
    on the next line (unless that one starts a heading)."""
    if not lines:
        return []
    lengths = sorted(len(ln) for ln in lines)
    full = lengths[int(len(lengths) * 0.8)] * _FULL_LINE     # the usual length of a full line
    out: list[str] = []
    current, last = "", ""
    for line in lines:
        if current and (_HEADING_START.match(line) or last.endswith(_SENTENCE_END) or len(last) < full):
            out.append(current)
            current = ""
        if current:
            current += (" " if _LATIN_END.search(current) and _LATIN_START.match(line) else "") + line
        else:
            current = line
        last = line
    if current:
        out.append(current)
    return out
