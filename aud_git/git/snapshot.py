"""The working tree as git sees it: each indexed path with the blob id git already knows.

A tracked file that `status` reports unchanged takes its blob id from the git index without being
read. Every other file (modified, untracked-not-ignored, type change, conflicted) has `oid` None:
whoever needs its identity reads it, and hashes those very bytes.

When git's index is the one the last update saw, a snapshot is partial: it examines only the
paths that can differ from what that update stored (what `status` reports now or reported then,
the paths git does not look at, and those the caller adds), and every other row stands. Its
cost follows the change, not the repository.
"""
from __future__ import annotations

import os
import struct
from collections.abc import Iterable
from dataclasses import dataclass

import pygit2
from pygit2.enums import FileStatus

from aud_git.config import Config
from aud_git.git import plumbing
from aud_git.git.conversions import blob_is_bytes
from aud_git.git.refs import index_identity, index_records
from aud_git.git.workspace import Workspace, git_index, tracked_pf_error
from aud_git.paths import PF_DIR, real_path, stored_path

_SUBMODULE_MODE = 0o160000
_SYMLINK_MODE = 0o120000
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
    unwatched: frozenset[str] = frozenset()  # assume-unchanged or skip-worktree paths


@dataclass(frozen=True)
class Snapshot:
    """Indexed path -> Entry, and the git state seen. `examined` None: `entries` is the whole
    tree. Otherwise only the `examined` paths were looked at; `entries` holds those present
    now, and the last update's row stands for every path not examined."""
    entries: dict[str, Entry]
    state: GitState
    examined: frozenset[str] | None = None


def take_snapshot(workspace: Workspace, config: Config, previous: GitState | None = None,
                  also_examine: Iterable[str] = ()) -> Snapshot:
    """The tree as git sees it; partial when `previous` (the last update's git state, written
    in the same transaction as its rows) saw the same git index under the same exclude
    patterns. Then only the paths `status` reports now or reported then, the paths git does not
    look at (they may have come and gone without a word from status) and `also_examine` are
    looked up in the index. Either way a blob id is kept only where it provably is the id of
    the working tree's bytes (see conversions.py); elsewhere the entry says "read".
    """
    checksum = index_identity(workspace.git_dir)
    carried = previous if (previous is not None and checksum is not None
                           and previous.index_checksum == checksum
                           and previous.exclude == config.exclude) else None
    status = {stored_path(name): flags
              for name, flags in plumbing.read_status(workspace.workdir).items()}
    examined, unwatched, index_entries = _looked_up(workspace, carried, status, also_examine)
    entries: dict[str, Entry] = {}
    submodules: set[str] = set()
    from_index: list[str] = []
    for entry in index_entries:
        path = stored_path(str(entry.path))
        if path == PF_DIR or path.startswith(PF_DIR + "/"):
            # A partial snapshot exists only for an index a whole snapshot saw: every staged
            # path under `.pf/` meets this test.
            raise tracked_pf_error()
        if entry.mode == _SUBMODULE_MODE:
            submodules.add(path)
        elif indexable(path, config):
            entries[path] = Entry(path, str(entry.id), entry.mode)
            from_index.append(path)
    _apply_status(entries, status, submodules, config)
    _unvouched_to_read(workspace, entries, from_index)
    for path in unwatched & entries.keys():  # git is told not to look: the bytes are read
        if os.path.lexists(workspace.abspath(path)):
            entries[path] = Entry(path, None, entries[path].mode)
        else:  # gone, and git will not say so: left out, as a full snapshot leaves it out
            del entries[path]
    return Snapshot(entries, GitState(checksum, frozenset(status), config.exclude, unwatched),
                    examined)


def _looked_up(workspace: Workspace, carried: GitState | None, status: dict[str, int],
               also_examine: Iterable[str]) -> tuple[frozenset[str] | None, frozenset[str],
                                                     Iterable[pygit2.IndexEntry | plumbing.Entry]]:
    """(the paths examined, None for all; the paths git does not look at; their index
    entries). A partial snapshot asks git for the few entries it examines; a whole one loads
    the index."""
    if carried is not None:
        # The flags only change with git's index: the last snapshot's hold.
        examined = (frozenset(status) | carried.status_paths | carried.unwatched
                    | frozenset(also_examine))
        names = sorted(map(real_path, examined))
        return examined, carried.unwatched, plumbing.index_entries(workspace.workdir, names)
    index = git_index(workspace.repo)
    return None, _unwatched(workspace, index), iter(index)


def _unwatched(workspace: Workspace, index: pygit2.Index | plumbing.Index) -> frozenset[str]:
    """Paths git is told not to look at (`update-index --assume-unchanged`, skip-worktree):
    its `status` would not report an edit to them. libgit2 does not tell these flags."""
    if isinstance(index, plumbing.Index):
        return frozenset(map(stored_path, index.unwatched))  # a split index: git listed them
    try:
        return frozenset(stored_path(r.path) for r in index_records(workspace.git_dir)
                         if r.unwatched)
    except (OSError, ValueError, IndexError, struct.error):
        return frozenset()  # an index this parser cannot read; libgit2 read it


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


def _unvouched_to_read(workspace: Workspace, entries: dict[str, Entry],
                       from_index: list[str]) -> None:
    """A blob id just taken from git's index stands for the working tree's bytes only where
    provably equal (conversions.py); those entries are read instead. (The ids of rows a
    partial snapshot leaves standing were checked then, and git has written no file since:
    its index is the same.)"""
    same = blob_is_bytes(workspace, entries)
    for path in from_index:
        entry = entries.get(path)
        if entry is None or entry.oid is None or entry.mode == _SYMLINK_MODE:
            continue
        try:
            size = os.lstat(workspace.abspath(path)).st_size
        except OSError:
            # In git's index, not on disk, and not deleted says status: skip-worktree (outside
            # a sparse checkout's patterns). The index describes what is on disk.
            del entries[path]
            continue
        if not same(path, entry.oid, size):
            entries[path] = Entry(path, None, entry.mode)


def indexable(path: str, config: Config) -> bool:
    return not (path == PF_DIR or path.startswith(PF_DIR + "/") or config.is_excluded(path))
