"""A snapshot keeps the passage files it reads open until it is closed (#26: after many
commits one thread closed old passage files that a search on another thread still read:
AttributeError _mm, a 500)."""
import threading

from searchlib import api
from searchlib.search import IndexSearcher
from tests.conftest import build_small_index

REPORT = "关于{n}年法治政府建设的报告\n\n一、主要工作\n办理行政复议案件{n}件，行政诉讼案件{m}件。\n"


def test_an_old_snapshot_reads_its_files_after_many_commits(tmp_path):
    index = build_small_index(tmp_path, {"r0.txt": REPORT.format(n=2000, m=1)})
    searcher = IndexSearcher(index)
    held = {}

    def take():                        # another thread's snapshot, still in use
        held["snap"] = searcher.snapshot()
    t = threading.Thread(target=take)
    t.start()
    t.join()
    old = held["snap"]
    corpus = tmp_path / "corpus"
    for i in range(1, 30):             # commits and merges: the first segment is merged away
        path = corpus / f"r{i}.txt"
        path.write_text(REPORT.format(n=2000 + i, m=i), encoding="utf-8")
        api.add([path], index, root=corpus)
        searcher.snapshot()            # this thread's snapshots prune files no longer in use
    names = {v.passages.path.name for v in searcher.snapshot().views}
    assert not names & {v.passages.path.name for v in old.views}     # the old segments are gone now
    for view in old.views:             # ... and the old snapshot still reads every array of theirs
        sp = view.passages
        for name in sp._layout:
            assert getattr(sp, name) is not None
    assert "行政复议" in old.passages.payload(0)["text"]
    old.close()                        # the last holder: its files close now
    assert all("_mm" not in v.passages.__dict__ for v in old.views)
