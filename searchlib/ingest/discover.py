"""Discovery of corpus files: ``discover`` walks the corpus paths and yields every file of a
supported format (.txt, .html/.htm/.shtml, .pdf, .docx, and the old Word/WPS/RTF/ODT files
LibreOffice converts) with the root it was found under (sorted by name, hidden entries
skipped, symlinked directories followed once, problems below a given path reported to a
callback and skipped); a file of any other type is reported too, with ``unsupported_reason``,
never ignored silently. ``file_format`` names a path's format; ``doc_id_for`` names a document by
its path relative to its root.
"""
from __future__ import annotations

import errno
import os
from pathlib import Path
from typing import Callable, Iterable, Iterator, Optional

from ..errors import CorpusError

# formats read through LibreOffice (old Word, WPS, RTF, OpenDocument; macro/template variants)
OFFICE_SUFFIXES = (".doc", ".wps", ".rtf", ".docm", ".dot", ".dotx", ".wpt", ".odt")
SUFFIXES = (".txt", ".html", ".htm", ".shtml", ".pdf", ".docx") + OFFICE_SUFFIXES
HTML_SUFFIXES = (".html", ".htm", ".shtml")
_FORMATS = {".txt": "txt", ".html": "html", ".htm": "html", ".shtml": "html", ".pdf": "pdf", ".docx": "docx",
            **{suffix: "office" for suffix in OFFICE_SUFFIXES}}


def file_format(path: Path) -> Optional[str]:
    """``"txt"``, ``"html"``, ``"pdf"``, ``"docx"`` or ``"office"`` (converted with LibreOffice)
    by the file's suffix; None if unsupported."""
    return _FORMATS.get(Path(path).suffix.lower())


def unsupported_reason(path: Path) -> str:
    suffix = Path(path).suffix.lower()
    return f"unsupported format ({suffix or 'no suffix'})"

ErrorCallback = Callable[[Path, str], None]


def discover(paths: Iterable[str | os.PathLike], on_error: Optional[ErrorCallback] = None,
             follow_links: bool = False) -> Iterator[tuple[Path, Path]]:
    """Yield ``(file_path, root)`` for every corpus file under ``paths``.

    A directory is walked recursively, entries sorted by name (so the order equals sorting
    the paths), hidden entries (``.name``) skipped, symlinked directories followed once per
    real directory (a loop or a second link to the same directory is skipped silently).
    ``root`` is the directory as given, or the parent of a file given directly.

    A given path that is missing or unreadable raises ``CorpusError``. Problems below it (an
    unreadable subdirectory, a file vanishing mid-walk, a dangling symlink, a file given
    directly with another suffix, any file of an unsupported type) are reported to
    ``on_error(path, reason)`` and skipped.
    """
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    report = on_error or (lambda path, reason: None)
    for given in map(Path, paths):
        _check_corpus_path(given)
        if given.is_dir():
            yield from _walk(given, report, follow_links)
        elif not _utf8_name(given, given.parent):
            report(given, "file name is not valid UTF-8 (saved in another encoding, e.g. GBK): rename it")
        elif not given.is_file():                   # a FIFO or device named directly: never opened
            report(given, "not a regular file (a FIFO, device or socket)")
        elif _has_suffix(given.name):
            yield given, given.parent
        else:
            report(given, unsupported_reason(given))


def _check_corpus_path(path: Path) -> None:
    if not path.exists():
        if path.is_symlink():
            raise CorpusError(f"corpus path is a {'symlink loop' if _loops(path) else 'dangling symlink'}: {path}")
        raise CorpusError(f"corpus path does not exist: {path}")
    mode = os.R_OK | os.X_OK if path.is_dir() else os.R_OK
    if not os.access(path, mode):
        raise CorpusError(f"corpus path is not readable: {path}")


def _utf8_name(path: Path, root: Path) -> bool:
    """Whether the part of ``path`` under ``root`` (what names the document) is text: a name
    in another encoding (GBK bytes from an unpacked archive) comes as lone surrogates, which
    no index term or JSON output can hold."""
    try:
        str(path)[len(str(root)):].encode("utf-8")
        return True
    except UnicodeEncodeError:
        return False


def _has_suffix(name: str) -> bool:
    return name.lower().endswith(SUFFIXES)


def _walk(root: Path, report: ErrorCallback, follow_links: bool = False) -> Iterator[tuple[Path, Path]]:
    """Depth first with each directory's entries in name order, which is the order of the
    sorted paths. Iterative, so directory depth does not meet the recursion limit."""
    real_root = os.path.realpath(root)
    visited = {real_root}
    pending = [iter(_list_dir(root, report))]
    while pending:
        path = next(pending[-1], None)
        if path is None:
            pending.pop()
            continue
        try:
            if not follow_links and path.is_symlink() and path.exists() \
                    and not _inside(os.path.realpath(path), real_root):
                # a link out of the corpus (to /etc/passwd, to a home folder): never indexed, so
                # never served; give the folder itself as a corpus path to index it
                report(path, "symlink to a place outside the corpus: skipped (--follow-links follows it)")
                continue
            if path.is_dir():
                real = os.path.realpath(path)
                if real not in visited:
                    visited.add(real)
                    pending.append(iter(_list_dir(path, report)))
            elif path.is_file():
                if not _utf8_name(path, root):
                    report(path, "file name is not valid UTF-8 (saved in another encoding, e.g. GBK): rename it")
                elif _has_suffix(path.name):
                    yield path, root
                else:
                    report(path, unsupported_reason(path))
            elif path.exists():               # a device, FIFO or socket (or a symlink to one)
                report(path, "not a regular file")
            elif path.is_symlink():
                report(path, "symlink loop" if _loops(path) else "dangling symlink")
            else:
                report(path, "vanished during the scan")
        except OSError as exc:
            report(path, _os_reason(exc))


def _inside(real: str, real_root: str) -> bool:
    return real == real_root or real.startswith(real_root.rstrip(os.sep) + os.sep)


def _loops(path: Path) -> bool:
    try:
        path.resolve(strict=True)
        return False
    except RuntimeError:                 # "Symlink loop" (Python < 3.13)
        return True
    except OSError as exc:
        return exc.errno == errno.ELOOP


def _list_dir(directory: Path, report: ErrorCallback) -> list[Path]:
    try:
        with os.scandir(directory) as entries:
            names = sorted(e.name for e in entries if not e.name.startswith("."))
    except OSError as exc:
        report(directory, _os_reason(exc))
        return []
    return [directory / name for name in names]


def _os_reason(exc: OSError) -> str:
    if isinstance(exc, PermissionError):
        return "permission denied"
    if isinstance(exc, FileNotFoundError):
        return "vanished during the scan"
    return exc.strerror or str(exc)


def doc_id_for(path: Path, root: Path) -> str:
    """The document id: ``path`` relative to ``root``, '/'-separated."""
    path, root = Path(path), Path(root)
    try:
        relative = path.relative_to(root)
    except ValueError:
        relative = Path(os.path.relpath(path.resolve(), root.resolve()))
    return relative.as_posix()
