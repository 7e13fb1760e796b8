"""Hostile files and indexes (issue #26), made in code: shared by ``scripts/bench_faults.py``
(the ``hostile`` rows of its table) and the tests (``tests/test_hostile_index.py``,
``tests/test_robustness.py``).

Indexes that would run code when opened, if their pickles were read with ``pickle``:
``plant_in_toc`` (the segment list of the table of contents), ``plant_in_legacy_toc`` (a
table of contents of Whoosh's old format -110, whose schema Whoosh read with an unrestricted
unpickler) and ``build_with_planted_record`` (a report's stored fields). Each plants
``Evil(marker)``, which would create ``marker``: its absence shows nothing ran. The attacker's
index has no checksum record or a consistent one: ``checksums.json`` is removed (an index
built before checksums existed has none) or written by searchlib itself.

Files: ``docx_bomb`` / ``odt_bomb`` (a small zip whose text part unpacks to ``size`` bytes),
``special_files`` (a FIFO, a socket, a symlink to a device, a symlink loop, a symlink out of
the corpus), ``binary_file`` (``\\x00\\xff`` bytes), ``gbk_named_file`` (a name that is not UTF-8).
"""
from __future__ import annotations

import os
import socket
import zipfile
from pathlib import Path


class Evil:
    """Pickles to ``os.system("touch MARKER")``; copying it (``copy.deepcopy``, as a writer
    may do with a record) keeps it as it is instead of running it."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))

    def __deepcopy__(self, memo):
        return self

    def __copy__(self):
        return self


def plant_in_toc(index: Path, payload) -> None:
    """Add ``payload`` to the segment list of a new table of contents of the index (and drop
    the checksum record, which would say the new file was never written)."""
    from whoosh.filedb.filestore import FileStorage
    from whoosh.index import TOC
    storage = FileStorage(str(index))
    toc = TOC.read(storage, "MAIN")
    toc.segments = list(toc.segments) + [payload]
    toc.generation += 1
    toc.write(storage, "MAIN")
    (Path(index) / "checksums.json").unlink(missing_ok=True)


def plant_in_legacy_toc(index: Path, payload) -> None:
    """A new table of contents in Whoosh's format -110, its schema ``payload`` (Whoosh reads
    that format's schema with ``RenamingUnpickler``, which imports any name)."""
    import pickle

    from whoosh.filedb.filestore import FileStorage
    from whoosh.index import _FLOAT_SIZE, _INT_SIZE, _LONG_SIZE, TOC
    storage = FileStorage(str(index))
    generation = TOC._latest_generation(storage, "MAIN") + 1
    stream = storage.create_file(f"_MAIN_{generation}.toc")
    for size in (_INT_SIZE, _LONG_SIZE, _FLOAT_SIZE):
        stream.write_varint(size)
    stream.write_int(-12345)
    stream.write_int(-110)
    for num in (2, 7, 4):
        stream.write_varint(num)
    data = pickle.dumps(payload, 2)
    stream.write_varint(len(data))
    stream.write(data)
    stream.write_int(generation)
    stream.write_int(0)
    stream.write_pickle([])
    stream.close()
    (Path(index) / "checksums.json").unlink(missing_ok=True)


def build_with_planted_record(corpus: Path, index: Path, payload) -> Path:
    """Build an index of ``corpus`` in this process whose every report's stored metadata
    holds ``payload`` (written by searchlib's own writer: checksums consistent)."""
    from searchlib import api, indexing
    real = indexing.report_record

    def planted(doc, thash):
        record = real(doc, thash)
        record["meta"]["note"] = payload
        return record
    indexing.report_record = planted
    try:
        api.build([corpus], index, procs=1)
    finally:
        indexing.report_record = real
    return index


CRAFTED = {"pickle in the table of contents": "toc", "pickle in a legacy (-110) table of contents": "legacy",
           "pickle in a report's stored fields": "stored"}


def crafted_index(kind: str, base: Path, corpus: Path, index: Path, marker: Path) -> Path:
    """A crafted index of ``kind`` ("toc", "legacy", "stored") at ``index``: a copy of the
    intact index ``base`` with the plant (``stored``: built from ``corpus``)."""
    import shutil
    shutil.rmtree(index, ignore_errors=True)
    if kind == "stored":
        return build_with_planted_record(corpus, index, Evil(marker))
    shutil.copytree(base, index)
    (plant_in_toc if kind == "toc" else plant_in_legacy_toc)(index, Evil(marker))
    return index


# ------------------------------------------------------------------------------- files

def _zip_bomb(path: Path, members: dict, part: str, head: bytes, chunk: bytes, tail: bytes, size: int) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        for name, text in members.items():
            z.writestr(zipfile.ZipInfo(name) if name == "mimetype" else name, text)
        with z.open(part, "w", force_zip64=size > 2**31) as f:
            f.write(head)
            written = 0
            while written < size:
                f.write(chunk)
                written += len(chunk)
            f.write(tail)
    return path


def docx_bomb(path: Path, size: int = 150_000_000) -> Path:
    """A .docx of ~150 KB whose word/document.xml unpacks to ``size`` bytes."""
    w = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    return _zip_bomb(path, {"[Content_Types].xml": '<?xml version="1.0"?><Types xmlns="http://schemas.'
                                                   'openxmlformats.org/package/2006/content-types"/>'},
                     "word/document.xml", f'<?xml version="1.0"?><w:document xmlns:w="{w}"><w:body>'.encode(),
                     b" " * 1_000_000, b"</w:body></w:document>", size)


def odt_bomb(path: Path, size: int = 150_000_000) -> Path:
    """An .odt of ~220 KB whose content.xml unpacks to ``size`` bytes of one paragraph."""
    office, text = "urn:oasis:names:tc:opendocument:xmlns:office:1.0", "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
    manifest = ('<?xml version="1.0"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:'
                'manifest:1.0"><manifest:file-entry manifest:full-path="/" manifest:media-type="application/'
                'vnd.oasis.opendocument.text"/><manifest:file-entry manifest:full-path="content.xml" '
                'manifest:media-type="text/xml"/></manifest:manifest>')
    return _zip_bomb(path, {"mimetype": "application/vnd.oasis.opendocument.text", "META-INF/manifest.xml": manifest},
                     "content.xml", f'<?xml version="1.0"?><office:document-content xmlns:office="{office}" '
                                    f'xmlns:text="{text}"><office:body><office:text><text:p>'.encode(),
                     "法治".encode() * 200_000, b"</text:p></office:text></office:body></office:document-content>",
                     size)


def special_files(folder: Path, outside: Path) -> dict:
    """In ``folder``: a FIFO, a socket, a symlink to /dev/zero, a symlink loop and a symlink to
    ``outside`` (a report out of the corpus); {kind: path}."""
    folder.mkdir(parents=True, exist_ok=True)
    out = {"fifo": folder / "fifo.txt", "socket": folder / "sock.txt", "device symlink": folder / "zero.txt",
           "symlink loop": folder / "loop.txt", "symlink out of the corpus": folder / "outside.txt"}
    os.mkfifo(out["fifo"])
    sock = socket.socket(socket.AF_UNIX)
    here = os.getcwd()
    try:                                  # a socket path must be short: bind it by its name in its folder
        os.chdir(folder)
        sock.bind(out["socket"].name)
    finally:
        os.chdir(here)
        sock.close()
    out["device symlink"].symlink_to("/dev/zero")
    out["symlink loop"].symlink_to(out["symlink loop"].name)
    out["symlink out of the corpus"].symlink_to(outside)
    return out


def binary_file(path: Path, pairs: int = 5000) -> Path:
    """``\\x00\\xff`` repeated: was read as UTF-16 (ÿÿÿ…) and indexed."""
    path.write_bytes(b"\x00\xff" * pairs)
    return path


def gbk_named_file(folder: Path, text: str) -> bytes:
    """A report in ``folder`` whose file name is GBK bytes (as unpacked from a Windows zip);
    its path as bytes."""
    name = os.path.join(os.fsencode(folder), "报告".encode("gbk") + b".txt")
    with open(name, "wb") as f:
        f.write(text.encode("utf-8"))
    return name
