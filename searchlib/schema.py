"""The index schema: the one place field names live.

An index is a Whoosh index with **one record per report** and, beside each Whoosh
segment, a **passage file** (passage_index.py) holding that segment's passages. The
report record carries what filters, title search and updates need:

* ``doc_id`` (unique): the file's path relative to its corpus folder;
* ``title`` (full text, for ``title:…`` queries);
* filter fields: ``region`` (GB/T 2260 codes of the region and its parents), ``year``
  (covered), ``doc_type``, ``published`` (YYYY-MM-DD, compared as text), and for laws and
  regulations ``level`` (效力级别) and ``issuer``;
* ``content_hash`` and ``meta`` (stored): the update manifest and the display metadata.

Passage fields (searched in the passage files): ``body`` (text, with positions),
``heading`` (the heading path), ``kind`` (section kind), ``has_figures`` and ``units``.
"""
from __future__ import annotations

from whoosh import fields

from .analysis import PolicyAnalyzer

SCHEMA_VERSION = "7"   # bump when the records or the passage files change: old indexes become stale (7: level, issuer)

# report record fields
DOC_ID = "doc_id"
TITLE = "title"
REGION = "region"
YEAR = "year"
DOC_TYPE = "doc_type"
PUBLISHED = "published"
LEVEL = "level"           # a law's or regulation's 效力级别 (法律, 行政法规, 地方性法规 …)
ISSUER = "issuer"         # the body that adopted it (全国人民代表大会常务委员会, 国务院 …)
RULE_KEY = "rule_key"     # what names a rule across its editions (metadata.rule_key)
CONTENT_HASH = "content_hash"
META = "meta"
REPORT_FILTER_FIELDS = (REGION, YEAR, DOC_TYPE, PUBLISHED, LEVEL, ISSUER)
REPORT_FIELDS = (TITLE,) + REPORT_FILTER_FIELDS

# passage fields
BODY = "body"
HEADING = "heading"
KIND = "kind"
HAS_FIGURES = "has_figures"
UNITS = "units"
SUBJECTS = "subjects"     # the words of what a passage's figures count (its subjects)
TEXT_FIELDS = (BODY, HEADING, TITLE)      # full-text fields; BM25F weights in ranking.py
PASSAGE_TEXT_FIELDS = (BODY, HEADING)
POSITIONAL_FIELDS = (BODY,)
PASSAGE_ATTRIBUTE_FIELDS = (KIND, HAS_FIGURES, UNITS)

# field names a query may use (``type:`` is an alias of doc_type)
QUERY_FIELD_ALIASES = {DOC_TYPE: ["type"]}


def build_schema() -> fields.Schema:
    """The Whoosh schema of report records."""
    return fields.Schema(**{
        DOC_ID: fields.ID(unique=True, stored=True),
        TITLE: fields.TEXT(analyzer=PolicyAnalyzer(), phrase=False),
        REGION: fields.KEYWORD(),
        YEAR: fields.ID(),
        DOC_TYPE: fields.ID(),
        PUBLISHED: fields.ID(),
        LEVEL: fields.ID(),
        ISSUER: fields.ID(),
        RULE_KEY: fields.ID(),
        CONTENT_HASH: fields.ID(stored=True),
        META: fields.STORED(),
    })


def query_schema() -> fields.Schema:
    """The schema the query parser sees: report fields and passage fields together (the
    passage fields are never written to Whoosh; the scorer evaluates them)."""
    schema = build_schema()
    analyzer = PolicyAnalyzer()
    schema.add(BODY, fields.TEXT(analyzer=analyzer, phrase=True))
    schema.add(HEADING, fields.TEXT(analyzer=analyzer, phrase=False))
    schema.add(KIND, fields.ID())
    schema.add(HAS_FIGURES, fields.BOOLEAN())
    schema.add(UNITS, fields.KEYWORD())
    return schema
