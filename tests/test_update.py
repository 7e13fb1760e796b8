"""Incremental updates: `update` / `add` / `remove` (API and CLI), duplicates, stale
indexes and `--rebuild`, build progress and summary, searchers that follow updates,
and the one-writer-at-a-time rule.

Corpora are small reports made of seed paragraphs, each with a marker word (mkalpha,
mkbravo, ...) that occurs in no other report, so a search for the marker tells whether
that report (in that version) is in the index.
"""
import shutil
import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from searchlib import api, indexing, pipeline, storage
from searchlib.cli import main
from searchlib.errors import (CorpusError, IndexLockedError, IndexNotFoundError, IndexVersionError,
                              SearchlibError)
from tests.conftest import TIME_SCALE, SEEDS

SEED_PARAS = [line.strip() for seed in SEEDS for line in seed.read_text(encoding="utf-8").splitlines()
              if len(line.strip()) > 60]
MARKERS = ["mkalpha", "mkbravo", "mkcharlie", "mkdelta", "mkecho", "mkfoxtrot", "mkgolf", "mkhotel",
           "mkindia", "mkjuliet", "mkkilo", "mklima"]


def report_text(n: int, marker: str, paras: int = 2) -> str:
    """A small report: its own title, ``paras`` seed paragraphs, ``marker`` in the first one."""
    start = (n * 7) % (len(SEED_PARAS) - paras)
    body = SEED_PARAS[start:start + paras]
    body[0] = f"{body[0]}本项工作编号{marker}。"
    return f"某某县第{n}号法治政府建设情况报告\n\n" + "\n".join(body) + "\n"


def write_report(path: Path, n: int, marker: str, paras: int = 2) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(report_text(n, marker, paras), encoding="utf-8")
    return path


def make_corpus(root: Path, count: int = 4, sub: bool = False) -> Path:
    """``root`` with r0.txt ... r{count-1}.txt (markers mkalpha, mkbravo, ...), and with
    ``sub``, sub/s0.txt (marker mkhotel) too."""
    for i in range(count):
        write_report(root / f"r{i}.txt", i, MARKERS[i])
    if sub:
        write_report(root / "sub" / "s0.txt", 40, "mkhotel")
    return root


def doc_ids(index_dir) -> list[str]:
    with api.open_index(index_dir) as idx:
        return [d["doc_id"] for d in idx.documents()]


def found(index_dir, query: str) -> set[str]:
    """doc_ids of the passages matching ``query``."""
    with api.open_index(index_dir) as idx:
        return {h.doc_id for h in idx.search(query, limit=100).hits}


def generation(index_dir) -> int:
    from whoosh import index as windex
    return windex.open_dir(str(index_dir)).latest_generation()


def run(*args, input=None):
    return CliRunner().invoke(main, [str(a) for a in args], input=input)


@pytest.fixture
def corpus(tmp_path):
    return make_corpus(tmp_path / "corpus")


@pytest.fixture
def index(tmp_path, corpus):
    path = tmp_path / "index"
    report = api.build([corpus], path)
    assert report.documents == 4 and not report.skipped
    return path


@pytest.fixture
def analysed(monkeypatch):
    """Names of the files analysed (tokenised) from now on."""
    calls = []
    original = pipeline.analyse_file

    def spy(path, root):
        calls.append(Path(path).name)
        return original(path, root)
    monkeypatch.setattr(pipeline, "analyse_file", spy)
    return calls


@pytest.fixture
def short_lock_wait(monkeypatch):
    monkeypatch.setattr(storage, "LOCK_TIMEOUT", 0.3)


# --------------------------------------------------------------------------- update

def test_update_indexes_only_new_and_changed_files(index, corpus, analysed):
    write_report(corpus / "r1.txt", 21, "mkindia")          # changed
    write_report(corpus / "r9.txt", 9, "mkjuliet")          # new
    (corpus / "r2.txt").unlink()                            # deleted
    report = api.update([corpus], index)
    assert sorted(analysed) == ["r1.txt", "r9.txt"]         # unchanged files are not re-tokenised
    assert (report.added, report.updated, report.removed, report.unchanged) == (1, 1, 1, 2)
    assert report.documents == 4 and not report.skipped and not report.duplicates
    assert doc_ids(index) == ["r0.txt", "r1.txt", "r3.txt", "r9.txt"]
    assert found(index, "mkindia") == {"r1.txt"} and found(index, "mkjuliet") == {"r9.txt"}
    assert found(index, "mkbravo") == set()                 # r1's old version is gone
    assert found(index, "mkcharlie") == set()               # r2 is gone
    assert found(index, "mkalpha") == {"r0.txt"}            # untouched


def test_update_without_changes_touches_nothing(index, corpus, analysed):
    before = generation(index)
    report = api.update([corpus], index)
    assert analysed == [] and report.unchanged == 4 and report.documents == 4
    assert (report.added, report.updated, report.removed) == (0, 0, 0)
    assert generation(index) == before                      # no empty commit: searchers need not reopen


def test_update_keeps_passage_count_consistent(index, corpus):
    write_report(corpus / "r0.txt", 30, "mkalpha", paras=4)
    api.update([corpus], index)
    with api.open_index(index) as idx:
        stats = idx.stats()
        per_doc = {d["doc_id"]: d["passages"] for d in idx.documents()}
        for doc_id, n in per_doc.items():
            assert len(idx.document(doc_id)["passages_list"]) == n
    assert stats["documents"] == 4 and stats["passages"] == sum(per_doc.values())


def test_keep_missing(index, corpus):
    (corpus / "r3.txt").unlink()
    report = api.update([corpus], index, remove_missing=False)
    assert report.removed == 0 and "r3.txt" in doc_ids(index)
    r = run("--index", index, "update", "--keep-missing", corpus)
    assert r.exit_code == 0 and "r3.txt" in doc_ids(index)
    r = run("--index", index, "update", corpus)
    assert r.exit_code == 0 and "1 removed" in r.output and "r3.txt" not in doc_ids(index)


def test_update_of_one_folder_leaves_the_rest_alone(tmp_path, analysed):
    corpus = make_corpus(tmp_path / "corpus", sub=True)
    index = tmp_path / "index"
    api.build([corpus], index)
    analysed.clear()
    write_report(corpus / "sub" / "s0.txt", 41, "mkkilo")
    report = api.update([corpus / "sub"], index)
    # the document keeps its doc_id (matched by path), nothing outside sub/ is removed
    assert analysed == ["s0.txt"] and report.updated == 1 and report.added == 0 and report.removed == 0
    assert doc_ids(index) == ["r0.txt", "r1.txt", "r2.txt", "r3.txt", "sub/s0.txt"]
    assert found(index, "mkkilo") == {"sub/s0.txt"} and found(index, "mkhotel") == set()
    # an unchanged file given directly is recognised by its path as well
    analysed.clear()
    report = api.update([corpus / "sub" / "s0.txt"], index)
    assert analysed == [] and report.unchanged == 1 and report.documents == 5
    # overlapping corpus paths: each file counts once
    report = api.update([corpus, corpus / "sub"], index)
    assert analysed == [] and report.unchanged == 5 and not report.skipped and not report.duplicates


def test_moved_corpus_is_recognised(tmp_path, index, corpus, analysed):
    moved = corpus.rename(tmp_path / "moved")
    report = api.update([moved], index)
    assert analysed == [] and report.unchanged == 4 and report.removed == 0
    with api.open_index(index) as idx:
        assert all(d["path"].startswith(str(moved.resolve())) for d in idx.documents())
    (moved / "r0.txt").unlink()                               # the stored paths follow the move
    assert api.update([moved], index).removed == 1 and "r0.txt" not in doc_ids(index)


def test_same_doc_id_from_another_folder_does_not_replace_a_document(tmp_path, index, corpus):
    other = tmp_path / "other"
    write_report(other / "r0.txt", 50, "mklima")
    report = api.update([other], index)
    assert [Path(s.path).name for s in report.skipped] == ["r0.txt"]
    assert "doc_id" in report.skipped[0].reason and "another root" in report.skipped[0].reason
    assert found(index, "mkalpha") == {"r0.txt"} and found(index, "mklima") == set()
    # the same when both folders are built together: one is indexed, the other reported
    report = api.build([corpus, other], tmp_path / "both")
    assert report.documents == 4 and [Path(s.path).parent.name for s in report.skipped] == ["other"]


def test_update_cli_output_and_exit_codes(index, corpus):
    write_report(corpus / "r9.txt", 9, "mkjuliet")
    r = run("--index", index, "update", corpus)
    assert r.exit_code == 0, r.output
    assert "1 added, 0 updated, 0 removed, 4 unchanged" in r.output and "5 documents" in r.output
    (corpus / "empty.txt").write_bytes(b"")
    r = run("--index", index, "update", corpus)
    assert r.exit_code == 3 and "empty.txt: empty file" in r.output and "1 file(s) skipped" in r.output
    r = run("--index", index, "update", corpus / "nope")
    assert r.exit_code == 2 and r.output.startswith("Error:") and "nope" in r.output
    r = run("--index", index.parent / "none", "update", corpus)
    assert r.exit_code == 2 and "no index" in r.output


# --------------------------------------------------------------------------- add / remove

def test_add_and_remove_api(tmp_path, index):
    new = write_report(tmp_path / "incoming" / "n1.txt", 11, "mkjuliet")
    report = api.add([new], index)
    assert (report.added, report.updated, report.documents) == (1, 0, 5)
    assert found(index, "mkjuliet") == {"n1.txt"}
    report = api.add([new], index)                                # same content again
    assert (report.added, report.updated, report.unchanged) == (0, 0, 1)
    write_report(new, 12, "mkkilo")
    report = api.add([new], index)
    assert (report.added, report.updated) == (0, 1) and found(index, "mkkilo") == {"n1.txt"}
    removed, unknown = api.remove(["n1.txt", "nope.txt"], index)
    assert removed == ["n1.txt"] and unknown == ["nope.txt"]
    assert found(index, "mkkilo") == set() and len(doc_ids(index)) == 4
    with pytest.raises(CorpusError):
        api.add([tmp_path / "missing.txt"], index)


def test_add_and_remove_cli(tmp_path, index):
    new = write_report(tmp_path / "incoming" / "n1.txt", 11, "mkjuliet")
    r = run("--index", index, "add", new)
    assert r.exit_code == 0 and "1 added" in r.output
    assert found(index, "mkjuliet") == {"n1.txt"}
    (tmp_path / "incoming" / "bad.txt").write_bytes(b"\x00\x01" * 100)
    r = run("--index", index, "add", tmp_path / "incoming" / "bad.txt")
    assert r.exit_code == 3 and "binary file" in r.output
    r = run("--index", index, "remove", "n1.txt")
    assert r.exit_code == 0 and "removed n1.txt" in r.output
    r = run("--index", index, "remove", "r0.txt", "nope.txt")
    assert r.exit_code == 2 and "nope.txt" in r.output and "r0.txt" not in doc_ids(index)


def test_add_with_root_and_of_an_indexed_file(tmp_path, analysed):
    corpus = make_corpus(tmp_path / "corpus", sub=True)
    index = tmp_path / "index"
    api.build([corpus], index)
    write_report(corpus / "sub" / "s0.txt", 41, "mkkilo")
    report = api.add([corpus / "sub" / "s0.txt"], index)      # known by its path: keeps doc_id sub/s0.txt
    assert report.updated == 1 and report.added == 0
    assert doc_ids(index) == ["r0.txt", "r1.txt", "r2.txt", "r3.txt", "sub/s0.txt"]
    assert found(index, "mkkilo") == {"sub/s0.txt"} and found(index, "mkhotel") == set()
    new = write_report(corpus / "sub" / "deeper" / "d.txt", 42, "mklima")
    report = api.add([new], index, root=corpus)
    assert report.added == 1 and "sub/deeper/d.txt" in doc_ids(index)
    with pytest.raises(CorpusError, match="not inside --root"):
        api.add([new], index, root=tmp_path / "elsewhere")


# --------------------------------------------------------------------------- duplicates

def html_of(text: str) -> str:
    title, _, body = text.partition("\n\n")
    paras = "".join(f"<p>{p}</p>" for p in body.splitlines() if p)
    return (f"<html><head><meta charset='utf-8'><title>{title}</title></head><body>"
            f"<div class='content'><h1>{title}</h1>{paras}</div></body></html>")


def test_duplicates_are_indexed_once_on_build(tmp_path):
    corpus = make_corpus(tmp_path / "corpus", count=2)
    shutil.copy(corpus / "r0.txt", corpus / "s0-copy.txt")                 # same bytes, other name
    (corpus / "r1.html").write_text(html_of((corpus / "r1.txt").read_text(encoding="utf-8")),
                                    encoding="utf-8")                      # same page as HTML
    r = run("--index", tmp_path / "index", "build", corpus)
    assert r.exit_code == 0, r.output
    assert "Indexed 2 documents" in r.output
    assert "duplicate: " in r.output and "s0-copy.txt has the same content as r0.txt" in r.output
    assert "r1.txt has the same content as r1.html" in r.output
    assert len(found(tmp_path / "index", "mkalpha")) == 1


def test_duplicates_on_update(tmp_path, index, corpus, analysed):
    shutil.copy(corpus / "r0.txt", corpus / "z-copy.txt")
    report = api.update([corpus], index)
    assert report.duplicates == [(str((corpus / "z-copy.txt").resolve()), "r0.txt")] and report.added == 0
    assert analysed == []                                  # identical bytes: known without analysis
    (corpus / "r3.html").write_text(html_of((corpus / "r3.txt").read_text(encoding="utf-8")), encoding="utf-8")
    report = api.update([corpus], index)
    assert [d[1] for d in report.duplicates] == ["r0.txt", "r3.txt"] and report.added == 0
    r = run("--index", index, "update", corpus)
    assert r.exit_code == 0 and "r3.html has the same content as r3.txt; indexed once" in r.output
    # when the original goes, the copy takes its place
    (corpus / "r0.txt").unlink()
    report = api.update([corpus], index)
    assert report.removed == 1 and report.added == 1
    assert found(index, "mkalpha") == {"z-copy.txt"}


# --------------------------------------------------------------------------- stale index

def _forget_fingerprint(monkeypatch, index):
    """The analysis fingerprint may be memoised: forget it (restored after the test). The
    segmenter in memory is the one the index was built with, so no new dictionary is loaded."""
    import searchlib.analysis
    monkeypatch.setattr(searchlib.analysis, "_fingerprint", None, raising=False)
    monkeypatch.setenv("SEARCHLIB_CACHE", str(index.parent / "cache"))


def _stale_by_analyzer(monkeypatch, index):
    import searchlib.analysis
    monkeypatch.setattr(searchlib.analysis, "ANALYZER_VERSION", "stale-test")
    _forget_fingerprint(monkeypatch, index)


def _stale_by_userdict(monkeypatch, index):
    import searchlib.analysis
    changed = index.parent / "userdict.txt"
    changed.write_bytes(searchlib.analysis.USERDICT_PATH.read_bytes() + "新增政策术语 10 n\n".encode())
    monkeypatch.setattr(searchlib.analysis, "USERDICT_PATH", changed)
    _forget_fingerprint(monkeypatch, index)


def _stale_by_schema(monkeypatch, index):
    monkeypatch.setattr(storage, "SCHEMA_VERSION", "999")


@pytest.mark.parametrize("make_stale", [_stale_by_analyzer, _stale_by_userdict, _stale_by_schema],
                         ids=["analyzer", "userdict", "schema"])
def test_stale_index_is_detected_and_rebuilt_when_asked(index, corpus, monkeypatch, make_stale):
    make_stale(monkeypatch, index)
    write_report(corpus / "r9.txt", 9, "mkjuliet")
    for call in (lambda: api.update([corpus], index), lambda: api.add([corpus / "r9.txt"], index),
                 lambda: api.remove(["r0.txt"], index), lambda: api.open_index(index)):
        with pytest.raises(IndexVersionError, match="rebuild"):
            call()
    r = run("--index", index, "update", corpus)
    assert r.exit_code == 2 and "update --rebuild" in r.output
    r = run("--index", index, "update", "--rebuild", corpus)
    assert r.exit_code == 0, r.output
    assert "rebuilding" in r.output and "Indexed 5 documents" in r.output
    assert found(index, "mkjuliet") == {"r9.txt"}
    indexing.check_index(index)                            # current now


def test_rebuild_via_api_and_when_index_is_missing(tmp_path, corpus, monkeypatch):
    index = tmp_path / "index"
    with pytest.raises(IndexNotFoundError):
        api.update([corpus], index)
    report = api.update([corpus], index, rebuild=True)
    assert report.documents == 4 and doc_ids(index) == ["r0.txt", "r1.txt", "r2.txt", "r3.txt"]
    report = api.update([corpus], index, rebuild=True)     # current index: a normal update
    assert report.unchanged == 4 and report.added == 0
    _stale_by_analyzer(monkeypatch, index)
    report = api.update([corpus], index, rebuild=True)
    assert report.added == 4 and report.unchanged == 0
    indexing.check_index(index)


def test_synonym_changes_need_no_rebuild(index, corpus):
    (index / "synonyms.txt").write_text("mkalpha, mkbravo\n", encoding="utf-8")
    indexing.check_index(index)
    assert found(index, "mkalpha") == {"r0.txt", "r1.txt"}
    write_report(corpus / "r9.txt", 9, "mkjuliet")
    assert api.update([corpus], index).added == 1
    assert (index / "synonyms.txt").exists()               # kept by a full build too
    api.build([corpus], index)
    assert found(index, "mkalpha") == {"r0.txt", "r1.txt"}


# --------------------------------------------------------------------------- build progress and summary

def test_build_progress_and_summary(tmp_path, corpus):
    (corpus / "empty.txt").write_bytes(b"")
    calls = []
    report = api.build([corpus], tmp_path / "index", progress=lambda done, total: calls.append((done, total)))
    assert calls == [(i, 5) for i in range(1, 6)]
    assert report.documents == 4 and report.passages > 4 and report.seconds > 0
    assert [(Path(s.path).name, s.reason) for s in report.skipped] == [("empty.txt", "empty file")]
    r = run("--index", tmp_path / "index", "build", corpus)
    assert r.exit_code == 3
    assert f"Indexed 4 documents, {report.passages} passages in " in r.output and " s" in r.output
    assert "skipped: " in r.output and "empty.txt: empty file" in r.output and "1 file(s) skipped" in r.output


def test_progress_bar_on_a_terminal(monkeypatch):
    import io
    import sys

    from searchlib import cli

    class Terminal(io.StringIO):
        def isatty(self):
            return True
    term = Terminal()
    monkeypatch.setattr(sys, "stderr", term)
    update = cli._progress_bar("Indexing")
    for i in range(1, 4):
        update(i, 3)
    assert "Indexing" in term.getvalue() and "100%" in term.getvalue()


# --------------------------------------------------------------------------- searchers follow updates

def test_open_searcher_sees_updates(tmp_path, index, corpus):
    with api.open_index(index) as idx:
        assert idx.search("mkalpha").hits
        before = [(h.passage_id, h.score) for h in idx.search("法治政府", limit=50).hits]
        new = write_report(tmp_path / "in" / "n.txt", 11, "mkjuliet")
        idx.add([new])
        assert {h.doc_id for h in idx.search("mkjuliet").hits} == {"n.txt"}
        write_report(corpus / "r0.txt", 20, "mkkilo")
        (corpus / "r1.txt").unlink()
        idx.update([corpus])
        assert not idx.search("mkalpha").hits and not idx.search("mkbravo").hits
        assert [h.doc_id for h in idx.search("mkkilo").hits] == ["r0.txt"]
        assert idx.search("mkkilo").hits[0].title == "某某县第20号法治政府建设情况报告"
        idx.remove(["n.txt"])
        assert not idx.search("mkjuliet").hits
        assert before  # the old results were computed on a consistent index


def test_open_searcher_matches_a_fresh_one_after_updates_and_merges(index, corpus):
    """whoosh-reloaded 2.7.5's Searcher.refresh() reuses segment readers with out-of-date
    deletions and keeps segments a merge replaced: replaced documents stay visible and
    merged ones appear twice. The API must give what a freshly opened index gives."""

    def state(idx):
        result = idx.search("法治政府 建设", limit=1000)
        return result.total, sorted(h.passage_id for h in result.hits), [d["doc_id"] for d in idx.documents()]
    with api.open_index(index) as idx:
        for i in range(4, 7):
            state(idx)
            write_report(corpus / f"r{i}.txt", i, MARKERS[i])              # a new report
            write_report(corpus / f"r{i - 4}.txt", 40 + i, MARKERS[i - 4])  # a changed one
            idx.update([corpus])
            with api.open_index(index) as fresh:
                assert state(idx) == state(fresh)
        indexing.optimize_index(index)                                      # merge every segment
        with api.open_index(index) as fresh:
            assert state(idx) == state(fresh)
            assert idx.stats()["passages"] == fresh.stats()["passages"]


def test_each_thread_sees_updates(tmp_path, index):
    from concurrent.futures import ThreadPoolExecutor
    with api.open_index(index) as idx, ThreadPoolExecutor(3) as pool:
        assert list(pool.map(lambda q: len(idx.search(q).hits), ["mkjuliet"] * 3)) == [0, 0, 0]
        api.add([write_report(tmp_path / "in" / "n.txt", 11, "mkjuliet")], index)   # another "process"
        assert all(n > 0 for n in pool.map(lambda q: len(idx.search(q).hits), ["mkjuliet"] * 6))


def test_search_survives_a_commit_in_the_middle_of_a_search(tmp_path, index, monkeypatch):
    """A commit that lands between two steps of one search must not break it."""
    new = write_report(tmp_path / "in" / "n.txt", 11, "mkjuliet")
    idx = api.open_index(index)
    idx.search("mkalpha")
    from searchlib.search import IndexSearcher
    original = IndexSearcher.snapshot
    state = {"committed": False}

    def snapshot_then_commit(self):
        s = original(self)
        if not state["committed"]:
            state["committed"] = True
            api.add([new], index)
        return s
    monkeypatch.setattr(IndexSearcher, "snapshot", snapshot_then_commit)
    assert [h.doc_id for h in idx.search("mkalpha").hits] == ["r0.txt"]
    assert state["committed"]
    assert [h.doc_id for h in idx.search("mkjuliet").hits] == ["n.txt"]
    idx.close()


def test_open_searcher_follows_a_full_rebuild(tmp_path, index):
    other = make_corpus(tmp_path / "other", count=0)
    write_report(other / "o.txt", 60, "mkgolf")
    with api.open_index(index) as idx:
        assert idx.search("mkalpha").hits
        api.build([other], index)                          # replaces the index directory
        assert [h.doc_id for h in idx.search("mkgolf").hits] == ["o.txt"]
        assert not idx.search("mkalpha").hits
        assert [d["doc_id"] for d in idx.documents()] == ["o.txt"]


# --------------------------------------------------------------------------- one writer at a time

def _hold_lock(index):
    from whoosh import index as windex
    return windex.open_dir(str(index)).writer()


OPERATIONS = {
    "update": lambda index, corpus: api.update([corpus], index),
    "add": lambda index, corpus: api.add([corpus / "r9.txt"], index),
    "remove": lambda index, corpus: api.remove(["r0.txt"], index),
    "build": lambda index, corpus: api.build([corpus], index),
}


@pytest.mark.parametrize("op", OPERATIONS)
def test_second_writer_fails_with_a_clear_message(index, corpus, short_lock_wait, op):
    write_report(corpus / "r9.txt", 9, "mkjuliet")
    before = (doc_ids(index), generation(index))
    writer = _hold_lock(index)
    try:
        t0 = time.perf_counter()
        with pytest.raises(IndexLockedError, match="index is being updated by another process"):
            OPERATIONS[op](index, corpus)
        assert time.perf_counter() - t0 < 5 * TIME_SCALE
    finally:
        writer.cancel()
    assert (doc_ids(index), generation(index)) == before
    OPERATIONS[op](index, corpus)                          # works once the other writer is done


def test_second_writer_cli_message(index, corpus, short_lock_wait):
    writer = _hold_lock(index)
    try:
        r = run("--index", index, "update", corpus)
    finally:
        writer.cancel()
    assert r.exit_code == 2
    assert r.output.strip() == "Error: index is being updated by another process; try again when it has finished"


def test_second_writer_waits_briefly(index, corpus):
    write_report(corpus / "r9.txt", 9, "mkjuliet")
    writer = _hold_lock(index)
    threading.Timer(0.4, writer.cancel).start()
    t0 = time.perf_counter()
    report = api.update([corpus], index)
    assert report.added == 1 and time.perf_counter() - t0 >= 0.3


def test_failed_update_leaves_the_index_as_it_was(index, corpus, monkeypatch):
    """An exception in the middle of an update (the in-process twin of kill -9)."""
    for i in range(4, 8):
        write_report(corpus / f"r{i}.txt", i, MARKERS[i])
    before = (doc_ids(index), generation(index), found(index, "法治政府"))
    original = indexing.report_record
    calls = []

    def failing(doc, thash):
        calls.append(doc)
        if len(calls) == 3:
            raise RuntimeError("disk on fire")
        return original(doc, thash)
    monkeypatch.setattr(indexing, "report_record", failing)
    with pytest.raises(RuntimeError):
        api.update([corpus], index)
    assert (doc_ids(index), generation(index), found(index, "法治政府")) == before
    monkeypatch.setattr(indexing, "report_record", original)
    report = api.update([corpus], index)                   # the lock was released; the work is redone
    assert report.added == 4 and len(doc_ids(index)) == 8
    assert not any(p.name.endswith(".tmp") for p in index.iterdir())


def test_build_refuses_to_replace_a_folder_that_is_not_an_index(tmp_path, corpus):
    folder = tmp_path / "documents"
    folder.mkdir()
    (folder / "thesis.docx").write_text("precious")
    with pytest.raises(SearchlibError, match="not a searchlib index"):
        api.build([corpus], folder)
    assert (folder / "thesis.docx").read_text() == "precious"
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / ".gitkeep").write_text("")
    api.build([corpus], empty)                             # an empty folder is fine
    assert (empty / ".gitkeep").exists() and len(doc_ids(empty)) == 4


def test_interrupted_builds_leave_no_debris(tmp_path, corpus, index):
    debris = tmp_path / ".index.building-999999999"      # a build killed long ago (no such pid)
    debris.mkdir()
    (debris / "junk").write_text("x")
    api.build([corpus], index)
    assert not debris.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["corpus", "index"]


def test_a_no_op_update_leaves_no_files_behind(tmp_path):
    from searchlib import api
    from tests.conftest import CORPUS
    import shutil
    corpus = tmp_path / "c"
    shutil.copytree(CORPUS, corpus)
    api.build([corpus], tmp_path / "ix")
    before = sorted(p.name for p in (tmp_path / "ix").iterdir())
    for _ in range(3):
        api.update([corpus], tmp_path / "ix")
    assert sorted(p.name for p in (tmp_path / "ix").iterdir()) == before
