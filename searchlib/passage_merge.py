"""Merging passage files in bounded memory.

A merge (Whoosh merging small segments at a commit, ``searchlib optimize``) writes one
passage file from the files of the segments it merges, less their deleted reports. The
result is the file ``SegmentBuilder`` would write from the same reports (byte for byte:
``tests/test_merge.py`` compares them), but nothing is decoded whole: per-passage columns
and payload blocks are copied in slices, and postings are merged term by term, a batch of
terms at a time. Since reports keep their order and each source's passages come after the
previous source's, a term's merged postings are its postings in each source in turn, with
new numbers: no sort. Each batch holds at most ``BATCH_OCCURRENCES`` occurrences; a term
with more is read in slices of ``SLICE_POSTINGS`` postings. The arrays are written to
spill files as they are made and assembled into the passage file at the end, so memory
stays bounded whatever the size of the index (a few bytes per report and per payload
block besides the batch).
"""
from __future__ import annotations

import heapq
import json
import os
import shutil
import struct
import zlib
from pathlib import Path
from typing import Iterator, Optional

import numpy as np

from .passage_index import (ESCAPE, FIELDS, FORMAT_VERSION, MAGIC, PASSAGE_COLUMNS, PAYLOAD_BLOCK, SegmentPassages)
from .schema import BODY, HEADING

BATCH_OCCURRENCES = 1 << 19     # occurrences (postings, or positions for the body) per batch of terms
BATCH_TERMS = 1 << 15           # terms per batch
SLICE_POSTINGS = 1 << 17        # postings per slice of a term longer than a batch
COLUMN_SLICE = 1 << 18          # passages per slice of the per-passage columns
TERM_CHUNK = 1 << 12            # terms of a source read at a time


class _Spill:
    """Arrays written piece by piece to temporary files (``<prefix><array name>``, beside
    the passage file: named after its segment, so that Whoosh's clean-up removes what a
    killed merge leaves), assembled at the end."""

    def __init__(self, prefix: Path):
        self.prefix = prefix
        self.files: dict[str, list] = {}       # name -> [file, dtype, count, last value]

    def path(self, name: str) -> Path:
        return self.prefix.with_name(self.prefix.name + name)

    def declare(self, name: str, dtype) -> None:
        self.files[name] = [open(self.path(name), "wb"), np.dtype(dtype), 0, 0]

    def add(self, name: str, values) -> None:
        entry = self.files[name]
        arr = np.ascontiguousarray(np.asarray(values).astype(entry[1], copy=False))
        if arr.size:
            entry[0].write(arr.tobytes())
            entry[2] += int(arr.size)
            entry[3] = int(arr[-1])

    def count(self, name: str) -> int:
        return self.files[name][2]

    def close(self) -> None:
        for entry in self.files.values():
            entry[0].close()

    def remove(self) -> None:
        self.close()
        for name in self.files:
            self.path(name).unlink(missing_ok=True)


class _Source:
    """One source passage file with its docmap: which passages and sections stay, and their new numbers."""

    def __init__(self, sp: SegmentPassages, docmap: np.ndarray, pid_base: int, sec_base: int):
        self.sp = sp
        docmap = np.asarray(docmap, np.int64)
        self.docmap = docmap
        r_first = sp.r_first.astype(np.int64)
        dead = np.flatnonzero(docmap < 0)
        dead = dead[r_first[dead + 1] > r_first[dead]]             # deleted reports with passages
        self.p_dead = (r_first[dead], r_first[dead + 1])
        p_sec = sp.p_section
        self.s_dead = (p_sec[r_first[dead]].astype(np.int64), p_sec[r_first[dead + 1] - 1].astype(np.int64) + 1)
        self.pid_base, self.sec_base = pid_base, sec_base
        self.kept_passages = sp.passages - int((self.p_dead[1] - self.p_dead[0]).sum())
        self.kept_sections = sp.sections - int((self.s_dead[1] - self.s_dead[0]).sum())

    @staticmethod
    def _map(ids: np.ndarray, dead: tuple, base: int) -> tuple[np.ndarray, np.ndarray]:
        """(mask of the ids outside the dead intervals, their new numbers)."""
        starts, ends = dead
        if not len(starts):
            return np.ones(len(ids), bool), ids + base
        k = np.searchsorted(starts, ids, "right")
        before = np.r_[0, np.cumsum(ends - starts)]
        inside = (k > 0) & (ids < ends[np.maximum(k - 1, 0)])
        return ~inside, ids - before[k] + base

    def passages(self, ids):
        return self._map(ids, self.p_dead, self.pid_base)

    def sections(self, ids):
        return self._map(ids, self.s_dead, self.sec_base)


class _Cursor:
    """Reads one field's postings of a source in order, from its first posting to its last."""

    def __init__(self, sp: SegmentPassages, field_: str):
        self.sp, self.field = sp, field_
        self.poff = getattr(sp, f"{field_}_poff")          # mapped, not copied
        self.ids, self.ids_x = getattr(sp, f"{field_}_ids"), getattr(sp, f"{field_}_ids_x")
        self.tf, self.tf_x = getattr(sp, f"{field_}_tf"), getattr(sp, f"{field_}_tf_x")
        self.pos_data = field_ == BODY
        self.p = self.ids_i = self.tf_i = self.pos_i = self.pos_x_i = 0
        self.last_id = 0

    @staticmethod
    def _values(raw: np.ndarray, exceptions: np.ndarray, first: int) -> tuple[np.ndarray, int]:
        values = raw.astype(np.int64)
        esc = np.flatnonzero(raw == ESCAPE)
        if len(esc):
            values[esc] = exceptions[first:first + len(esc)]
        return values, first + len(esc)

    def read(self, end: int):
        """The postings from the current one to ``end`` (exclusive): (term index, id, tf,
        position gaps of each posting flattened or None)."""
        a, b = self.p, end
        n = b - a
        # (the needle in the array's own dtype: searchsorted would otherwise copy the array)
        terms = np.searchsorted(self.poff, np.arange(a, b, dtype=self.poff.dtype), "right").astype(np.int64) - 1
        gaps, self.ids_i = self._values(self.ids[a:b], self.ids_x, self.ids_i)
        tf, self.tf_i = self._values(self.tf[a:b], self.tf_x, self.tf_i)
        starts = np.arange(a, b) == self.poff[terms].astype(np.int64)
        if n and not starts[0]:
            gaps[0] += self.last_id                      # continues a term begun in the previous read
        run = np.cumsum(gaps)
        at = np.maximum.accumulate(np.where(starts, np.arange(n), 0)) if n else np.zeros(0, np.int64)
        sub = np.where(np.cumsum(starts) > 0, run[at] - gaps[at], 0) if n else run
        ids = run - sub
        if n:
            self.last_id = int(ids[-1])
        pos = None
        if self.pos_data:
            occ = int(tf.sum())
            pos, self.pos_x_i = self._values(self.sp.body_pos[self.pos_i:self.pos_i + occ], self.sp.body_pos_x,
                                             self.pos_x_i)
            self.pos_i += occ
        self.p = b
        return terms, ids, tf, pos


def _source_terms(sp: SegmentPassages, field_: str, index: int) -> Iterator[tuple[bytes, int, int]]:
    """(term bytes, source index, term index) of a source's field, in order, read in chunks."""
    toff = getattr(sp, f"{field_}_toff")
    blob = getattr(sp, f"{field_}_terms")
    n = len(toff) - 1
    for lo in range(0, n, TERM_CHUNK):
        hi = min(n, lo + TERM_CHUNK)
        offs = toff[lo:hi + 1].astype(np.int64)
        raw = blob[int(offs[0]):int(offs[-1])].tobytes()
        rel = (offs - offs[0]).tolist()
        for i in range(hi - lo):
            yield raw[rel[i]:rel[i + 1]], index, lo + i


class _FieldWriter:
    """Encodes one field of the merged file, batch after batch of terms."""

    def __init__(self, spill: _Spill, name: str, positions: bool):
        self.spill, self.name, self.positions = spill, name, positions
        for suffix, dtype in (("terms", np.uint8), ("toff", np.uint64), ("poff", np.uint64), ("df", np.uint32),
                              ("ids", np.uint8), ("ids_x", np.uint32), ("ids_xoff", np.uint64), ("tf", np.uint8),
                              ("tf_x", np.uint16), ("tf_xoff", np.uint64)):
            spill.declare(f"{name}_{suffix}", dtype)
        if positions:
            for suffix, dtype in (("xoff", np.uint64), ("pos", np.uint8), ("pos_x", np.uint16),
                                  ("pos_xoff", np.uint64)):
                spill.declare(f"body_{suffix}", dtype)
        self.n_terms = 0
        self.totals = dict(toff=0, poff=0, ids_xoff=0, tf_xoff=0, xoff=0, pos_xoff=0)

    def _escaped(self, name: str, values: np.ndarray) -> np.ndarray:
        """Write ``values`` as bytes and exceptions; returns the escape mask."""
        small = values < ESCAPE
        self.spill.add(name, np.where(small, values, ESCAPE))
        self.spill.add(f"{name}_x", values[~small])
        return ~small

    def begin(self, terms: list[bytes]) -> None:
        """Start a batch of consecutive terms (in order); their postings follow as pieces."""
        T = len(terms)
        self.terms = terms
        self.acc = {k: np.zeros(T, np.int64) for k in ("poff", "ids_xoff", "tf_xoff", "xoff", "pos_xoff")}
        self.df = np.zeros(T, np.float64)
        self.prev_term, self.prev_id = -1, 0

    def piece(self, term: np.ndarray, ids: np.ndarray, tf: np.ndarray, pos, size) -> None:
        """Postings of the batch in output order: term index in the batch, new id, tf,
        position gaps (flattened) or None, passages per id (heading) or None."""
        n = len(ids)
        if not n:
            return
        T, acc = len(self.terms), self.acc
        new_term = term != np.r_[self.prev_term, term[:-1]]
        gaps = ids - np.where(new_term, 0, np.r_[self.prev_id, ids[:-1]])
        self.prev_term, self.prev_id = int(term[-1]), int(ids[-1])
        acc["poff"] += np.bincount(term, minlength=T)
        self.df += np.bincount(term, weights=size, minlength=T)
        for key, array, values in (("ids_xoff", "ids", gaps), ("tf_xoff", "tf", tf)):
            escaped = self._escaped(f"{self.name}_{array}", values)
            acc[key] += np.bincount(term, weights=escaped, minlength=T).astype(np.int64)
        if self.positions:
            acc["xoff"] += np.bincount(term, weights=tf, minlength=T).astype(np.int64)
            esc = self._escaped("body_pos", pos).astype(np.int64)
            per_posting = np.add.reduceat(esc, np.r_[0, np.cumsum(tf)[:-1]]) if len(esc) else np.zeros(n, np.int64)
            per_posting[tf == 0] = 0
            acc["pos_xoff"] += np.bincount(term, weights=per_posting, minlength=T).astype(np.int64)

    def end(self) -> None:
        """The batch's terms and their offsets."""
        T, t = len(self.terms), self.totals
        lens = np.fromiter((len(x) for x in self.terms), np.int64, T)
        self.spill.add(f"{self.name}_terms", np.frombuffer(b"".join(self.terms), np.uint8))
        per = dict(self.acc, toff=lens)
        keys = ("toff", "poff", "ids_xoff", "tf_xoff") + (("xoff", "pos_xoff") if self.positions else ())
        for key in keys:
            array = f"body_{key}" if key in ("xoff", "pos_xoff") else f"{self.name}_{key}"
            self.spill.add(array, t[key] + np.r_[0, np.cumsum(per[key])[:-1]] if T else per[key])
            t[key] += int(per[key].sum())
        self.spill.add(f"{self.name}_df", self.df.astype(np.uint32))

    def finish(self) -> None:
        """The closing offset of each offset array (T+1 entries)."""
        t = self.totals
        for key in ("toff", "poff", "ids_xoff", "tf_xoff"):
            self.spill.add(f"{self.name}_{key}", np.asarray([t[key]], np.uint64))
        if self.positions:
            for key in ("xoff", "pos_xoff"):
                self.spill.add(f"body_{key}", np.asarray([t[key]], np.uint64))


def _merge_field(field_: str, sources: list[_Source], spill: _Spill) -> None:
    positions = field_ == BODY
    writer = _FieldWriter(spill, field_, positions)
    cursors = [_Cursor(s.sp, field_) for s in sources]
    poffs = [c.poff for c in cursors]
    xoffs = [s.sp.body_xoff if positions else None for s in sources]

    def weight(si: int, ti: int) -> int:
        if positions:
            return int(xoffs[si][ti + 1] - xoffs[si][ti])
        return int(poffs[si][ti + 1] - poffs[si][ti])

    def decode(si: int, end: int, term_base: np.ndarray, first_term: int):
        """Postings of source si up to posting ``end``, mapped: (union term, new id, tf, pos, size)."""
        src = sources[si]
        terms, ids, tf, pos = cursors[si].read(end)
        if field_ == HEADING:
            keep, new = src.sections(ids)
        else:
            keep, new = src.passages(ids)
        size = None
        if field_ == HEADING:                            # passages per section, read where needed
            s_first, sec = src.sp.s_first, ids[keep]
            size = (s_first[sec + 1].astype(np.int64) - s_first[sec]).astype(np.float64)
        if pos is not None:
            pos = pos[np.repeat(keep, tf)]
        return term_base[terms[keep] - first_term], new[keep], tf[keep], pos, size

    # one union term: its bytes and [(source, term index)]
    merged = heapq.merge(*[_source_terms(s.sp, field_, i) for i, s in enumerate(sources)])
    batch_terms: list[bytes] = []
    batch_parts: list[list[tuple[int, int]]] = []
    load = 0

    def flush():
        nonlocal load
        if not batch_terms:
            return
        per_source: dict[int, list[tuple[int, int]]] = {}
        for u, parts in enumerate(batch_parts):
            for si, ti in parts:
                per_source.setdefault(si, []).append((ti, u))
        chunks = []
        for si in sorted(per_source):
            pairs = per_source[si]
            first, last = pairs[0][0], pairs[-1][0]
            term_base = np.full(last - first + 1, -1, np.int64)
            for ti, u in pairs:
                term_base[ti - first] = u
            chunks.append(decode(si, int(poffs[si][last + 1]), term_base, first))
        writer.begin(batch_terms)
        if len(chunks) == 1:
            writer.piece(*chunks[0])
        else:
            term = np.concatenate([c[0] for c in chunks])
            order = np.argsort(term, kind="stable")          # by term, then source, then id
            tf = np.concatenate([c[2] for c in chunks])
            pos = None
            if positions:
                flat = np.concatenate([c[3] for c in chunks])
                starts = np.cumsum(tf) - tf
                counts = tf[order]
                within = np.arange(int(counts.sum())) - np.repeat(np.cumsum(counts) - counts, counts)
                pos = flat[np.repeat(starts[order], counts) + within]
            size = np.concatenate([c[4] for c in chunks])[order] if field_ == HEADING else None
            writer.piece(term[order], np.concatenate([c[1] for c in chunks])[order], tf[order], pos, size)
        writer.end()
        batch_terms.clear()
        batch_parts.clear()
        load = 0
        _release(sources)

    def big_term(term: bytes, parts: list[tuple[int, int]]) -> None:
        """A term with more occurrences than a batch holds: its postings, slice by slice."""
        writer.begin([term])
        for si, ti in parts:
            end = int(poffs[si][ti + 1])
            while cursors[si].p < end:
                writer.piece(*decode(si, min(end, cursors[si].p + SLICE_POSTINGS), np.zeros(1, np.int64), ti))
                sources[si].sp.release_pages()
        writer.end()

    current: Optional[bytes] = None
    parts: list[tuple[int, int]] = []

    def close_term():
        nonlocal load
        w = sum(weight(si, ti) for si, ti in parts)
        if w > BATCH_OCCURRENCES:
            flush()
            big_term(current, parts)
            return
        if load + w > BATCH_OCCURRENCES or len(batch_terms) >= BATCH_TERMS:
            flush()
        batch_terms.append(current)
        batch_parts.append(list(parts))
        load += w

    for term, si, ti in merged:
        if term != current:
            if current is not None:
                close_term()
            current, parts = term, []
        parts.append((si, ti))
    if current is not None:
        close_term()
    flush()
    writer.finish()


def merge_passage_files(sources: list[tuple[SegmentPassages, np.ndarray]], path: Path, reports: int) -> None:
    """Write the passage file of a segment of ``reports`` Whoosh documents made of the
    live reports of ``sources`` ((passage file, docmap) in order: ``docmap[old docnum]`` is
    the report's new docnum or -1; new docnums increase from source to source)."""
    srcs: list[_Source] = []
    pid = sec = 0
    last = -1
    for sp, docmap in sources:
        docmap = np.asarray(docmap, np.int64)
        live = docmap[docmap >= 0]
        if len(live):
            if live[0] <= last or np.any(np.diff(live) <= 0):
                raise ValueError("merged reports must keep increasing docnums")
            last = int(live[-1])
        s = _Source(sp, docmap, pid, sec)
        pid += s.kept_passages
        sec += s.kept_sections
        srcs.append(s)
    if last >= reports:
        raise ValueError(f"report {last} beyond the segment's {reports} documents")
    spill = _Spill(path.with_name(path.name + ".merge_"))
    try:
        stats = _columns(srcs, spill, reports)
        for field_ in FIELDS:
            _merge_field(field_, srcs, spill)
        _payloads(srcs, spill)
        spill.close()
        header = {"version": FORMAT_VERSION, "passages": pid, "sections": sec, "reports": reports, "stats": stats}
        _assemble(path, header, spill)
    finally:
        spill.remove()


def _release(srcs: list[_Source]) -> None:
    """Let go of the source pages read so far (see ``SegmentPassages.release_pages``): what a
    merge holds stays bounded by its batches, not by the size of its sources."""
    for src in srcs:
        src.sp.release_pages()


def _columns(srcs: list[_Source], spill: _Spill, reports: int) -> dict:
    """The per-passage and per-section arrays, report starts and the length totals."""
    for name, (dtype, array_name) in PASSAGE_COLUMNS.items():
        spill.declare(array_name, dtype)
    spill.declare("s_len", np.uint16)
    spill.declare("s_first", np.uint32)
    counts = np.zeros(reports, np.int64)
    body_length = heading_length = 0
    for src in srcs:
        sp = src.sp
        kept_reports = np.flatnonzero(src.docmap >= 0)
        r_first = sp.r_first.astype(np.int64)
        counts[src.docmap[kept_reports]] = r_first[kept_reports + 1] - r_first[kept_reports]
        for a in range(0, sp.passages, COLUMN_SLICE):
            ids = np.arange(a, min(sp.passages, a + COLUMN_SLICE))
            keep, _ = src.passages(ids)
            kept = ids[keep]
            if not len(kept):
                continue
            _, new_sec = src.sections(sp.p_section[kept].astype(np.int64))
            cols = {"p_report": src.docmap[sp.p_report[kept].astype(np.int64)], "p_ordinal": sp.p_ordinal[kept],
                    "p_section": new_sec, "p_len": sp.p_len[kept], "p_conc": sp.p_conc[kept],
                    "p_kind": sp.p_kind[kept], "p_flags": sp.p_flags[kept], "p_hash": sp.p_hash[kept]}
            for _, (_, array_name) in PASSAGE_COLUMNS.items():
                spill.add(array_name, cols[array_name])
            body_length += int(sp.p_len[kept].astype(np.int64).sum())
            heading_length += int(sp.s_len[sp.p_section[kept].astype(np.int64)].astype(np.int64).sum())
            sp.release_pages()
        for a in range(0, sp.sections, COLUMN_SLICE):
            secs = np.arange(a, min(sp.sections, a + COLUMN_SLICE))
            keep, _ = src.sections(secs)
            kept = secs[keep]
            spill.add("s_len", sp.s_len[kept])
            _, first = src.passages(sp.s_first[kept].astype(np.int64))
            spill.add("s_first", first)
    spill.add("s_first", np.asarray([spill.count("p_report")], np.uint32))
    spill.declare("r_first", np.uint32)
    spill.add("r_first", np.r_[0, np.cumsum(counts)])
    return {"body_length": body_length, "heading_length": heading_length}


def _payloads(srcs: list[_Source], spill: _Spill) -> None:
    """The kept passages' payload lines, in blocks of PAYLOAD_BLOCK, compressed as a build does."""
    spill.declare("blocks", np.uint8)
    spill.declare("blocks_off", np.uint64)
    pending: list[str] = []
    written = 0
    offsets = [0]

    def emit(lines: list[str]) -> None:
        nonlocal written
        block = zlib.compress("\n".join(lines).encode("utf-8"), 6)
        spill.add("blocks", np.frombuffer(block, np.uint8))
        written += len(block)
        offsets.append(written)
        if len(offsets) >= 4096:
            spill.add("blocks_off", offsets[:-1])
            del offsets[:-1]

    for src in srcs:
        sp = src.sp
        off = sp.blocks_off
        for block in range(len(off) - 1):
            a = block * PAYLOAD_BLOCK
            ids = np.arange(a, min(sp.passages, a + PAYLOAD_BLOCK))
            keep, _ = src.passages(ids)
            if not keep.any():
                continue
            raw = sp.blocks[int(off[block]):int(off[block + 1])].tobytes()
            lines = zlib.decompress(raw).decode("utf-8").split("\n")
            pending.extend(line for line, k in zip(lines, keep.tolist()) if k)
            while len(pending) >= PAYLOAD_BLOCK:
                emit(pending[:PAYLOAD_BLOCK])
                del pending[:PAYLOAD_BLOCK]
            if block % 1024 == 1023:
                sp.release_pages()
        sp.release_pages()
    if pending:
        emit(pending)
    spill.add("blocks_off", offsets)


# the arrays of a passage file, in the order SegmentBuilder.write puts them
def _order() -> list[str]:
    names = [array_name for _, array_name in PASSAGE_COLUMNS.values()] + ["r_first", "s_len", "s_first"]
    for field_ in FIELDS:
        names += [f"{field_}_{s}" for s in ("terms", "toff", "poff", "df", "ids", "ids_x", "ids_xoff", "tf", "tf_x",
                                            "tf_xoff")]
        if field_ == BODY:
            names += ["body_xoff", "body_pos", "body_pos_x", "body_pos_xoff"]
    return names + ["blocks", "blocks_off"]


_OFFSETS = ("_toff", "_poff", "_ids_xoff", "_tf_xoff", "body_xoff", "body_pos_xoff")


def _assemble(path: Path, header: dict, spill: _Spill) -> None:
    """Header and arrays into the passage file (a temporary name, fsynced, renamed)."""
    layout, plan, offset = {}, [], 0
    for name in _order():
        fname = name
        _, dtype, count, last = spill.files[fname]
        if name.endswith(_OFFSETS) and name != "blocks_off":
            dtype = np.dtype(np.uint32 if (count == 0 or last < 2 ** 32) else np.uint64)   # as _offsets() chooses
        layout[name] = [dtype.str, offset, count]
        plan.append((fname, spill.files[fname][1], dtype, count))
        offset += (count * dtype.itemsize + 7) // 8 * 8
    head = json.dumps(dict(header, arrays=layout), separators=(",", ":")).encode("utf-8")
    prefix = MAGIC + struct.pack("<II", FORMAT_VERSION, len(head)) + head
    prefix += b"\0" * (-len(prefix) % 8)
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as out:
        out.write(prefix)
        for fname, stored, dtype, count in plan:
            nbytes = count * dtype.itemsize
            with open(spill.path(fname), "rb") as f:
                if stored == dtype:
                    shutil.copyfileobj(f, out, 1 << 20)
                else:
                    step = 1 << 20
                    while True:
                        chunk = f.read(step * stored.itemsize)
                        if not chunk:
                            break
                        out.write(np.frombuffer(chunk, stored).astype(dtype).tobytes())
            out.write(b"\0" * (-nbytes % 8))
        out.flush()
        os.fsync(out.fileno())
    os.replace(tmp, path)
