"""Merges in bounded memory: the streaming merge of passage files (passage_merge) writes
the very bytes the in-memory builder writes, in batches and slices as small as one
likes, and an optimized index answers exactly as before."""
import filecmp
import shutil

import numpy as np
import pytest

from searchlib import api, passage_merge
from searchlib.passage_index import SegmentBuilder, SegmentPassages
from tests.conftest import SEEDS


@pytest.fixture(scope="module")
def two_segments(tmp_path_factory):
    """The passage files of two indexes (seeds 0-2 and 3-4)."""
    root = tmp_path_factory.mktemp("merge")
    files = []
    for name, seeds in (("a", SEEDS[:3]), ("b", SEEDS[3:])):
        corpus = root / name
        corpus.mkdir()
        for f in seeds:
            shutil.copy(f, corpus / f.name)
        api.build([corpus], root / f"ix-{name}")
        files += sorted((root / f"ix-{name}").glob("*.spx"))
    return root, [SegmentPassages(f) for f in files]


def _docmaps(sources, dead: set):
    """Docmaps that drop the reports in ``dead`` ((source, docnum) pairs) and number the
    rest in order."""
    out, nxt = [], 0
    for si, sp in enumerate(sources):
        dm = np.full(sp.reports, -1, np.int64)
        for d in range(sp.reports):
            if (si, d) not in dead:
                dm[d] = nxt
                nxt += 1
        out.append(dm)
    return out, nxt


@pytest.mark.parametrize("batch, slice_", [(passage_merge.BATCH_OCCURRENCES, passage_merge.SLICE_POSTINGS),
                                           (40, 7), (1, 1)])
@pytest.mark.parametrize("dead", [set(), {(0, 1)}, {(0, 0), (1, 1)}])
def test_streaming_merge_writes_the_bytes_of_the_in_memory_merge(two_segments, monkeypatch, batch, slice_, dead):
    root, sources = two_segments
    monkeypatch.setattr(passage_merge, "BATCH_OCCURRENCES", batch)
    monkeypatch.setattr(passage_merge, "SLICE_POSTINGS", slice_)
    monkeypatch.setattr(passage_merge, "TERM_CHUNK", 50)
    monkeypatch.setattr(passage_merge, "COLUMN_SLICE", 64)
    docmaps, reports = _docmaps(sources, dead)
    builder = SegmentBuilder()
    for sp, dm in zip(sources, docmaps):
        builder.add_segment(sp, dm)
    old, new = root / "old.spx", root / "new.spx"
    builder.write(old, reports)
    passage_merge.merge_passage_files(list(zip(sources, docmaps)), new, reports)
    assert filecmp.cmp(old, new, shallow=False)
    assert SegmentPassages(new).passages == builder.passages > 0
    assert not list(root.glob("new.spx.*")), "spill files left behind"


QUERIES = ["行政复议", "两法衔接", "法律顾问 制度", "\"行政执法\"", "执法 -刑事", "政务公开 宁波"]


def _answers(index):
    with api.open_index(index) as idx:
        out = {}
        for q in QUERIES:
            r = idx.search(q, limit=50, per_doc=0)
            out[q] = (r.total, [(h.passage_id, round(h.score, 9), h.snippet) for h in r.hits])
        st = idx.stats()
        return out, [d["doc_id"] for d in idx.documents()], {k: st[k] for k in ("documents", "passages", "doc_types")}


def test_optimize_keeps_every_answer(tmp_path):
    """Segments written by a build and by adds (each commit merging some), merged into one:
    the same hits, scores, snippets, totals, listing and counts. (With deletions pending
    the scores change, as in any engine: the term statistics lose the deleted passages.)"""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for f in SEEDS[:2]:
        shutil.copy(f, corpus / f.name)
    index = tmp_path / "index"
    api.build([corpus], index)
    for f in SEEDS[2:]:
        api.add([f], index, root=SEEDS[0].parent)
    assert len(list(index.glob("*.spx"))) > 1
    before = _answers(index)
    assert before[0]["行政复议"][0] > 0 and len(before[1]) == len(SEEDS)
    api.optimize(index)
    assert len(list(index.glob("*.spx"))) == 1 and len(list(index.glob("*.rpt"))) == 1
    assert _answers(index) == before
    api.remove([SEEDS[1].name], index)
    api.optimize(index)
    _, listing, counts = _answers(index)
    assert SEEDS[1].name not in listing and counts["documents"] == len(SEEDS) - 1


def test_what_a_killed_merge_leaves_goes_at_the_next_commit(tmp_path):
    """A merge killed before its commit leaves spill files and a half-written passage file
    named after a segment the table of contents does not know: the next commit removes them."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for f in SEEDS[:2]:
        shutil.copy(f, corpus / f.name)
    index = tmp_path / "index"
    api.build([corpus], index)
    debris = [index / "MAIN_deadbeef0001.spx.merge_body_ids", index / "MAIN_deadbeef0001.spx.added",
              index / "MAIN_deadbeef0001.spx.tmp", index / "MAIN_deadbeef0001.rpt.tmp"]
    for p in debris:
        p.write_bytes(b"partial")
    api.add([SEEDS[2]], index, root=SEEDS[0].parent)
    assert not [p.name for p in debris if p.exists()]
    with api.open_index(index) as idx:
        assert idx.counts()["documents"] == 3


def test_a_merge_lets_go_of_the_source_pages_it_has_read(tmp_path, monkeypatch):
    # a merge reads every page of its sources once: it must not keep them mapped (at 100,000
    # reports they are 2.4 GB of the process's memory); the output stays the same bytes
    from searchlib.passage_index import SegmentPassages
    calls = []
    original = SegmentPassages.release_pages
    monkeypatch.setattr(SegmentPassages, "release_pages", lambda self: (calls.append(self.path), original(self)))
    from searchlib import api
    from tests.conftest import build_small_index
    reports = {f"r{i}.txt": f"甲区{2010 + i}年法治政府建设工作报告\n\n一、主要工作\n\n全年办理行政复议案件{i}件。\n"
               for i in range(6)}
    ix = build_small_index(tmp_path, dict(list(reports.items())[:3]))
    for name, text in list(reports.items())[3:]:
        (tmp_path / name).write_text(text, encoding="utf-8")
        api.add([tmp_path / name], ix)
    api.optimize(ix)
    assert calls
    with api.open_index(ix) as idx:
        assert idx.search("行政复议").total == 6
