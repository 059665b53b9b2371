"""Git's files read directly, for readers that must start fast: no pygit2 here.

A query only needs the repository root, HEAD's commit and where git's index file is; loading
libgit2 for that would cost more than the query.
"""
from __future__ import annotations

import os
import struct
from collections.abc import Iterator
from typing import NamedTuple

from aud_git.git.layout import common_dir_of, git_dir_of

# What in `.git/` changes the working tree as git sees it: HEAD, refs, the index, and the
# rules (configuration, excludes, attributes, the sparse-checkout patterns).
GIT_STATE_FILES = frozenset({"HEAD", "index", "packed-refs", "config", "info/exclude",
                             "info/attributes", "info/sparse-checkout"})


def read_head(root: str) -> str | None:
    """HEAD's commit id, from `HEAD`, loose refs and `packed-refs`; None when unborn."""
    git_dir = git_dir_of(root)
    try:
        with open(os.path.join(git_dir, "HEAD"), encoding="utf-8") as handle:
            head = handle.read().strip()
    except OSError:
        return None
    if not head.startswith("ref:"):
        return head
    ref = head[4:].strip()
    for base in (git_dir, common_dir_of(git_dir)):
        try:
            with open(os.path.join(base, ref), encoding="utf-8") as handle:
                return handle.read().strip()
        except OSError:
            pass
    try:
        with open(os.path.join(common_dir_of(git_dir), "packed-refs"), encoding="utf-8") as handle:
            for line in handle:
                parts = line.split()
                if len(parts) == 2 and parts[1] == ref:
                    return parts[0]
    except OSError:
        pass
    return None


_SUBMODULE_MODE = 0o160000
# Index entry flags (git's Documentation/gitformat-index.txt).
_ASSUME_VALID, _EXTENDED, _SKIP_WORKTREE = 0x8000, 0x4000, 0x4000  # the last: extended flags
_TRAILER = 32  # git's index checksum: SHA-1 (20 bytes) or SHA-256 (32) at the very end


def index_identity(git_dir: str) -> str | None:
    """What identifies git's index file: its size and mtime, and git's trailing checksum; with
    `index.skipHash` (git 2.40+, implied by `feature.manyFiles`) that checksum is zeros, and a
    hash of the whole file stands in for it."""
    path = os.path.join(git_dir, "index")
    try:
        with open(path, "rb") as handle:
            info = os.fstat(handle.fileno())
            if info.st_size < 32:
                return None
            handle.seek(-_TRAILER, os.SEEK_END)
            trailer = handle.read()
            if not trailer[-20:].strip(b"\0"):  # skipHash: no checksum was written
                import hashlib  # here: the hooks import this module and rarely get here

                handle.seek(0)
                trailer = hashlib.file_digest(handle, "sha256").digest()
    except OSError:
        return None
    return f"{info.st_size}:{info.st_mtime_ns}:{trailer.hex()}"


class IndexRecord(NamedTuple):
    """One path of git's index, as this parser reads it."""
    path: str
    mode: int
    unwatched: bool  # assume-unchanged or skip-worktree: git does not look at its bytes


def index_records(git_dir: str) -> Iterator[IndexRecord]:
    """The paths in git's index (each once, conflicted ones included), parsed from the file
    (versions 2 to 4): readers need them without libgit2, and libgit2 does not tell the
    assume-unchanged and skip-worktree flags."""
    with open(os.path.join(git_dir, "index"), "rb") as handle:
        data = handle.read()
    if data[:4] != b"DIRC":
        return
    version, count = struct.unpack(">II", data[4:12])
    hash_size = 32 if _object_format(git_dir) == "sha256" else 20
    position, previous = 12, b""
    for _ in range(count):
        flags_at = position + 40 + hash_size
        (mode,) = struct.unpack(">I", data[position + 24:position + 28])
        (flags,) = struct.unpack(">H", data[flags_at:flags_at + 2])
        extended = 0
        if version >= 3 and flags & _EXTENDED:
            (extended,) = struct.unpack(">H", data[flags_at + 2:flags_at + 4])
        name_at = flags_at + (4 if version >= 3 and flags & _EXTENDED else 2)
        if version >= 4:  # the path is the previous one, cut by N bytes, plus a suffix
            cut, name_at = _varint(data, name_at)
            end = data.index(b"\0", name_at)
            path = previous[:len(previous) - cut] + data[name_at:end]
            position = end + 1
        else:
            end = data.index(b"\0", name_at)
            path = data[name_at:end]
            position = position + ((end - position + 8) // 8) * 8  # NUL padding to 8 bytes
        if path != previous:
            unwatched = bool(flags & _ASSUME_VALID or extended & _SKIP_WORKTREE)
            yield IndexRecord(path.decode("utf-8", "surrogateescape"), mode, unwatched)
        previous = path


def tracked_paths(git_dir: str, with_submodules: bool = True) -> Iterator[str]:
    """The paths in git's index; readers use them to notice tracked files not indexed yet."""
    for record in index_records(git_dir):
        if with_submodules or record.mode != _SUBMODULE_MODE:
            yield record.path


def _varint(data: bytes, position: int) -> tuple[int, int]:
    """git's offset varint (each continuation adds one before shifting)."""
    byte = data[position]
    value = byte & 0x7F
    while byte & 0x80:
        position += 1
        byte = data[position]
        value = ((value + 1) << 7) | (byte & 0x7F)
    return value, position + 1


def _object_format(git_dir: str) -> str:
    try:
        with open(os.path.join(common_dir_of(git_dir), "config"), encoding="utf-8",
                  errors="replace") as handle:
            for line in handle:
                key, _, value = line.partition("=")
                if key.strip().lower() == "objectformat":
                    return value.strip().lower()
    except OSError:
        pass
    return "sha1"
