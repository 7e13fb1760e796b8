"""An index directory is data, never code: Whoosh's pickles (the table of contents, the
stored fields) are read with an allow-list, so a crafted index is refused with a clear
message and nothing in it runs, from the API, the CLI and the web."""
import os
import pickle

import pytest
from click.testing import CliRunner

from searchlib import api
from searchlib.cli import main
from searchlib.errors import IndexDamagedError
from searchlib.safepickle import SafeUnpickler, UnsafeIndexError, loads
from tests.conftest import build_small_index

REPORT = {"a.txt": "甲县2019年法治政府建设工作报告\n\n一、主要工作\n\n全年办理行政复议案件42件，纠错率11%。\n"}


class Evil:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def test_the_unpickler_refuses_what_an_index_never_holds(tmp_path):
    marker = tmp_path / "ran"
    with pytest.raises(UnsafeIndexError, match="unexpected object posix.system|unexpected object os.system"):
        loads(pickle.dumps(Evil(marker)))
    assert not marker.exists()
    assert loads(pickle.dumps({"title": "报告", "year": 2019, "tags": {1, 2}})) == \
        {"title": "报告", "year": 2019, "tags": {1, 2}}
    assert isinstance(SafeUnpickler, type)


def _plant(index, payload) -> None:
    """Add ``payload`` to the segment list of a new table of contents of the index."""
    from whoosh.filedb.filestore import FileStorage
    from whoosh.index import TOC
    storage = FileStorage(str(index))
    toc = TOC.read(storage, "MAIN")
    toc.segments = list(toc.segments) + [payload]
    toc.generation += 1
    toc.write(storage, "MAIN")


def test_a_crafted_index_is_refused_and_runs_nothing(tmp_path):
    index = build_small_index(tmp_path, REPORT)
    marker = tmp_path / "ran"
    _plant(index, Evil(marker))
    with pytest.raises(IndexDamagedError, match="not a searchlib index"):
        with api.open_index(index) as idx:
            idx.search("行政复议")
    r = CliRunner().invoke(main, ["--index", str(index), "search", "行政复议"])
    assert r.exit_code != 0 and "not a searchlib index" in r.output and "Traceback" not in r.output
    from searchlib.web import create_app
    assert create_app(index).test_client().get("/api/search?q=行政复议").status_code == 503
    assert not marker.exists()


def test_a_synonyms_file_is_bounded_and_regular(tmp_path):
    from searchlib.synonyms import SynonymFileError, SynonymMap
    with pytest.raises(SynonymFileError, match="not a regular file"):
        SynonymMap.load("/dev/zero")
    big = tmp_path / "big.txt"
    with open(big, "wb") as fh:
        fh.truncate(11_000_000)
    with pytest.raises(SynonymFileError, match="larger than 10 MB"):
        SynonymMap.load(big)
    r = CliRunner().invoke(main, ["search", "行政复议", "--synonyms-file", "/dev/zero"])
    assert r.exit_code != 0 and "Traceback" not in r.output


def test_a_passage_file_cut_short_under_a_running_server_gives_503_not_a_crash(tmp_path):
    from searchlib.web import create_app
    index = build_small_index(tmp_path, REPORT)
    client = create_app(index).test_client()
    assert client.get("/api/search?q=行政复议").status_code == 200
    spx = next(index.glob("*.spx"))
    with open(spx, "r+b") as fh:
        fh.truncate(64)
    r = client.get("/api/search?q=行政复议")
    assert r.status_code == 503 and "damaged" in r.get_json()["error"]
    assert client.get("/api/health").status_code == 503


def test_update_rebuild_repairs_a_damaged_index_and_optimize_says_it_is_damaged(tmp_path):
    from searchlib.errors import IndexDamagedError
    index = build_small_index(tmp_path, REPORT)
    spx = next(index.glob("*.spx"))
    with open(spx, "r+b") as fh:
        fh.truncate(100)
    run = CliRunner().invoke
    out = run(main, ["--index", str(index), "optimize"])
    assert out.exit_code != 0 and "damaged" in out.output and "internal error" not in out.output
    with pytest.raises(IndexDamagedError):
        api.update([tmp_path / "corpus"], index)              # without --rebuild: says so
    report = api.update([tmp_path / "corpus"], index, rebuild=True)
    assert report.documents == 1
    with api.open_index(index) as idx:
        assert idx.search("行政复议").total == 1


def test_odd_inputs_get_one_clear_message(tmp_path):
    index = build_small_index(tmp_path, REPORT)
    run = CliRunner().invoke
    bad = run(main, ["--index", str(index), "search", "行政复议 has_figures:maybe"])
    assert bad.exit_code != 0 and "has_figures: must be true or false" in bad.output
    nan = run(main, ["--index", str(index), "search", "行政复议", "--timeout", "nan"])
    assert nan.exit_code != 0 and "NaN" in nan.output and "Traceback" not in nan.output
    batch = run(main, ["--index", str(index), "search", "--batch", "-"],
                input=b'{"query": "\xe8\xa1\x8c\xe6\x94\xbf\xe5\xa4\x8d\xe8\xae\xae"}\n\xff\xfe bad\n{"query": "x"}\n')
    lines = [line for line in batch.output.splitlines() if line.startswith("{")]
    assert len(lines) == 3 and '"total": 1' in lines[0] and "not UTF-8" in lines[1]


def test_jiebas_cache_lives_in_the_users_cache_folder_not_tmp(tmp_path, monkeypatch):
    import tempfile
    from searchlib.analysis import _full_segmenter
    monkeypatch.setenv("SEARCHLIB_CACHE", str(tmp_path / "cache"))
    shared = tmp_path / "tmp"
    shared.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(shared))
    (shared / "jieba.cache").write_bytes(b"planted")               # another user's, or a trap
    seg = _full_segmenter()
    assert seg.tmp_dir == str(tmp_path / "cache") and (tmp_path / "cache" / "jieba.cache").exists()
    assert (shared / "jieba.cache").read_bytes() == b"planted"     # never read, never replaced
    assert oct((tmp_path / "cache").stat().st_mode & 0o777) == "0o700"


def test_trusting_allows_named_classes_only_within_its_block():
    import fractions
    import pickle

    from searchlib.safepickle import UnsafeIndexError, loads, trusting
    data = pickle.dumps(fractions.Fraction(1, 3))
    with pytest.raises(UnsafeIndexError):
        loads(data)
    with trusting(("fractions", "Fraction")):
        assert loads(data) == fractions.Fraction(1, 3)
    with pytest.raises(UnsafeIndexError):
        loads(data)
