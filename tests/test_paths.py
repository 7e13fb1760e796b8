"""Paths that must not read the whole index: add and remove of one report, a documents
page, stats and health read what they need (report tables, the page's records), never
every stored record, and give what reading everything gave."""
import shutil
from collections import Counter

import pytest
from whoosh.codec.whoosh3 import W3PerDocReader

from searchlib import api
from searchlib.web import create_app
from tests.conftest import SEEDS


@pytest.fixture
def records_read(monkeypatch):
    """Counts the stored records Whoosh reads."""
    counter = {"n": 0}
    original = W3PerDocReader.stored_fields

    def counting(self, docnum):
        counter["n"] += 1
        return original(self, docnum)
    monkeypatch.setattr(W3PerDocReader, "stored_fields", counting)
    return counter


def _copies(folder, n):
    """``n`` distinct reports made from the seeds (each with a line of its own)."""
    folder.mkdir()
    for i in range(n):
        seed = SEEDS[i % len(SEEDS)]
        text = seed.read_text(encoding="utf-8") + f"\n本文为第{i}号副本。\n"
        (folder / f"r{i:03d}_{seed.name}").write_text(text, encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = tmp_path_factory.mktemp("paths")
    corpus = _copies(root / "corpus", 30)
    api.build([corpus], root / "index")
    return root, corpus


@pytest.fixture
def index(built, tmp_path):
    root, corpus = built
    shutil.copytree(root / "index", tmp_path / "index")
    return tmp_path / "index", corpus


def _stats_by_reading_everything(idx):
    docs = idx.documents()
    return {"documents": len(docs), "passages": sum(d["passages"] for d in docs),
            "characters": sum(d["chars"] for d in docs),
            "doc_types": dict(Counter(d["doc_type"] for d in docs)),
            "years": dict(Counter(d["year"] for d in docs if d.get("year"))),
            "regions": dict(Counter(d["region"]["name"] for d in docs if d.get("region")))}


def test_add_and_remove_read_no_other_record(index, tmp_path, records_read):
    path, corpus = index
    new = tmp_path / "new"
    new.mkdir()
    f = new / "extra.txt"
    f.write_text(SEEDS[0].read_text(encoding="utf-8") + "\n另有一段新的内容。\n", encoding="utf-8")
    report = api.add([f], path)
    assert report.added == 1
    assert records_read["n"] <= 2, f"add read {records_read['n']} stored records of a 31-report index"
    records_read["n"] = 0
    assert api.remove(["extra.txt", "no-such.txt"], path) == (["extra.txt"], ["no-such.txt"])
    assert records_read["n"] == 0
    # the manifest lookups still find what an add must: the same bytes elsewhere, the same file
    again = api.add([corpus / sorted(p.name for p in corpus.iterdir())[0]], path, root=corpus)
    assert again.unchanged == 1 and again.added == 0


def test_documents_page_reads_only_the_page_and_matches_the_whole_listing(index, records_read):
    path, _ = index
    api.remove(["r004_" + SEEDS[4].name], path)            # a deletion the listing must leave out
    with api.open_index(path) as idx:
        everything = idx.documents()
        assert [d["doc_id"] for d in everything] == sorted(d["doc_id"] for d in everything)
        assert len(everything) == 29
    with api.open_index(path) as idx:
        records_read["n"] = 0
        total, page = idx.document_page(offset=10, limit=7)
        assert records_read["n"] == 7                       # the page's records, no other
        assert total == 29 and page == everything[10:17]
        zhejiang = idx.documents(region="浙江")
        assert 0 < len(zhejiang) < 29
        assert idx.document_page(region="浙江", offset=1, limit=2) == (len(zhejiang), zhejiang[1:3])
        client = create_app(idx).test_client()
        body = client.get("/api/documents?offset=28&limit=5").get_json()
        assert body["total"] == 29 and [d["doc_id"] for d in body["documents"]] == [everything[28]["doc_id"]]


def test_stats_are_the_totals_of_the_live_reports(index, records_read):
    path, corpus = index
    api.remove(["r001_" + SEEDS[1].name, "r007_" + SEEDS[2].name], path)
    with api.open_index(path) as idx:
        records_read["n"] = 0
        st = idx.stats()
        assert records_read["n"] == 0
        want = _stats_by_reading_everything(idx)
        assert {k: st[k] for k in want} == want
        assert st["passages"] == idx.counts()["passages"]
        health = create_app(idx).test_client().get("/api/health").get_json()
        assert health["documents"] == 28


def test_an_index_without_report_tables_gets_them_from_its_records(index, tmp_path):
    """An index written before report tables (or whose tables are damaged) answers the
    same; the first writer saves the tables."""
    path, corpus = index
    with api.open_index(path) as idx:
        listing, stats = idx.documents(), idx.stats()
    stats.pop("index_bytes")
    tables = sorted(path.glob("*.rpt"))
    assert tables
    for damage in ("cut short", "removed"):
        for t in tables:
            if damage == "removed":
                t.unlink()
            else:
                t.write_bytes(t.read_bytes()[:40])
        with api.open_index(path) as idx:
            assert idx.documents() == listing
            assert {k: v for k, v in idx.stats().items() if k != "index_bytes"} == stats
    assert api.update([corpus], path).unchanged == 30
    saved = sorted(path.glob("*.rpt"))               # the writer saved the tables it made
    assert [t.name for t in saved] == [t.name for t in tables] and all(t.stat().st_size > 40 for t in saved)
    assert api.remove(["r002_" + SEEDS[2].name], path)[0]
    report = api.update([corpus], path)               # the removed file is still in the corpus: back it comes
    assert report.added == 1 and report.unchanged == 29


def test_an_update_stats_unchanged_files_instead_of_reading_them(tmp_path, monkeypatch):
    """A file read when it had not changed for a while keeps its signature (size, times,
    inode) in the report table; an update compares signatures and reads (hashes) only the
    files whose signature differs."""
    from searchlib import indexing, ingest
    monkeypatch.setattr(ingest, "RACY_SECONDS", 0.0)        # the test's files are seconds old
    corpus = _copies(tmp_path / "corpus", 6)
    index = tmp_path / "index"
    api.build([corpus], index)
    hashed = []
    original = indexing._file_hash
    monkeypatch.setattr(indexing, "_file_hash", lambda p: hashed.append(p.name) or original(p))
    assert api.update([corpus], index).unchanged == 6
    assert hashed == []
    changed = sorted(corpus.iterdir())[2]
    changed.write_text(changed.read_text(encoding="utf-8") + "又增加了一段。\n", encoding="utf-8")
    touched = sorted(corpus.iterdir())[4]
    touched.write_bytes(touched.read_bytes())               # same bytes, new times: hashed, found unchanged
    report = api.update([corpus], index)
    assert (report.updated, report.unchanged) == (1, 5)
    assert sorted(hashed) == sorted([changed.name, touched.name])


def test_the_whole_index_tables_outlive_the_query_results_kept_per_snapshot(seed_index):
    """Dates, editions and repeats are read from every report once per snapshot; the
    report-level query results kept beside them are emptied when many distinct queries
    fill them, the tables are not (recomputing them read every report, 0.3-0.5 s at 10k)."""
    import whoosh.query as wq
    snap = seed_index._searcher.snapshot()
    seed_index.search("行政复议")
    current, dates = snap.current_editions(), snap.report_dates()
    for n in range(300):
        snap.report_matches(wq.Term("title", f"不存在的词{n}"))
    assert len(snap.report_cache) <= 257
    assert snap.current_editions() is current and snap.report_dates() is dates


def test_shared_texts_are_the_passages_whose_hash_occurs_twice(seed_index):
    import numpy as np
    snap = seed_index._searcher.snapshot()
    snap.tables.pop("__shared__", None)
    hashes = snap.passages.p_hash
    _, inverse, counts = np.unique(hashes, return_inverse=True, return_counts=True)
    assert (snap.shared_texts() == (counts[inverse] > 1)).all()


def test_reports_committed_after_an_optimize_take_their_place_in_the_listing(tmp_path):
    # one large segment and a few reports added since: each is placed by bisection in the
    # large run's doc_id order (not a sort of every doc_id); the listing is in doc_id order
    from searchlib import api
    from tests.conftest import build_small_index
    text = "甲区{}年法治政府建设工作报告\n\n一、主要工作\n\n全年办理行政复议案件{}件。\n"
    ix = build_small_index(tmp_path, {f"r{i:02d}.txt": text.format(2000 + i, i) for i in range(0, 40, 2)})
    api.optimize(ix)
    for i in (1, 17, 39, 41):
        path = tmp_path / f"r{i:02d}.txt"
        path.write_text(text.format(2000 + i, i), encoding="utf-8")
        api.add([path], ix)
    with api.open_index(ix) as idx:
        doc = next(d["doc_id"] for d in idx.documents() if d["doc_id"].endswith("r10.txt"))
    api.remove([doc], ix)
    with api.open_index(ix) as idx:
        ids = [d["doc_id"] for d in idx.documents()]
    assert ids == sorted(ids) and len(ids) == 23 and not any(i.endswith("r10.txt") for i in ids)
