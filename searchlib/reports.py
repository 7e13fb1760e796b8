"""Report tables: what updates, listings and statistics need of every report, per segment,
without reading the stored records.

Beside each Whoosh segment (``MAIN_<id>.seg``) and its passage file, a commit writes the
segment's **report table** ``MAIN_<id>.rpt``: for each of the segment's reports (by Whoosh
docnum) its doc_id, file path, content hash and text hash (the update manifest), its
doc type, year, region name, passage and character counts (the statistics), the segment's
totals of those, the docnums in doc_id order (listings) and, for the four manifest
columns, 64-bit keys in sorted order (an ``add`` looks a path or a hash up in O(log n)).
About 100 bytes a report; read whole (not mapped) once per process and segment.
It is written, like the passage file, before the table of contents that makes the segment
part of the index, and Whoosh's clean-up deletes it with its segment. It is derived data:
the report records stay the record. A segment written before report tables existed gets
its table from its stored records the first time a writer or reader needs it (once; a
writer saves it); so does a segment whose table is unreadable.

File format (little-endian)::

    b"SLRT"  u32 format version  u32 header length  header (UTF-8 JSON)  zero padding to 8
    arrays, each 8-byte aligned, at the offsets the header gives

The header is ``{"version", "reports", "totals", "arrays": {name: [dtype, offset, count]}}``;
``totals`` holds the segment's documents, passages, characters and the counts by doc type,
year and region name. Arrays (R reports):

==================  =====  =====  ===========================================
name                dtype  len    what
==================  =====  =====  ===========================================
{c}_blob            u1     -      column c's values, UTF-8, each followed by a NUL ("" = none)
{c}_off             u8     R+1    offset of each value in {c}_blob
{k}_keys            u8     R      64-bit keys of column k's values, ascending (k: the manifest columns)
{k}_docs            u4     R      the docnum of each key
order               u4     R      docnums in doc_id order
year                i4     R      year covered (0: none)
passages            u4     R
chars               u8     R
==================  =====  =====  ===========================================

String columns: doc_id, path, content_hash, text_hash, doc_type, region, signature (the
file's size, times and inode when it was read, ``ingest.file_signature``; "" when unknown:
an update hashes the file).
"""
from __future__ import annotations

import bisect
import hashlib
import json
import os
import struct
import threading
from collections import Counter
from pathlib import Path
from typing import Iterable, Optional

import numpy as np

from .schema import CONTENT_HASH, DOC_ID, META

MAGIC = b"SLRT"
FORMAT_VERSION = 1
EXTENSION = ".rpt"
STRING_COLUMNS = ("doc_id", "path", "content_hash", "text_hash", "doc_type", "region", "signature")
KEY_COLUMNS = ("doc_id", "path", "content_hash", "text_hash")


class ReportTableError(Exception):
    """A report table is missing, truncated or of another format version."""


def table_file(folder: Path, segment_id: str) -> Path:
    return Path(folder) / f"{segment_id}{EXTENSION}"


def key_of(value: str) -> int:
    """The 64-bit lookup key of a string."""
    return int.from_bytes(hashlib.blake2b(value.encode("utf-8"), digest_size=8).digest(), "little")


def row_of(stored: dict, signature: Optional[str] = None) -> tuple:
    """A table row from a report record (as stored, or as written) and the signature of
    its file: (doc_id, path, content_hash, text_hash, doc_type, region name, signature,
    year, passages, chars)."""
    meta = stored.get(META) or {}
    region = meta.get("region") or {}
    year = meta.get("year")
    try:
        year = int(year) if year else 0
    except (TypeError, ValueError):
        year = 0
    return (stored[DOC_ID], meta.get("path") or "", stored.get(CONTENT_HASH) or "", meta.get("text_hash") or "",
            meta.get("doc_type") or "", region.get("name") or "", signature or "", year, int(meta.get("passages") or 0),
            int(meta.get("chars") or 0))


# --------------------------------------------------------------------------- writing

class TableBuilder:
    """The rows of a new segment's reports, in docnum order."""

    def __init__(self):
        self.rows: list[tuple] = []

    def add(self, docnum: int, row: tuple) -> None:
        if docnum != len(self.rows):
            raise ValueError(f"report table rows must follow the docnums ({docnum} after {len(self.rows) - 1})")
        self.rows.append(row)

    def add_table(self, src: "ReportTable", docmap: Optional[np.ndarray]) -> None:
        """The rows of another segment's live reports (a merge): ``docmap[old] = new`` or -1."""
        n = src.reports
        olds = np.arange(n) if docmap is None else np.flatnonzero(np.asarray(docmap) >= 0)
        news = olds + len(self.rows) if docmap is None else np.asarray(docmap)[olds]
        for old, new in zip(olds.tolist(), news.tolist()):
            self.add(new, src.row(old))

    def write(self, path: Path, reports: int) -> None:
        if len(self.rows) != reports:
            raise ValueError(f"report table has {len(self.rows)} rows for {reports} documents")
        _write_table(path, table_bytes(self.rows))


def table_bytes(rows: list[tuple]) -> bytes:
    """A report table of ``rows`` (docnum order), as the bytes of its file."""
    n = len(rows)
    cols = list(zip(*rows)) if rows else [()] * 10
    arrays: dict[str, np.ndarray] = {}
    for i, name in enumerate(STRING_COLUMNS):
        encoded = [v.encode("utf-8") + b"\0" for v in cols[i]]
        arrays[f"{name}_blob"] = np.frombuffer(b"".join(encoded), np.uint8)
        arrays[f"{name}_off"] = np.r_[0, np.cumsum([len(e) for e in encoded], dtype=np.int64)].astype(np.uint64)
    for i, name in enumerate(STRING_COLUMNS):
        if name in KEY_COLUMNS:
            keys = np.fromiter((key_of(v) for v in cols[i]), np.uint64, n)
            order = np.argsort(keys, kind="stable")
            arrays[f"{name}_keys"] = keys[order]
            arrays[f"{name}_docs"] = order.astype(np.uint32)
    ids = cols[0]
    arrays["order"] = np.asarray(sorted(range(n), key=ids.__getitem__), np.uint32)
    arrays["year"] = np.asarray(cols[7], np.int32)
    arrays["passages"] = np.asarray(cols[8], np.uint32)
    arrays["chars"] = np.asarray(cols[9], np.uint64)
    totals = {"documents": n, "passages": int(sum(cols[8])), "chars": int(sum(cols[9])),
              "doc_types": dict(Counter(cols[4])), "years": {str(k): v for k, v in Counter(cols[7]).items() if k},
              "regions": {k: v for k, v in Counter(cols[5]).items() if k}}
    layout, parts, offset = {}, [], 0
    for name, arr in arrays.items():
        arr = np.ascontiguousarray(arr)
        layout[name] = [arr.dtype.str, offset, int(arr.size)]
        parts.append(arr.tobytes() + b"\0" * (-arr.nbytes % 8))
        offset += (arr.nbytes + 7) // 8 * 8
    head = json.dumps({"version": FORMAT_VERSION, "reports": n, "totals": totals, "arrays": layout},
                      ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    prefix = MAGIC + struct.pack("<II", FORMAT_VERSION, len(head)) + head
    prefix += b"\0" * (-len(prefix) % 8)
    return prefix + b"".join(parts)


def _write_table(path: Path, data: bytes) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


# --------------------------------------------------------------------------- reading

class ReportTable:
    """Read-only view of one segment's report table (its bytes)."""

    def __init__(self, data, name: str = "report table"):
        self.name = name
        self._data = data
        if len(data) < 12 or bytes(data[:4]) != MAGIC:
            raise ReportTableError(f"{name} is not a report table")
        version, hlen = struct.unpack_from("<II", data, 4)
        if version != FORMAT_VERSION:
            raise ReportTableError(f"{name} has format version {version}, expected {FORMAT_VERSION}")
        try:
            header = json.loads(bytes(data[12:12 + hlen]))
        except ValueError:
            raise ReportTableError(f"{name} has a damaged header") from None
        base = 12 + hlen
        self._base = base + (-base % 8)
        self.reports = header["reports"]
        self.totals = header["totals"]
        self._layout = header["arrays"]
        end = self._base + max((o + np.dtype(d).itemsize * n for d, o, n in self._layout.values()), default=0)
        if end > len(data):
            raise ReportTableError(f"{name} is truncated ({len(data)} of {end} bytes)")
        self._columns: dict[str, list[str]] = {}
        self._ordered: Optional[list[str]] = None

    @classmethod
    def open(cls, path: Path) -> "ReportTable":
        try:
            data = Path(path).read_bytes()     # read, not mapped: a file cut short later cannot fault a reader
        except OSError as e:
            raise ReportTableError(f"cannot read {Path(path).name}: {e}") from None
        return cls(data, Path(path).name)

    def __getattr__(self, name):
        layout = self.__dict__.get("_layout")
        if layout is None or name not in layout:
            raise AttributeError(name)
        dtype, offset, count = layout[name]
        arr = np.frombuffer(self._data, dtype=np.dtype(dtype), count=count, offset=self._base + offset)
        self.__dict__[name] = arr
        return arr

    def value(self, column: str, docnum: int) -> str:
        off = getattr(self, f"{column}_off")
        return getattr(self, f"{column}_blob")[int(off[docnum]):int(off[docnum + 1]) - 1].tobytes().decode("utf-8")

    def column(self, column: str) -> list[str]:
        """Every value of a string column, by docnum (decoded once)."""
        values = self._columns.get(column)
        if values is None:
            raw = getattr(self, f"{column}_blob").tobytes()
            values = raw.decode("utf-8").split("\0")[:-1] if raw else []
            self._columns[column] = values
        return values

    def ordered_ids(self) -> list[str]:
        """The doc_ids of the table's reports in doc_id order (``order``; made once)."""
        if self._ordered is None:
            column = self.column("doc_id")
            self._ordered = [column[d] for d in self.order.tolist()]
        return self._ordered

    def row(self, docnum: int) -> tuple:
        return (*(self.value(c, docnum) for c in STRING_COLUMNS), int(self.year[docnum]),
                int(self.passages[docnum]), int(self.chars[docnum]))

    def find(self, column: str, value: str) -> list[int]:
        """Docnums whose ``column`` is ``value`` (deleted reports included)."""
        if not value:
            return []
        keys = getattr(self, f"{column}_keys")
        k = np.uint64(key_of(value))
        lo, hi = np.searchsorted(keys, k, "left"), np.searchsorted(keys, k, "right")
        docs = getattr(self, f"{column}_docs")[lo:hi]
        return [int(d) for d in docs if self.value(column, int(d)) == value]


def stored_table(reader) -> ReportTable:
    """The report table of a segment without one, from its stored records."""
    rows = [row_of(reader.stored_fields(d)) for d in range(reader.doc_count_all())]
    return ReportTable(table_bytes(rows), f"{reader.segment().segment_id()}{EXTENSION} (from stored records)")


class ReportTables:
    """Open report tables by segment id (a segment's table never changes)."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self._open: dict[str, ReportTable] = {}
        self._lock = threading.Lock()

    def get(self, reader, save: bool = False) -> ReportTable:
        """The table of a Whoosh segment reader's segment; a segment without one gets it
        from its stored records (written to disk with ``save``: a writer holds the lock)."""
        segment_id = reader.segment().segment_id()
        table = self._open.get(segment_id)
        if table is not None:
            return table
        with self._lock:
            table = self._open.get(segment_id)
            if table is None:
                path = table_file(self.folder, segment_id)
                try:
                    table = ReportTable.open(path) if path.exists() else None
                    if table is not None and table.reports != reader.doc_count_all():
                        raise ReportTableError(f"{path.name} does not match its segment")
                except ReportTableError:
                    table = None            # derived data: made again from the records
                if table is None:
                    table = stored_table(reader)
                    if save:
                        try:
                            _write_table(path, bytes(table._data))
                        except OSError:
                            pass        # a read-only index: the table is kept in memory
                if len(self._open) > 256:
                    self._open.clear()
                self._open[segment_id] = table
        return table

    def segments(self, searcher, save: bool = False) -> list[tuple[ReportTable, int, object]]:
        """(table, docbase, reader) of each segment of a searcher."""
        out = []
        for reader, docbase in searcher.reader().leaf_readers():
            if getattr(reader, "segment", None) is None or reader.segment() is None:
                continue
            out.append((self.get(reader, save), docbase, reader))
        return out


# --------------------------------------------------------------------------- what readers and writers ask

def _deleted(reader) -> list[int]:
    return sorted(reader.deleted_docs_set) if reader.has_deletions() else []


class Manifest:
    """The update manifest of an index (doc_id, path, content hash, text hash of each live
    report), looked up in the segments' report tables: each lookup is O(log n) per
    segment, and ``entries()`` reads the four columns only."""

    def __init__(self, tables: ReportTables, searcher, save: bool = False):
        self.searcher = searcher
        self.segments = tables.segments(searcher, save)
        self._dead = [set(_deleted(reader)) for _, _, reader in self.segments]
        self._entries: Optional[dict] = None
        self._indexes: dict = {}

    def _find(self, column: str, value: Optional[str]) -> list[tuple[int, int]]:
        """(segment index, local docnum) of the live reports whose ``column`` is ``value``."""
        out = []
        for i, (table, _, _) in enumerate(self.segments):
            out += [(i, d) for d in table.find(column, value or "") if d not in self._dead[i]]
        return out

    def _entry(self, i: int, d: int) -> dict:
        table = self.segments[i][0]
        return _entry(*(table.value(c, d) for c in ENTRY_COLUMNS[1:]))

    def get(self, doc_id: str) -> Optional[dict]:
        if self._entries is not None:
            return self._entries.get(doc_id)
        found = self._find("doc_id", doc_id)
        return self._entry(*found[0]) if found else None

    def __contains__(self, doc_id: str) -> bool:
        return self.get(doc_id) is not None

    def __getitem__(self, doc_id: str) -> dict:
        entry = self.get(doc_id)
        if entry is None:
            raise KeyError(doc_id)
        return entry

    def docs_with(self, column: str, value: Optional[str]) -> list[str]:
        """The doc_ids of the live reports whose ``column`` (path, content_hash, text_hash)
        is ``value``, in docnum order."""
        if self._entries is not None:
            return list(self._reverse(column).get(value, ())) if value else []
        return [self.segments[i][0].value("doc_id", d) for i, d in self._find(column, value)]

    def _reverse(self, column: str) -> dict:
        key = "__" + column
        rev = self._indexes.get(key)
        if rev is None:
            rev = {}
            for doc_id, entry in self._entries.items():
                if entry[column]:
                    rev.setdefault(entry[column], []).append(doc_id)
            self._indexes[key] = rev
        return rev

    def stored(self, doc_id: str) -> dict:
        """The stored record of a live report."""
        i, d = self._find("doc_id", doc_id)[0]
        return self.segments[i][2].stored_fields(d)

    def entries(self) -> dict[str, dict]:
        """doc_id → entry of every live report (the four columns of each table); later
        lookups use it."""
        if self._entries is None:
            out = {}
            for i, (table, _, _) in enumerate(self.segments):
                dead = self._dead[i]
                cols = [table.column(c) for c in ENTRY_COLUMNS]
                for d, (doc_id, *values) in enumerate(zip(*cols)):
                    if d not in dead:
                        out[doc_id] = _entry(*values)
            self._entries = out
        return self._entries


ENTRY_COLUMNS = ("doc_id", "path", "content_hash", "text_hash", "signature")


def _entry(path: str, content_hash: str, text_hash: str, signature: str) -> dict:
    return {"path": path or None, "content_hash": content_hash or None, "text_hash": text_hash or None,
            "signature": signature or None}


def index_stats(tables: ReportTables, searcher) -> dict:
    """Documents, passages, characters and the counts by doc type, year and region of the
    live reports: the tables' totals less the deleted reports (O(segments + deleted))."""
    docs = passages = chars = 0
    types, years, regions = Counter(), Counter(), Counter()
    for table, _, reader in tables.segments(searcher):
        t = table.totals
        docs += t["documents"]
        passages += t["passages"]
        chars += t["chars"]
        types.update(t["doc_types"])
        years.update({int(k): v for k, v in t["years"].items()})
        regions.update(t["regions"])
        for d in _deleted(reader):
            docs -= 1
            passages -= int(table.passages[d])
            chars -= int(table.chars[d])
            types[table.value("doc_type", d)] -= 1
            if table.year[d]:
                years[int(table.year[d])] -= 1
            region = table.value("region", d)
            if region:
                regions[region] -= 1

    return stats_dict(docs, passages, chars, types, years, regions)


def stats_dict(docs: int, passages: int, chars: int, types: Counter, years: Counter, regions: Counter) -> dict:
    """An index's stats as ``stats()`` shows them: counts by doc type and region most first,
    years ascending, values that fell to 0 left out."""
    def ranked(c: Counter) -> dict:
        return {k: v for k, v in sorted(c.items(), key=lambda kv: (-kv[1], kv[0])) if v > 0}
    return {"documents": docs, "passages": passages, "characters": chars,
            "doc_types": {(k or None): v for k, v in ranked(types).items()},
            "years": {k: v for k, v in sorted(years.items()) if v > 0},
            "regions": ranked(regions)}


def doc_order(tables: ReportTables, searcher) -> np.ndarray:
    """Global docnums of the live reports in doc_id order."""
    runs: list[tuple[np.ndarray, list[str]]] = []
    for table, docbase, reader in tables.segments(searcher):
        order = table.order.astype(np.int64)
        ids = table.ordered_ids()
        dead = _deleted(reader)
        if dead:
            keep = ~np.isin(order, np.asarray(dead, np.int64))
            order = order[keep]
            ids = [i for i, k in zip(ids, keep.tolist()) if k]
        runs.append((order + docbase, ids))
    if not runs:
        return np.zeros(0, np.int64)
    if len(runs) == 1:
        return runs[0][0]
    total = sum(len(docnums) for docnums, _ in runs)
    big = max(range(len(runs)), key=lambda k: len(runs[k][0]))
    rest = [r for k, r in enumerate(runs) if k != big]
    if total - len(runs[big][0]) <= max(64, total // 64):
        # one large run (an optimized index) and the few reports committed since: those, in
        # doc_id order, each find their place in it by bisection, not a sort of every doc_id
        base, base_ids = runs[big]
        newcomers = sorted((i, int(d)) for docnums, run_ids in rest for i, d in zip(run_ids, docnums.tolist()))
        at = [bisect.bisect_left(base_ids, i) for i, _ in newcomers]
        return np.insert(base, at, [d for _, d in newcomers])
    # runs of sorted doc_ids, one per segment: Timsort merges them
    ids = [i for _, run_ids in runs for i in run_ids]
    docnums = np.concatenate([d for d, _ in runs])
    return docnums[np.asarray(sorted(range(len(ids)), key=ids.__getitem__), np.int64)]
