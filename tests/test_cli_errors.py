"""Error lines of the command line, asserted whole: one ``Error:`` line with the reason
and the command that helps, exit status 1, no traceback. The library's messages carry
the reason only (they are also read by Python callers and, later, the web page)."""
import json

import pytest
from click.testing import CliRunner

from searchlib import api, storage
from searchlib.cli import main
from searchlib.errors import IndexDamagedError, IndexNotFoundError, IndexVersionError
from tests.conftest import CORPUS

REBUILD = "rebuild it with `searchlib build CORPUS` (or `searchlib update --rebuild CORPUS`)"


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


@pytest.fixture
def index(tmp_path):
    path = tmp_path / "index"
    api.build([CORPUS], path)
    return path


def error_lines(result):
    return [line for line in result.output.splitlines() if line.strip()]


def test_missing_index(tmp_path):
    r = run("--index", tmp_path / "nothing", "search", "行政复议")
    assert r.exit_code == 2
    assert error_lines(r) == [f"Error: no index at {tmp_path / 'nothing'}: run `searchlib build CORPUS` first, "
                              "or pass --index DIR"]
    with pytest.raises(IndexNotFoundError, match="^no index at "):
        api.open_index(tmp_path / "nothing")


def test_stale_index(index):
    meta = json.loads((index / storage.META_FILE).read_text())
    (index / storage.META_FILE).write_text(json.dumps(dict(meta, schema="3")))
    r = run("--index", index, "search", "行政复议")
    assert r.exit_code == 2
    assert error_lines(r) == [f"Error: index at {index} has schema version 3, this searchlib needs "
                              f"{storage.SCHEMA_VERSION}: {REBUILD}"]
    with pytest.raises(IndexVersionError, match="needs .*: rebuild it$"):
        api.open_index(index)


@pytest.mark.parametrize("damage", ["truncate segment", "delete segment", "delete passages", "truncate passages"])
def test_damaged_index(index, damage):
    action, what = damage.split()
    victim = next(index.glob("*.seg" if what == "segment" else "*.spx"))
    if action == "delete":
        victim.unlink()
    else:
        victim.write_bytes(victim.read_bytes()[:100])
    r = run("--index", index, "search", "行政复议")
    assert r.exit_code == 2 and "Traceback" not in r.output
    assert error_lines(r) == [f"Error: index at {index} is damaged: {REBUILD}"]
    with pytest.raises(IndexDamagedError, match="is damaged .*: rebuild it$"):
        api.open_index(index).search("行政复议")
    # and the advice works: a rebuild replaces it
    assert run("--index", index, "build", CORPUS).exit_code == 0
    assert run("--index", index, "search", "行政复议").exit_code == 0


def test_unknown_document(index):
    r = run("--index", index, "show", "no/such.txt")
    assert r.exit_code == 2
    assert error_lines(r) == ["Error: no document 'no/such.txt' in the index (doc_ids are shown under each "
                              "search hit and in `searchlib search --json`)"]


def test_locked_index(index):
    from whoosh.filedb.filestore import FileStorage
    lock = FileStorage(str(index)).lock("MAIN_WRITELOCK")
    assert lock.acquire()
    try:
        storage.LOCK_TIMEOUT, old = 0.2, storage.LOCK_TIMEOUT
        r = run("--index", index, "remove", "000_fe44817f17a5c838.txt")
    finally:
        storage.LOCK_TIMEOUT = old
        lock.release()
    assert r.exit_code == 2
    assert error_lines(r) == ["Error: index is being updated by another process; try again when it has finished"]


def test_optimize_command(index):
    r = run("--index", index, "optimize")
    assert r.exit_code == 0 and r.output == f"Optimized {index}: one segment\n"


def test_exit_status_follows_grep(index):
    found = run("--index", index, "search", "行政复议")
    assert found.exit_code == 0
    nothing = run("--index", index, "search", "量子计算")
    assert nothing.exit_code == 1 and nothing.output.startswith("No results.\n")
    assert "no passage holds: 量子计算" in nothing.output          # which words matched nothing
    filtered = run("--index", index, "search", "行政复议", "--region", "宁波", "--year", "2030")
    assert filtered.exit_code == 1 and filtered.output == "No results (filters: --region 宁波, --year 2030).\n"
    as_json = run("--index", index, "search", "量子计算", "--json")
    assert as_json.exit_code == 1 and json.loads(as_json.output)["hits"] == []


@pytest.mark.parametrize("args, line", [
    (["search", "行政复议", "--limit", "x"],
     "Error: Invalid value for '--limit' / '-n': 'x' is not a valid integer range."),
    (["search", "行政复议", "--bogus"], "Error: No such option '--bogus'."),
    (["nosuchcommand"], "Error: No such command 'nosuchcommand'."),
    (["search"], "Error: give a QUERY, filters to browse by (--region …), or --batch FILE"),
])
def test_usage_errors_are_one_line_with_status_2(index, args, line):
    r = run("--index", index, *args)
    assert r.exit_code == 2 and r.output.splitlines() == [line]
