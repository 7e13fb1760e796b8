"""Indexing: files in, report records and passage files out. ``build_index`` indexes a
corpus into a new index that replaces the old one whole; ``update_index``, ``add_files``
and ``remove_documents`` change an existing index in one commit, matching the files found
against the report records the index holds (its manifest) so that only new and changed
files are analysed. Files are analysed and tokenised by ``pipeline.analyse_files`` (in
worker processes); this module writes each document as a report record plus its
passages (``segments.ReportWriter``). The index directory itself
(version check, writer and lock, swap-in) is ``storage``'s.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import time
from contextlib import ExitStack, contextmanager
from dataclasses import asdict
from pathlib import Path
from typing import Callable, Iterable, Optional

from whoosh import index as windex

from .analysis import get_segmenter, segmenter_name
from .errors import CorpusError, IndexDamagedError, IndexNotFoundError, IndexVersionError, SearchlibError
from .ingest import discover, doc_id_for, file_signature
from .integrity import CheckReport, IntegrityError, raise_if_resized, read_record, recorded_size, verify_files
from .metadata import region_table
from .models import BuildReport, Document, SkippedFile
from .pipeline import analyse_files, text_hash
from .schema import (CONTENT_HASH, DOC_ID, DOC_TYPE, ISSUER, LEVEL, META, PUBLISHED, REGION, RULE_KEY, TITLE, YEAR,
                     build_schema)
from .passage_index import PassageFileError
from .reports import Manifest, ReportTables
from .segments import PassageFiles
from .shards import ShardLayout, is_sharded, new_layout, read_layout, write_layout
from .storage import (DAMAGE_ERRORS, check_index, check_replaceable, damage_explained, damaged, lock_index,
                      open_whoosh, raise_if_damaged, remove_debris, swap_in, write_error, write_meta, writing)

SMALL_BATCH = 8              # files; up to this many, segment with the on-demand dictionary
SEGMENT_REPORTS = 2000       # reports per segment written by a build (bounds the writer's memory)

Progress = Optional[Callable[[int, int], None]]


# --------------------------------------------------------------------------- records

def report_fields(stored: dict) -> dict:
    """A report record rebuilt from what is stored of it (filter fields come from its metadata)."""
    return _record(stored[DOC_ID], stored.get(CONTENT_HASH), stored[META])


def report_record(doc: Document, thash: str) -> dict:
    """The Whoosh record of a report: filters, title, manifest entry, display metadata."""
    src = doc.source
    meta = {
        "title": src.title, "path": src.path, "published": src.published, "source": src.source,
        "doc_number": src.doc_number, "index_number": src.index_number, "written": src.written,
        "doc_type": doc.doc_type, "year": doc.year,
        "region": asdict(doc.region) if doc.region else None,
        "encoding": src.encoding, "format": src.format, "site": src.site, "ocr": src.ocr,
        "passages": len(doc.passages), "text_hash": thash, "chars": len(src.text), "rule": doc.rule,
    }
    return _record(src.doc_id, src.content_hash, meta)


def _record(doc_id: str, content_hash: Optional[str], meta: dict) -> dict:
    """The record's searchable fields, all derived from its metadata."""
    rec = {DOC_ID: doc_id, CONTENT_HASH: content_hash, META: meta, DOC_TYPE: meta.get("doc_type") or "other"}
    if meta.get("title"):
        rec[TITLE] = meta["title"]
    if meta.get("region"):
        rec[REGION] = " ".join(region_table().chain(meta["region"]["code"]))
    if meta.get("year"):
        rec[YEAR] = str(meta["year"])
    if meta.get("published"):
        rec[PUBLISHED] = meta["published"]
    rule = meta.get("rule") or {}
    if rule.get("level"):
        rec[LEVEL] = rule["level"]
    if rule.get("issuer"):
        rec[ISSUER] = rule["issuer"]
    if rule.get("rule_key"):
        rec[RULE_KEY] = rule["rule_key"]
    return rec


# --------------------------------------------------------------------------- build

def build_index(corpus_paths: Iterable, index_dir, progress: Progress = None,
                procs: Optional[int] = None, follow_links: bool = False, shards: Optional[int] = None,
                analyse=None) -> BuildReport:
    """Index every .txt/.html file under ``corpus_paths`` into a new index at
    ``index_dir``. The new index is built beside the old one and swapped in at the
    end, so a failed build leaves the previous index untouched. The old index's
    writer lock is held throughout: a build and an update never overlap.

    ``shards``: build a sharded index of that many shards (``shards.json`` and a
    directory per shard; each document in the shard of its doc_id). ``analyse``: the
    function that turns jobs into analysed documents, in order (default
    ``pipeline.analyse_files``; a distributed build passes its own)."""

    t0 = time.perf_counter()
    index_dir = Path(index_dir)
    report = BuildReport()
    jobs = list(discover(list(corpus_paths), follow_links=follow_links,
                         on_error=lambda p, why: report.skipped.append(SkippedFile(str(p), why))))
    jobs = _unique_jobs(jobs, report)

    check_replaceable(index_dir)
    index_dir.parent.mkdir(parents=True, exist_ok=True)
    remove_debris(index_dir)
    locks = _lock_existing(index_dir)
    tmp_dir = index_dir.with_name(f".{index_dir.name}.building-{os.getpid()}")
    try:
        try:
            shutil.rmtree(tmp_dir, ignore_errors=True)
            tmp_dir.mkdir()
        except OSError as e:
            raise write_error(index_dir, e) from None
        layout = new_layout(tmp_dir, shards) if shards else None
        if layout is None:
            ixs = [windex.create_in(str(tmp_dir), build_schema())]
        else:
            ixs = []
            for path in layout.shard_paths:
                path.mkdir()
                ixs.append(windex.create_in(str(path), build_schema()))
        get_segmenter(full=True)        # loaded before any worker forks: they share it
        # worker processes read, analyse and tokenise files; this process writes them, one
        # segment per SEGMENT_REPORTS reports, so memory stays bounded whatever the corpus
        _write_batches(lambda: _writing_all(ixs, layout, merge=False), jobs, report, progress, procs, {}, analyse)
        _seal_build(ixs, report, tmp_dir, index_dir, index_dir, layout)
    finally:
        for lock in locks:
            lock.release()
        shutil.rmtree(tmp_dir, ignore_errors=True)
    report.seconds = time.perf_counter() - t0
    return report


def _write_batches(open_writer, jobs: list, report: BuildReport, progress: Progress, procs, seen: dict,
                   analyse) -> None:
    """Write ``jobs`` in segments of SEGMENT_REPORTS reports, one writer (``open_writer()``)
    each: memory stays bounded whatever the corpus."""
    for start in range(0, max(len(jobs), 1), SEGMENT_REPORTS):
        batch = jobs[start:start + SEGMENT_REPORTS]
        step = (lambda i, _n, s=start: progress(s + i, len(jobs))) if progress else None
        with open_writer() as writer:
            report.documents += len(_write_documents(writer, batch, report, step, procs, seen=seen,
                                                     analyse=analyse))
    report.added = report.documents


def _seal_build(ixs: list, report: BuildReport, tmp_dir: Path, target: Path, index_dir: Path,
                layout: Optional[ShardLayout] = None) -> None:
    """A built directory checked, described (``searchlib.json``, ``shards.json``) and swapped
    in at ``target``."""
    _verify_counts(ixs, report)
    try:
        for ix in ixs:
            write_meta(Path(ix.storage.folder), {"segmenter": segmenter_name(get_segmenter(full=True))})
        if layout is not None:
            write_layout(layout)
        swap_in(tmp_dir, target)
    except OSError as e:
        raise write_error(index_dir, e) from None


def build_shard(corpus_paths: Iterable, index_dir, shard: int, progress: Progress = None,
                procs: Optional[int] = None, follow_links: bool = False, analyse=None) -> BuildReport:
    """Rebuild one shard of a sharded index from ``corpus_paths``: the files whose doc_id
    belongs to shard ``shard``, built beside it and swapped in when done (the other shards
    are not touched, and searches see the new shard from their next query). A file whose
    text another shard already holds is reported as a duplicate, as a full build does
    (a full build keeps the first copy in corpus order; this keeps the other shard's)."""
    t0 = time.perf_counter()
    index_dir = Path(index_dir)
    layout = read_layout(index_dir)
    if not 0 <= shard < layout.count:
        raise CorpusError(f"the index at {index_dir} has shards 0 to {layout.count - 1}, not {shard}")
    report = BuildReport()
    jobs = list(discover(list(corpus_paths), follow_links=follow_links,
                         on_error=lambda p, why: report.skipped.append(SkippedFile(str(p), why))))
    jobs = [(p, r) for p, r in _unique_jobs(jobs, report) if layout.shard_of(doc_id_for(p, r)) == shard]
    seen: dict = {}
    for k, path in enumerate(layout.shard_paths):
        if k != shard and is_index_dir(path):
            with open_whoosh(path).searcher() as searcher:    # the four columns of its report tables
                for doc_id, m in Manifest(ReportTables(path), searcher).entries().items():
                    if m["text_hash"]:
                        seen.setdefault(m["text_hash"], doc_id)
    target = layout.shard_path(shard)
    remove_debris(target)
    locks = _lock_existing(target)
    tmp_dir = target.with_name(f".{target.name}.building-{os.getpid()}")
    try:
        try:
            shutil.rmtree(tmp_dir, ignore_errors=True)
            tmp_dir.mkdir()
        except OSError as e:
            raise write_error(index_dir, e) from None
        ix = windex.create_in(str(tmp_dir), build_schema())
        get_segmenter(full=True)
        _write_batches(lambda: writing(ix, merge=False), jobs, report, progress, procs, seen, analyse)
        _seal_build([ix], report, tmp_dir, target, index_dir)
    finally:
        for lock in locks:
            lock.release()
        shutil.rmtree(tmp_dir, ignore_errors=True)
    report.seconds = time.perf_counter() - t0
    return report


def is_index_dir(path: Path) -> bool:
    try:
        return path.is_dir() and windex.exists_in(str(path))
    except DAMAGE_ERRORS:
        return False


def _lock_existing(index_dir: Path) -> list:
    """The writer locks of the index being replaced: its own, or each shard's."""
    if not index_dir.is_dir():
        return []
    if is_sharded(index_dir):
        locks = []
        try:
            for path in read_layout(index_dir).shard_paths:
                if path.is_dir():
                    locks.append(lock_index(path))
        except BaseException:
            for lock in locks:
                lock.release()
            raise
        return locks
    return [lock_index(index_dir)]


class ShardWriters:
    """One report writer per shard behind the writer methods a build or an update uses:
    each document is written to, and deleted from, the shard of its doc_id."""

    def __init__(self, layout: ShardLayout, writers: list):
        self.layout = layout
        self.writers = writers

    def writer_for(self, doc_id: str):
        return self.writers[self.layout.shard_of(doc_id)]

    def add_report(self, record: dict, passages, signature: Optional[str] = None) -> None:
        self.writer_for(record[DOC_ID]).add_report(record, passages, signature)

    def delete_by_term(self, fieldname: str, text: str, searcher: Optional[list] = None) -> int:
        """Delete from the shard of doc_id ``text``; ``searcher``: one per shard (as
        ``searcher()`` gives), else the shard's writer opens its own. Returns how many
        records were deleted."""
        if fieldname != DOC_ID:
            raise ValueError("a sharded index deletes documents by doc_id only")
        k = self.layout.shard_of(text)
        return self.writers[k].delete_by_term(fieldname, text, searcher=None if searcher is None else searcher[k])

    @contextmanager
    def searcher(self):
        """A searcher of each shard's writer (a list, in shard order), closed together."""
        with ExitStack() as stack:
            yield [stack.enter_context(w.searcher()) for w in self.writers]

    def cancel(self) -> None:
        for w in self.writers:
            if not w.is_closed:
                w.cancel()

    @property
    def is_closed(self) -> bool:
        return all(w.is_closed for w in self.writers)


@contextmanager
def _writing_all(ixs: list, layout: Optional[ShardLayout], merge: bool = True, optimize: bool = False):
    """``storage.writing`` on one index, or on every shard of a sharded one (a
    ``ShardWriters``). Shards commit one after the other when the block ends (each
    commit is atomic; a failure cancels the shards not yet committed)."""
    if layout is None:
        with writing(ixs[0], merge=merge, optimize=optimize) as writer:
            yield writer
        return
    with ExitStack() as stack:
        writers = [stack.enter_context(writing(ix, merge=merge, optimize=optimize)) for ix in ixs]
        yield ShardWriters(layout, writers)


def _verify_counts(ixs: list, report: BuildReport) -> None:
    """Check that every record written is in the index (all its shards) before it replaces
    the old one."""
    docs = passages = 0
    for ix in ixs:
        with ix.searcher() as s:
            docs += s.doc_count()
            passages += sum(v.live_passages() for v in PassageFiles(Path(ix.storage.folder)).views(s))
    if (docs, passages) != (report.documents, report.passages):
        raise SearchlibError(f"indexing lost records ({docs} of {report.documents} documents, {passages} of "
                             f"{report.passages} passages were written); the previous index is unchanged")


def _unique_jobs(jobs, report: BuildReport) -> list:
    """One job per file and per doc_id: a file reached twice is indexed once; a second
    file with the same doc_id (the same relative path under two corpus folders) is
    skipped, never indexed as a second document with the same id."""
    out, reached, owner = [], set(), {}
    for path, root in jobs:
        real = _real(path)
        if real in reached:
            continue
        reached.add(real)
        doc_id = doc_id_for(path, root)
        if doc_id in owner:
            report.skipped.append(SkippedFile(str(path), _taken(doc_id, owner[doc_id])))
            continue
        owner[doc_id] = real
        out.append((path, root))
    return out


def _write_documents(writer, jobs, report: BuildReport, progress: Progress, procs, seen: dict,
                     analyse=None) -> list[str]:
    """Analyse ``jobs`` and add them to ``writer``; ``seen`` maps text hash → doc_id
    of documents already in the index (duplicates are reported, not indexed).
    Returns the doc_ids written."""
    if len(jobs) > SMALL_BATCH:
        # a lot of text to segment: load the whole dictionary (about 1.5 s) once; a few
        # reports are segmented faster with the on-demand dictionary queries use
        get_segmenter(full=True)
    total = len(jobs)
    written = []
    for i, result in enumerate((analyse or analyse_files)(jobs, procs, tokenise=True), 1):
        if isinstance(result, SkippedFile):
            report.skipped.append(result)
        else:
            doc, tokens = result
            thash = text_hash(doc)
            if thash in seen and seen[thash] != doc.doc_id:
                report.duplicates.append((doc.source.path, seen[thash]))
            else:
                seen[thash] = doc.doc_id
                writer.add_report(report_record(doc, thash), tokens, doc.source.file_signature)
                written.append(doc.doc_id)
                report.passages += len(doc.passages)
                fmt = doc.source.format
                report.indexed_formats[fmt] = report.indexed_formats.get(fmt, 0) + 1
                report.warnings.extend((doc.source.path, w) for w in doc.source.warnings)
        if progress:
            progress(i, total)
    return written


# --------------------------------------------------------------------------- incremental updates
#
# The manifest an update compares against is the set of reports in the index itself:
# doc_id, path, content hash (sha1 of the file's bytes) and text hash (sha1 of its text
# without whitespace), read from the segments' report tables (reports.py), which are
# committed with the records and the passages, so they can never disagree with them,
# whatever happens to the process. An ``add`` looks up the files it adds (O(log n) per
# segment); an ``update`` reads the four columns of every report, never the records.

def _file_hash(path: Path) -> Optional[str]:
    """sha1 of a file's bytes (read in blocks), or None if it cannot be read."""
    h = hashlib.sha1()
    try:
        with open(path, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                h.update(block)
    except OSError:
        return None
    return h.hexdigest()


def _manifest(writer, searcher, whole: bool):
    """The manifest of the reports ``writer`` will change (under its lock); ``whole``:
    loaded for every report (an update), else looked up per file (add, remove). A
    segment written before report tables existed gets its table now (saved). ``writer``
    may be ``ShardWriters`` (``searcher``: one per shard): each shard is an index with
    its own report tables, and the manifest looks in all of them."""
    if isinstance(writer, ShardWriters):
        manifest = ShardManifest(writer.layout, [Manifest(w.tables, s, save=True)
                                                 for w, s in zip(writer.writers, searcher)])
    else:
        manifest = Manifest(writer.tables, searcher, save=True)
    if whole:
        manifest.entries()
    return manifest


class ShardManifest:
    """``reports.Manifest``'s interface over the manifests of every shard: a doc_id is
    looked up in its own shard; paths and hashes in all of them (a file or a text may
    have been indexed in any shard), in shard order."""

    def __init__(self, layout: ShardLayout, manifests: list[Manifest]):
        self.layout, self.manifests = layout, manifests
        self._entries: Optional[dict] = None

    def _of(self, doc_id: str) -> Manifest:
        return self.manifests[self.layout.shard_of(doc_id)]

    def get(self, doc_id: str) -> Optional[dict]:
        return self._of(doc_id).get(doc_id)

    def __contains__(self, doc_id: str) -> bool:
        return self.get(doc_id) is not None

    def __getitem__(self, doc_id: str) -> dict:
        return self._of(doc_id)[doc_id]

    def docs_with(self, column: str, value: Optional[str]) -> list[str]:
        return [d for m in self.manifests for d in m.docs_with(column, value)]

    def stored(self, doc_id: str) -> dict:
        return self._of(doc_id).stored(doc_id)

    def entries(self) -> dict[str, dict]:
        if self._entries is None:
            self._entries = {d: e for m in self.manifests for d, e in m.entries().items()}
        return self._entries


def _under(path: str, roots: list[Path]) -> bool:
    p = Path(path)
    return any(p == r or r in p.parents for r in roots)


def _real(path, folders: Optional[dict] = None) -> str:
    """The absolute path without symlinks (as stored in the manifest), never raising.
    ``folders``: a cache of resolved folders, for many files of the same folders (the
    file itself is still checked for being a symlink)."""
    try:
        if folders is not None:
            p = os.path.abspath(path)
            if not os.path.islink(p):
                folder, name = os.path.split(p)
                real = folders.get(folder)
                if real is None:
                    real = folders[folder] = str(Path(folder).resolve())
                return os.path.join(real, name)
        return str(Path(path).resolve())
    except (OSError, RuntimeError):       # a symlink loop appeared since the scan
        return str(Path(path).absolute())


def _missing(path: Optional[str]) -> bool:
    """True only if ``path`` certainly does not exist. A path that cannot be checked
    (permission denied, I/O error) is not missing: its document is kept."""
    if not path:
        return False
    try:
        os.stat(path)
    except (FileNotFoundError, NotADirectoryError):
        return True
    except (OSError, ValueError):
        return False
    return False


def _root_for(real: str, doc_id: str) -> Optional[Path]:
    """The folder that makes ``real`` have ``doc_id`` (the root it was indexed from)."""
    p = Path(real)
    parts = Path(doc_id).parts
    if len(parts) < len(p.parts) and p.parts[-len(parts):] == parts:
        return Path(*p.parts[:-len(parts)])
    return None


def _taken(doc_id: str, other: str) -> str:
    return (f"its doc_id {doc_id!r} is taken by {other}; index it from a folder that gives it "
            "another relative path, or add it with another root")


class _Plan:
    """What an update or add has to do, worked out before any analysis."""

    def __init__(self):
        self.jobs: list[tuple[Path, Path]] = []       # files to analyse and (re)index
        self.replaces: dict[str, str] = {}            # str(job path) → doc_id of its indexed version
        self.matched: set[str] = set()                # indexed doc_ids whose files were found
        self.moved: dict[str, str] = {}               # doc_id → new path (same content, file moved)


def _plan(found, manifest: Manifest, report: BuildReport) -> _Plan:
    """Match found files to indexed documents: by path first (the same file keeps its
    doc_id whatever root it is reached from), then by doc_id when the indexed file is
    gone (the corpus was moved). Unchanged files (same signature or content hash) are not
    analysed."""

    plan = _Plan()
    reached: set[str] = set()
    claimed: dict[str, str] = {}
    folders: dict[str, str] = {}
    for path, root in found:
        real = _real(path, folders)
        if real in reached:                 # the same file through overlapping corpus paths
            continue
        reached.add(real)
        doc_id = doc_id_for(path, root)
        owners = manifest.docs_with("path", real)
        old = owners[-1] if owners else None
        if old is not None and old != doc_id:
            old_root = _root_for(real, old)
            if old_root is not None:
                path, root, doc_id = Path(real), old_root, old
        indexed = manifest.get(doc_id)
        if old is None and indexed is not None and _missing(indexed["path"]):
            old = doc_id
        if doc_id in claimed or (indexed is not None and doc_id != old):
            report.skipped.append(SkippedFile(str(path), _taken(doc_id, claimed.get(doc_id) or indexed["path"])))
            continue
        claimed[doc_id] = real
        if old is not None:
            plan.matched.add(old)
            if _unchanged(path, manifest.get(old)):
                report.unchanged += 1
                if manifest[old]["path"] != real:
                    plan.moved[old] = real
                continue
            plan.replaces[str(path)] = old
        plan.jobs.append((path, root))
    return plan


def _unchanged(path: Path, entry: dict) -> bool:
    """Whether the file at ``path`` has the content its indexed version had: the same
    signature (size, times, inode: a stat, no read), else the same sha1 of its bytes."""
    if entry["signature"]:
        try:
            if file_signature(os.stat(path)) == entry["signature"]:
                return True
        except OSError:
            pass
    return entry["content_hash"] == _file_hash(path)


def _skip_known_copies(plan: _Plan, manifest: Manifest, leaving: set, report: BuildReport) -> None:
    """New files with the very bytes of an indexed document that stays (not in
    ``leaving``) are duplicates: reported without being analysed."""
    jobs = []
    for path, root in plan.jobs:
        if str(path) not in plan.replaces:
            try:
                small = os.stat(path).st_size <= 20_000_000
            except OSError:
                small = False
            h = _file_hash(path) if small else None
            same = sorted(set(manifest.docs_with("content_hash", h)) - leaving) if h else []
            if same:
                report.duplicates.append((_real(path), same[-1]))
                continue
        jobs.append((path, root))
    plan.jobs = jobs


class _Seen:
    """Text hash → doc_id of the documents a new one may duplicate: those the manifest
    keeps (looked up) and those written by this update (``[]=``)."""

    def __init__(self, manifest: Manifest, leaving: set):
        self.manifest, self.leaving, self.new = manifest, leaving, {}

    def _indexed(self, thash) -> Optional[str]:
        found = [d for d in self.manifest.docs_with("text_hash", thash) if d not in self.leaving]
        return found[-1] if found else None

    def __contains__(self, thash) -> bool:
        return thash in self.new or self._indexed(thash) is not None

    def __getitem__(self, thash) -> str:
        return self.new[thash] if thash in self.new else self._indexed(thash)

    def __setitem__(self, thash, doc_id) -> None:
        self.new[thash] = doc_id


def _apply(writer, plan: _Plan, manifest: Manifest, gone: list[str], report: BuildReport,
           progress: Progress, procs, analyse=None) -> bool:
    """Carry out ``plan`` in ``writer``; returns False if there was nothing to do."""

    if not (plan.jobs or gone or plan.moved):
        return False
    for doc_id in gone:
        writer.delete_by_term(DOC_ID, doc_id)
        report.removed += 1
    if plan.moved:
        _copy_moved(writer, plan.moved, manifest)
    replaced = set(plan.replaces.values())
    seen = _Seen(manifest, replaced | set(gone))
    first_skip = len(report.skipped)
    written = set(_write_documents(writer, plan.jobs, report, progress, procs, seen, analyse=analyse))
    failed = {s.path for s in report.skipped[first_skip:]}
    new_ids = {str(p): doc_id_for(p, r) for p, r in plan.jobs}
    for path, old in plan.replaces.items():
        if path in failed:
            continue                   # could not be read or parsed: the indexed version stays
        # only the committed segments are searched for deletion, not the documents just added
        writer.delete_by_term(DOC_ID, old)
        if new_ids[path] in written:
            report.updated += 1
        else:
            report.removed += 1        # its new content duplicates another document
    report.added = len(written) - report.updated
    return True


def _copy_moved(writer, moved: dict[str, str], manifest: Manifest) -> None:
    """The same content at a new path: the report record is written again with the new
    path and its passages are copied from the segment that holds them (no re-analysis).
    ``moved``: doc_id → new path. In a sharded index, in each document's shard."""
    if isinstance(writer, ShardWriters):
        for k, w in enumerate(writer.writers):
            mine = {d: p for d, p in moved.items() if writer.layout.shard_of(d) == k}
            if mine:
                _copy_moved(w, mine, manifest)
        return
    copies = []
    with writer.searcher() as searcher:
        for doc_id, real in moved.items():
            stored = manifest.stored(doc_id)
            record = dict(report_fields(stored), **{META: dict(stored[META], path=real)})
            copies.append((record, searcher.document_number(**{DOC_ID: doc_id})))
        writer.copy_reports(searcher, copies)
    for doc_id in moved:
        writer.delete_by_term(DOC_ID, doc_id)


def _open_all(index_dir: Path) -> tuple[list, Optional[ShardLayout]]:
    """The Whoosh index at ``index_dir``, or each shard's of a sharded one, and its layout."""
    if is_sharded(index_dir):
        layout = read_layout(index_dir)
        return [open_whoosh(p) for p in layout.shard_paths], layout
    return [open_whoosh(index_dir)], None


def _count_documents(ix) -> int:
    with ix.searcher() as s:
        return s.doc_count()


def _finish(ixs: list, report: BuildReport, t0: float) -> BuildReport:
    report.documents = sum(_count_documents(ix) for ix in ixs)
    report.seconds = time.perf_counter() - t0
    return report


def update_index(corpus_paths: Iterable, index_dir, progress: Progress = None, procs: Optional[int] = None,
                 remove_missing: bool = True, rebuild: bool = False, follow_links: bool = False,
                 analyse=None) -> BuildReport:
    """Bring the index in line with ``corpus_paths``: index new and changed files,
    drop documents whose files under these paths are gone, leave the rest alone.
    One Whoosh commit: a crash before it leaves the index exactly as it was.

    With ``rebuild``, an index that is missing or stale (built with another analyzer,
    user dictionary or schema) is replaced by a full build of ``corpus_paths``; without
    it, such an index raises IndexNotFoundError / IndexVersionError."""

    t0 = time.perf_counter()
    index_dir = Path(index_dir)
    corpus_paths = [Path(p) for p in corpus_paths]
    try:
        check_index(index_dir)
        verify_index(index_dir)                 # a damaged index is rebuilt (or said to be), never updated
        if rebuild:                             # repairing: every byte against its checksum, every record
            raise_if_damaged(index_dir)
            verify_records(index_dir)
    except (IndexNotFoundError, IndexVersionError, IndexDamagedError):
        if not rebuild:
            raise
        shards = read_layout(index_dir).count if _readable_layout(index_dir) else None
        return build_index(corpus_paths, index_dir, progress=progress, procs=procs, follow_links=follow_links,
                           shards=shards, analyse=analyse)
    report = BuildReport()
    found = list(discover(corpus_paths, follow_links=follow_links,
                          on_error=lambda p, why: report.skipped.append(SkippedFile(str(p), why))))
    roots = [Path(_real(p)) for p in corpus_paths]
    ixs, layout = _open_all(index_dir)
    with damage_explained(index_dir), _writing_all(ixs, layout) as writer, writer.searcher() as searcher:
        manifest = _manifest(writer, searcher, whole=True)     # under the lock: what this writer will change
        plan = _plan(found, manifest, report)
        gone = [d for d, m in manifest.entries().items()
                if d not in plan.matched and m["path"] and _under(m["path"], roots) and _missing(m["path"])]
        if not remove_missing:
            gone = []
        _skip_known_copies(plan, manifest, set(plan.replaces.values()) | set(gone), report)
        if not _apply(writer, plan, manifest, gone, report, progress, procs, analyse):
            writer.cancel()                     # no empty commit: open searchers need not reopen
    return _finish(ixs, report, t0)


def add_files(files: Iterable, index_dir, root=None) -> BuildReport:
    """Index single files, new or changed. A file already indexed (same path) keeps its
    doc_id; a new one gets its path relative to ``root`` (default: its own folder)."""
    t0 = time.perf_counter()
    index_dir = Path(index_dir)
    found = []
    for f in files:
        p = Path(f)
        if not p.is_file():
            raise CorpusError(f"not a readable file: {p}")
        real = Path(_real(p))
        base = Path(_real(root)) if root else real.parent
        if base not in real.parents:
            raise CorpusError(f"{p} is not inside --root {root}")
        found.append((real, base))
    check_index(index_dir)
    verify_index(index_dir)                     # a damaged index is said to be, not written to
    report = BuildReport()
    ixs, layout = _open_all(index_dir)
    with damage_explained(index_dir), _writing_all(ixs, layout) as writer, writer.searcher() as searcher:
        manifest = _manifest(writer, searcher, whole=False)     # looked up per file
        plan = _plan(found, manifest, report)
        _skip_known_copies(plan, manifest, set(plan.replaces.values()), report)
        if not _apply(writer, plan, manifest, [], report, None, 1):
            writer.cancel()                     # no empty commit
    return _finish(ixs, report, t0)


def _readable_layout(index_dir: Path) -> bool:
    try:
        return is_sharded(index_dir) and bool(read_layout(index_dir))
    except SearchlibError:
        return False


def verify_index(index_dir) -> None:
    """IndexDamagedError unless every segment of the index opens: its Whoosh files and its
    passage file (header, format, length); of every shard of a sharded index."""
    index_dir = Path(index_dir)
    if is_sharded(index_dir):
        for path in read_layout(index_dir).shard_paths:
            verify_index(path)
        return
    ix = open_whoosh(index_dir)
    try:
        raise_if_resized(index_dir, ix.latest_generation())     # a file cut short, grown or replaced
        with ix.searcher() as searcher:
            PassageFiles(index_dir).views(searcher)
    except (PassageFileError, IntegrityError, *DAMAGE_ERRORS) as e:
        raise damaged(index_dir, e) from None


def check_integrity(index_dir) -> CheckReport:
    """Every check an index can be put to: it opens (each segment's Whoosh files and passage
    file: header, format, length) and every file of its current generation has the size and
    the CRC32 its commit recorded (integrity.py); each shard of a sharded index. Raises
    IndexNotFoundError / IndexVersionError as ``check_index`` does."""
    index_dir = Path(index_dir)
    report = CheckReport(str(index_dir))
    if is_sharded(index_dir):
        check_index(index_dir)
        for k, path in enumerate(read_layout(index_dir).shard_paths):
            part = check_integrity(path)
            report.files += part.files
            report.bytes += part.bytes
            report.recorded = report.recorded or part.recorded
            report.problems += [(f"shard {k}: {name}", what) for name, what in part.problems]
        return report
    try:
        check_index(index_dir)
    except IndexDamagedError as e:              # its table of contents unreadable, or crafted
        report.problems.append(("(opening it)", getattr(e, "reason", str(e))))
        return report
    generation = None
    try:
        verify_index(index_dir)
        generation = open_whoosh(index_dir).latest_generation()
        verify_records(index_dir)
    except IndexDamagedError as e:
        report.problems.append(("(opening it)", getattr(e, "reason", str(e))))
    report.recorded = read_record(index_dir) is not None
    if report.recorded:
        report.files, report.bytes = recorded_size(index_dir)
        report.problems += verify_files(index_dir, generation)
    return report


def verify_records(index_dir) -> None:
    """IndexDamagedError unless every report's stored fields unpickle (through the
    allow-list; of every shard): a crafted pickle in one of them is "not a searchlib index"
    before a search meets it, and a repair rebuilds it. Reads every record: ``check`` and
    ``update --rebuild`` only."""
    index_dir = Path(index_dir)
    if is_sharded(index_dir):
        for path in read_layout(index_dir).shard_paths:
            verify_records(path)
        return
    with damage_explained(index_dir), open_whoosh(index_dir).searcher() as searcher:
        for _ in searcher.all_stored_fields():
            pass


def optimize_index(index_dir) -> None:
    """Merge every segment of the index into one (and drop deleted reports for good)."""
    check_index(Path(index_dir))
    verify_index(index_dir)                     # a damaged index is said to be, not half merged
    raise_if_damaged(Path(index_dir))           # it reads every file anyway: every byte checked first
    ixs, layout = _open_all(Path(index_dir))
    with damage_explained(Path(index_dir)), _writing_all(ixs, layout, optimize=True):
        pass


def remove_documents(doc_ids: Iterable[str], index_dir) -> tuple[list[str], list[str]]:
    """Remove documents by doc_id; returns (removed, unknown)."""
    check_index(Path(index_dir))
    verify_index(index_dir)                     # a damaged index is said to be, not written to
    ixs, layout = _open_all(Path(index_dir))
    removed, unknown = [], []
    with damage_explained(Path(index_dir)), _writing_all(ixs, layout) as writer, writer.searcher() as searcher:
        for doc_id in dict.fromkeys(doc_ids):
            # a term lookup per doc_id: no other report is read
            if writer.delete_by_term(DOC_ID, doc_id, searcher=searcher):
                removed.append(doc_id)
            else:
                unknown.append(doc_id)
        if unknown:
            # not found: so it is, or the lookup read a damaged file (checksums on this path only)
            raise_if_damaged(Path(index_dir))
        if not removed:
            writer.cancel()                     # no empty commit
    return removed, unknown
