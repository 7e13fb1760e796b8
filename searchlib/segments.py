"""Whoosh segments and their passage files, written and read together.

``ReportWriter`` is Whoosh's segment writer plus a passage-file builder: each report
added becomes one Whoosh record and its passages go to the builder under the record's
document number; when Whoosh merges segments into the new one (``add_reader``), the
passages of their live reports are merged too; when Whoosh has written the segment's
files, the passage file is written beside them, before the table of contents that makes
the segment part of the index. A crash before that point leaves the previous table of
contents, which does not know the new files, and the next commit deletes them.

``SegmentView``s give a searcher's segments with their passage files, masks of deleted
reports and the document offset of each segment.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import numpy as np
from whoosh.writing import SegmentWriter

from .passage_index import (EXTENSION, PassageFileError, ReportPassages, SegmentBuilder, SegmentPassages,
                            passage_file)


class ReportWriter(SegmentWriter):
    """A Whoosh SegmentWriter that also writes the segment's passage file."""

    def __init__(self, ix, **kwargs):
        super().__init__(ix, **kwargs)
        self.passage_builder = SegmentBuilder()
        self.folder = Path(ix.storage.folder)
        self.passages_added = 0

    def add_report(self, record: dict, passages: Optional[ReportPassages]) -> None:
        docnum = self.docnum
        self.add_document(**record)
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
        src = SegmentPassages(passage_file(self.folder, reader.segment().segment_id()))
        self.passage_builder.add_segment(src, newnums)

    def _finalize_segment(self):
        segment = super()._finalize_segment()
        self.passage_builder.write(passage_file(self.folder, segment.segment_id()), segment.doc_count_all())
        return segment


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


class PassageFiles:
    """Open passage files, by segment id (files never change once written)."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self._open: dict[str, SegmentPassages] = {}
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
            segment = reader.segment()
            sp = self.get(segment.segment_id())
            live = None
            if reader.has_deletions():
                live = np.ones(max(sp.reports, reader.doc_count_all()), bool)
                live[np.fromiter(reader.deleted_docs_set, np.int64)] = False
            out.append(SegmentView(sp, docbase, reader, live))
        keep = {v.passages.path.name[:-len(EXTENSION)] for v in out}
        if len(self._open) > len(keep) + 16:
            with self._lock:
                for sid in [s for s in self._open if s not in keep]:
                    self._open.pop(sid).close()
        return out


__all__ = ["ReportWriter", "SegmentView", "PassageFiles", "PassageFileError"]
