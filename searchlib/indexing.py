"""Indexing: files in, Whoosh records out. Full builds and incremental updates.

The pipeline for one file is ``analyse_file``: ingest (decode, extract, clean) →
metadata (region, year, type) → structure (sections, passages) → figures and
concreteness. It is a pure function of the file, so it runs in worker processes.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
from dataclasses import asdict
from pathlib import Path
from typing import Callable, Iterable, Optional

from . import __version__
from .errors import IndexLockedError, IndexNotFoundError, IndexVersionError, IngestError, SearchlibError
from .models import BuildReport, Document, SkippedFile
from .schema import DOCUMENT, PASSAGE, SCHEMA_VERSION

META_FILE = "searchlib.json"
LOCK_TIMEOUT = 5.0           # seconds a writer waits for another one
PARALLEL_THRESHOLD = 40      # files; below this, worker processes cost more than they save

Progress = Optional[Callable[[int, int], None]]


# --------------------------------------------------------------------------- analysis of one file

def analyse_file(path: Path, root: Path) -> Document:
    """Everything searchlib knows about one file, or IngestError saying why not."""
    from .figures import concreteness, extract_figures
    from .ingest import read_document
    from .metadata import infer_doc_type, infer_year, resolve_region
    from .structure import parse_sections, split_passages

    src = read_document(Path(path), Path(root))
    doc_type = infer_doc_type(src.title)
    doc = Document(source=src, doc_type=doc_type,
                   year=infer_year(src.title, src.text, src.published),
                   region=resolve_region(src.title, src.source or "", src.site or "", src.text))
    doc.sections = parse_sections(src.text, src.title, doc_type)
    doc.passages = split_passages(src.doc_id, doc.sections)
    for p in doc.passages:
        p.figures = extract_figures(p.text)
        p.concreteness = concreteness(p.text, p.figures)
    return doc


def _analyse_job(job):
    path, root = job
    try:
        return analyse_file(path, root)
    except IngestError as e:
        return SkippedFile(str(path), str(e))
    except (OSError, ValueError, RecursionError, MemoryError) as e:   # never let one file stop a batch
        return SkippedFile(str(path), f"{type(e).__name__}: {e}")


def analyse_files(jobs: list[tuple[Path, Path]], procs: Optional[int] = None):
    """Yield Document or SkippedFile for each job, in order, using worker processes
    when the batch is large enough to pay for them."""
    procs = procs or min(2, os.cpu_count() or 1)
    if procs > 1 and len(jobs) >= PARALLEL_THRESHOLD:
        import multiprocessing as mp
        ctx = mp.get_context("fork") if hasattr(os, "fork") else mp.get_context()
        with ctx.Pool(procs) as pool:
            yield from pool.imap(_analyse_job, jobs, chunksize=8)
    else:
        for job in jobs:
            yield _analyse_job(job)


def text_hash(doc: Document) -> str:
    """Identity of a report's content, whatever its file format or encoding."""
    text = "".join(doc.source.text.split())
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


# --------------------------------------------------------------------------- records

def document_record(doc: Document, thash: str) -> dict:
    src = doc.source
    meta = {
        "title": src.title, "path": src.path, "published": src.published, "source": src.source,
        "doc_number": src.doc_number, "index_number": src.index_number, "written": src.written,
        "doc_type": doc.doc_type, "year": doc.year,
        "region": asdict(doc.region) if doc.region else None,
        "encoding": src.encoding, "format": src.format, "site": src.site,
        "passages": len(doc.passages), "text_hash": thash, "chars": len(src.text),
    }
    return dict(id=f"{DOCUMENT}:{src.doc_id}", rtype=DOCUMENT, doc_id=src.doc_id,
                content_hash=src.content_hash, meta=meta)


def passage_records(doc: Document) -> Iterable[dict]:
    from .metadata import region_table

    src = doc.source
    region = " ".join(region_table().chain(doc.region.code)) if doc.region else ""
    for p in doc.passages:
        rec = dict(id=p.passage_id, rtype=PASSAGE, doc_id=src.doc_id, ordinal=p.ordinal,
                   body=p.text, heading=" ".join(p.heading_path), title=src.title,
                   kind=p.section_kind, doc_type=doc.doc_type, has_figures=bool(p.figures),
                   units=" ".join(sorted({f.unit for f in p.figures})),
                   concreteness=float(p.concreteness), heading_path=list(p.heading_path),
                   figures=[f.to_dict() for f in p.figures])
        if region:
            rec["region"] = region
        if doc.year:
            rec["year"] = doc.year
        if src.published:
            rec["published"] = src.published
        yield rec


# --------------------------------------------------------------------------- index files

def index_meta() -> dict:
    from .analysis import analysis_fingerprint
    return {"searchlib": __version__, "schema": SCHEMA_VERSION, "analysis": analysis_fingerprint()}


def write_meta(index_dir: Path, extra: Optional[dict] = None) -> None:
    data = dict(index_meta(), **(extra or {}))
    tmp = index_dir / (META_FILE + ".tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    os.replace(tmp, index_dir / META_FILE)


def check_index(index_dir: Path) -> dict:
    """Raise IndexNotFoundError / IndexVersionError unless ``index_dir`` holds an index
    this version can search and update."""
    from whoosh import index as windex

    index_dir = Path(index_dir)
    if not index_dir.is_dir() or not windex.exists_in(str(index_dir)):
        raise IndexNotFoundError(f"no index at {index_dir} (run `searchlib build` first)")
    try:
        meta = json.loads((index_dir / META_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise IndexVersionError(f"{index_dir} was not built by searchlib (or its {META_FILE} is damaged); "
                                "rebuild it with `searchlib build`") from None
    want = index_meta()
    if meta.get("schema") != want["schema"]:
        raise IndexVersionError(f"index at {index_dir} has schema version {meta.get('schema')}, this searchlib "
                                f"needs {want['schema']}: rebuild it with `searchlib build`")
    if meta.get("analysis") != want["analysis"]:
        raise IndexVersionError(f"index at {index_dir} was built with another analyzer or user dictionary: "
                                "rebuild it with `searchlib build`")
    return meta


def _open_writer(ix, timeout=LOCK_TIMEOUT, **kwargs):
    from whoosh.index import LockError
    try:
        return ix.writer(timeout=timeout, **kwargs)
    except LockError:
        raise IndexLockedError("index is being updated by another process; try again when it has finished") from None


# --------------------------------------------------------------------------- build

def build_index(corpus_paths: Iterable, index_dir, progress: Progress = None,
                procs: Optional[int] = None) -> BuildReport:
    """Index every .txt/.html file under ``corpus_paths`` into a new index at
    ``index_dir``. The new index is built beside the old one and swapped in at the
    end, so a failed build leaves the previous index untouched."""
    from whoosh import index as windex

    from .ingest import discover
    from .schema import build_schema

    t0 = time.perf_counter()
    index_dir = Path(index_dir)
    report = BuildReport()
    jobs = list(discover(list(corpus_paths),
                         on_error=lambda p, why: report.skipped.append(SkippedFile(str(p), why))))

    index_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp_dir = index_dir.with_name(f".{index_dir.name}.building-{os.getpid()}")
    shutil.rmtree(tmp_dir, ignore_errors=True)
    tmp_dir.mkdir()
    try:
        ix = windex.create_in(str(tmp_dir), build_schema())
        writer = _open_writer(ix, limitmb=256)
        try:
            written = _write_documents(writer, jobs, report, progress, procs, seen={})
            report.documents = report.added = len(written)
        except BaseException:
            writer.cancel()
            raise
        writer.commit()
        write_meta(tmp_dir)
        _swap_in(tmp_dir, index_dir)
    finally:
        shutil.rmtree(tmp_dir, ignore_errors=True)
    report.seconds = time.perf_counter() - t0
    return report


def _write_documents(writer, jobs, report: BuildReport, progress: Progress, procs, seen: dict) -> list[str]:
    """Analyse ``jobs`` and add them to ``writer``; ``seen`` maps text hash → doc_id
    of documents already in the index (duplicates are reported, not indexed).
    Returns the doc_ids written."""
    from .analysis import get_segmenter
    if jobs:
        get_segmenter(full=True)     # the writer segments a lot of text: the whole dictionary in memory
    total = len(jobs)
    written = []
    for i, result in enumerate(analyse_files(jobs, procs), 1):
        if isinstance(result, SkippedFile):
            report.skipped.append(result)
        else:
            thash = text_hash(result)
            if thash in seen and seen[thash] != result.doc_id:
                report.duplicates.append((result.source.path, seen[thash]))
            else:
                seen[thash] = result.doc_id
                writer.add_document(**document_record(result, thash))
                for rec in passage_records(result):
                    writer.add_document(**rec)
                written.append(result.doc_id)
                report.passages += len(result.passages)
        if progress:
            progress(i, total)
    return written


def _swap_in(new_dir: Path, index_dir: Path) -> None:
    if index_dir.exists():
        if not index_dir.is_dir():
            raise SearchlibError(f"{index_dir} exists and is not a directory")
        old = index_dir.with_name(f".{index_dir.name}.old-{os.getpid()}")
        shutil.rmtree(old, ignore_errors=True)
        # keep files that are not ours (e.g. .gitkeep, a user synonyms file)
        keep = [p for p in index_dir.iterdir() if p.name in (".gitkeep", "synonyms.txt")]
        for p in keep:
            shutil.copy2(p, new_dir / p.name)
        os.replace(index_dir, old)
        os.replace(new_dir, index_dir)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.replace(new_dir, index_dir)


# --------------------------------------------------------------------------- incremental updates

def _file_hash(path: Path) -> Optional[str]:
    try:
        return hashlib.sha1(Path(path).read_bytes()).hexdigest()
    except OSError:
        return None


def _manifest(ix) -> dict[str, dict]:
    """doc_id → {content_hash, path, text_hash} of every indexed document."""
    from whoosh import query as wq
    out = {}
    with ix.searcher() as s:
        for n in s.docs_for_query(wq.Term("rtype", DOCUMENT)):
            f = s.stored_fields(n)
            out[f["doc_id"]] = {"content_hash": f.get("content_hash"), "path": f["meta"].get("path"),
                                "text_hash": f["meta"].get("text_hash")}
    return out


def _under(path: str, roots: list[Path]) -> bool:
    p = Path(path)
    return any(p == r or r in p.parents for r in roots)


def update_index(corpus_paths: Iterable, index_dir, progress: Progress = None, procs: Optional[int] = None,
                 remove_missing: bool = True) -> BuildReport:
    """Bring the index in line with ``corpus_paths``: index new and changed files,
    drop documents whose files under these paths are gone, leave the rest alone.
    One Whoosh commit: a crash before it leaves the index exactly as it was."""
    from whoosh import index as windex

    from .ingest import discover, doc_id_for

    t0 = time.perf_counter()
    index_dir = Path(index_dir)
    check_index(index_dir)
    ix = windex.open_dir(str(index_dir))
    report = BuildReport()
    roots = [Path(p).resolve() for p in corpus_paths]
    found = list(discover(roots, on_error=lambda p, why: report.skipped.append(SkippedFile(str(p), why))))

    writer = _open_writer(ix)
    try:
        manifest = _manifest(ix)
        jobs, seen_ids = [], set()
        for path, root in found:
            doc_id = doc_id_for(path, root)
            seen_ids.add(doc_id)
            old = manifest.get(doc_id)
            if old and old["content_hash"] == _file_hash(path):
                report.unchanged += 1
                continue
            jobs.append((path, root))
        gone = [d for d, m in manifest.items()
                if d not in seen_ids and m["path"] and _under(m["path"], roots) and not Path(m["path"]).exists()]
        if remove_missing:
            for doc_id in gone:
                writer.delete_by_term("doc_id", doc_id)
                report.removed += 1
        changed = {doc_id_for(p, r) for p, r in jobs} & set(manifest)
        for doc_id in changed:
            writer.delete_by_term("doc_id", doc_id)
        seen = {m["text_hash"]: d for d, m in manifest.items()
                if d not in changed and not (remove_missing and d in gone)}
        written = set(_write_documents(writer, jobs, report, progress, procs, seen))
        report.updated = len(written & changed)
        report.added = len(written - changed)
    except BaseException:
        writer.cancel()
        raise
    writer.commit()
    report.documents = len(manifest) - report.removed - len(changed) + len(written)
    report.seconds = time.perf_counter() - t0
    return report


def add_files(files: Iterable, index_dir, root=None) -> BuildReport:
    """Index single files (doc_id relative to ``root``, default: each file's folder)."""
    from .errors import CorpusError
    paths = [Path(f) for f in files]
    for p in paths:
        if not p.is_file():
            raise CorpusError(f"not a readable file: {p}")
    report = BuildReport()
    t0 = time.perf_counter()
    groups: dict[Path, list[Path]] = {}
    for p in paths:
        groups.setdefault(Path(root) if root else p.resolve().parent, []).append(p.resolve())
    from whoosh import index as windex
    check_index(Path(index_dir))
    ix = windex.open_dir(str(index_dir))
    writer = _open_writer(ix)
    try:
        from .ingest import doc_id_for
        manifest = _manifest(ix)
        jobs = [(p, r) for r, ps in groups.items() for p in ps]
        replaced = {doc_id_for(p, r) for p, r in jobs} & set(manifest)
        for doc_id in replaced:
            writer.delete_by_term("doc_id", doc_id)
        seen = {m["text_hash"]: d for d, m in manifest.items() if d not in replaced}
        written = set(_write_documents(writer, jobs, report, None, 1, seen))
        report.updated = len(written & replaced)
        report.added = len(written - replaced)
    except BaseException:
        writer.cancel()
        raise
    writer.commit()
    report.documents = len(manifest) - len(replaced) + len(written)
    report.seconds = time.perf_counter() - t0
    return report


def remove_documents(doc_ids: Iterable[str], index_dir) -> tuple[list[str], list[str]]:
    """Remove documents by doc_id; returns (removed, unknown)."""
    from whoosh import index as windex
    check_index(Path(index_dir))
    ix = windex.open_dir(str(index_dir))
    writer = _open_writer(ix)
    removed, unknown = [], []
    try:
        manifest = _manifest(ix)
        for doc_id in doc_ids:
            if doc_id in manifest:
                writer.delete_by_term("doc_id", doc_id)
                removed.append(doc_id)
            else:
                unknown.append(doc_id)
    except BaseException:
        writer.cancel()
        raise
    writer.commit()
    return removed, unknown
