"""The index schema: the one place field names live.

One Whoosh index holds two kinds of records (field ``rtype``):

* ``p`` — a passage: its text, heading path, section kind and figures, plus the
  document fields needed to search and filter it (title tokens, region codes,
  year, type, date). Document metadata for display is not repeated per passage;
* ``d`` — a document: its metadata, path and content hash. The set of ``d``
  records is the manifest that incremental updates compare against, so it is
  committed atomically with the passages.
"""
from __future__ import annotations

import json
import zlib

SCHEMA_VERSION = "2"   # bump when fields change: old indexes become stale

# full-text fields; their BM25F weights live in ranking.py
TEXT_FIELDS = ("body", "heading", "title")
POSITIONAL_FIELDS = ("body",)

PASSAGE, DOCUMENT = "p", "d"
FIGURE_FIELDS = ("value", "unit", "text", "subject", "start", "end")


def pack_passage(text: str, heading_path: list, kind: str, figures: list) -> bytes:
    """What a hit displays, stored as one compressed blob: Chinese text compresses to
    about half, and one stored value is cheaper to write and read than five."""
    payload = [text, list(heading_path), kind, [[getattr(f, k) for k in FIGURE_FIELDS] for f in figures]]
    return zlib.compress(json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8"), 6)


def unpack_passage(blob: bytes) -> dict:
    text, heading_path, kind, figures = json.loads(zlib.decompress(blob))
    return {"text": text, "heading_path": heading_path, "section_kind": kind,
            "figures": [dict(zip(FIGURE_FIELDS, f)) for f in figures]}


def build_schema():
    from whoosh import columns, fields

    from .analysis import PolicyAnalyzer

    analyzer = PolicyAnalyzer()
    return fields.Schema(
        id=fields.ID(unique=True, stored=True),
        rtype=fields.ID(),
        doc_id=fields.ID(stored=True),
        ordinal=fields.STORED(),
        # searchable text; only the body keeps positions (phrases)
        body=fields.TEXT(analyzer=analyzer, phrase=True),
        heading=fields.TEXT(analyzer=analyzer, phrase=False),
        title=fields.TEXT(analyzer=analyzer, phrase=False),   # for title:… queries
        # filters
        region=fields.KEYWORD(),          # GB/T 2260 codes of the region and its parents
        year=fields.ID(),
        doc_type=fields.ID(),
        kind=fields.ID(),
        published=fields.ID(),            # YYYY-MM-DD, compared as text
        has_figures=fields.BOOLEAN(),
        units=fields.KEYWORD(),           # units of the passage's figures (件 条 % ...)
        # ranking: a static per-passage signal, read by the scorer
        concreteness=fields.COLUMN(columns.NumericColumn("f", default=0.0)),
        # display
        data=fields.STORED(),             # pack_passage(): text, heading path, kind, figures
        meta=fields.STORED(),             # document records: dict of metadata
        content_hash=fields.ID(stored=True),
    )
