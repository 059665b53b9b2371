"""The index kept equal to the working tree between answers, by a process that stays up.

Before each answer, `FreshIndex.ensure_fresh` compares what it remembers of the tree from its
last update (the stat data of every indexed file, of every directory git looks into and of
those holding indexed files, git's index file, HEAD, the files that hold git's rules) with the
tree now: one pass of `lstat`, a few milliseconds, and no process start. Any difference runs
the engine's incremental update in this process, which reconciles the whole tree as every
update does (the stat data only decide *whether* to update, never *what*), waiting for another
updater's lock for at most `lock_timeout`.

A new file shows in the mtime of its directory; ignored directories are not looked at (a file
there is not indexed either). The directories git looks into are walked once, then only below
those whose stat data moved (again in full when a rule may have changed). A file or directory
written twice within the file system's timestamp granularity keeps its stat data: such
"racily clean" entries (modified less than `RACY_SECONDS` before the stat data were taken) are
judged on the next check by their bytes (a file) or their listing (a directory), as git does
with its index.
"""
from __future__ import annotations

import hashlib
import os
import sqlite3
import stat as stat_mode
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
class Look:
    """The stat data of what a `TreeState` holds, taken now."""
    files: dict[str, Stat | None]
    directories: dict[str, Stat | None]
    git: tuple[object, ...]


@dataclass
class TreeState:
    """What the last update saw: stat data of the indexed files (by stored path, with where
    each is on disk) and of the directories (those git looks into, and those holding indexed
    files), and what identifies git's view. Racy files are judged by their bytes next time,
    racy directories by their listing."""
    taken_ns: int
    files: dict[str, Stat | None]
    where: dict[str, str]
    holding: frozenset[str]  # the directories that hold indexed files
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
        updated = False
        stale_reason = None
        if self.conn is not None and _stat(self.workspace.db_path) != self.db_stat:
            self._reopen()  # another updater replaced the file (a full rebuild)
        now = self._look(self.seen) if self.seen is not None else None
        if self.seen is None or now is None or self._moved(self.seen, now):
            before = self._observe(self.seen, now)  # before the update: an edit then shows next time
            try:
                summary = run_update(self.workspace, mode="incremental")
            except LockBusy as busy:
                stale_reason = f"another update holds the lock ({busy}); this answer may be stale"
            else:
                updated = summary.changed  # a full rebuild lists no paths
                changed = sorted({*summary.added, *summary.modified, *summary.deleted})[:MAX_CHANGED]
                self._reopen()
                self.seen = self._settled(before)
        return Freshness(commit=read_head(self.workspace.workdir), uncommitted=self.uncommitted,
                         updated=updated, changed=changed, stale_reason=stale_reason)

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

    def _look(self, seen: TreeState) -> Look:
        root = self.workspace.workdir
        return Look({path: _stat(seen.where[path]) for path in seen.files},
                    {d: _stat(os.path.join(root, d)) for d in seen.directories},
                    self._git_identity())

    def _moved(self, seen: TreeState, now: Look) -> bool:
        if now.git != seen.git or now.directories != seen.directories or now.files != seen.files:
            return True
        return self._racy_moved(seen)

    def _observe(self, last: TreeState | None, now: Look | None) -> TreeState:
        """The stat data to compare with after this update, taken before it: of the paths the
        index holds and the directories git looks into (what `now` holds is reused)."""
        taken_ns = time.time_ns()
        root = self.workspace.workdir
        paths = self._indexed_paths()
        if last is not None and now is not None and paths == list(last.files):
            where, holding, files = last.where, last.holding, now.files
        else:
            where = _where(root, paths, last.where if last is not None else {})
            holding = frozenset(_directories_of(map(real_path, paths)))
            looked = now.files if now is not None else {}
            files = {path: looked[path] if path in looked else _stat(where[path]) for path in paths}
        looked_dirs = now.directories if now is not None else {}
        directories = {d: looked_dirs[d] if d in looked_dirs else _stat(os.path.join(root, d))
                       for d in holding.union(self._visible(last, now))}
        racy_after = taken_ns - int(RACY_SECONDS * 1e9)
        racy = [path for path, stat in files.items() if stat is not None and stat[0] >= racy_after]
        racy_directories = {d: _listing(os.path.join(root, d)) for d, stat in directories.items()
                            if stat is not None and stat[0] >= racy_after}
        git = now.git if now is not None else self._git_identity()
        return TreeState(taken_ns, files, where, holding, directories, git, racy, racy_directories)

    def _visible(self, last: TreeState | None, now: Look | None) -> set[str]:
        """The directories git looks into: walked in full at first and when a rule may have
        changed, else the known ones still there and what is new below those that moved."""
        if last is None or now is None or now.git != last.git or any(
                now.files[path] != stat for path, stat in last.files.items()
                if path.rpartition("/")[2] == ".gitignore"):
            return visible_directories(self.workspace)
        known = frozenset(d for d, stat in now.directories.items()
                          if stat is not None and stat_mode.S_ISDIR(stat[3]))
        moved = [d for d in known if now.directories[d] != last.directories[d]]
        return set(known) | visible_directories(self.workspace, under=moved, known=known)

    def _settled(self, before: TreeState) -> TreeState:
        """What the next check compares with: the stat data taken before the update (a change
        during it shows next time). What the update added is looked at now, after it: a file by
        its bytes next time, a directory by its listing (racy). A directory made during the
        update moved its parent's mtime."""
        paths = self._indexed_paths()
        if paths == list(before.files):
            return before
        where = _where(self.workspace.workdir, paths, before.where)
        files = {path: before.files[path] if path in before.files else _stat(where[path])
                 for path in paths}
        added = [path for path in paths if path not in before.files]
        holding = frozenset(_directories_of(map(real_path, paths)))
        root = self.workspace.workdir
        fresh = holding.difference(before.directories)  # an ignored one holding a new tracked file
        directories = {**before.directories, **{d: _stat(os.path.join(root, d)) for d in fresh}}
        racy_directories = {**before.racy_directories,
                            **{d: _listing(os.path.join(root, d)) for d in fresh}}
        return TreeState(before.taken_ns, files, where, holding, directories, before.git,
                         sorted({*before.racy, *added} & files.keys()), racy_directories)

    def _indexed_paths(self) -> list[str]:
        if not os.path.exists(self.workspace.db_path):
            return []
        conn = store.connect(self.workspace.db_path, readonly=True)
        try:
            return [row[0] for row in conn.execute("SELECT path FROM files ORDER BY path")]
        except sqlite3.DatabaseError:
            return []
        finally:
            conn.close()

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
