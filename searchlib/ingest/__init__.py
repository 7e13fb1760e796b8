"""Ingestion: find corpus files, decode them and turn each into a ``SourceDocument``.

``read_document`` reads one file: ``.html``/``.htm`` through ``extract_html`` (``html.py``),
``.txt`` through ``decode_bytes`` (``decode.py``) and ``clean_text`` (``plaintext.py``);
``discover`` and ``doc_id_for`` (``discover.py``) find the files and name them. Every failure
that concerns one file is raised as ``IngestError`` with a short reason; a corpus path that
cannot be used at all is a ``CorpusError``. Character normalisation is delegated to
``searchlib.normalize``.
"""
from __future__ import annotations

import hashlib
from pathlib import Path

from ..errors import IngestError
from ..models import SourceDocument
from .decode import decode_bytes
from .discover import HTML_SUFFIXES, SUFFIXES, ErrorCallback, discover, doc_id_for
from .html import extract_html
from .plaintext import clean_text

__all__ = ["HTML_SUFFIXES", "SUFFIXES", "ErrorCallback", "clean_text", "decode_bytes", "discover", "doc_id_for",
           "extract_html", "read_document"]


def read_document(path: Path, root: Path, max_bytes: int = 20_000_000) -> SourceDocument:
    """Read one corpus file into a ``SourceDocument`` or raise ``IngestError`` saying why.

    ``.html``/``.htm`` files go through ``extract_html``, ``.txt`` files through
    ``decode_bytes`` and ``clean_text``. When no title is found the file name (without
    suffix) is used.
    """
    path, root = Path(path), Path(root)
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise IngestError(f"unsupported file type: {suffix or 'no suffix'}")
    data = _read_bytes(path, max_bytes)
    if suffix in HTML_SUFFIXES:
        text, meta = extract_html(data)
    else:
        decoded, encoding = decode_bytes(data)
        text, meta = clean_text(decoded)
        meta["encoding"] = encoding
    if not text.strip():
        raise IngestError("no article text found")
    return SourceDocument(
        path=str(path.resolve()),
        doc_id=doc_id_for(path, root),
        text=text,
        title=meta.get("title") or path.stem,
        published=meta.get("published"),
        source=meta.get("source"),
        doc_number=meta.get("doc_number"),
        index_number=meta.get("index_number"),
        written=meta.get("written"),
        encoding=meta.get("encoding", "utf-8"),
        format="html" if suffix in HTML_SUFFIXES else "txt",
        content_hash=hashlib.sha1(data).hexdigest(),
        site=meta.get("site"),
    )


def _read_bytes(path: Path, max_bytes: int) -> bytes:
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise IngestError(f"file too large ({_megabytes(size)} MB > {_megabytes(max_bytes)} MB limit)")
        with path.open("rb") as handle:
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
    return data


def _megabytes(size: int) -> str:
    return f"{size / 1_000_000:.1f}".removesuffix(".0")
