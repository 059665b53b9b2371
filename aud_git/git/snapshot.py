"""The working tree as git sees it: each indexed path with the blob id git already knows.

A tracked file that `status` reports unchanged takes its blob id from the git index without being
read. Every other file (modified, untracked-not-ignored, type change, conflicted) has `oid` None:
whoever needs its identity reads it, and hashes those very bytes.
"""
from __future__ import annotations

import os
from dataclasses import dataclass

import pygit2
from pygit2.enums import FileStatus

from aud_git.config import Config
from aud_git.errors import AudError
from aud_git.git.workspace import Workspace
from aud_git.paths import PF_DIR

_SUBMODULE_MODE = 0o160000
_SYMLINK_MODE = 0o120000
_FILE_MODE = 0o100644
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
    """What a snapshot saw of git itself, kept in `meta` to make the next snapshot cheaper."""
    index_checksum: str | None  # the trailing checksum of `.git/index`
    status_paths: frozenset[str]  # every path `status` reported


@dataclass(frozen=True)
class Previous:
    """The last update's snapshot: its git state, and the `files` rows it left (path -> oid,
    is-symlink). Rows and state are written in one transaction, so they always agree."""
    state: GitState
    rows: dict[str, tuple[str | None, bool]]


def index_checksum(git_dir: str) -> str | None:
    try:
        with open(os.path.join(git_dir, "index"), "rb") as handle:
            handle.seek(-32, os.SEEK_END)
            return handle.read().hex()
    except OSError:
        return None


def take_snapshot(workspace: Workspace, config: Config,
                  previous: Previous | None = None) -> tuple[dict[str, Entry], GitState]:
    """Indexed path -> Entry, and the git state seen.

    With `previous`, and git's index unchanged since (same checksum), unchanged paths take their
    blob ids from the previous rows: only paths `status` reports now or reported then are looked
    up in the index. Otherwise every index entry is read.
    """
    repo = workspace.repo
    checksum = index_checksum(workspace.git_dir)
    try:
        status = repo.status(untracked_files="all")
        index = repo.index
        index.read(False)  # a long-lived process (aud watch) must see git's latest index
    except pygit2.GitError as exc:
        raise AudError(f"git status failed: {exc}") from None
    entries: dict[str, Entry] = {}
    submodules: set[str] = set()
    if previous is not None and checksum is not None and previous.state.index_checksum == checksum:
        suspects = set(status) | previous.state.status_paths
        for path, (oid, symlink) in previous.rows.items():
            if path not in suspects:
                entries[path] = Entry(path, oid, _SYMLINK_MODE if symlink else _FILE_MODE)
        index_entries = (index[p] for p in sorted(suspects) if p in index)
    else:
        index_entries = iter(index)
    for entry in index_entries:
        if entry.mode == _SUBMODULE_MODE:
            submodules.add(entry.path)
        elif indexable(entry.path, config):
            entries[entry.path] = Entry(entry.path, str(entry.id), entry.mode)
    for path, flags in status.items():
        if path.endswith("/") or path in submodules or not indexable(path, config):
            continue  # a nested repository shows up as a directory
        if flags & FileStatus.WT_DELETED:
            entries.pop(path, None)
        elif flags & _READ_FROM_WORKTREE:
            entries[path] = Entry(path, None, 0)
    return entries, GitState(checksum, frozenset(status))


def indexable(path: str, config: Config) -> bool:
    return not (path == PF_DIR or path.startswith(PF_DIR + "/") or config.is_excluded(path))
