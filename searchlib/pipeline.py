"""The per-file pipeline: ``analyse_file`` turns one corpus file into a ``Document`` by
ingesting it (decode, extract, clean), inferring its metadata (region, year, type), parsing
its structure (sections, passages) and reading each passage's figures and concreteness; for indexing, its passages are also
tokenised (``passage_index.report_passages``) in the same worker.
It is a pure function of the file and knows nothing of Whoosh, so it runs in worker
processes: ``analyse_files`` fans a batch out over a process pool when the batch is large
enough to pay for one, and reports a file that cannot be analysed as a ``SkippedFile``.
``text_hash`` identifies a document's text whatever its file format or encoding.
"""
from __future__ import annotations

import hashlib
import multiprocessing
import os
import signal
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, Optional, Union

from .concreteness import concreteness
from .errors import IngestError
from .figures import extract_figures
from .ingest import read_document
from .metadata import document_metadata, rule_facts
from .models import Document, SkippedFile
from .normalize import fold_traditional
from .passage_index import ReportPassages, report_passages
from .structure import parse_sections, split_passages

PARALLEL_THRESHOLD = 40      # files; below this, worker processes cost more than they save
FILE_TIME_BUDGET = 120.0     # seconds one file may take to analyse before it is skipped


def analyse_file(path: Path, root: Path) -> Document:
    """Everything searchlib knows about one file, or IngestError saying why not."""
    src = read_document(Path(path), Path(root))
    doc_type, year, region = document_metadata(src)
    rule = rule_facts(src.title, src.text, doc_type, region, Path(path).name)
    if rule and not src.published and rule["edition_date"]:
        src.published = rule["edition_date"]        # a law's date is its edition's (year covered: none)
    doc = Document(source=src, doc_type=doc_type, year=year, region=region, rule=rule)
    doc.sections = parse_sections(src.text, src.title, doc_type, heading_levels=src.heading_levels)
    doc.passages = split_passages(src.doc_id, doc.sections)
    for p in doc.passages:
        p.figures = extract_figures(p.text)
        p.concreteness = concreteness(fold_traditional(p.text), p.figures)   # its vocabulary is simplified
    return doc


class _OutOfTime(BaseException):
    """Not an Exception: the ``except Exception`` that guards a parser against a broken file
    must not turn running out of time into "unreadable"."""


def _alarm(signum, frame):
    raise _OutOfTime()


@contextmanager
def _time_budget(seconds: float):
    """Raise _OutOfTime in this block after ``seconds`` (where signals can be used: the
    main thread of a process on a POSIX system; elsewhere no bound)."""
    usable = hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread() \
        and seconds > 0
    if not usable:
        yield
        return
    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def file_time_budget() -> float:
    """Seconds one file may take to analyse before it is skipped (SEARCHLIB_FILE_TIMEOUT)."""
    try:
        return float(os.environ.get("SEARCHLIB_FILE_TIMEOUT") or FILE_TIME_BUDGET)
    except ValueError:
        return FILE_TIME_BUDGET


def _analyse_job(job):
    path, root, tokenise = job
    budget = file_time_budget()
    try:
        with _time_budget(budget):
            doc = analyse_file(path, root)
            return (doc, report_passages(doc)) if tokenise else doc
    except _OutOfTime:
        return SkippedFile(str(path), f"took longer than {budget:g} s to analyse (SEARCHLIB_FILE_TIMEOUT)")
    except IngestError as e:
        return SkippedFile(str(path), str(e))
    except (OSError, ValueError, RecursionError, MemoryError) as e:   # never let one file stop a batch
        return SkippedFile(str(path), f"{type(e).__name__}: {e}")


def analyse_files(jobs: list[tuple[Path, Path]], procs: Optional[int] = None, tokenise: bool = False
                  ) -> Iterator[Union[Document, tuple[Document, ReportPassages], SkippedFile]]:
    """Yield Document (with ``tokenise``: the Document and its passages tokenised for the
    passage index) or SkippedFile for each job, in order, using worker processes when
    the batch is large enough to pay for them."""
    procs = procs or min(2, os.cpu_count() or 1)
    jobs = [(path, root, tokenise) for path, root in jobs]
    if procs > 1 and len(jobs) >= PARALLEL_THRESHOLD:
        ctx = multiprocessing.get_context("fork") if hasattr(os, "fork") else multiprocessing.get_context()
        with ctx.Pool(procs) as pool:
            yield from pool.imap(_analyse_job, jobs, chunksize=8)
    else:
        for job in jobs:
            yield _analyse_job(job)


def text_hash(doc: Document) -> str:
    """Identity of a report's content, whatever its file format or encoding."""
    text = "".join(doc.source.text.split())
    return hashlib.sha1(text.encode("utf-8")).hexdigest()
