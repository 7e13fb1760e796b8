"""DOCX ingestion: ``extract_docx`` turns a Word (.docx, also as saved by WPS) file into
article text, one paragraph per line, and metadata, the same input ``clean_text`` gives
for a scraped page, plus the outline level of every paragraph the file styles as a heading.

Read with python-docx (maintained, lxml-based, the reference reader of the format): body
paragraphs and tables in document order (a table row is one line, cells separated by
`` | ``). A paragraph whose style is a heading (``Heading 1``…, ``标题 1``…, or any style or
paragraph with an outline level) becomes a heading at that level in the structure, whatever
its text looks like; a report without heading styles is left to the text-based heading
detection (一、, (一), 1., 一是) like any other text. A ``Title`` style paragraph is the
title; else a first level-1 heading named like a document (…报告, …要点, …通知) is; else
the header lines give it as for a text file (unless the text opens with another styled
heading: then the file name stands in).

Bounds: a file is a zip archive; one that is not, or whose parts unpack to more than
``MAX_UNPACKED`` bytes (a zip bomb), or whose text part to more than ``MAX_DOCUMENT_XML``, is
refused with the reason before python-docx reads it; ``check_office_archive`` puts the same
bounds on a zipped file LibreOffice converts (.odt, .docm, .dotx) before it reads it.
"""
from __future__ import annotations

import io
import re
import zipfile
from typing import Optional

from ..errors import IngestError
from ..normalize import normalize_document_text
from .plaintext import _DOCUMENT_TYPE_END, article_text, is_boilerplate, property_title

MAX_UNPACKED = 200_000_000
MAX_DOCUMENT_XML = 40_000_000     # the text part itself: a report's is a few MB (its images are apart)
_HEADING_STYLE = re.compile(r"^(?:heading|标题)\s*([1-9])$", re.IGNORECASE)
_TITLE_STYLE = re.compile(r"^(?:title|标题)$", re.IGNORECASE)
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def extract_docx(data: bytes) -> tuple[str, dict]:
    """Article text and metadata of a .docx file (raw bytes); ``meta["heading_levels"]``
    maps each heading line (as it is in the text) to its outline level (1 = top).
    Raises ``IngestError`` for a file that is not a readable .docx."""
    document = _open(data)
    lines: list[str] = []
    levels: dict[str, int] = {}
    title: Optional[str] = None
    try:
        for block in document.iter_inner_content():
            if hasattr(block, "rows"):
                lines.extend(_table_lines(block))
                continue
            text = block.text.strip()
            if not text:
                continue
            style = _style_name(block)
            if title is None and not lines and _TITLE_STYLE.match(style):
                plain = normalize_document_text(text)
                if is_boilerplate(plain):
                    continue                # a page's navigation saved as the title (<<返回…网站): dropped
                if _DOCUMENT_TYPE_END.search(plain):
                    title = text            # else the header lines choose, as for a text file
                    continue
            level = _heading_level(block, style)
            if level is not None:
                levels[normalize_document_text(text)] = level
            lines.append(text)
    except (MemoryError, RecursionError):
        raise
    except Exception as e:              # a damaged part: never stop the batch
        raise IngestError(f"unreadable DOCX ({type(e).__name__}: {e})") from None
    meta: dict = {}
    if title:
        meta["title"] = normalize_document_text(title)
    # the header lines give the title as for a text file, unless the text starts with a
    # styled heading: then there is no title line (the file name stands in)
    first_is_heading = bool(lines) and normalize_document_text(lines[0]) in levels
    if not title and first_is_heading and levels[normalize_document_text(lines[0])] == 1 \
            and _DOCUMENT_TYPE_END.search(normalize_document_text(lines[0])):
        # a report's name styled as its first heading (标题 1: 某县2019年依法行政工作报告) is its title
        meta["title"] = normalize_document_text(lines[0])
        del levels[normalize_document_text(lines[0])]
        lines = lines[1:]
        first_is_heading = False
        title = meta["title"]
    text = article_text("\n".join(lines), meta, take_title=not title and not first_is_heading)
    if "title" not in meta:
        # no title in the text: the file's Title property, when it reads like a document's name
        stated = _property_title(document)
        if stated:
            meta["title"] = stated
    body = set(text.split("\n"))
    meta["heading_levels"] = {line: level for line, level in levels.items() if line in body}
    meta["encoding"] = "docx"
    return text, meta


def _property_title(document) -> Optional[str]:
    """The document's Title property (File → Properties), when it names a document."""
    try:
        return property_title(document.core_properties.title)
    except Exception:                   # a damaged docProps part: no title from it
        return None


def _open(data: bytes):
    try:
        _check_archive(data, "DOCX", "word/document.xml", stream=False)
    except zipfile.BadZipFile:
        raise IngestError("not a .docx file (not a zip archive; an old .doc renamed? convert it to .docx)") from None
    import docx                         # imported when a .docx is read
    try:
        return docx.Document(io.BytesIO(data))
    except (MemoryError, RecursionError):
        raise
    except Exception as e:
        raise IngestError(f"unreadable DOCX ({type(e).__name__}: {e})") from None


# the part holding the text of each zipped format LibreOffice converts
_OFFICE_TEXT_PARTS = {".odt": "content.xml", ".docm": "word/document.xml", ".dotx": "word/document.xml"}


def check_office_archive(data: bytes, suffix: str) -> None:
    """Before LibreOffice reads a zipped office file (.odt, .docm, .dotx): the bounds of a
    .docx (its parts unpack to at most MAX_UNPACKED bytes, its text part to at most
    MAX_DOCUMENT_XML), the text part streamed to the limit (a size its header understates is
    found, not handed on). Other files (an old binary .doc, .rtf) are LibreOffice's alone."""
    part = _OFFICE_TEXT_PARTS.get(suffix.lower())
    if part is None or not data.startswith(b"PK\x03\x04"):
        return
    try:
        _check_archive(data, suffix.lstrip(".").upper(), part, stream=True)
    except zipfile.BadZipFile as e:
        raise IngestError(f"unreadable {suffix} file (damaged zip archive: {e})") from None


def _check_archive(data: bytes, kind: str, text_part: str, stream: bool) -> None:
    """IngestError unless ``data`` is a zip archive holding ``text_part`` within the bounds
    (zipfile.BadZipFile when it is no zip archive)."""
    limit = MAX_DOCUMENT_XML // 1_000_000
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
            if text_part not in archive.namelist():
                raise IngestError(f"not a {'Word .docx' if kind == 'DOCX' else kind} file (no {text_part})")
            size = archive.getinfo(text_part).file_size
            if size > MAX_DOCUMENT_XML:
                raise IngestError(f"{kind} text part too large ({size // 1_000_000} MB > {limit} MB limit)")
            if unpacked > MAX_UNPACKED:
                raise IngestError(f"{kind} unpacks to too much data ({unpacked // 1_000_000} MB > "
                                  f"{MAX_UNPACKED // 1_000_000} MB limit)")
            if stream:
                read = 0
                with archive.open(text_part) as part:       # stops at the size it declares; checks the CRC
                    while block := part.read(1 << 20):
                        read += len(block)
                        if read > MAX_DOCUMENT_XML:
                            raise IngestError(f"{kind} text part too large (> {limit} MB limit)")
    except (zipfile.BadZipFile, IngestError, MemoryError, RecursionError):
        raise
    except Exception as e:              # a damaged archive (NotImplementedError: zip version …): never stop the batch
        raise IngestError(f"unreadable {kind} ({type(e).__name__}: {e})") from None


def _style_name(paragraph) -> str:
    try:
        style = paragraph.style
    except (KeyError, ValueError, AttributeError):
        return ""
    return (style.name or "") if style is not None else ""


def _heading_level(paragraph, style_name: str) -> Optional[int]:
    """1-based outline level of a heading paragraph, or None for body text: the style name
    (Heading 2, 标题 2) or an outline level set on the paragraph or its style chain."""
    m = _HEADING_STYLE.match(style_name.strip())
    if m:
        return int(m.group(1))
    level = _outline_level(paragraph._p.pPr)
    style = _safe_style(paragraph)
    seen = 0
    while level is None and style is not None and seen < 10:
        level = _outline_level(style.element.pPr)
        style, seen = style.base_style, seen + 1
    return level + 1 if level is not None and level < 9 else None


def _safe_style(paragraph):
    try:
        return paragraph.style
    except (KeyError, ValueError, AttributeError):
        return None


def _outline_level(ppr) -> Optional[int]:
    if ppr is None:
        return None
    node = ppr.find(f"{_W}outlineLvl")
    if node is None:
        return None
    try:
        return int(node.get(f"{_W}val"))
    except (TypeError, ValueError):
        return None


def _table_lines(table) -> list[str]:
    out = []
    for row in table.rows:
        cells = []
        for cell in row.cells:
            text = " ".join(cell.text.split())
            if text and (not cells or cells[-1] != text):       # merged cells repeat their text
                cells.append(text)
        if cells:
            out.append(" | ".join(cells))
    return out
