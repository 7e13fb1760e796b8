"""Sharded indexes: the layout and the routing of documents to shards.

A sharded index is a directory holding ``shards.json`` and one subdirectory per shard
(``shard-000``, ``shard-001`` …), each a normal searchlib index that can be opened alone.
A document belongs to shard ``shard_of(doc_id, count)``: the first 8 bytes of the
BLAKE2b digest of its doc_id (UTF-8), big-endian, modulo the shard count. The routing is
stable across processes, machines and Python versions (never Python's ``hash``).

``shards.json``::

    {"format": 1, "shards": 4, "hash": "blake2b-8", "dirs": ["shard-000", …]}

This module knows nothing of Whoosh: searching shards is ``shard_search``'s, writing them
``indexing``'s.
"""
from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

from .errors import IndexDamagedError, IndexVersionError

MANIFEST = "shards.json"
FORMAT = 1
HASH = "blake2b-8"
MAX_SHARDS = 1024


def shard_of(doc_id: str, count: int) -> int:
    """The shard of ``doc_id`` among ``count`` shards (stable: BLAKE2b, never ``hash``)."""
    digest = hashlib.blake2b(doc_id.encode("utf-8", "surrogatepass"), digest_size=8).digest()
    return int.from_bytes(digest, "big") % count


def shard_dir_name(k: int) -> str:
    return f"shard-{k:03d}"


@dataclass(frozen=True)
class ShardLayout:
    """What ``shards.json`` says: the shard count and each shard's directory."""
    path: Path                 # the sharded index's directory
    count: int
    dirs: tuple[str, ...]
    hash: str = HASH

    def shard_path(self, k: int) -> Path:
        return self.path / self.dirs[k]

    @property
    def shard_paths(self) -> list[Path]:
        return [self.path / d for d in self.dirs]

    def shard_of(self, doc_id: str) -> int:
        return shard_of(doc_id, self.count)

    def to_dict(self) -> dict:
        return {"format": FORMAT, "shards": self.count, "hash": self.hash, "dirs": list(self.dirs)}


def is_sharded(index_dir) -> bool:
    """Whether ``index_dir`` holds a sharded index (its ``shards.json``)."""
    return (Path(index_dir) / MANIFEST).is_file()


def new_layout(index_dir, count: int) -> ShardLayout:
    if not 1 <= int(count) <= MAX_SHARDS:
        raise ValueError(f"the shard count must be between 1 and {MAX_SHARDS}, not {count}")
    return ShardLayout(Path(index_dir), int(count), tuple(shard_dir_name(k) for k in range(int(count))))


def write_layout(layout: ShardLayout, index_dir=None) -> None:
    """Write ``shards.json`` (atomically and durably: fsynced before its rename, the
    directory after) into ``index_dir`` (default: the layout's path)."""
    from .integrity import fsync_path
    folder = Path(index_dir or layout.path)
    tmp = folder / (MANIFEST + ".tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(json.dumps(layout.to_dict(), indent=1))
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, folder / MANIFEST)
    fsync_path(folder)


def read_layout(index_dir) -> ShardLayout:
    """The layout of the sharded index at ``index_dir``; IndexVersionError for a manifest of
    another format or hash, IndexDamagedError for one that cannot be read."""
    index_dir = Path(index_dir)
    try:
        data = json.loads((index_dir / MANIFEST).read_text(encoding="utf-8"))
        count, dirs = int(data["shards"]), data["dirs"]
        fmt, hash_name = data.get("format"), data.get("hash")
        if not isinstance(dirs, list) or len(dirs) != count or not 1 <= count <= MAX_SHARDS:
            raise ValueError("shard count and directories disagree")
        if any(not isinstance(d, str) or not d or "/" in d or "\\" in d or d in (".", "..") for d in dirs):
            raise ValueError("a shard directory is not a plain name")
    except (OSError, ValueError, KeyError, TypeError) as e:
        err = IndexDamagedError(f"index at {index_dir} is damaged ({MANIFEST}: {e}): rebuild it")
        err.reason = f"index at {index_dir} is damaged"
        raise err from None
    if fmt != FORMAT or hash_name != HASH:
        err = IndexVersionError(f"index at {index_dir} is a sharded index of format {fmt} ({hash_name}); this "
                                f"searchlib reads format {FORMAT} ({HASH}): rebuild it")
        err.reason = f"index at {index_dir} has a shard manifest of another version"
        raise err
    return ShardLayout(index_dir, count, tuple(dirs), hash_name)
