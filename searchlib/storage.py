"""The index directory: what lives in it besides Whoosh's segments, and how it is written and
replaced. ``check_index`` accepts an index this version can search and update (its
``searchlib.json`` records the searchlib version, schema version and analyzer fingerprint;
``write_meta`` writes it); ``writing`` holds a Whoosh writer for a ``with`` block, waiting a
bounded time for another writer (then ``IndexLockedError``) and cancelling it on an exception;
``lock_index`` holds an existing index's writer lock during a full build, whose new directory
``swap_in`` puts in place (atomically on Linux) once ``check_replaceable`` has refused to
replace a directory that is not an index and ``remove_debris`` has cleared what killed builds
left beside it.
"""
from __future__ import annotations

import ctypes
import errno
import json
import os
import pickle
import struct
import shutil
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, Optional

from whoosh import index as windex
from whoosh.automata.fst import FileVersionError
from whoosh.filedb.filestore import StorageError
from whoosh.filedb.filetables import FileFormatError
from whoosh.filedb.filestore import FileStorage
from whoosh.index import LockError
from whoosh.util.filelock import try_for

from . import __version__
from .analysis import analysis_fingerprint
from .errors import IndexDamagedError, IndexLockedError, IndexNotFoundError, IndexVersionError, SearchlibError
from .integrity import IntegrityError, damage_in, fsync_path
from .safepickle import UnsafeIndexError, install as _install_safe_unpickling
from .schema import SCHEMA_VERSION
from .segments import ReportWriter
from .shards import MANIFEST as SHARD_MANIFEST, is_sharded, read_layout

_install_safe_unpickling()          # an index's pickles name only what a searchlib index holds


class _BufferReader:
    """A read-only file over a buffer (a view of a mapped segment), without a copy of it."""

    def __init__(self, buf):
        self._buf = memoryview(buf).cast("B")
        self._pos = 0

    def read(self, n: int = -1) -> bytes:
        end = len(self._buf) if n is None or n < 0 else min(len(self._buf), self._pos + n)
        out = bytes(self._buf[self._pos:end])
        self._pos = max(self._pos, end)
        return out

    def readinto(self, b) -> int:
        data = self.read(len(b))
        b[:len(data)] = data
        return len(data)

    def readline(self, limit: int = -1) -> bytes:
        end = len(self._buf) if limit is None or limit < 0 else min(len(self._buf), self._pos + limit)
        at = self._pos
        while at < end:         # (in pieces: not a copy of the rest of the buffer per line)
            found = bytes(self._buf[at:min(end, at + 4096)]).find(b"\n")
            if found >= 0:
                return self.read(at + found + 1 - self._pos)
            at += 4096
        return self.read(end - self._pos)

    def __iter__(self):
        while True:
            line = self.readline()
            if not line:
                return
            yield line

    def seek(self, pos: int, whence: int = 0) -> int:
        self._pos = max(0, pos if whence == 0 else self._pos + pos if whence == 1 else len(self._buf) + pos)
        return self._pos

    def tell(self) -> int:
        return self._pos

    def flush(self) -> None:
        pass

    def close(self) -> None:
        self._buf = memoryview(b"")

    def write(self, _data) -> int:
        raise OSError("a segment's buffer is read-only")

    def truncate(self, *_args) -> int:
        raise OSError("a segment's buffer is read-only")


def _install_buffer_reader() -> None:
    """Whoosh opens each file inside a mapped compound segment as a ``BufferFile``, which
    copies the file into a ``BytesIO`` (whoosh-reloaded 2.7.5): a segment's stored records
    (tens of MB at 100,000 reports) were copied for every new generation, the first listing
    after each commit. The same file is read through a view of the mapping instead."""
    from whoosh.filedb.structfile import BufferFile

    def __init__(self, buf, name=None, onclose=None):
        self._buf = buf
        self._name = name
        self.file = _BufferReader(buf)
        self.onclose = onclose
        self.is_real = False
        self.is_closed = False
    BufferFile.__init__ = __init__


_install_buffer_reader()

META_FILE = "searchlib.json"
LOCK_TIMEOUT = 5.0           # seconds a writer waits for another one
_OURS = (".gitkeep", "synonyms.txt")     # files of the user's that a build keeps

LOCKED_MESSAGE = "index is being updated by another process; try again when it has finished"
# errors a damaged Whoosh index raises on open (truncated, missing or foreign files)
DAMAGE_ERRORS = (OSError, EOFError, ValueError, KeyError, IndexError, TypeError, AttributeError, struct.error,
                 pickle.UnpicklingError, windex.IndexError, FileFormatError, FileVersionError, StorageError)


# --------------------------------------------------------------------------- version check

def index_meta() -> dict:
    return {"searchlib": __version__, "schema": SCHEMA_VERSION, "analysis": analysis_fingerprint()}


def write_meta(index_dir: Path, extra: Optional[dict] = None) -> None:
    data = dict(index_meta(), **(extra or {}))
    tmp = index_dir / (META_FILE + ".tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(json.dumps(data, ensure_ascii=False, indent=1))
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, index_dir / META_FILE)
    fsync_path(index_dir)


def _index_error(cls, reason: str):
    """The library's error says what is wrong and what to do in general terms; the CLI
    adds the command that does it."""
    e = cls(f"{reason}: rebuild it" if cls is not IndexNotFoundError else reason)
    e.reason = reason
    return e


def open_whoosh(index_dir: Path):
    """The Whoosh index at ``index_dir`` (checked with check_index first), or
    IndexDamagedError when its files cannot be read."""
    try:
        return windex.open_dir(str(index_dir))
    except DAMAGE_ERRORS as e:
        raise damaged(index_dir, e) from None


def damaged(index_dir: Path, e: BaseException) -> IndexDamagedError:
    if isinstance(e, UnsafeIndexError):
        # a crafted or foreign directory: nothing in it was run
        err = IndexDamagedError(f"index at {index_dir} is {e}: nothing in it was run; rebuild it from the corpus")
        err.reason = f"index at {index_dir} is {e}; nothing in it was run"
        return err
    err = IndexDamagedError(f"index at {index_dir} is damaged ({type(e).__name__}: {e}): rebuild it")
    err.reason = f"index at {index_dir} is damaged"
    return err


def raise_if_damaged(index_dir: Path) -> None:
    """IndexDamagedError when a file of the index (of any shard) is not as its commit wrote
    it: reads every byte (``integrity.damage_in``)."""
    problems = damage_in(Path(index_dir))
    if problems:
        raise damaged(Path(index_dir), IntegrityError(": ".join(problems[0])))


@contextmanager
def damage_explained(index_dir: Path):
    """An unexpected error (not a SearchlibError) on an index whose files are not as written
    is "index … is damaged", not an internal error (Whoosh raises a bare ``Exception`` on
    garbage in a segment); the checksums are compared on this error path only. Any other
    error goes on as it was."""
    try:
        yield
    except SearchlibError:
        raise
    except UnsafeIndexError as e:               # a crafted pickle met in a report's stored fields
        raise damaged(index_dir, e) from None
    except Exception:                           # noqa: BLE001 - re-raised unless the files explain it
        raise_if_damaged(index_dir)
        raise


def check_index(index_dir: Path) -> dict:
    """Raise IndexNotFoundError / IndexVersionError unless ``index_dir`` holds an index
    this version can search and update. The exception's ``reason`` attribute says what is
    wrong without the advice. Synonyms are not part of the check: they apply at query
    time, so changing them needs no rebuild. A sharded index (``shards.json``) is checked
    shard by shard; its meta is the first shard's, with ``shards`` (the count)."""
    index_dir = Path(index_dir)
    if is_sharded(index_dir):
        layout = read_layout(index_dir)
        metas = [check_index(p) for p in layout.shard_paths]
        return dict(metas[0], shards=layout.count)
    try:
        found = index_dir.is_dir() and windex.exists_in(str(index_dir))     # reads the table of contents
    except DAMAGE_ERRORS as e:
        raise damaged(index_dir, e) from None
    if not found:
        raise _index_error(IndexNotFoundError, f"no index at {index_dir}")
    try:
        meta = json.loads((index_dir / META_FILE).read_text(encoding="utf-8"))
        if not isinstance(meta, dict):
            raise ValueError(META_FILE)
    except (OSError, ValueError):
        raise _index_error(IndexVersionError, f"{index_dir} was not built by searchlib (or its {META_FILE} "
                                              "is damaged)") from None
    want = index_meta()
    if meta.get("schema") != want["schema"]:
        raise _index_error(IndexVersionError, f"index at {index_dir} has schema version {meta.get('schema')}, "
                                              f"this searchlib needs {want['schema']}")
    if meta.get("analysis") != want["analysis"]:
        raise _index_error(IndexVersionError, f"index at {index_dir} was built with another analyzer or "
                                              "user dictionary")
    return meta


# --------------------------------------------------------------------------- writers and locks

@contextmanager
def writing(ix, merge: bool = True, optimize: bool = False) -> Iterator[ReportWriter]:
    """A report writer on ``ix`` (Whoosh segment + passage file), waiting up to
    LOCK_TIMEOUT seconds for another writer to finish, then raising IndexLockedError.
    ``merge``/``optimize`` are Whoosh's commit options (merge small segments / all).

    The writer is cancelled if the block raises and committed when it ends, unless the
    block has closed it: a block with nothing to do cancels it, so that no empty commit
    makes open searchers reopen.
    """
    folder = Path(ix.storage.folder)
    try:
        writer = ReportWriter(ix, timeout=LOCK_TIMEOUT)
    except LockError:
        raise IndexLockedError(LOCKED_MESSAGE) from None
    except OSError as e:
        raise write_error(folder, e) from None
    try:
        yield writer
    except BaseException as e:
        if not writer.is_closed:
            try:
                writer.cancel()
            except OSError:
                pass
        if isinstance(e, OSError):
            raise write_error(folder, e) from None
        raise
    if not writer.is_closed:
        try:
            writer.commit(merge=merge, optimize=optimize)
        except BaseException as e:
            _abandon(writer)          # release the lock: the table of contents was not written
            if isinstance(e, OSError):
                raise write_error(folder, e) from None
            raise


def _abandon(writer) -> None:
    """Release a writer whose commit failed (its temporary files and the lock)."""
    try:
        writer._close_segment()
    except Exception:
        pass
    try:
        writer._finish()             # Whoosh's own clean-up: temp storage, lock, closed
    except Exception:
        if writer.writelock:
            writer.writelock.release()


def write_error(index_dir: Path, e: OSError) -> SearchlibError:
    """What a failed write means for the user: the reason, and that nothing changed (the
    table of contents is written last, so a failed commit leaves the previous index)."""
    if e.errno == errno.ENOSPC:
        reason = "no space left on the device"
    elif e.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        reason = "the index directory cannot be written (read-only or permission denied; searching it still works)"
    else:
        reason = f"{e.strerror or e}"
    return SearchlibError(f"cannot write the index at {index_dir}: {reason}; the index is unchanged")


def lock_index(index_dir: Path):
    """Acquire the Whoosh writer lock of the index at ``index_dir`` (waiting up to LOCK_TIMEOUT)."""
    lock = FileStorage(str(index_dir)).lock("MAIN_WRITELOCK")
    try:
        acquired = try_for(lock.acquire, timeout=LOCK_TIMEOUT, delay=0.1)
    except OSError as e:            # a read-only index directory: the lock file cannot be opened
        raise write_error(index_dir, e) from None
    if not acquired:
        raise IndexLockedError(LOCKED_MESSAGE)
    return lock


# --------------------------------------------------------------------------- replacing an index

def check_replaceable(index_dir: Path) -> None:
    """Refuse to replace a directory that holds files but no index (a wrong --index)."""
    if not index_dir.exists():
        return
    if not index_dir.is_dir():
        raise SearchlibError(f"{index_dir} exists and is not a directory")
    names = {p.name for p in index_dir.iterdir()}
    is_index = META_FILE in names or SHARD_MANIFEST in names or any(n.startswith("_MAIN_") and n.endswith(".toc") for n in names)
    if not is_index and names - {*_OURS, "MAIN_WRITELOCK"}:
        raise SearchlibError(f"{index_dir} is not a searchlib index (it holds other files): "
                             "refusing to replace it; choose another --index directory")


def remove_debris(index_dir: Path) -> None:
    """Remove what builds killed before they could clean up left beside the index."""
    for p in index_dir.parent.glob(f".{index_dir.name}.*-*"):
        kind, _, pid = p.name[len(index_dir.name) + 2:].rpartition("-")
        if kind not in ("building", "old") or not pid.isdigit() or int(pid) == os.getpid():
            continue
        try:
            os.kill(int(pid), 0)
            continue                          # that build is still running
        except ProcessLookupError:
            shutil.rmtree(p, ignore_errors=True)
        except OSError:
            continue


def swap_in(new_dir: Path, index_dir: Path) -> None:
    """Put ``new_dir`` in the place of ``index_dir``; the old index ends up in ``new_dir``
    (or is removed). Atomic on Linux: there is never a moment without an index. The new
    directory's entries and then the parent's are fsynced, so a power cut keeps one index
    or the other whole."""
    fsync_path(new_dir)
    try:
        _swap(new_dir, index_dir)
    finally:
        fsync_path(index_dir.parent)


def _swap(new_dir: Path, index_dir: Path) -> None:
    if index_dir.exists():
        if not index_dir.is_dir():
            raise SearchlibError(f"{index_dir} exists and is not a directory")
        # keep files that are not ours (e.g. .gitkeep, a user synonyms file)
        keep = [p for p in index_dir.iterdir() if p.name in _OURS]
        for p in keep:
            shutil.copy2(p, new_dir / p.name)
            fsync_path(new_dir / p.name)      # the old copy goes with the old index
        if keep:
            fsync_path(new_dir)
        if _exchange(new_dir, index_dir):
            return
        old = index_dir.with_name(f".{index_dir.name}.old-{os.getpid()}")
        shutil.rmtree(old, ignore_errors=True)
        os.replace(index_dir, old)
        os.replace(new_dir, index_dir)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.replace(new_dir, index_dir)


def _exchange(a: Path, b: Path) -> bool:
    """Atomically swap two directories (Linux renameat2 RENAME_EXCHANGE). False when the
    system or file system cannot, and the caller falls back to two renames."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    at_fdcwd, rename_exchange = -100, 2
    if renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP, errno.EPERM):
        return False
    raise OSError(err, os.strerror(err), str(b))
