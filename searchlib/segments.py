"""Whoosh segments and their passage files, written and read together.

``ReportWriter`` is Whoosh's segment writer plus a passage-file builder and a report
table builder (``reports.py``): each report added becomes one Whoosh record, a row of the
report table and its passages go to the builder under the record's document number; when
Whoosh merges segments into the new one (``add_reader``), the passages and table rows of
their live reports are merged too (the passages streaming, by ``passage_merge``); when
Whoosh has written the segment's files, the passage file and the report table are written
beside them, before the table of contents that makes the segment part of the index. A crash before that point leaves the previous table of
contents, which does not know the new files, and the next commit deletes them.

``SegmentView``s give a searcher's segments with their passage files, masks of deleted
reports and the document offset of each segment.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import numpy as np
from whoosh.writing import SegmentWriter

from . import integrity
from .passage_index import (EXTENSION, PASSAGE_COLUMNS, PassageFileError, ReportPassages, SegmentBuilder, SegmentPassages,
                            passage_file)
from .passage_merge import merge_passage_files
from .reports import ReportTables, TableBuilder, row_of, table_file


class ReportWriter(SegmentWriter):
    """A Whoosh SegmentWriter that also writes the segment's passage file."""

    def __init__(self, ix, **kwargs):
        super().__init__(ix, **kwargs)
        self.passage_builder = SegmentBuilder()
        self.folder = Path(ix.storage.folder)
        self.passages_added = 0
        self.table_builder = TableBuilder()           # the new segment's report table
        self.merged: list[tuple[SegmentPassages, np.ndarray]] = []    # passage files of merged segments
        self.tables = ReportTables(self.folder)       # those of the segments it reads

    def cancel(self) -> None:
        """Cancel the writer and remove the files its new segment had opened (Whoosh leaves
        them: each no-op update added three orphan files the index then kept listing)."""
        prefix = self.newsegment.segment_id()            # MAIN_<id>: its files are named after it
        super().cancel()
        for path in self.folder.glob(prefix + "*"):
            try:
                path.unlink()
            except OSError:
                pass

    def add_report(self, record: dict, passages: Optional[ReportPassages], signature: Optional[str] = None) -> None:
        """Add a report record, its passages and (for its report table) the signature of
        its file when it was read."""
        docnum = self.docnum
        self.add_document(**record)
        self.table_builder.add(docnum, row_of(record, signature))
        self.passage_builder.add_report(docnum, passages)
        self.passages_added += passages.passages if passages is not None else 0

    def copy_reports(self, searcher, copies: list[tuple[dict, int]]) -> None:
        """Add report records whose passages are copied from the index: ``copies`` is
        (new record, global docnum of the indexed report) pairs. Call before add_report."""
        by_segment: dict = {}
        for record, docnum in copies:
            for reader, docbase in searcher.reader().leaf_readers():
                if docbase <= docnum < docbase + reader.doc_count_all():
                    by_segment.setdefault(reader.segment().segment_id(), (reader, []))[1].append(
                        (docnum - docbase, record))
                    break
        for segment_id, (reader, items) in by_segment.items():
            newnums = np.full(reader.doc_count_all(), -1, np.int64)
            for old, record in sorted(items, key=lambda x: x[0]):
                newnums[old] = self.docnum
                self.table_builder.add(self.docnum, row_of(record))
                self.add_document(**record)
            src = SegmentPassages(passage_file(self.folder, segment_id))
            self.passage_builder.add_segment(src, newnums)
            self.passages_added += int(sum(int(src.r_first[o + 1]) - int(src.r_first[o]) for o, _ in items))

    def add_reader(self, reader):
        # Whoosh's add_reader, keeping the document map to merge the passages alike
        self._check_state()
        basedoc = self.docnum
        ndxnames = set(f for f in reader.indexed_field_names() if f in self.schema)
        fieldnames = set(self.schema.names()) | ndxnames
        docmap = self.write_per_doc(fieldnames, reader)
        self.add_postings_to_pool(reader, basedoc, docmap)
        self._added = True
        n = reader.doc_count_all()
        if docmap is None:
            newnums = basedoc + np.arange(n, dtype=np.int64)
        else:
            newnums = np.full(n, -1, np.int64)
            for old, new in docmap.items():
                newnums[old] = new
        self.table_builder.add_table(self.tables.get(reader), newnums)
        # merged when the segment is written, streaming (passage_merge): never decoded whole
        self.merged.append((SegmentPassages(passage_file(self.folder, reader.segment().segment_id())), newnums))

    def _finalize_segment(self):
        segment = super()._finalize_segment()
        path, reports = passage_file(self.folder, segment.segment_id()), segment.doc_count_all()
        if not self.merged:
            self.passage_builder.write(path, reports)
        else:
            # the reports added by this writer come first (docnums below the merged ones'):
            # written as a passage file of their own, then merged with the others
            first = int(next((m[m >= 0][0] for _, m in self.merged if (m >= 0).any()), reports))
            sources = list(self.merged)
            fresh = None
            if first > 0:
                fresh = path.with_name(path.name + ".added")
                self.passage_builder.write(fresh, first)
                sources.insert(0, (SegmentPassages(fresh), np.arange(first, dtype=np.int64)))
            try:
                merge_passage_files(sources, path, reports)
            finally:
                if fresh is not None:
                    sources[0][0].close()
                    fresh.unlink(missing_ok=True)
        self.table_builder.write(table_file(self.folder, segment.segment_id()), segment.doc_count_all())
        return segment

    def _commit_toc(self, segments):
        # Whoosh's _commit_toc (write the table of contents, delete the files no generation
        # uses), with the fsyncs of integrity.py: the segments' new files reach the disk
        # before the table of contents names them, the table of contents and the checksum
        # record before its rename, and the rename before the old files are deleted
        from whoosh.index import TOC, clean_files
        ids = [s.segment_id() for s in segments]
        integrity.sync_before_toc(self.folder, ids)
        toc = TOC(self.schema, segments, self.generation)
        try:
            toc.write(_SealingStorage(self.storage, self.folder, self.generation, ids), self.indexname)
        except BaseException:
            for tmp in self.folder.glob(f"_{self.indexname}_{self.generation}.toc.*"):
                tmp.unlink(missing_ok=True)        # the temporary table of contents of a failed commit
            raise
        integrity.fsync_path(self.folder)          # the rename is durable: the commit is done
        clean_files(self.storage, self.indexname, self.generation, segments)


class _SealingStorage:
    """The index's storage as ``TOC.write`` sees it: renaming the temporary table of
    contents into place first fsyncs it and records the generation's checksums."""

    def __init__(self, storage, folder: Path, generation: int, segment_ids: list):
        self._storage, self._folder, self._generation, self._ids = storage, folder, generation, segment_ids

    def __getattr__(self, name):
        return getattr(self._storage, name)

    def rename_file(self, frm, to, safe=False):
        integrity.record_commit(self._folder, self._generation, self._ids, self._folder / frm, to)
        self._storage.rename_file(frm, to, safe=safe)


@dataclass
class SegmentView:
    passages: SegmentPassages
    docbase: int                     # global Whoosh docnum of the segment's first report
    reader: object                   # the Whoosh segment reader
    live_reports: Optional[np.ndarray]   # bool per report, None when nothing is deleted

    def live(self, ids: np.ndarray) -> np.ndarray:
        """Boolean mask of the passages in ``ids`` whose report is not deleted."""
        if self.live_reports is None:
            return np.ones(len(ids), bool)
        return self.live_reports[self.passages.p_report[ids]]

    def live_passages(self) -> int:
        sp = self.passages
        if self.live_reports is None:
            return sp.passages
        dead = np.flatnonzero(~self.live_reports)
        return sp.passages - int((sp.r_first[dead + 1].astype(np.int64) - sp.r_first[dead]).sum())


CACHE_BYTES = 128 << 20       # decoded postings kept per snapshot (least recently used first out)
# every list is kept, short ones too: decoding one costs little, but a few numpy calls in each
# segment, for each of a query's terms and synonyms, add up to milliseconds a query
CACHE_MIN_POSTINGS = 0
CACHE_ENTRY_BYTES = 512       # what an entry costs besides its arrays (counted against CACHE_BYTES)


class CombinedPassages:
    """All passages of a searcher's segments as one numbered set: passage ``g`` of the
    whole index is passage ``g - base[i]`` of segment ``i``. The scorer evaluates a
    query once over this set instead of once per segment; per-passage arrays are
    concatenated on first use (a few bytes per passage), postings per term."""

    def __init__(self, views: list[SegmentView]):
        self.views = views
        self.segments = [v.passages for v in views]
        sizes = [sp.passages for sp in self.segments]
        self.base = np.r_[0, np.cumsum(sizes, dtype=np.int64)].astype(np.int64)
        self.passages = int(self.base[-1])
        self._arrays: dict[str, np.ndarray] = {}
        self._live = None
        self._cache: OrderedDict = OrderedDict()
        self._cache_bytes = 0

    def _concat(self, name: str) -> np.ndarray:
        arr = self._arrays.get(name)
        if arr is None:
            parts = [getattr(sp, name) for sp in self.segments]
            if not parts:                 # an index without documents (an empty shard) has no segments
                dtype = next(d for d, attr in PASSAGE_COLUMNS.values() if attr == name)
                parts = [np.zeros(0, dtype)]
            arr = np.concatenate(parts) if len(parts) != 1 else parts[0]
            self._arrays[name] = arr
        return arr

    def __getattr__(self, name: str) -> np.ndarray:
        # p_conc, p_kind, p_flags, p_ordinal, p_hash: the segments' arrays, concatenated on first use
        if name in ("p_conc", "p_kind", "p_flags", "p_ordinal", "p_hash"):
            return self._concat(name)
        raise AttributeError(name)

    @property
    def p_report(self) -> np.ndarray:
        """Global Whoosh docnum of each passage's report."""
        arr = self._arrays.get("p_report_global")
        if arr is None:
            arr = np.concatenate([v.passages.p_report.astype(np.int64) + v.docbase for v in self.views]) \
                if self.views else np.zeros(0, np.int64)
            self._arrays["p_report_global"] = arr
        return arr

    def live(self, ids: np.ndarray) -> np.ndarray:
        """Mask of the passages in ``ids`` whose report is not deleted."""
        if all(v.live_reports is None for v in self.views):
            return np.ones(len(ids), bool)
        if self._live is None:
            self._live = np.concatenate([v.live_reports[v.passages.p_report] if v.live_reports is not None
                                         else np.ones(v.passages.passages, bool) for v in self.views])
        return self._live[ids]

    def _split(self, ids: np.ndarray):
        """(segment index, slice of ids) for ascending global ids."""
        cuts = np.searchsorted(ids, self.base)
        for i in range(len(self.segments)):
            if cuts[i + 1] > cuts[i]:
                yield i, slice(int(cuts[i]), int(cuts[i + 1]))

    # -- what the scorer reads -------------------------------------------------------------
    def field_postings(self, field_: str, term: str):
        """(passage ids, tf, field length) of ``term`` over all segments, or None. The
        decoded lists are kept (up to CACHE_BYTES per snapshot): they recur in query after
        query, and decoding them is most of a broad query's work."""
        key = (field_, term)
        hit = self._cache.get(key)
        if hit is not None:
            self._cache.move_to_end(key)
            return hit[0]
        found = self._field_postings(field_, term)
        if found is not None and len(found[0]) >= CACHE_MIN_POSTINGS:
            size = sum(a.nbytes for a in found) + CACHE_ENTRY_BYTES
            self._cache[key] = (found, size)
            self._cache_bytes += size
            while self._cache_bytes > CACHE_BYTES and self._cache:
                _, (_, old) = self._cache.popitem(last=False)
                self._cache_bytes -= old
        return found

    def _field_postings(self, field_: str, term: str):
        parts = []
        for i, sp in enumerate(self.segments):
            r = sp.field_postings(field_, term)
            if r is not None:
                parts.append((r[0] + self.base[i], r[1], r[2]))
        if not parts:
            return None
        if len(parts) == 1:
            return parts[0]
        return tuple(np.concatenate([p[k] for p in parts]) for k in range(3))

    def term_positions(self, term: str, ids: np.ndarray, tf: np.ndarray, cand: np.ndarray):
        owners, positions = [], []
        id_cuts = np.searchsorted(ids, self.base)
        for i, sl in self._split(cand):
            a, b = int(id_cuts[i]), int(id_cuts[i + 1])
            base = self.base[i]
            owner, pos = self.segments[i].term_positions(term, ids[a:b] - base, tf[a:b], cand[sl] - base)
            owners.append(owner + sl.start)
            positions.append(pos)
        if not owners:
            return np.zeros(0, np.int64), np.zeros(0, np.int64)
        return np.concatenate(owners), np.concatenate(positions)

    def terms_between(self, field_: str, low, high, limit: int) -> list[str]:
        terms = set()
        for sp in self.segments:
            terms.update(sp.terms_between(field_, low, high, limit))
        return sorted(terms, key=lambda t: t.encode("utf-8"))[:limit]

    def report_passages(self, docnums: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Passages of the reports with these global docnums (ascending): (passage ids,
        index of their report in ``docnums``)."""
        ids, owners = [], []
        for i, v in enumerate(self.views):
            lo, hi = np.searchsorted(docnums, [v.docbase, v.docbase + v.reader.doc_count_all()])
            if hi <= lo:
                continue
            local = docnums[lo:hi] - v.docbase
            first = v.passages.r_first[local].astype(np.int64)
            counts = v.passages.r_first[local + 1].astype(np.int64) - first
            owner = np.repeat(np.arange(len(local)), counts)
            within = np.arange(int(counts.sum())) - np.repeat(np.cumsum(counts) - counts, counts)
            ids.append(first[owner] + within + self.base[i])
            owners.append(owner + lo)
        if not ids:
            return np.zeros(0, np.int64), np.zeros(0, np.int64)
        return np.concatenate(ids), np.concatenate(owners)

    def locate(self, pid: int) -> tuple[SegmentPassages, int]:
        i = int(np.searchsorted(self.base, pid, side="right")) - 1
        return self.segments[i], int(pid - self.base[i])

    def payload(self, pid: int) -> dict:
        sp, local = self.locate(pid)
        return sp.payload(local)


class PassageFiles:
    """Open passage files, by segment id (files never change once written). Each snapshot
    holds the files it reads (``views`` takes a reference, ``release`` gives it back, as
    Lucene's IndexReader does): a file of a segment merged away is closed when the last
    snapshot using it is, never under a search another thread is running."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self._open: dict[str, SegmentPassages] = {}
        self._refs: dict[int, list] = {}          # id(file) -> [file, snapshots holding it]
        self._retired: set[int] = set()           # files no longer open for new snapshots
        self._lock = threading.Lock()

    def get(self, segment_id: str) -> SegmentPassages:
        sp = self._open.get(segment_id)
        if sp is None:
            with self._lock:
                sp = self._open.get(segment_id)
                if sp is None:
                    sp = SegmentPassages(passage_file(self.folder, segment_id))
                    self._open[segment_id] = sp
        return sp

    def views(self, searcher) -> list[SegmentView]:
        out = []
        for reader, docbase in searcher.reader().leaf_readers():
            segment = reader.segment() if hasattr(reader, "segment") else None
            if segment is None:
                continue                  # an index with no documents yet has no segments
            sp = self.get(segment.segment_id())
            live = None
            if reader.has_deletions():
                live = np.ones(max(sp.reports, reader.doc_count_all()), bool)
                live[np.fromiter(reader.deleted_docs_set, np.int64)] = False
            out.append(SegmentView(sp, docbase, reader, live))
        keep = {v.passages.path.name[:-len(EXTENSION)] for v in out}
        with self._lock:
            for v in out:
                self._refs.setdefault(id(v.passages), [v.passages, 0])[1] += 1
            if len(self._open) > len(keep) + 16:
                for sid in [s for s in self._open if s not in keep]:
                    sp = self._open.pop(sid)
                    if id(sp) in self._refs:
                        self._retired.add(id(sp))        # closed when its last snapshot is
                    else:
                        sp.close()
        return out

    def release(self, views: list[SegmentView]) -> None:
        """A snapshot is done with ``views``' files: close those no snapshot holds any more
        and no new one can take."""
        with self._lock:
            for v in views:
                entry = self._refs.get(id(v.passages))
                if entry is None:
                    continue
                entry[1] -= 1
                if entry[1] <= 0:
                    del self._refs[id(v.passages)]
                    if id(v.passages) in self._retired:
                        self._retired.discard(id(v.passages))
                        v.passages.close()


__all__ = ["ReportWriter", "SegmentView", "CombinedPassages", "PassageFiles", "PassageFileError"]
