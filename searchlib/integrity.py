"""What a commit writes is on disk and stays as written: fsync before the table of contents
names the files, checksums recorded once per file, verified when an index is opened (sizes)
and by ``searchlib check`` (every byte).

A commit (``ReportWriter._commit_toc``) first fsyncs every file of its segments that no
earlier commit sealed (the new segment's Whoosh file and passage file; merged segments'
files; not the report table, which is derived and rebuilt when damaged) and the directory.
Whoosh then writes the table of contents under a temporary name; before it is renamed into
place, that file is fsynced and the checksum record of the new generation written (and
fsynced, and the directory); after the rename the directory is fsynced again, and only then
are the files of the previous generation deleted. As SQLite and Lucene do: a power cut
leaves the last commit or this one, never a table of contents naming files that were not
written, nor one that was named before its bytes were on the disk (a journalling file
system may keep the rename and lose the data: ``scripts/bench_faults.py`` simulates both).

``checksums.json`` records each file of the current generation with its size and CRC32
(Lucene's footer checksum, kept beside the files because Whoosh's formats have no footer),
and those of the generation before it (``prior``): the record of a commit is written before
its table of contents, so a crash between the two leaves the previous generation, still
checked.
Files never change once written, so a commit computes the CRC of its new files only and
carries the others over: O(changed), not O(index). Opening an index compares the sizes of
the current generation's files with the record (a stat per file: a file cut short, grown or
replaced is "damaged"); ``verify_files`` reads every byte and compares the CRCs (garbage
written inside a file, whatever its shape). An index written before this record existed
has none: it is checked by opening it, as before.
"""
from __future__ import annotations

import json
import os
import re
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Optional

CHECKSUMS = "checksums.json"
PASSAGE_SUFFIX = ".spx"
_CHUNK = 1 << 20


class IntegrityError(Exception):
    """A file of the current generation is not as its commit wrote it."""


@dataclass
class CheckReport:
    """What ``searchlib check`` found: the files and bytes whose checksums were verified
    and each problem as (file, what)."""
    index: str
    files: int = 0
    bytes: int = 0
    recorded: bool = False            # the index has a checksum record (built by this version)
    problems: list = field(default_factory=list)

    @property
    def intact(self) -> bool:
        return not self.problems


def crc32_of(path: Path) -> int:
    crc = 0
    with open(path, "rb") as f:
        while True:
            block = f.read(_CHUNK)
            if not block:
                return crc
            crc = zlib.crc32(block, crc)


def fsync_path(path: Path) -> None:
    """fsync a file or a directory (a directory's entries: new names, renames)."""
    flags = os.O_RDONLY | (getattr(os, "O_DIRECTORY", 0) if path.is_dir() else 0)
    fd = os.open(path, flags)
    try:
        os.fsync(fd)
    except OSError:
        if not path.is_dir():        # some filesystems refuse fsync on a directory: nothing to do
            raise
    finally:
        os.close(fd)


# derived files: a segment's report table (reports.py) is rebuilt from its stored records
# when missing or damaged, and saved again by the next writer, so it is not sealed
DERIVED = (".rpt",)


def segment_files(folder: Path, segment_ids: Iterable[str]) -> list[Path]:
    """The files of these segments that a commit seals (Whoosh's, the passage file): every
    file named after the segment but the derived ones."""
    out = []
    for sid in segment_ids:
        out.extend(p for p in folder.glob(f"{sid}.*") if p.is_file() and not p.name.endswith(DERIVED))
    return sorted(out)


def read_record(folder: Path) -> Optional[dict]:
    try:
        data = json.loads((Path(folder) / CHECKSUMS).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and isinstance(data.get("files"), dict) else None


def sync_before_toc(folder: Path, segment_ids: Iterable[str]) -> None:
    """fsync the files of ``segment_ids`` that the record does not already hold (written by
    this commit), then the directory."""
    sealed = _files_of(read_record(folder), current_generation(folder)) or {}
    for path in segment_files(folder, segment_ids):
        if path.name not in sealed:
            fsync_path(path)
    fsync_path(folder)


def current_generation(folder: Path) -> Optional[int]:
    """The generation of the newest table of contents in ``folder`` (the one Whoosh opens)."""
    gens = [int(m.group(1)) for m in (_TOC.match(p.name) for p in Path(folder).glob("_MAIN_*.toc")) if m]
    return max(gens) if gens else None


_TOC = re.compile(r"^_MAIN_([0-9]+)\.toc$")


def _files_of(record: Optional[dict], generation: Optional[int]) -> Optional[dict]:
    """The recorded files of ``generation`` (the record's current one or its prior), else None."""
    if record is None or generation is None:
        return None
    if record.get("generation") == generation:
        return record["files"]
    prior = record.get("prior")
    if isinstance(prior, dict) and prior.get("generation") == generation and isinstance(prior.get("files"), dict):
        return prior["files"]
    return None


def record_commit(folder: Path, generation: int, segment_ids: Iterable[str], toc_tmp: Path, toc_name: str) -> None:
    """Before the table of contents of ``generation`` is renamed from ``toc_tmp`` to
    ``toc_name``: fsync it, and record the size and CRC32 of every file of the generation
    (computing only those of new files) with the previous generation's as ``prior``,
    written atomically and durably (the file, then the directory)."""
    folder = Path(folder)
    fsync_path(toc_tmp)
    old = read_record(folder) or {"files": {}}
    files = {}
    for path in segment_files(folder, segment_ids):
        size = path.stat().st_size
        known = _known(old, path.name)
        files[path.name] = known if known and known[0] == size else [size, crc32_of(path)]
    files[toc_name] = [toc_tmp.stat().st_size, crc32_of(toc_tmp)]
    prior = _files_of(old, generation - 1)
    data = {"generation": generation, "files": files}
    if prior is not None:
        data["prior"] = {"generation": generation - 1, "files": prior}
    tmp = folder / (CHECKSUMS + ".tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(data, f, ensure_ascii=False, indent=0)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, folder / CHECKSUMS)
    fsync_path(folder)


def _known(record: dict, name: str):
    """What ``record`` says of the segment file ``name`` (files never change once written)."""
    for files in (record.get("files"), (record.get("prior") or {}).get("files")):
        if isinstance(files, dict) and name in files and not name.endswith(".toc"):
            return files[name]
    return None


def check_sizes(folder: Path, generation: int) -> list[tuple[str, str]]:
    """(file, what is wrong) for each file of ``generation`` whose size differs from the
    record or that is missing; [] when there is no record of that generation."""
    files = _files_of(read_record(folder), generation)
    if files is None:
        return []
    problems = []
    for name, (size, _) in sorted(files.items()):
        try:
            now = (Path(folder) / name).stat().st_size
        except OSError:
            problems.append((name, "missing"))
            continue
        if now != size:
            problems.append((name, f"{now} bytes, {size} when written"))
    return problems


def verify_files(folder: Path, generation: Optional[int] = None, passages: bool = True,
                 known: Optional[set] = None) -> list[tuple[str, str]]:
    """(file, what is wrong) for each file of ``generation`` (default: the current one,
    the newest table of contents) that is missing, of another size or whose bytes are not
    those written (CRC32); [] when all hold or when there is no record of that generation
    (without ``passages``, the passage files' bytes are not read). ``known``: the (file,
    size, checksum) found intact before, whose bytes are not read again (a segment's files
    never change once written); those found intact now are added to it."""
    if generation is None:
        generation = current_generation(folder)
    files = _files_of(read_record(folder), generation)
    if files is None:
        return []
    problems = check_sizes(folder, generation)
    bad = {name for name, _ in problems}
    for name, (size, crc) in sorted(files.items()):
        if name in bad or (not passages and name.endswith(PASSAGE_SUFFIX)):
            continue
        if known is not None and (name, size, crc) in known:
            continue
        try:
            now = crc32_of(Path(folder) / name)
        except OSError as e:
            problems.append((name, f"unreadable ({e.strerror or e})"))
            continue
        if now != crc:
            problems.append((name, "its bytes are not those written (checksum differs)"))
        elif known is not None:
            known.add((name, size, crc))
    return problems


def raise_if_resized(folder: Path, generation: int) -> None:
    """IntegrityError naming the first file of ``generation`` whose size is not the one
    recorded (cheap: a stat per file; done when a new generation is opened)."""
    problems = check_sizes(folder, generation)
    if problems:
        name, what = problems[0]
        raise IntegrityError(f"{name}: {what}")


def raise_if_records_damaged(folder: Path, generation: int, known: Optional[set] = None) -> None:
    """IntegrityError naming the first of Whoosh's files of ``generation`` (the report
    records, their terms and the table of contents: ~1.5 MB per 1,000 reports) that is not
    as written; ``known``: files found intact before (see ``verify_files``), so that a commit
    reads only the files it wrote. Passage files, far larger, are size-checked on open and
    read whole only by ``verify_files``: damage inside them is found when reading fails or by
    ``searchlib check``."""
    problems = verify_files(folder, generation, passages=False, known=known)
    if problems:
        raise IntegrityError(": ".join(problems[0]))


def recorded_size(folder: Path) -> tuple[int, int]:
    """(files, bytes) the checksum record of ``folder`` covers (its current generation)."""
    files = _files_of(read_record(folder), current_generation(folder)) or {}
    return len(files), sum(size for size, _ in files.values())


def damage_in(folder: Path) -> list[tuple[str, str]]:
    """Every recorded file of the index at ``folder`` (of each shard of a sharded index)
    that is not as written: reads every byte. For an error that may come from a damaged
    file (Whoosh raises a bare ``Exception("Block tag error")`` on garbage in a segment)."""
    from .shards import is_sharded, read_layout
    folder = Path(folder)
    if is_sharded(folder):
        return [(f"{path.name}/{name}", what) for path in read_layout(folder).shard_paths
                for name, what in verify_files(path)]
    return verify_files(folder)
