"""Checksums and durability (#26): a commit fsyncs its files before the table of contents
names them and records each file's size and CRC32 once; opening an index compares sizes,
``searchlib check`` every byte, ``check --repair`` rebuilds."""
from pathlib import Path

import pytest
from click.testing import CliRunner

from searchlib import api, integrity
from searchlib.cli import main
from tests.conftest import build_small_index

REPORT = "关于{n}年法治政府建设的报告\n\n一、主要工作\n办理行政复议案件{n}件。\n"


def _index(tmp_path, n=3):
    return build_small_index(tmp_path, {f"r{i}.txt": REPORT.format(n=2000 + i) for i in range(n)})


def _run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def test_an_intact_index_checks_and_garbage_of_the_same_size_is_found_and_repaired(tmp_path):
    index = _index(tmp_path)
    r = _run("--index", index, "check")
    assert r.exit_code == 0 and "intact" in r.output and "match their checksums" in r.output
    seg = next(index.glob("*.seg"))
    data = bytearray(seg.read_bytes())
    data[len(data) // 2:len(data) // 2 + 64] = b"\0" * 64           # same length: only a checksum sees it
    seg.write_bytes(bytes(data))
    r = _run("--index", index, "check")
    assert r.exit_code == 2 and seg.name in r.output and "checksum differs" in r.output
    assert "Traceback" not in r.output
    r = _run("--index", index, "check", "--repair", tmp_path / "corpus")
    assert r.exit_code == 0 and "rebuilding it from" in r.output
    assert api.check(index).intact
    with api.open_index(index) as idx:
        assert idx.search("行政复议").total == 3


def test_a_file_cut_short_is_damage_on_open(tmp_path):
    index = _index(tmp_path)
    spx = next(index.glob("*.spx"))
    with open(spx, "r+b") as f:
        f.truncate(spx.stat().st_size - 8)
    r = _run("--index", index, "search", "行政复议")
    assert r.exit_code == 2 and "damaged" in r.output and "Traceback" not in r.output
    assert any(name == spx.name for name, _ in api.check(index).problems)


def test_a_commit_checksums_only_its_new_files(tmp_path, monkeypatch):
    index = _index(tmp_path)
    before = integrity.read_record(index)["files"]
    computed = []
    real = integrity.crc32_of
    # the table of contents is checksummed under its temporary name, before its rename
    monkeypatch.setattr(integrity, "crc32_of", lambda p: computed.append(p.name.split(".toc.")[0] + ".toc"
                                                                          if ".toc." in p.name else p.name) or real(p))
    extra = tmp_path / "corpus" / "r9.txt"
    extra.write_text(REPORT.format(n=2009), encoding="utf-8")
    api.add([extra], index, root=tmp_path / "corpus")
    after = integrity.read_record(index)["files"]
    new = set(after) - set(before)
    assert new and set(computed) == new                  # the old segment's files were not read again
    assert all(after[name] == before[name] for name in set(after) & set(before))


def test_files_reach_the_disk_before_the_table_of_contents_names_them(tmp_path, monkeypatch):
    """The new segment's files and the directory are fsynced before the table of contents
    is written; the table of contents (under its temporary name) and the checksum record
    before its rename; the directory after the rename, before the old generation's files
    are deleted."""
    import os as os_
    from whoosh import index as windex
    from whoosh.filedb.filestore import FileStorage
    index = _index(tmp_path)
    before = set(integrity.read_record(index)["files"])
    events = []
    real_sync, real_write, real_rename = integrity.fsync_path, windex.TOC.write, FileStorage.rename_file
    real_remove = os_.remove
    monkeypatch.setattr(integrity, "fsync_path", lambda p: events.append(("sync", p.name)) or real_sync(p))
    monkeypatch.setattr(windex.TOC, "write", lambda self, *a, **k: events.append(("toc", None)) or real_write(self, *a, **k))
    monkeypatch.setattr(FileStorage, "rename_file",
                        lambda self, a, b, **k: events.append(("rename", b)) or real_rename(self, a, b, **k))
    monkeypatch.setattr(os_, "remove", lambda p, **k: events.append(("remove", Path(p).name)) or real_remove(p, **k))
    extra = tmp_path / "corpus" / "r8.txt"
    extra.write_text(REPORT.format(n=2008), encoding="utf-8")
    api.add([extra], index, root=tmp_path / "corpus")
    toc_at = events.index(("toc", None))
    renamed_at = next(i for i, (kind, name) in enumerate(events) if kind == "rename" and name.endswith(".toc"))
    new = set(integrity.read_record(index)["files"]) - before
    synced_before = {name for kind, name in events[:toc_at] if kind == "sync"}
    assert {n for n in new if not n.endswith(".toc")} <= synced_before     # every new segment file
    assert index.name in synced_before                                      # and the directory
    between = events[toc_at:renamed_at]
    assert any(kind == "sync" and ".toc." in name for kind, name in between)   # the table of contents' bytes
    assert ("sync", index.name) in between                                  # the checksum record's rename
    after = events[renamed_at + 1:]
    removed_at = next(i for i, (kind, name) in enumerate(after) if kind == "remove" and name.endswith(".toc"))
    assert ("sync", index.name) in after[:removed_at]                       # the rename, before the old files go


def test_a_crash_between_the_record_and_the_table_of_contents_leaves_the_previous_generation_checked(tmp_path):
    """The checksum record of a commit is written before its table of contents is renamed
    into place: a crash between the two leaves a record of a generation that never came,
    holding the current one as ``prior``. The current generation is still checked by it,
    and no file of the generation that never came is reported missing."""
    import json
    index = _index(tmp_path)
    record = integrity.read_record(index)
    gen = record["generation"]
    ghost = {"generation": gen + 1, "files": {"MAIN_neverwritten.seg": [10, 1], f"_MAIN_{gen + 1}.toc": [5, 2]},
             "prior": {"generation": gen, "files": record["files"]}}
    (index / integrity.CHECKSUMS).write_text(json.dumps(ghost), encoding="utf-8")
    assert api.check(index).intact and integrity.damage_in(index) == []
    r = _run("--index", index, "remove", "nosuchdoc.txt")       # a write that reads every byte on this path
    assert r.exit_code == 2 and "not in the index" in r.output and "damaged" not in r.output
    seg = next(index.glob("*.seg"))
    _garbage_inside(seg)
    assert seg.name in [name for name, _ in api.check(index).problems]
    r = _run("--index", index, "search", "行政复议")
    assert r.exit_code == 2 and "damaged" in r.output


def _garbage_inside(path):
    data = bytearray(path.read_bytes())
    data[len(data) // 2:len(data) // 2 + 4096] = bytes(range(256)) * 16
    path.write_bytes(bytes(data[:len(path.read_bytes())]))


def _random_inside(path, seed=0):
    import random
    data = bytearray(path.read_bytes())
    at = len(data) // 4                     # a quarter in: a compound file's member header
    data[at:at + 4096] = random.Random(seed).randbytes(min(4096, len(data) - at))
    path.write_bytes(bytes(data))


DAMAGE = {
    "garbage inside the segment": lambda ix: _garbage_inside(next(ix.glob("*.seg"))),
    # Whoosh's FileFormatError ("Unknown file header"): an internal error until it counted as damage
    "random bytes inside the segment": lambda ix: _random_inside(next(ix.glob("*.seg"))),
    "passage file cut in half": lambda ix: next(ix.glob("*.spx")).write_bytes(
        next(ix.glob("*.spx")).read_bytes()[:next(ix.glob("*.spx")).stat().st_size // 2]),
    "table of contents garbage": lambda ix: _garbage_inside(next(ix.glob("_MAIN_*.toc"))),
}


@pytest.mark.parametrize("damage", list(DAMAGE))
@pytest.mark.parametrize("command", ["search", "add", "remove", "optimize", "check"])
def test_every_command_on_a_damaged_index_says_so(tmp_path, damage, command):
    """A fast subset of scripts/fault_matrix.py: one Error line and exit 2, never a traceback
    or an internal error (garbage inside a segment gave Whoosh's bare "Block tag error")."""
    index = _index(tmp_path)
    DAMAGE[damage](index)
    extra = tmp_path / "new.txt"
    extra.write_text(REPORT.format(n=2030), encoding="utf-8")
    args = {"search": ["search", "行政复议 案件", "--facets"], "add": ["add", extra, "--root", tmp_path],
            "remove": ["remove", "r0.txt"], "optimize": ["optimize"], "check": ["check"]}[command]
    r = _run("--index", index, *args)
    assert "Traceback" not in r.output and "internal error" not in r.output
    if command == "add" and r.exit_code == 0:
        # adding reads no old segment: garbage where nothing is read stays for check to find
        assert any(name.endswith(".seg") for name, _ in api.check(index).problems)
        return
    assert r.exit_code == 2 and "damaged" in r.output, r.output


def test_a_new_generation_reads_only_the_record_files_it_added(tmp_path, monkeypatch):
    # the report records are checked when a generation is first searched, but a segment's
    # files never change once written: a commit's new generation reads only its new files
    from searchlib import api, integrity
    from tests.conftest import build_small_index
    text = "甲区{}年法治政府建设工作报告\n\n一、主要工作\n\n全年办理行政复议案件{}件。\n"
    ix = build_small_index(tmp_path, {f"r{i}.txt": text.format(2000 + i, i) for i in range(3)})
    read = []
    original = integrity.crc32_of
    monkeypatch.setattr(integrity, "crc32_of", lambda path: (read.append(path.name), original(path))[1])
    with api.open_index(ix) as idx:
        idx.search("行政复议")
        first = set(read)
        path = tmp_path / "r9.txt"
        path.write_text(text.format(2009, 9), encoding="utf-8")
        idx.add([path])
        read.clear()
        assert idx.search("行政复议").total == 4
    assert first and read and not (set(read) & first - {n for n in first if n.endswith(".toc")})
