"""The staleness check readers run before answering: no pygit2, and no false alarms.

The index describes the working tree's bytes, so the check asks about bytes: an indexed file
whose size or mtime moved since the last snapshot is hashed and compared with its row (a
`touch`, or a `git status` that only refreshed git's stat data, is not a change), a missing one
is a change, and when git's index file changed, tracked paths that have no row are. What
it cannot see without git: new untracked files; `aud status` reconciles everything.
"""
from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import struct

from aud_git.git.layout import git_dir_of
from aud_git.git.refs import index_identity, tracked_paths
from aud_git.paths import PF_DIR, disk_path, stored_path


def stale_reason(root: str, conn: sqlite3.Connection) -> str | None:
    meta = dict(conn.execute("SELECT key, value FROM meta"))
    changed = _changed_files(root, conn, int(float(meta.get("snapshot_at") or 0) * 1e9))
    if changed:
        return f"{changed} indexed file{'s' if changed != 1 else ''} changed since the last update"
    git_dir = git_dir_of(root)
    if index_identity(git_dir) != meta.get("index_checksum"):
        missing = _tracked_but_missing(root, git_dir, conn, meta)
        if missing:
            return (f"{missing} tracked file{'s' if missing != 1 else ''} not indexed yet")
    return None


def _changed_files(root: str, conn: sqlite3.Connection, since_ns: int) -> int:
    changed = 0
    for path, size, sha256, status in conn.execute("SELECT path, size, sha256, status FROM files"):
        on_disk = disk_path(root, path)
        try:
            info = os.lstat(on_disk)
        except OSError:
            changed += 1
            continue
        if (info.st_mtime_ns > since_ns or info.st_size != size) and sha256 is not None:
            changed += _hash_of(on_disk, status) != sha256
    return changed


def _hash_of(path: str, status: str) -> str | None:
    try:
        if status == "symlink":
            return hashlib.sha256(os.readlink(os.fsencode(path))).hexdigest()
        with open(path, "rb") as handle:
            return hashlib.file_digest(handle, "sha256").hexdigest()
    except OSError:
        return None


def _tracked_but_missing(root: str, git_dir: str, conn: sqlite3.Connection,
                         meta: dict[str, str]) -> int:
    """Tracked paths without a row, leaving out what the last update excluded on purpose."""
    from aud_git.config import Config

    try:
        tracked = set(map(stored_path, tracked_paths(git_dir, with_submodules=False)))
    except (OSError, ValueError, IndexError, struct.error):  # an index we cannot read: no claim
        return 0
    indexed = {path for (path,) in conn.execute("SELECT path FROM files")}
    excluded = Config(exclude=tuple(json.loads(meta.get("snapshot_exclude", "[]"))))
    return sum(1 for path in tracked - indexed
               if not (path.startswith(PF_DIR + "/") or excluded.is_excluded(path))
               and os.path.lexists(disk_path(root, path)))  # deleted, or outside a sparse cone
