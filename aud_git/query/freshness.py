"""A cheap staleness check for readers: no pygit2, no hashing, only stats and two small files.

It compares the indexed HEAD with git's, the git index file's mtime and the indexed files' mtimes
with the last update. New untracked files are not seen here; `aud status` reconciles fully.
"""
from __future__ import annotations

import os
import sqlite3

from aud_git.git.refs import git_dir_of, read_head


def stale_reason(root: str, conn: sqlite3.Connection) -> str | None:
    meta = dict(conn.execute("SELECT key, value FROM meta"))
    last_update = float(meta.get("snapshot_at") or 0)
    if meta.get("head") != read_head(root):
        return "HEAD moved since the last update"
    try:
        if os.stat(os.path.join(git_dir_of(root), "index")).st_mtime > last_update:
            return "the git index changed since the last update"
    except OSError:
        pass
    changed = 0
    prefix = root + os.sep
    lstat = os.lstat
    for (path,) in conn.execute("SELECT path FROM files"):
        try:
            if lstat(prefix + path).st_mtime > last_update:
                changed += 1
        except OSError:
            changed += 1
    if changed:
        return f"{changed} indexed file{'s' if changed != 1 else ''} changed since the last update"
    return None
