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

SCHEMA_VERSION = "1"   # bump when fields change: old indexes become stale

# full-text fields and their BM25F weights live in ranking.py
TEXT_FIELDS = ("body", "heading", "title")

PASSAGE, DOCUMENT = "p", "d"


def build_schema():
    from whoosh import columns, fields

    from .analysis import PolicyAnalyzer

    analyzer = PolicyAnalyzer()
    return fields.Schema(
        id=fields.ID(unique=True, stored=True),
        rtype=fields.ID(),
        doc_id=fields.ID(stored=True),
        ordinal=fields.NUMERIC(int, stored=True),
        # searchable text
        body=fields.TEXT(analyzer=analyzer, phrase=True, stored=True),
        heading=fields.TEXT(analyzer=analyzer, phrase=True),
        title=fields.TEXT(analyzer=analyzer, phrase=True),
        # filters
        region=fields.KEYWORD(),          # GB/T 2260 codes of the region and its parents
        year=fields.NUMERIC(int, signed=False),
        doc_type=fields.ID(),
        kind=fields.ID(stored=True),
        published=fields.ID(),            # YYYY-MM-DD, compared as text
        has_figures=fields.BOOLEAN(),
        units=fields.KEYWORD(),           # units of the passage's figures (件 条 % ...)
        # ranking
        concreteness=fields.COLUMN(columns.NumericColumn("f", default=0.0)),   # per-doc column
        # display
        heading_path=fields.STORED(),     # list[str]
        figures=fields.STORED(),          # list[dict]
        meta=fields.STORED(),             # document records: dict of metadata
        content_hash=fields.ID(stored=True),
    )
