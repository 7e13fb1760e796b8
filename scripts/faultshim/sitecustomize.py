"""Test-only fault injection for searchlib's write paths: used by ``scripts/bench_faults.py``
and ``tests/test_faults.py``, never by searchlib itself. Python loads this file as
``sitecustomize`` when ``scripts/faultshim`` is on the PYTHONPATH of a process; it does
nothing unless ``SEARCHLIB_FAULT_ROOT`` is set.

It wraps the file-system calls a write makes (``open`` for writing and each ``write`` of
such a file, ``os.open`` with write flags, ``os.fsync``, ``os.rename``/``os.replace``, the
directory exchange of ``storage._exchange``, ``os.unlink``/``os.remove``, ``os.mkdir``,
``os.rmdir``) and counts each one under the root as a *step*. Environment (test-only):

  SEARCHLIB_FAULT_ROOT    the folder whose writes are watched (the index's parent folder)
  SEARCHLIB_FAULT_TRACE   at exit, write the steps taken there, one JSON line each:
                          [step, kind, path relative to the root, needs space (0/1)]
  SEARCHLIB_FAULT_AT      n: SIGKILL the process (and its process group when it leads one)
                          just before step n (1-based); steps + 1 is "at exit", after the
                          last step, when the command has finished
  SEARCHLIB_FAULT_IMAGE   a folder: just before that kill, write there what a power cut at
                          that moment would leave of the root (file contents as of their last
                          fsync, a file never fsynced empty), two ways:
                            lost/  directory entries as of each directory's last fsync
                                   (creations, renames and removals since then undone)
                            kept/  every directory operation done so far kept (as a journalled
                                   file system keeps them in order), data as of the last fsync
  SEARCHLIB_FAULT_ENOSPC  n: the n-th step that needs space (a write of data, a new file, a
                          new folder) and every later one raise OSError(ENOSPC): a disk full
  SEARCHLIB_FAULT_READONLY  1: every step but an fsync raises OSError(EROFS): a read-only
                          file system (root ignores chmod, so this is how a test gets one)
"""
from __future__ import annotations

import atexit
import builtins
import errno
import io
import json
import os
import signal
import stat
import sys

_ROOT = os.environ.get("SEARCHLIB_FAULT_ROOT")
_real = {name: getattr(os, name) for name in ("open", "fsync", "rename", "replace", "unlink", "remove", "mkdir",
                                              "rmdir")}
_real_open = io.open


class _State:
    steps = 0
    space = 0
    trace: list = []
    at = 0
    enospc = 0
    readonly = False
    image = ""
    trace_file = ""
    pid = 0
    keys: dict = {}          # inode -> key of the file or folder it holds now
    kinds: dict = {}         # key -> "d" or "f"
    data: dict = {}          # key -> bytes as of its last fsync (or as found at start)
    dirs: dict = {}          # key of a folder -> {name: key} as of its last fsync (or as found)
    next_key = 0
    root_key = None


S = _State


def _key(ino: int, kind: str):
    k = S.keys.get(ino)
    if k is None:
        S.next_key += 1
        k = S.keys[ino] = S.next_key
        S.kinds[k] = kind
    return k


def _fd_path(fd: int) -> str:
    return os.readlink(f"/proc/self/fd/{fd}")


def _abs(path, dir_fd=None) -> str:
    if isinstance(path, int):
        return _fd_path(path)
    p = os.fsdecode(path)
    if dir_fd is not None and not os.path.isabs(p):
        p = os.path.join(_fd_path(dir_fd), p)
    return os.path.abspath(p)


def _watched(path: str) -> bool:
    return path == _ROOT or path.startswith(_ROOT + os.sep)


def _rel(path: str) -> str:
    return os.path.relpath(path, _ROOT) if path else ""


def _listing(folder: str) -> dict:
    out = {}
    with os.scandir(folder) as it:
        for e in it:
            st = e.stat(follow_symlinks=False)
            if stat.S_ISDIR(st.st_mode) or stat.S_ISREG(st.st_mode):
                out[e.name] = _key(st.st_ino, "d" if stat.S_ISDIR(st.st_mode) else "f")
    return out


def _read(path: str) -> bytes:
    with _real_open(path, "rb") as f:
        return f.read()


def _snapshot() -> None:
    """What is on disk when the process starts is taken as durable (the last commit)."""
    S.root_key = _key(os.stat(_ROOT).st_ino, "d")
    for folder, _subdirs, files in os.walk(_ROOT):
        S.dirs[_key(os.stat(folder).st_ino, "d")] = _listing(folder)
        for name in files:
            p = os.path.join(folder, name)
            st = os.lstat(p)
            if stat.S_ISREG(st.st_mode):
                S.data[_key(st.st_ino, "f")] = _read(p)


def _forget(path: str) -> None:
    """``path`` is about to lose its name: once its inode is freed the number may be reused
    for another file, which must not inherit this one's durable content."""
    try:
        st = os.lstat(path)
    except OSError:
        return
    if stat.S_ISDIR(st.st_mode) or st.st_nlink <= 1:
        S.keys.pop(st.st_ino, None)


# ------------------------------------------------------------------ power-cut images

def _write_image(dest: str, key, tree: dict) -> None:
    _real["mkdir"](dest)
    for name, k in tree.get(key, {}).items():
        target = os.path.join(dest, name)
        if S.kinds.get(k) == "d":
            _write_image(target, k, tree)
        else:
            with _real_open(target, "wb") as f:
                f.write(S.data.get(k, b""))


def _images(dest: str) -> None:
    try:
        _make_images(dest)
    except BaseException as e:          # the shim's own failure is not the command's: say so, and stop
        sys.stderr.write(f"faultshim: could not write the power-cut images: {type(e).__name__}: {e}\n")
        sys.stderr.flush()
        os._exit(99)


def _make_images(dest: str) -> None:
    os.makedirs(dest, exist_ok=True)
    # lost: each folder as its last fsync saw it
    _write_image(os.path.join(dest, "lost"), S.root_key, S.dirs)
    # kept: the folders as they are now, each file's data as of its last fsync
    now = {}
    for folder, _subdirs, _files in os.walk(_ROOT):
        now[_key(os.stat(folder).st_ino, "d")] = _listing(folder)
    _write_image(os.path.join(dest, "kept"), S.root_key, now)


def _kill() -> None:
    sys.stdout.flush()
    if os.getpgrp() == os.getpid():
        os.killpg(0, signal.SIGKILL)        # its worker processes too
    os.kill(os.getpid(), signal.SIGKILL)


# ------------------------------------------------------------------ steps

def _step(kind: str, path: str, space: bool = False) -> None:
    if os.getpid() != S.pid:
        return                              # a worker process (they do not write the index)
    S.steps += 1
    S.space += space
    if S.trace_file:
        S.trace.append([S.steps, kind, _rel(path), int(space)])
    if S.at and S.steps == S.at:
        if S.image:
            _images(S.image)
        _kill()
    if S.readonly and kind not in ("fsync", "exit"):
        raise OSError(errno.EROFS, os.strerror(errno.EROFS), path)
    if S.enospc and space and S.space >= S.enospc:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), path)


class _File:
    """A file opened for writing under the root: each write is a step."""

    def __init__(self, f, path: str):
        self._f = f
        self._path = path

    def write(self, data):
        n = len(data) if isinstance(data, str) else memoryview(data).nbytes
        _step("write", self._path, space=n > 0)
        return self._f.write(data)

    def writelines(self, lines):
        for line in lines:
            self.write(line)

    def __getattr__(self, name):
        return getattr(self._f, name)

    def __iter__(self):
        return iter(self._f)

    def __enter__(self):
        self._f.__enter__()
        return self

    def __exit__(self, *exc):
        return self._f.__exit__(*exc)


def _open(file, mode="r", *args, **kwargs):
    if not any(c in mode for c in "wax+"):
        return _real_open(file, mode, *args, **kwargs)
    path = _abs(file)
    if not _watched(path):
        return _real_open(file, mode, *args, **kwargs)
    if not isinstance(file, int):           # os.fdopen: its os.open was the step
        new = not os.path.exists(path)
        _step("create" if ("w" in mode or new) else "open", path, space=new)
    return _File(_real_open(file, mode, *args, **kwargs), path)


_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND


def _os_open(path, flags, mode=0o777, *, dir_fd=None):
    if flags & _WRITE_FLAGS:
        p = _abs(path, dir_fd)
        if _watched(p):
            new = not os.path.exists(p)
            _step("create" if new or flags & os.O_TRUNC else "open", p, space=new)
    return _real["open"](path, flags, mode, dir_fd=dir_fd)


def _fsync(fd):
    fd_ = fd if isinstance(fd, int) else fd.fileno()
    path = _fd_path(fd_)
    if not _watched(path):
        return _real["fsync"](fd)
    _step("fsync", path)
    out = _real["fsync"](fd)
    st = os.fstat(fd_)
    if stat.S_ISDIR(st.st_mode):
        S.dirs[_key(st.st_ino, "d")] = _listing(f"/proc/self/fd/{fd_}")
    elif stat.S_ISREG(st.st_mode):
        S.data[_key(st.st_ino, "f")] = _read(f"/proc/self/fd/{fd_}")
    return out


def _renamer(name):
    real = _real[name]

    def rename(src, dst, *, src_dir_fd=None, dst_dir_fd=None):
        s, d = _abs(src, src_dir_fd), _abs(dst, dst_dir_fd)
        if _watched(s) or _watched(d):
            _step("rename", d)
            _forget(d)
        return real(src, dst, src_dir_fd=src_dir_fd, dst_dir_fd=dst_dir_fd)
    return rename


def _remover(name, kind):
    real = _real[name]

    def remove(path, *, dir_fd=None):
        p = _abs(path, dir_fd)
        if _watched(p):
            _step(kind, p)
            _forget(p)
        return real(path, dir_fd=dir_fd)
    return remove


def _mkdir(path, mode=0o777, *, dir_fd=None):
    p = _abs(path, dir_fd)
    if _watched(p):
        _step("mkdir", p, space=True)
    return _real["mkdir"](path, mode, dir_fd=dir_fd)


class _StorageHook:
    """Wraps ``searchlib.storage._exchange`` (renameat2 through ctypes, which the os
    wrappers do not see) once that module is imported."""

    def find_spec(self, name, path=None, target=None):
        if name != "searchlib.storage":
            return None
        sys.meta_path.remove(self)
        import importlib.util
        spec = importlib.util.find_spec(name)
        loader = spec.loader
        exec_module = loader.exec_module

        def exec_and_wrap(module):
            exec_module(module)
            real = module._exchange

            def exchange(a, b):
                if _watched(_abs(b)):
                    _step("exchange", _abs(b))
                return real(a, b)
            module._exchange = exchange
        loader.exec_module = exec_and_wrap
        return spec


def _at_exit() -> None:
    _step("exit", "")
    if S.trace_file and os.getpid() == S.pid:
        with _real_open(S.trace_file, "w", encoding="utf-8") as f:
            for row in S.trace:
                f.write(json.dumps(row, ensure_ascii=False) + "\n")


def _install() -> None:
    global _ROOT
    _ROOT = os.path.realpath(_ROOT)
    env = os.environ
    S.pid = os.getpid()
    S.at = int(env.get("SEARCHLIB_FAULT_AT") or 0)
    S.enospc = int(env.get("SEARCHLIB_FAULT_ENOSPC") or 0)
    S.readonly = env.get("SEARCHLIB_FAULT_READONLY") == "1"
    S.image = env.get("SEARCHLIB_FAULT_IMAGE", "")
    S.trace_file = env.get("SEARCHLIB_FAULT_TRACE", "")
    if S.image:
        _snapshot()
    builtins.open = io.open = _open
    os.open = _os_open
    os.fsync = _fsync
    os.rename = _renamer("rename")
    os.replace = _renamer("replace")
    os.unlink = _remover("unlink", "unlink")
    os.remove = _remover("remove", "unlink")
    os.rmdir = _remover("rmdir", "rmdir")
    os.mkdir = _mkdir
    sys.meta_path.insert(0, _StorageHook())
    atexit.register(_at_exit)


if _ROOT:
    _install()
