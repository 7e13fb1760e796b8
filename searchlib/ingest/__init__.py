"""Ingestion: find corpus files, decode them and turn each into a ``SourceDocument``.

``read_document`` reads one file: ``.html``/``.htm`` through ``extract_html`` (``html.py``),
``.txt`` through ``decode_text`` (``decode.py``) and ``clean_text`` (``plaintext.py``),
``.pdf`` through ``extract_pdf`` (``pdf.py``; a scan, with no text layer, through Tesseract:
``convert.ocr_pdf``), ``.docx`` through ``extract_docx`` (``word.py``), old Word, WPS, RTF and
ODT files converted to .docx by LibreOffice first (``convert.office_to_docx``);
``discover`` and ``doc_id_for`` (``discover.py``) find the files and name them. Every failure
that concerns one file is raised as ``IngestError`` with a short reason; a corpus path that
cannot be used at all is a ``CorpusError``. Character normalisation is delegated to
``searchlib.normalize``.
"""
from __future__ import annotations

import hashlib
import os
import re
import time
from pathlib import Path
from typing import Optional

from ..errors import IngestError
from ..models import SourceDocument
from .decode import Decoded, decode_bytes, decode_text
from .discover import (HTML_SUFFIXES, SUFFIXES, ErrorCallback, discover, doc_id_for, file_format,
                       unsupported_reason)
from .convert import MIN_PAGE_CONFIDENCE, office_to_docx, ocr_pdf
from .html import extract_html
from .pdf import extract_pdf
from .plaintext import clean_text
from .word import check_office_archive, extract_docx

__all__ = ["HTML_SUFFIXES", "SUFFIXES", "Decoded", "ErrorCallback", "clean_text", "decode_bytes", "decode_text",
           "file_signature", "discover", "doc_id_for", "extract_docx", "extract_html", "extract_pdf", "file_format",
           "read_document", "unsupported_reason"]

MAX_TEXT_BYTES = 20_000_000      # .txt and .html
MAX_BINARY_BYTES = 100_000_000   # .pdf and .docx (images make them large)


def read_document(path: Path, root: Path, max_bytes: int | None = None) -> SourceDocument:
    """Read one corpus file into a ``SourceDocument`` or raise ``IngestError`` saying why.

    ``.html``/``.htm`` files go through ``extract_html``, ``.txt`` files through
    ``decode_text`` and ``clean_text``, ``.pdf`` through ``extract_pdf``, ``.docx`` through
    ``extract_docx``. When no title is found the file name (without suffix) is used.
    """
    path, root = Path(path), Path(root)
    fmt = file_format(path)
    if fmt is None:
        raise IngestError(unsupported_reason(path))
    if fmt in ("docx", "office") and path.name.startswith("~$"):
        raise IngestError("a Word lock file (~$…, left while the document is open in Word or WPS): not a document")
    if max_bytes is None:
        max_bytes = MAX_BINARY_BYTES if fmt in ("pdf", "docx", "office") else MAX_TEXT_BYTES
    data, signature = _read_bytes(path, max_bytes)
    ocr = None
    if fmt == "html":
        text, meta = extract_html(data)
    elif fmt == "pdf":
        try:
            text, meta = extract_pdf(data)
        except IngestError as e:
            if not str(e).startswith("no text layer"):
                raise
            text, meta, ocr = _read_scan(data)
    elif fmt == "docx":
        text, meta = extract_docx(data)
    elif fmt == "office":
        kind = path.suffix.lower().lstrip(".")
        check_office_archive(data, f".{kind}")         # a zip bomb is refused before LibreOffice reads it
        text, meta = extract_docx(office_to_docx(path, f".{kind}"))
        fmt = kind
    else:
        decoded, encoding, warning = decode_text(data)
        text, meta = clean_text(decoded)
        meta["encoding"] = encoding
        if warning:
            meta["warnings"] = [warning]
    if not text.strip():
        raise IngestError("no article text found")
    return SourceDocument(
        path=str(path.resolve()),
        doc_id=doc_id_for(path, root),
        text=text,
        title=_title(meta.get("title"), path),
        published=meta.get("published"),
        source=meta.get("source"),
        doc_number=meta.get("doc_number"),
        index_number=meta.get("index_number"),
        written=meta.get("written"),
        encoding=meta.get("encoding", "utf-8"),
        format=fmt,
        content_hash=hashlib.sha1(data).hexdigest(),
        file_signature=signature,
        site=meta.get("site"),
        heading_levels=meta.get("heading_levels") or {},
        warnings=list(meta.get("warnings") or []),
        ocr=ocr,
    )


_NAME_PREFIX = re.compile(r"^(?:(?:\d{4}(?:-\d{1,2}){0,2}|[\u4e00-\u9fff]{2,8})_)+")
_GENERIC_TITLE = re.compile(r"^(?:政府)?工作报告$|^报告$|^通知$|^决定$|^决议$|^意见$|^公告$|^通告$")


def _title(found: Optional[str], path: Path) -> str:
    """The title the text gives, or the file's name: without the date and region fields a
    library's naming scheme puts in front (``2014_全国_2014年…政府工作报告`` →
    ``2014年…政府工作报告``, ``2024-01-24_煤矿安全生产条例`` → ``煤矿安全生产条例``). A title that
    only names a kind of document (政府工作报告, 通知) gives way to a file name that says more."""
    named = _NAME_PREFIX.sub("", path.stem) or path.stem
    if not found:
        return named
    if _GENERIC_TITLE.match(found) and found in named and len(named) > len(found):
        return named
    return found


def _read_scan(data: bytes) -> tuple[str, dict, dict]:
    """Text and metadata of an image-only PDF read by OCR, and what the OCR was like
    (pages, pages left out for low confidence, mean confidence of the pages kept)."""
    pages, confidences = ocr_pdf(data)
    kept = [c for t, c in zip(pages, confidences) if t]
    if not kept:
        worst = max(confidences, default=0.0)
        raise IngestError(f"scanned PDF: OCR found no readable page (best page confidence {worst:.0f} < "
                          f"{MIN_PAGE_CONFIDENCE:.0f}, of {len(pages)} page(s))")
    text, meta = clean_text("\n".join(t for t in pages if t))
    meta["encoding"] = "ocr"
    low = len(pages) - len(kept)
    ocr = {"pages": len(pages), "confidence": round(sum(kept) / len(kept), 1), "pages_left_out": low}
    meta["warnings"] = [f"read by OCR (Tesseract chi_sim, mean confidence {ocr['confidence']:.0f}): check figures "
                        "against the original"]
    if low:
        meta["warnings"].append(f"{low} of {len(pages)} scanned pages read with confidence below "
                                f"{MIN_PAGE_CONFIDENCE:.0f}: not indexed")
    return text, meta, ocr


def file_signature(st: os.stat_result) -> str:
    """What says a file has not changed since it was read: size, modification and change
    times, inode (an update hashes only files whose signature differs from the one indexed)."""
    return f"{st.st_size}:{st.st_mtime_ns}:{st.st_ctime_ns}:{st.st_ino}"


RACY_SECONDS = 2.0     # a file changed this recently when read gets no signature (it might change again unseen)


def _read_bytes(path: Path, max_bytes: int) -> tuple[bytes, Optional[str]]:
    """The file's bytes and its signature as it was before they were read (None when it
    had changed within RACY_SECONDS: a change in the same clock tick could go unseen)."""
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise IngestError(f"file too large ({_megabytes(size)} MB > {_megabytes(max_bytes)} MB limit)")
        with path.open("rb") as handle:
            st = os.fstat(handle.fileno())
            data = handle.read(max_bytes + 1)
    except FileNotFoundError:
        raise IngestError("file vanished before it could be read") from None
    except IsADirectoryError:
        raise IngestError("is a directory, not a file") from None
    except PermissionError:
        raise IngestError("permission denied") from None
    except OSError as exc:
        raise IngestError(f"cannot read file: {exc.strerror or exc}") from None
    if len(data) > max_bytes:
        raise IngestError(f"file too large (> {_megabytes(max_bytes)} MB limit)")
    if not data:
        raise IngestError("empty file")
    racy = time.time_ns() - max(st.st_mtime_ns, st.st_ctime_ns) < RACY_SECONDS * 1e9
    return data, None if racy or len(data) != st.st_size else file_signature(st)


def _megabytes(size: int) -> str:
    return f"{size / 1_000_000:.1f}".removesuffix(".0")
