"""The passage index: the passages of one Whoosh segment, as memory-mapped numpy arrays.

Whoosh holds one record per report (metadata, filters, title, the update manifest,
deletions, locks, commits, merges). The passages of the reports in a Whoosh segment
live in one file beside that segment's own files, written in the same commit and named
after the segment, ``<segment id>.spx`` (``MAIN_k3j2….spx``): Whoosh's clean-up deletes
it together with its segment, and a file written by a commit that never reached its
table of contents is an orphan that the next commit removes. A merged segment gets a
merged passage file (``SegmentBuilder.add_segment``); a deleted report keeps its
passages in the file until a merge and is masked at query time.

File format (version 1, little-endian)::

    b"SLPX"  u32 format version  u32 header length  header (UTF-8 JSON)  zero padding to 8
    arrays, each 8-byte aligned, at the offsets the header gives

The header is ``{"version", "passages", "sections", "reports", "stats", "arrays":
{name: [dtype, offset, count]}}``; ``stats`` holds the field-length totals the scorer
needs (``body_length``, ``heading_length``). Arrays (N passages, S sections, R
reports = the Whoosh documents of the segment, T terms of a field):

=================  =======  ====  ==============================================
name               dtype    len   what
=================  =======  ====  ==============================================
p_report           u4       N     report (Whoosh docnum in the segment) of each passage
p_ordinal          u4       N     the passage's position in its report (``doc#ordinal``)
p_section          u4       N     section number; a section is a run of passages with one heading path
p_len              u2       N     body length in tokens (main words and sub-words), saturating
p_conc             f4       N     concreteness (figures.py), the ranking's static signal
p_kind             u1       N     section kind, an index into models.SECTION_KINDS
p_flags            u1       N     bit 0: the passage states figures
p_hash             u8       N     hash of the passage's words (letters and digits only): equal text, equal hash
r_first            u4       R+1   first passage of each report (reports are contiguous)
s_first            u4       S+1   first passage of each section (sections are contiguous)
s_len              u2       S     heading-path length in tokens
{f}_terms          u1       -     field f's terms, sorted by UTF-8 bytes, concatenated
{f}_toff           u4|u8    T+1   offset of each term in {f}_terms
{f}_poff           u4|u8    T+1   first posting of each term
{f}_df             u4       T     passages containing the term
{f}_ids            u1*      P     postings: passage numbers (body, units, subjects) / section numbers (heading),
                                  ascending per term, stored as gaps (the first one absolute)
{f}_tf             u1*      P     term frequency in the passage / section heading
body_xoff          u4|u8    T+1   first position of each term in body_pos
body_pos           u1*      -     positions of each posting, in posting order, as gaps within
                                  the posting (the first one absolute); at most 65535
blocks             u1       -     zlib blocks of PAYLOAD_BLOCK passages, one JSON line each
blocks_off         u8       B+1   offset of each block
=================  =======  ====  ==============================================

``u1*`` is a byte per value with exceptions: values of 255 and more are stored as 255
and taken, in order, from ``{name}_x`` (u4 for ids, u2 for tf and positions), whose
entries before term t number ``{name}_xoff[t]``. Most gaps, frequencies and positions fit
in a byte, so postings cost a little over a byte each and decode with a few numpy passes.

Fields: ``body`` (the passage text, with positions for phrases), ``heading`` (the
heading path, indexed once per section and scored per passage), ``units`` (the units
of the passage's figures, for quantity queries) and ``subjects`` (the words of what its
figures count, for finding passages that state a figure about the query). A passage's payload is
``[text, heading_path, section_kind, [[value, unit, text, subject, start, end], …]]``.

Opening a file parses the header only; arrays are views of one read-only ``mmap``, so a
query touches the pages of the terms it uses and nothing else.
"""
from __future__ import annotations

import hashlib
import json
import mmap
import re
import os
import struct
import zlib
from bisect import bisect_left
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

import numpy as np

from .analysis import index_tokens
from .normalize import display_text
from .models import SECTION_KINDS
from .schema import BODY, HEADING, SUBJECTS, UNITS

MAGIC = b"SLPX"
FORMAT_VERSION = 3
EXTENSION = ".spx"
PAYLOAD_BLOCK = 32
PAYLOAD_ROWS = 1024       # parsed passage rows a passage file keeps (the hits of recent searches)
FIELDS = (BODY, HEADING, UNITS, SUBJECTS)   # units: of a passage's figures (件, 元, % ...); subjects: their words
MAX_U16 = 65535
FIGURES_FLAG = 1      # p_flags bit: the passage states figures
_KIND_CODE = {k: i for i, k in enumerate(SECTION_KINDS)}


def kind_code(kind: str) -> int:
    return _KIND_CODE.get(kind, _KIND_CODE["other"])


# --------------------------------------------------------------------------- what one report brings

@dataclass
class ReportPassages:
    """One report's passages, tokenised: what a worker process sends to the writer.

    Terms are numbered per report (``vocab``); token arrays are flat: body tokens
    ``(body_term, body_passage, body_pos)`` and heading tokens ``(head_term, head_section)``
    with sections numbered within the report."""
    vocab: list[str]               # body terms
    head_vocab: list[str]          # heading terms
    body_term: np.ndarray          # i4: index into vocab
    body_passage: np.ndarray       # i4: passage index within the report
    body_pos: np.ndarray           # u2
    head_term: np.ndarray          # i4: index into head_vocab
    unit_vocab: list[str]          # units of the passages' figures
    unit_term: np.ndarray          # i4: index into unit_vocab
    unit_passage: np.ndarray       # i4: passage index within the report
    subject_vocab: list[str]       # words of the passages' figures' subjects
    subject_term: np.ndarray       # i4: index into subject_vocab
    subject_passage: np.ndarray    # i4: passage index within the report
    head_section: np.ndarray       # i4: section index within the report
    passage_section: np.ndarray    # i4 per passage: its section index
    section_len: np.ndarray        # u2 per section: heading length in tokens
    passage_len: np.ndarray        # u2 per passage: body length in tokens
    ordinal: np.ndarray            # u4 per passage
    concreteness: np.ndarray       # f4 per passage
    kind: np.ndarray               # u1 per passage
    flags: np.ndarray              # u1 per passage
    text_hash: np.ndarray          # u8 per passage
    payloads: list[str] = field(default_factory=list)   # JSON per passage

    @property
    def passages(self) -> int:
        return len(self.ordinal)


def payload_json(text: str, heading_path: list, kind: str, figures: list) -> str:
    figs = [[f.value, f.unit, f.text, f.subject, f.start, f.end] for f in figures]
    return json.dumps([text, list(heading_path), kind, figs], ensure_ascii=False, separators=(",", ":"))


FIGURE_KEYS = ("value", "unit", "text", "subject", "start", "end")


def parse_payload(line: str) -> dict:
    text, heading_path, kind, figures = json.loads(line)
    return {"text": text, "heading_path": heading_path, "section_kind": kind,
            "figures": [dict(zip(FIGURE_KEYS, f)) for f in figures]}


# --------------------------------------------------------------------------- writing

class SegmentBuilder:
    """Collects the passages of one segment's reports, in report (Whoosh docnum) order,
    and writes them as one passage file."""

    def __init__(self):
        self.vocab: dict[str, dict[str, int]] = {f: {} for f in FIELDS}
        # token chunks: (term, passage or section, position or None), one row per occurrence
        self._body: list[tuple] = []
        self._head: list[tuple] = []
        self._units: list[tuple] = []
        self._subjects: list[tuple] = []
        self._cols: dict[str, list[np.ndarray]] = {k: [] for k in PASSAGE_COLUMNS}
        self._section_len: list[np.ndarray] = []
        self._payloads: list[str] = []
        self.passages = 0
        self.sections = 0
        self.last_report = -1

    def _map(self, field_: str, words: list[str]) -> np.ndarray:
        """Segment-wide term numbers of ``words`` (new words get the next numbers)."""
        vocab = self.vocab[field_]
        for w in [w for w in words if w not in vocab]:
            vocab[w] = len(vocab)
        return np.fromiter(map(vocab.__getitem__, words), dtype=np.int64, count=len(words))

    def _check_order(self, first_docnum: int) -> None:
        if first_docnum <= self.last_report:
            raise ValueError(f"reports must be added in docnum order ({first_docnum} after {self.last_report})")

    def add_report(self, docnum: int, rp: Optional[ReportPassages]) -> None:
        """Add the passages of the report with Whoosh ``docnum`` (increasing; a report
        without passages need not be added)."""
        self._check_order(docnum)
        self.last_report = docnum
        if rp is None or not rp.passages:
            return
        body_map = self._map(BODY, rp.vocab)
        head_map = self._map(HEADING, rp.head_vocab)
        self._body.append((body_map[rp.body_term].astype(np.int32),
                           (rp.body_passage + self.passages).astype(np.int32), rp.body_pos.astype(np.uint16)))
        self._head.append((head_map[rp.head_term].astype(np.int32),
                           (rp.head_section + self.sections).astype(np.int32), None))
        unit_map = self._map(UNITS, rp.unit_vocab)
        self._units.append((unit_map[rp.unit_term].astype(np.int32),
                            (rp.unit_passage + self.passages).astype(np.int32), None))
        subject_map = self._map(SUBJECTS, rp.subject_vocab)
        self._subjects.append((subject_map[rp.subject_term].astype(np.int32),
                               (rp.subject_passage + self.passages).astype(np.int32), None))
        n = rp.passages
        self._append_columns(report=np.full(n, docnum, np.uint32), ordinal=rp.ordinal,
                             section=rp.passage_section.astype(np.int64) + self.sections, len=rp.passage_len,
                             conc=rp.concreteness, kind=rp.kind, flags=rp.flags, hash=rp.text_hash)
        self._section_len.append(rp.section_len.astype(np.uint16))
        self._payloads.extend(rp.payloads)
        self.passages += n
        self.sections += len(rp.section_len)

    def _append_columns(self, **cols) -> None:
        for name, (dtype, _) in PASSAGE_COLUMNS.items():
            self._cols[name].append(np.asarray(cols[name]).astype(dtype, copy=False))

    def add_segment(self, src: "SegmentPassages", docmap: np.ndarray) -> None:
        """Copy the passages of another segment's live reports (a merge). ``docmap[old
        docnum]`` is the report's new docnum, or -1 where the report was deleted; new
        docnums must be increasing and above those added so far."""
        docmap = np.asarray(docmap, np.int64)
        live = np.flatnonzero(docmap >= 0)
        if not len(live):
            return
        self._check_order(int(docmap[live[0]]))
        self.last_report = int(docmap[live[-1]])
        keep = docmap[src.p_report.astype(np.int64)] >= 0 if src.passages else np.zeros(0, bool)
        new_pid = np.cumsum(keep) - 1 + self.passages
        sec_keep = np.zeros(src.sections, bool)
        sec_keep[src.p_section[keep].astype(np.int64)] = True
        new_sec = np.cumsum(sec_keep) - 1 + self.sections
        for field_, units_keep, new_unit, out in ((BODY, keep, new_pid, self._body),
                                                  (HEADING, sec_keep, new_sec, self._head),
                                                  (UNITS, keep, new_pid, self._units),
                                                  (SUBJECTS, keep, new_pid, self._subjects)):
            terms = [src.term_at(field_, i) for i in range(src.term_count(field_))]
            tmap = self._map(field_, terms)
            term_of, ids, tf = src.all_postings(field_)
            owner = np.repeat(np.arange(len(ids)), tf)          # one row per occurrence
            rows = units_keep[ids[owner]]
            positions = src.all_positions()[rows].astype(np.uint16) if field_ == BODY else None
            out.append((tmap[term_of[owner][rows]].astype(np.int32), new_unit[ids[owner][rows]].astype(np.int32),
                        positions))
        self._append_columns(report=docmap[src.p_report[keep].astype(np.int64)], ordinal=src.p_ordinal[keep],
                             section=new_sec[src.p_section[keep].astype(np.int64)], len=src.p_len[keep],
                             conc=src.p_conc[keep], kind=src.p_kind[keep], flags=src.p_flags[keep],
                             hash=src.p_hash[keep])
        self._section_len.append(src.s_len[sec_keep])
        kept = np.flatnonzero(keep)
        self._payloads.extend(src.payload_line(int(p)) for p in kept)
        self.passages += len(kept)
        self.sections += int(sec_keep.sum())

    # -- output ---------------------------------------------------------------------------
    def write(self, path: Path, reports: int) -> None:
        """Write the file for a segment of ``reports`` Whoosh documents (to a temporary
        name, fsynced and renamed into place)."""
        if self.last_report >= reports:
            raise ValueError(f"report {self.last_report} beyond the segment's {reports} documents")
        arrays: dict[str, np.ndarray] = {}
        for name, (dtype, array_name) in PASSAGE_COLUMNS.items():
            xs = self._cols[name]
            arrays[array_name] = np.concatenate(xs).astype(dtype, copy=False) if xs else np.zeros(0, dtype)
        arrays["r_first"] = np.searchsorted(arrays["p_report"], np.arange(reports + 1)).astype(np.uint32)
        s_len = np.concatenate(self._section_len) if self._section_len else np.zeros(0, np.uint16)
        arrays["s_len"] = s_len.astype(np.uint16, copy=False)
        s_first = np.searchsorted(arrays["p_section"], np.arange(self.sections + 1)).astype(np.uint32)
        arrays["s_first"] = s_first
        heading_length = int(s_len[arrays["p_section"]].astype(np.int64).sum()) if self.passages else 0
        arrays.update(_postings(BODY, self.vocab[BODY], self._body, positions=True))
        arrays.update(_postings(HEADING, self.vocab[HEADING], self._head, positions=False,
                                section_sizes=np.diff(s_first.astype(np.int64))))
        arrays.update(_postings(UNITS, self.vocab[UNITS], self._units, positions=False))
        arrays.update(_postings(SUBJECTS, self.vocab[SUBJECTS], self._subjects, positions=False))
        blob, offsets = _payload_blocks(self._payloads)
        arrays["blocks"] = blob
        arrays["blocks_off"] = offsets
        stats = {"body_length": int(arrays["p_len"].astype(np.int64).sum()), "heading_length": heading_length}
        header = {"version": FORMAT_VERSION, "passages": self.passages, "sections": self.sections,
                  "reports": reports, "stats": stats}
        _write_file(path, header, arrays)


# builder column -> (dtype, array name in the file)
PASSAGE_COLUMNS = {"report": (np.uint32, "p_report"), "ordinal": (np.uint32, "p_ordinal"),
                   "section": (np.uint32, "p_section"), "len": (np.uint16, "p_len"),
                   "conc": (np.float32, "p_conc"), "kind": (np.uint8, "p_kind"), "flags": (np.uint8, "p_flags"),
                   "hash": (np.uint64, "p_hash")}


def _postings(name: str, vocab: dict[str, int], chunks, positions: bool, section_sizes=None) -> dict:
    """Inverted lists of one field from flat (term, unit, position or None) chunks, one
    row per occurrence."""
    terms = sorted(vocab, key=lambda t: t.encode("utf-8"))
    rank = np.zeros(len(vocab), np.int64)
    if terms:
        rank[np.fromiter((vocab[t] for t in terms), np.int64, len(terms))] = np.arange(len(terms))
    # one sort of packed 64-bit keys, term | unit | position (or 0): a fraction of the
    # memory of an argsort over separate arrays
    if chunks:
        key = np.concatenate([(rank[c[0]].astype(np.uint64) << np.uint64(40))
                              | (c[1].astype(np.uint64) << np.uint64(16))
                              | (c[2].astype(np.uint64) if positions else np.uint64(0)) for c in chunks])
        key.sort()
    else:
        key = np.zeros(0, np.uint64)
    pair = key >> np.uint64(16)                  # term | unit
    third = (key & np.uint64(0xFFFF)).astype(np.uint16) if positions else None
    del key
    new_pair = np.r_[True, pair[1:] != pair[:-1]] if len(pair) else np.zeros(0, bool)
    starts = np.flatnonzero(new_pair)
    p_term = (pair[starts] >> np.uint64(24)).astype(np.int64)
    p_unit = (pair[starts] & np.uint64(0xFFFFFF)).astype(np.int64)
    del pair
    tf = np.diff(np.r_[starts, len(new_pair)])  # occurrences of the term in the passage / section
    T = len(terms)
    counts = np.bincount(p_term, minlength=T) if T else np.zeros(0, np.int64)
    poff = np.r_[0, np.cumsum(counts)].astype(np.int64)
    if section_sizes is not None:       # heading: passages containing the term = sizes of its sections
        df = np.bincount(p_term, weights=section_sizes[p_unit], minlength=T).astype(np.uint32) if T else \
            np.zeros(0, np.uint32)
    else:
        df = counts.astype(np.uint32)
    blob = "".join(terms).encode("utf-8")
    toff = np.r_[0, np.cumsum([len(t.encode("utf-8")) for t in terms], dtype=np.int64)] if T else np.zeros(1, np.int64)
    # ids: gaps within each term's list (the first one absolute); tf as is
    first = np.zeros(len(p_unit), bool)
    first[poff[:-1][counts > 0]] = True
    gaps = p_unit - np.where(first, 0, np.r_[0, p_unit[:-1]])
    out = {f"{name}_terms": np.frombuffer(blob, np.uint8), f"{name}_toff": _offsets(toff),
           f"{name}_poff": _offsets(poff), f"{name}_df": df}
    out.update(_escaped(f"{name}_ids", gaps, poff, np.uint32))
    out.update(_escaped(f"{name}_tf", np.minimum(tf, MAX_U16), poff, np.uint16))
    if positions:
        per_term = np.bincount(p_term, weights=tf, minlength=T).astype(np.int64) if T else np.zeros(0, np.int64)
        xoff = np.r_[0, np.cumsum(per_term)].astype(np.int64)
        pos_gaps = third.astype(np.int32)
        pos_gaps[1:] -= np.where(new_pair[1:], 0, third[:-1]).astype(np.int32)
        out["body_xoff"] = _offsets(xoff)
        out.update(_escaped("body_pos", pos_gaps, xoff, np.uint16))
    return out


ESCAPE = 255     # a byte value meaning "the value is the next entry of the exceptions array"


def _offsets(cum: np.ndarray) -> np.ndarray:
    return cum.astype(np.uint32 if (len(cum) == 0 or cum[-1] < 2 ** 32) else np.uint64)


def _escaped(name: str, values: np.ndarray, groups: np.ndarray, exc_dtype) -> dict:
    """``values`` (non-negative) as bytes, those ≥ ESCAPE replaced by ESCAPE and kept in
    ``{name}_x``; ``{name}_xoff[g]`` counts the exceptions before group g (groups: offsets)."""
    small = values < ESCAPE
    data = np.where(small, values, ESCAPE).astype(np.uint8)
    exceptions = values[~small].astype(exc_dtype)
    before = np.r_[0, np.cumsum(~small, dtype=np.int64)]
    return {name: data, f"{name}_x": exceptions, f"{name}_xoff": _offsets(before[groups])}


def _unescape_all(data: np.ndarray, exceptions: np.ndarray) -> np.ndarray:
    return _unescape(data, exceptions, 0)


def _unescape(data: np.ndarray, exceptions: np.ndarray, first_exception: int) -> np.ndarray:
    values = data.astype(np.int64)
    esc = np.flatnonzero(data == ESCAPE)
    if len(esc):
        values[esc] = exceptions[first_exception:first_exception + len(esc)]
    return values


def _payload_blocks(payloads: list[str]) -> tuple[np.ndarray, np.ndarray]:
    parts, offsets, pos = [], [0], 0
    for i in range(0, len(payloads), PAYLOAD_BLOCK):
        block = zlib.compress("\n".join(payloads[i:i + PAYLOAD_BLOCK]).encode("utf-8"), 6)
        parts.append(block)
        pos += len(block)
        offsets.append(pos)
    return np.frombuffer(b"".join(parts), np.uint8), np.asarray(offsets, np.uint64)


def _write_file(path: Path, header: dict, arrays: dict) -> None:
    layout, offset = {}, 0
    for name, arr in arrays.items():
        arr = np.ascontiguousarray(arr)
        arrays[name] = arr
        layout[name] = [arr.dtype.str, offset, int(arr.size)]
        offset += (arr.nbytes + 7) // 8 * 8
    header = dict(header, arrays=layout)
    head = json.dumps(header, separators=(",", ":")).encode("utf-8")
    prefix = MAGIC + struct.pack("<II", FORMAT_VERSION, len(head)) + head
    prefix += b"\0" * (-len(prefix) % 8)
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as f:
        f.write(prefix)
        for name, arr in arrays.items():
            f.write(arr.tobytes())
            f.write(b"\0" * (-arr.nbytes % 8))
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


# --------------------------------------------------------------------------- reading

class PassageFileError(Exception):
    """A passage file is missing, truncated or of another format version."""


class SegmentPassages:
    """Read-only view of one passage file. Arrays are attributes (``sp.p_conc``)."""

    def __init__(self, path: Path):
        self.path = Path(path)
        try:
            with open(self.path, "rb") as f:
                size = os.fstat(f.fileno()).st_size
                self._mm = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) if size else None
        except (OSError, ValueError) as e:
            raise PassageFileError(f"cannot read {self.path.name}: {e}") from None
        mm = self._mm
        if mm is None or len(mm) < 12 or mm[:4] != MAGIC:
            raise PassageFileError(f"{self.path.name} is not a passage file")
        version, hlen = struct.unpack_from("<II", mm, 4)
        if version != FORMAT_VERSION:
            raise PassageFileError(f"{self.path.name} has format version {version}, expected {FORMAT_VERSION}")
        try:
            header = json.loads(bytes(mm[12:12 + hlen]))
        except ValueError:
            raise PassageFileError(f"{self.path.name} has a damaged header") from None
        base = 12 + hlen
        base += -base % 8
        self._base = base
        self.header = header
        self.passages = header["passages"]
        self.sections = header["sections"]
        self.reports = header["reports"]
        self.stats = header["stats"]
        self._layout = header["arrays"]
        end = base + max((o + np.dtype(d).itemsize * n for d, o, n in self._layout.values()), default=0)
        if end > len(mm):
            raise PassageFileError(f"{self.path.name} is truncated ({len(mm)} of {end} bytes)")
        self._arrays: dict[str, np.ndarray] = {}
        self._term_cache: dict[str, dict] = {f: {} for f in FIELDS}
        self._length = len(mm)

    def intact(self) -> bool:
        """Whether the file still has the length it was mapped with (a file truncated in
        place would fault on the next read of its tail)."""
        try:
            return os.stat(self.path).st_size >= self._length
        except OSError:
            return False

    def __getattr__(self, name):
        layout = self.__dict__.get("_layout")
        if layout is None or name not in layout:
            raise AttributeError(name)
        dtype, offset, count = layout[name]
        arr = np.frombuffer(self._mm, dtype=np.dtype(dtype), count=count, offset=self._base + offset)
        self.__dict__[name] = arr      # later reads skip __getattr__
        return arr

    def release_pages(self) -> None:
        """Let go of the pages of the file read so far (they stay in the system's page cache;
        the next read maps them again): a merge reads every page of its sources once, and
        mapped pages count in the process's memory (2.4 GB of sources at 100,000 reports)."""
        mm = self.__dict__.get("_mm")
        if mm is not None and hasattr(mm, "madvise") and hasattr(mmap, "MADV_DONTNEED"):
            try:
                mm.madvise(mmap.MADV_DONTNEED)
            except (OSError, ValueError):
                pass

    def close(self) -> None:
        # views into the mmap may still be alive; the mapping goes when they do
        self.__dict__.pop("_mm", None)

    # -- terms ----------------------------------------------------------------------------
    def term_index(self, field_: str, term: str) -> int:
        """Index of ``term`` in ``field_``'s dictionary, or -1."""
        cache = self._term_cache[field_]
        hit = cache.get(term)
        if hit is not None:
            return hit
        toff = getattr(self, f"{field_}_toff")
        blob = getattr(self, f"{field_}_terms")
        n = len(toff) - 1
        key = term.encode("utf-8")
        lo, hi = 0, n
        while lo < hi:
            mid = (lo + hi) // 2
            a, b = int(toff[mid]), int(toff[mid + 1])
            if blob[a:b].tobytes() < key:
                lo = mid + 1
            else:
                hi = mid
        ti = -1
        if lo < n and blob[int(toff[lo]):int(toff[lo + 1])].tobytes() == key:
            ti = lo
        if len(cache) > 4096:
            cache.clear()
        cache[term] = ti
        return ti

    def term_count(self, field_: str) -> int:
        return len(getattr(self, f"{field_}_toff")) - 1

    def term_at(self, field_: str, ti: int) -> str:
        toff = getattr(self, f"{field_}_toff")
        return getattr(self, f"{field_}_terms")[int(toff[ti]):int(toff[ti + 1])].tobytes().decode("utf-8")

    def prefix_range(self, field_: str, prefix: str) -> tuple[int, int]:
        """[lo, hi) of the terms starting with ``prefix``."""
        return self.term_range(field_, prefix, prefix + "\U0010ffff")

    def term_range(self, field_: str, low: Optional[str], high: Optional[str]) -> tuple[int, int]:
        """[lo, hi) of the terms t with low <= t < high (None: unbounded), in byte order."""
        n = self.term_count(field_)
        terms = _TermList(self, field_, n)
        lo = bisect_left(terms, low.encode("utf-8")) if low is not None else 0
        hi = bisect_left(terms, high.encode("utf-8")) if high is not None else n
        return lo, max(lo, hi)

    def df(self, field_: str, ti: int) -> int:
        return int(getattr(self, f"{field_}_df")[ti])

    def postings(self, field_: str, ti: int) -> tuple[np.ndarray, np.ndarray]:
        """(ids, tf) of term ``ti`` (int64): passage numbers for the body, section numbers
        for the heading, ascending."""
        poff = getattr(self, f"{field_}_poff")
        a, b = int(poff[ti]), int(poff[ti + 1])
        gaps = _unescape(getattr(self, f"{field_}_ids")[a:b], getattr(self, f"{field_}_ids_x"),
                         int(getattr(self, f"{field_}_ids_xoff")[ti]))
        tf = _unescape(getattr(self, f"{field_}_tf")[a:b], getattr(self, f"{field_}_tf_x"),
                       int(getattr(self, f"{field_}_tf_xoff")[ti]))
        return np.cumsum(gaps), tf

    def positions(self, ti: int, sel: np.ndarray, tf: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Positions of body term ``ti`` in the postings ``sel`` (indexes into its posting
        list, whose term frequencies are ``tf``): (owner index into sel, position). Only
        the selected postings' bytes are decoded."""
        a = int(self.body_xoff[ti])
        tf = tf.astype(np.int64)
        counts = tf[sel]
        firsts = (np.cumsum(tf) - tf)[sel]             # each selected posting's first byte, in the term's run
        owner = np.repeat(np.arange(len(sel)), counts)
        within = np.arange(int(counts.sum())) - np.repeat(np.cumsum(counts) - counts, counts)
        where = firsts[owner] + within                  # byte offsets in the term's run
        raw = self.body_pos[a + where]
        gaps = raw.astype(np.int64)
        esc = np.flatnonzero(raw == ESCAPE)
        if len(esc):
            # an escaped byte's value is the k-th exception of the term, k = escapes before it
            run = self.body_pos[a:int(self.body_xoff[ti + 1])]
            before = np.cumsum(run == ESCAPE) - 1
            gaps[esc] = self.body_pos_x[int(self.body_pos_xoff[ti]) + before[where[esc]]]
        run_sum = np.cumsum(gaps)
        starts = np.cumsum(counts) - counts
        return owner, run_sum - np.repeat(np.r_[0, run_sum][starts], counts)

    def all_postings(self, field_: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Every posting of the field, decoded: (term index, id, tf), by term then id."""
        poff = getattr(self, f"{field_}_poff").astype(np.int64)
        T = len(poff) - 1
        term_of = np.repeat(np.arange(T), np.diff(poff))
        gaps = _unescape_all(getattr(self, f"{field_}_ids"), getattr(self, f"{field_}_ids_x"))
        tf = _unescape_all(getattr(self, f"{field_}_tf"), getattr(self, f"{field_}_tf_x"))
        run = np.cumsum(gaps)
        first = poff[:-1][np.diff(poff) > 0]
        ids = run - np.repeat(np.r_[0, run][first], np.diff(poff)[np.diff(poff) > 0])
        return term_of, ids, tf

    def all_positions(self) -> np.ndarray:
        """Every body position, decoded, in posting order (as all_postings, tf each)."""
        _, _, tf = self.all_postings(BODY)
        gaps = _unescape_all(self.body_pos, self.body_pos_x)
        run = np.cumsum(gaps)
        starts = np.cumsum(tf) - tf
        return run - np.repeat(np.r_[0, run][starts], tf)

    def field_postings(self, field_: str, term: str):
        """(passage ids, tf, field length) of ``term`` in passage space, or None: heading
        terms, stored per section, are expanded to the passages of their sections."""
        ti = self.term_index(field_, term)
        if ti < 0:
            return None
        ids, tf = self.postings(field_, ti)
        if field_ == HEADING:
            passages, owner = self.section_passages(ids)
            return passages, tf[owner], self.s_len[ids][owner].astype(np.int64)
        if field_ == BODY:
            return ids, tf, self.p_len[ids].astype(np.int64)
        return ids, tf, np.ones(len(ids), np.int64)

    def term_positions(self, term: str, ids: np.ndarray, tf: np.ndarray, cand: np.ndarray):
        """Positions of body ``term`` (whose postings are ``ids``, ``tf``) in the passages
        ``cand`` (a subset of ids): (index into cand, position)."""
        return self.positions(self.term_index(BODY, term), np.searchsorted(ids, cand), tf)

    def terms_between(self, field_: str, low: Optional[str], high: Optional[str], limit: int) -> list[str]:
        lo, hi = self.term_range(field_, low, high)
        return [self.term_at(field_, i) for i in range(lo, min(hi, lo + limit))]

    # -- passages -------------------------------------------------------------------------
    def section_passages(self, sections: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The passages of ``sections`` (ascending): (passage numbers, index of their section)."""
        first = self.s_first[sections].astype(np.int64)
        counts = self.s_first[sections + 1].astype(np.int64) - first
        owner = np.repeat(np.arange(len(sections)), counts)
        within = np.arange(int(counts.sum())) - np.repeat(np.cumsum(counts) - counts, counts)
        return first[owner] + within, owner

    def payload(self, pid: int) -> dict:
        """The passage's text, heading path, section kind and figures (a new dict each time:
        the parsed rows of recently read passages are kept, PAYLOAD_ROWS of them)."""
        # (a file is shared by the snapshots of every thread: a plain dict, emptied when full,
        # as the blocks' cache is; each of its operations is atomic)
        rows = self.__dict__.setdefault("_rows", {})
        pid = int(pid)
        row = rows.get(pid)
        if row is None:
            row = json.loads(self.payload_line(pid))
            if len(rows) >= PAYLOAD_ROWS:
                rows.clear()
            rows[pid] = row
        text, heading_path, kind, figures = row
        return {"text": text, "heading_path": list(heading_path), "section_kind": kind,
                "figures": [dict(zip(FIGURE_KEYS, f)) for f in figures]}

    def _block(self, block: int) -> list[str]:
        cache = self.__dict__.setdefault("_blocks", {})
        lines = cache.get(block)
        if lines is None:
            off = self.blocks_off
            raw = self.blocks[int(off[block]):int(off[block + 1])].tobytes()
            lines = zlib.decompress(raw).decode("utf-8").split("\n")
            if len(cache) > 256:
                cache.clear()
            cache[block] = lines
        return lines

    def payload_line(self, pid: int) -> str:
        block, row = divmod(int(pid), PAYLOAD_BLOCK)
        return self._block(block)[row]

class _TermList:
    """A field's sorted terms as a sequence of bytes, for bisect."""

    def __init__(self, sp: SegmentPassages, field_: str, n: int):
        self._toff = getattr(sp, f"{field_}_toff")
        self._blob = getattr(sp, f"{field_}_terms")
        self._n = n

    def __len__(self):
        return self._n

    def __getitem__(self, i):
        return self._blob[int(self._toff[i]):int(self._toff[i + 1])].tobytes()


def passage_file(storage_dir: Path, segment_id: str) -> Path:
    return Path(storage_dir) / f"{segment_id}{EXTENSION}"


# --------------------------------------------------------------------------- tokenising a report

_NOT_WORD = re.compile(r"[\W_]+")


def passage_letters(text: str) -> str:
    """A passage's letters and digits, what duplicates are compared on (spacing and
    punctuation left out)."""
    return _NOT_WORD.sub("", text)


def letter_shingles(letters: str) -> set:
    """The overlapping 4-character pieces of ``letters``, each as an integer, the same for
    the same piece in any text: its characters' code points, 16 bits each (2**64 and above,
    21 bits each, for a piece with a character beyond the Basic Multilingual Plane). Sets of
    these compare as the sets of the pieces themselves would, and are made with a few numpy
    calls instead of a Python loop over the text."""
    n = len(letters) - 3
    if n <= 0:
        return set()
    cp = np.frombuffer(letters.encode("utf-32-le", "surrogatepass"), np.uint32)
    if int(cp.max()) < 0x10000:
        c = cp.astype(np.uint64)
        return set(((c[:-3] << 48) | (c[1:-2] << 32) | (c[2:-1] << 16) | c[3:]).tolist())
    out = set()
    for a, b, c, d in zip(*(cp[k:k + n].tolist() for k in range(4))):
        out.add((a << 48 | b << 32 | c << 16 | d) if max(a, b, c, d) < 0x10000
                else 1 << 84 | a << 63 | b << 42 | c << 21 | d)
    return out


def passage_hash(text: str) -> int:
    """64-bit hash of a passage's letters and digits: the same sentence in two reports,
    whatever its spacing and punctuation, hashes the same (shown once in a result list)."""
    digest = hashlib.blake2b(passage_letters(text).encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "little")


class _Vocabulary:
    """Term numbers of a report, assigned as passages are tokenised (so a passage's word
    strings can go as soon as it is encoded: memory follows the passage, not the report)."""

    def __init__(self):
        self.index: dict[str, int] = {}

    def encode(self, words: list[str]) -> np.ndarray:
        index = self.index
        for w in [w for w in dict.fromkeys(words) if w not in index]:
            index[w] = len(index)
        return np.fromiter(map(index.__getitem__, words), np.int32, len(words))

    @property
    def words(self) -> list[str]:
        return list(self.index)


def report_passages(doc) -> ReportPassages:
    """Tokenise an analysed Document's passages for the passage index (in a worker)."""
    body_vocab = _Vocabulary()
    body_t: list[np.ndarray] = []
    body_x: list[np.ndarray] = []
    p_len, passage_of = [], []
    head_w: list[str] = []
    head_s, s_len, p_section = [], [], []
    unit_w, unit_p = [], []
    subject_w, subject_p = [], []
    last_path = None
    for i, p in enumerate(doc.passages):
        words, positions = index_tokens(p.text, MAX_U16)
        body_t.append(body_vocab.encode(words))
        body_x.append(positions)
        passage_of.append(len(words))
        p_len.append(min(len(words), MAX_U16))
        path = tuple(p.heading_path)
        if path != last_path or i == 0:
            hwords, _ = index_tokens(" ".join(path), MAX_U16) if path else ([], [])
            head_w += hwords
            head_s.append(len(hwords))
            s_len.append(min(len(hwords), MAX_U16))
            last_path = path
        p_section.append(len(s_len) - 1)
        for unit in sorted({f.unit for f in p.figures}):
            unit_w.append(unit)
            unit_p.append(i)
        words = {w for f in p.figures if f.subject for w in index_tokens(f.subject, MAX_U16)[0]}
        subject_w += sorted(words)
        subject_p += [i] * len(words)
    vocab = body_vocab.words
    body_t = np.concatenate(body_t) if body_t else np.zeros(0, np.int32)
    head_terms, unit_terms, subject_terms = _Vocabulary(), _Vocabulary(), _Vocabulary()
    head_t, unit_t, subject_t = head_terms.encode(head_w), unit_terms.encode(unit_w), subject_terms.encode(subject_w)
    head_vocab, unit_vocab = head_terms.words, unit_terms.words
    body_p = np.repeat(np.arange(len(passage_of), dtype=np.int32), passage_of)
    head_s = np.repeat(np.arange(len(head_s), dtype=np.int32), head_s)
    n = len(doc.passages)
    return ReportPassages(
        vocab=vocab, head_vocab=head_vocab, unit_vocab=unit_vocab,
        unit_term=unit_t, unit_passage=np.asarray(unit_p, np.int32), subject_vocab=subject_terms.words,
        subject_term=subject_t, subject_passage=np.asarray(subject_p, np.int32), body_term=body_t, body_passage=body_p,
        body_pos=(np.concatenate(body_x) if body_x else np.zeros(0)).astype(np.uint16), head_term=head_t,
        head_section=head_s, passage_section=np.asarray(p_section, np.int32),
        section_len=np.asarray(s_len, np.uint16), passage_len=np.asarray(p_len, np.uint16),
        ordinal=np.fromiter((p.ordinal for p in doc.passages), np.uint32, n),
        concreteness=np.fromiter((p.concreteness for p in doc.passages), np.float32, n),
        kind=np.fromiter((kind_code(p.section_kind) for p in doc.passages), np.uint8, n),
        flags=np.fromiter((FIGURES_FLAG if p.figures else 0 for p in doc.passages), np.uint8, n),
        text_hash=np.fromiter((passage_hash(p.text) for p in doc.passages), np.uint64, n),
        # what a reader sees: the text with the full-width punctuation NFKC took away
        payloads=[payload_json(display_text(p.text), [display_text(h) for h in p.heading_path], p.section_kind,
                               p.figures) for p in doc.passages])
