"""The index kept equal to the working tree between answers, by a process that stays up.

Before each answer, `FreshIndex.ensure_fresh` compares what it remembers of the tree after its
last update (the stat data of every indexed file and of the directories holding them, git's
index file, HEAD, the files that hold git's rules) with the tree now: a few milliseconds of
`lstat` and no process start. Any difference runs the engine's incremental update in this
process, which reconciles the whole tree as every update does (the stat data only decide
*whether* to update, never *what*), waiting for another updater's lock for at most
`lock_timeout`.

A new file shows in the mtime of its directory: every directory git looks into is stat'ed
(ignored ones are not: a file there is not indexed either), and those that hold indexed files.
A file saved again within the file system's timestamp granularity keeps its stat data: such
"racily clean" files (modified less than `RACY_SECONDS` before the stat data were taken) are
hashed on the next check, as git does with its index.
"""
from __future__ import annotations

import hashlib
import os
import sqlite3
import time
from collections.abc import Iterable
from dataclasses import dataclass, field

from aud_git.contract import Freshness
from aud_git.db import store
from aud_git.engine.lock import LockBusy
from aud_git.engine.update import run_update
from aud_git.git.refs import index_identity, read_head
from aud_git.git.workspace import Workspace, git_state_files, open_workspace, visible_directories
from aud_git.paths import disk_path, real_path

RACY_SECONDS = 2.0
MAX_CHANGED = 100  # paths an answer lists as re-indexed (a branch switch changes thousands)
Stat = tuple[int, int, int, int]  # mtime_ns, size, inode, mode


@dataclass
class TreeState:
    """What the last update saw: stat data by path (indexed files, the directories git looks
    into and those holding indexed files), and what identifies git's view. Racy files are
    judged by their bytes next time, racy directories by their listing."""
    taken_ns: int
    files: dict[str, Stat | None]
    where: dict[str, str]  # a file's path on disk (`disk_path`), worked out once
    directories: dict[str, Stat | None]
    git: tuple[object, ...]
    racy: list[str] = field(default_factory=list)
    racy_directories: dict[str, frozenset[str]] = field(default_factory=dict)


def _stat(path: str) -> Stat | None:
    try:
        info = os.lstat(path)
    except OSError:
        return None
    return (info.st_mtime_ns, info.st_size, info.st_ino, info.st_mode)


class FreshIndex:
    """One repository's index, brought up to date before each answer and read in between."""

    def __init__(self, start: str = ".") -> None:
        self.workspace: Workspace = open_workspace(start)
        self.rule_files = git_state_files(self.workspace)
        self.seen: TreeState | None = None
        self.conn: sqlite3.Connection | None = None
        self.db_stat: Stat | None = None
        self.uncommitted = False

    def ensure_fresh(self) -> Freshness:
        """Update first when the tree moved; say what the answer reflects."""
        changed: list[str] = []
        stale_reason = None
        if self.conn is not None and _stat(self.workspace.db_path) != self.db_stat:
            self._reopen()  # another updater replaced the file (a full rebuild)
        if self.seen is None or self._moved(self.seen):
            before = self._observe(self.seen)  # before the update: an edit then shows next time
            try:
                summary = run_update(self.workspace, mode="incremental")
            except LockBusy as busy:
                stale_reason = f"another update holds the lock ({busy}); this answer may be stale"
            else:
                changed = sorted({*summary.added, *summary.modified, *summary.deleted})[:MAX_CHANGED]
                self._reopen()
                self.seen = self._settled(before)
        return Freshness(commit=read_head(self.workspace.workdir), uncommitted=self.uncommitted,
                         updated=bool(changed), changed=changed, stale_reason=stale_reason)

    def reader(self) -> sqlite3.Connection:
        if self.conn is None:
            self._reopen()
        assert self.conn is not None
        return self.conn

    def _reopen(self) -> None:
        """A full rebuild replaces the database file: a connection to the old one would go on
        reading it. Reopened after every update (a few hundred microseconds)."""
        if self.conn is not None:
            self.conn.close()
        self.db_stat = _stat(self.workspace.db_path)
        self.conn = store.connect(self.workspace.db_path, must_exist=True, readonly=True)
        status_paths = store.read_meta(self.conn).get("status_paths", "[]")
        self.uncommitted = status_paths not in ("[]", "")

    def _git_identity(self) -> tuple[object, ...]:
        """What identifies git's view: its index, HEAD's commit, and the stat data of the files
        whose changes change what git sees (configuration, excludes, attributes, the sparse
        patterns, the global ignore and attributes files)."""
        return (index_identity(self.workspace.git_dir), read_head(self.workspace.workdir),
                *map(_stat, self.rule_files))

    def _observe(self, last: TreeState | None) -> TreeState:
        """Stat data now, of the paths the index holds and the directories git looks into."""
        taken_ns = time.time_ns()
        root = self.workspace.workdir
        paths = self._indexed_paths()
        where = _where(root, paths, last.where if last is not None else {})
        files = {path: _stat(where[path]) for path in paths}
        known = _directories_of(map(real_path, paths)).union(self._visible(last))
        directories = {directory: _stat(os.path.join(root, directory)) for directory in known}
        racy_after = taken_ns - int(RACY_SECONDS * 1e9)
        racy = [path for path, stat in files.items() if stat is not None and stat[0] >= racy_after]
        racy_directories = {directory: _listing(os.path.join(root, directory))
                            for directory, stat in directories.items()
                            if stat is not None and stat[0] >= racy_after}
        return TreeState(taken_ns, files, where, directories, self._git_identity(), racy,
                         racy_directories)

    def _settled(self, before: TreeState) -> TreeState:
        """What the next check compares with: the stat data taken before the update (a change
        during it shows next time); a path the update added is stat'ed now, after it, so its
        bytes decide next time (racy). A directory made during the update moved its parent's
        mtime."""
        paths = self._indexed_paths()
        where = _where(self.workspace.workdir, paths, before.where)
        files = {path: before.files[path] if path in before.files else _stat(where[path])
                 for path in paths}
        added = [path for path in paths if path not in before.files]
        return TreeState(before.taken_ns, files, where, before.directories, before.git,
                         sorted({*before.racy, *added} & files.keys()), before.racy_directories)

    def _visible(self, last: TreeState | None) -> set[str]:
        root = self.workspace.workdir
        if last is None or last.git != self._git_identity() or any(
                _stat(last.where[path]) != stat for path, stat in last.files.items()
                if path.rpartition("/")[2] == ".gitignore"):  # the rules may have changed
            return visible_directories(self.workspace)
        known = frozenset(d for d in last.directories if os.path.isdir(os.path.join(root, d)))
        moved = [d for d in known if _stat(os.path.join(root, d)) != last.directories[d]]
        return set(known) | visible_directories(self.workspace, under=moved, known=known)

    def _indexed_paths(self) -> list[str]:
        if not os.path.exists(self.workspace.db_path):
            return []
        conn = store.connect(self.workspace.db_path, readonly=True)
        try:
            return [row[0] for row in conn.execute("SELECT path FROM files")]
        except sqlite3.DatabaseError:
            return []
        finally:
            conn.close()

    def _moved(self, seen: TreeState) -> bool:
        if self._git_identity() != seen.git:
            return True
        root = self.workspace.workdir
        if any(_stat(os.path.join(root, d)) != stat for d, stat in seen.directories.items()):
            return True
        where = seen.where
        if any(_stat(where[path]) != stat for path, stat in seen.files.items()):
            return True
        return self._racy_moved(seen)

    def _racy_moved(self, seen: TreeState) -> bool:
        """Files and directories modified just before the stat data were taken: bytes and
        listings decide. Once one is older than the timestamp granularity, a later write shows
        in its stat data."""
        root = self.workspace.workdir
        if any(_listing(os.path.join(root, d)) != names for d, names in seen.racy_directories.items()):
            return True
        conn = self.reader()
        for path in seen.racy:
            row = conn.execute("SELECT sha256, status FROM files WHERE path = ?", (path,)).fetchone()
            if row is None or row[0] is None or row[1] == "symlink":
                continue  # a link or an unreadable file: its stat data are the whole story
            try:
                with open(seen.where[path], "rb") as handle:
                    if hashlib.file_digest(handle, "sha256").hexdigest() != row[0]:
                        return True
            except OSError:
                return True
        racy_after = time.time_ns() - int(RACY_SECONDS * 1e9)
        seen.racy = [path for path in seen.racy if (seen.files[path] or (0,))[0] >= racy_after]
        seen.racy_directories = {d: names for d, names in seen.racy_directories.items()
                                 if (seen.directories[d] or (0,))[0] >= racy_after}
        return False


def _listing(directory: str) -> frozenset[str]:
    try:
        return frozenset(os.listdir(directory))
    except OSError:
        return frozenset()


def _where(root: str, paths: list[str], known: dict[str, str]) -> dict[str, str]:
    return {path: known.get(path) or disk_path(root, path) for path in paths}


def _directories_of(paths: Iterable[str]) -> set[str]:
    """Every directory holding an indexed path (an ignored directory may hold tracked files),
    up to the root (`""`)."""
    found = {""}
    for path in paths:
        directory = os.path.dirname(path)
        while directory not in found:
            found.add(directory)
            directory = os.path.dirname(directory)
    return found
