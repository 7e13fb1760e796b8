"""Faults in the middle of a write (#26): the fast subset of ``scripts/bench_faults.py``.

A ``remove`` (the quickest write: no analysis) is SIGKILLed just before its table of
contents is renamed into place, just after (before the directory is fsynced) and when it
has finished; each time the index as the disk has it and the two power-cut images (unsynced
data lost, with the directory operations since the last fsync lost or kept) must answer the
previous state or the new one, a commit once durable must stay, and the same write run again
must complete. Then the disk fills at its first write and the file system is read-only: one
clear message, the previous index answering. Then a subset of its hostile indexes and
files. The full matrix (every write command, 20 points each, more disk-full points, every
hostile input × its commands) is the script's: see the README's reliability section.
"""
import sys
import time

import pytest

from tests.conftest import ROOT

sys.path.insert(0, str(ROOT / "scripts"))
import bench_faults  # noqa: E402


@pytest.mark.faults
def test_kills_power_cuts_a_full_disk_and_a_read_only_disk_keep_the_last_commit(tmp_path):
    t0 = time.perf_counter()
    log = []
    rows = bench_faults.run_matrix(tmp_path.resolve(), ["remove"], ("kill", "power", "enospc", "readonly"), points=3, every=False,
                                   enospc=1, quick_reads=True, log=log.append, inprocess=True)
    table = bench_faults.table(rows)
    notes = [n for r in rows.values() for n in r.notes]
    assert set(f for f, _ in rows) == {"kill -9", "power cut: unsynced lost", "power cut: dir ops kept", "ENOSPC",
                                       "read-only"}, table
    assert all(r.bad == 0 for r in rows.values()), "\n".join([table, *notes, *log])
    kill = rows["kill -9", "remove"]
    assert kill.runs == 3 and kill.previous >= 1 and kill.new >= 1, table      # both sides of the commit
    lost = rows["power cut: unsynced lost", "remove"]
    assert lost.previous >= 1 and lost.new >= 1, table
    for fault in ("ENOSPC", "read-only"):
        r = rows[fault, "remove"]
        assert r.clear == r.runs == r.previous, table
    assert time.perf_counter() - t0 < 60


@pytest.mark.faults
def test_hostile_indexes_and_files_get_a_clear_message_and_run_nothing(tmp_path):
    """The fast subset of the script's hostile rows (scripts/hostile_inputs.py), the CLI
    through click's runner: indexes whose table of contents or stored fields hold a pickle
    that would run code (refused, nothing run: its marker file never appears), a synonyms
    file /dev/zero, a FIFO, socket, device and symlinks in a corpus folder, hostile --batch
    lines and POST bodies, odd passage ids and options, a binary file."""
    t0 = time.perf_counter()
    log, rows = [], {}
    bench_faults.hostile_rows(tmp_path.resolve() / "hostile", rows, log.append, quick=True)
    table = bench_faults.table(rows)
    notes = [n for r in rows.values() for n in r.notes]
    assert all(r.bad == 0 for r in rows.values()), "\n".join([table, *notes, *log])
    assert sum(r.runs for r in rows.values()) >= 25 and all(r.runs == r.clear + r.handled for r in rows.values())
    assert rows["hostile: a pickle in a report's stored fields", "CLI: search, docs"].clear == 2, table
    assert time.perf_counter() - t0 < 20
