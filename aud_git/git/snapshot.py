"""The working tree as git sees it: each indexed path with the blob id git already knows.

A tracked file that `status` reports unchanged takes its blob id from the git index without being
read. Every other file (modified, untracked-not-ignored, type change, conflicted) has `oid` None:
whoever needs its identity reads it, and hashes those very bytes.
"""
from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from dataclasses import dataclass

import pygit2
from pygit2.enums import FileStatus

from aud_git.config import Config
from aud_git.errors import AudError
from aud_git.git.conversions import blob_stands_for_bytes
from aud_git.git.workspace import Workspace
from aud_git.paths import PF_DIR

_SUBMODULE_MODE = 0o160000
_SYMLINK_MODE = 0o120000
_FILE_MODE = 0o100644
_TRAILER = 32  # git's index checksum: SHA-1 (20 bytes) or SHA-256 (32) at the very end
_READ_FROM_WORKTREE = (
    FileStatus.WT_NEW
    | FileStatus.WT_MODIFIED
    | FileStatus.WT_TYPECHANGE
    | FileStatus.WT_RENAMED
    | FileStatus.WT_UNREADABLE
    | FileStatus.CONFLICTED
)


@dataclass(frozen=True, slots=True)
class Entry:
    path: str
    oid: str | None  # the git index's blob id for an unchanged tracked file, else None
    mode: int  # the index's mode; 0 when unknown


@dataclass(frozen=True)
class GitState:
    """What a snapshot saw, kept in `meta` to make the next snapshot cheaper."""
    index_checksum: str | None  # what identifies `.git/index` (see `index_identity`)
    status_paths: frozenset[str]  # every path `status` reported
    exclude: tuple[str, ...] = ()  # the configuration's exclude patterns it applied


@dataclass(frozen=True)
class Previous:
    """The last update's snapshot: its git state, and the `files` rows it left (path -> oid,
    is-symlink). Rows and state are written in one transaction, so they always agree."""
    state: GitState
    rows: dict[str, tuple[str | None, bool]]


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
                handle.seek(0)
                trailer = hashlib.file_digest(handle, "sha256").digest()
    except OSError:
        return None
    return f"{info.st_size}:{info.st_mtime_ns}:{trailer.hex()}"


def take_snapshot(workspace: Workspace, config: Config,
                  previous: Previous | None = None) -> tuple[dict[str, Entry], GitState]:
    """Indexed path -> Entry, and the git state seen.

    With `previous`, and git's index unchanged since (same identity, same exclude patterns),
    unchanged paths take their blob ids from the previous rows: only paths `status` reports now
    or reported then are looked up in the index. Otherwise every index entry is read. Either
    way a blob id is kept only where it provably is the id of the working tree's bytes (see
    conversions.py); elsewhere the entry says "read".
    """
    checksum = index_identity(workspace.git_dir)
    status, index = _status_and_index(workspace.repo)
    entries: dict[str, Entry] = {}
    submodules: set[str] = set()
    if (previous is not None and checksum is not None and previous.state.index_checksum == checksum
            and previous.state.exclude == config.exclude):
        suspects = set(status) | previous.state.status_paths
        for path, (oid, symlink) in previous.rows.items():
            if path not in suspects:
                entries[path] = Entry(path, oid, _SYMLINK_MODE if symlink else _FILE_MODE)
        found = (_stage_zero(index, p) for p in sorted(suspects))
        index_entries: Iterable[pygit2.IndexEntry] = (e for e in found if e is not None)
    else:
        index_entries = iter(index)
    for entry in index_entries:
        path = str(entry.path)
        if entry.mode == _SUBMODULE_MODE:
            submodules.add(path)
        elif indexable(path, config):
            entries[path] = Entry(path, str(entry.id), entry.mode)
    _apply_status(entries, status, submodules, config)
    _unvouched_to_read(workspace, entries)
    return entries, GitState(checksum, frozenset(status), config.exclude)


def _status_and_index(repo: pygit2.Repository) -> tuple[dict[str, int], pygit2.Index]:
    try:
        status = repo.status(untracked_files="all")
        index = repo.index
        index.read(False)  # a long-lived process (aud watch) must see git's latest index
    except pygit2.GitError as exc:
        raise AudError(f"git status failed: {exc}") from None
    return status, index


def _apply_status(entries: dict[str, Entry], status: dict[str, int], submodules: set[str],
                  config: Config) -> None:
    """Deleted paths leave; modified, untracked, type-changed and conflicted ones are read."""
    for path, flags in status.items():
        if path.endswith("/") or path in submodules or not indexable(path, config):
            continue  # a nested repository shows up as a directory
        if flags & FileStatus.WT_DELETED:
            entries.pop(path, None)
        elif flags & _READ_FROM_WORKTREE:
            entries[path] = Entry(path, None, 0)


def _unvouched_to_read(workspace: Workspace, entries: dict[str, Entry]) -> None:
    """Where git may convert bytes (attributes, core.autocrlf), a blob id stands for the
    working tree's bytes only when provably equal; other entries are read."""
    same = blob_stands_for_bytes(workspace, entries)
    if same is None:
        return
    for path, entry in list(entries.items()):
        if entry.oid is not None and entry.mode != _SYMLINK_MODE and not same(path, entry.oid):
            entries[path] = Entry(path, None, entry.mode)


def _stage_zero(index: pygit2.Index, path: str) -> pygit2.IndexEntry | None:
    """The path's merged entry; None when it has none (untracked, or only the stages of an
    unresolved conflict: `status` reports it CONFLICTED, and its bytes are read)."""
    try:
        return index[path]
    except KeyError:
        return None


def indexable(path: str, config: Config) -> bool:
    return not (path == PF_DIR or path.startswith(PF_DIR + "/") or config.is_excluded(path))
