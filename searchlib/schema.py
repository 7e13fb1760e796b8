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

from whoosh import formats


def _put_varint(out: bytearray, n: int) -> None:
    while n > 0x7F:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)


def _get_varint(data: bytes, i: int) -> tuple[int, int]:
    n = shift = 0
    while True:
        b = data[i]
        i += 1
        n |= (b & 0x7F) << shift
        if b < 0x80:
            return n, i
        shift += 7


class CompactPositions(formats.Positions):
    """Whoosh's Positions format with the position list as varints instead of a
    pickle: 2-3 bytes for a typical posting instead of about 13. Same information,
    same query behaviour. Stored in the index schema by this import path."""

    def encode(self, poslist):
        out = bytearray()
        _put_varint(out, len(poslist))
        base = 0
        for pos in poslist:
            _put_varint(out, pos - base)
            base = pos
        return bytes(out)

    def decode_positions(self, valuestring):
        count, i = _get_varint(valuestring, 0)
        positions, pos = [], 0
        for _ in range(count):
            delta, i = _get_varint(valuestring, i)
            pos += delta
            positions.append(pos)
        return positions

    def decode_frequency(self, valuestring):
        return _get_varint(valuestring, 0)[0]

    def decode_weight(self, valuestring):
        return self.decode_frequency(valuestring) * self.field_boost

SCHEMA_VERSION = "3"   # bump when fields change: old indexes become stale

# full-text fields; their BM25F weights live in ranking.py
TEXT_FIELDS = ("body", "heading", "title")
POSITIONAL_FIELDS = ("body",)

PASSAGE, DOCUMENT = "p", "d"
FIGURE_FIELDS = ("value", "unit", "text", "subject", "start", "end")


def pack_passage(text: str, heading_path: list, kind: str, figures: list) -> str:
    """What a hit displays, as one stored JSON string: one stored value is cheaper to
    write and read than five. (A str, not bytes: Whoosh pickles stored values with
    protocol 2, which inflates bytes, and then compresses them itself.)"""
    payload = [text, list(heading_path), kind, [[getattr(f, k) for k in FIGURE_FIELDS] for f in figures]]
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"))


def unpack_passage(blob: str) -> dict:
    text, heading_path, kind, figures = json.loads(blob)
    return {"text": text, "heading_path": heading_path, "section_kind": kind,
            "figures": [dict(zip(FIGURE_FIELDS, f)) for f in figures]}


def build_schema():
    from whoosh import columns, fields

    from .analysis import PolicyAnalyzer

    analyzer = PolicyAnalyzer()
    body = fields.TEXT(analyzer=analyzer, phrase=True)
    body.format = CompactPositions(field_boost=body.format.field_boost)
    return fields.Schema(
        id=fields.ID(unique=True, stored=True),
        rtype=fields.ID(),
        doc_id=fields.ID(stored=True),
        ordinal=fields.STORED(),
        # searchable text; only the body keeps positions (phrases)
        body=body,
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
