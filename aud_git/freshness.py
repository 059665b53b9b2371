"""A cheap staleness check for readers: no pygit2, no hashing, only stats and two small files.

It compares the indexed HEAD with git's, the git index file's mtime and the indexed files' mtimes
with the last update. New untracked files are not seen here; `aud status` reconciles fully.
"""
from __future__ import annotations

import os
import sqlite3

from aud_git.errors import AudError
from aud_git.paths import DB_NAME, PF_DIR


def find_root(start: str) -> str:
    """The nearest directory at or above `start` that holds `.git` (a directory or a file)."""
    path = os.path.abspath(start)
    while True:
        if os.path.exists(os.path.join(path, ".git")):
            return path
        parent = os.path.dirname(path)
        if parent == path:
            raise AudError(f"not a git repository (or any parent up to /): {os.path.abspath(start)}")
        path = parent


def db_path(root: str) -> str:
    return os.path.join(root, PF_DIR, DB_NAME)


def _git_dir(root: str) -> str:
    dot_git = os.path.join(root, ".git")
    if os.path.isfile(dot_git):
        with open(dot_git, encoding="utf-8") as handle:
            content = handle.read().strip()
        if content.startswith("gitdir:"):
            return os.path.normpath(os.path.join(root, content[len("gitdir:"):].strip()))
    return dot_git


def _common_dir(git_dir: str) -> str:
    try:
        with open(os.path.join(git_dir, "commondir"), encoding="utf-8") as handle:
            return os.path.normpath(os.path.join(git_dir, handle.read().strip()))
    except FileNotFoundError:
        return git_dir


def head_commit(root: str) -> str | None:
    git_dir = _git_dir(root)
    try:
        with open(os.path.join(git_dir, "HEAD"), encoding="utf-8") as handle:
            head = handle.read().strip()
    except OSError:
        return None
    if not head.startswith("ref:"):
        return head
    ref = head[4:].strip()
    for base in (git_dir, _common_dir(git_dir)):
        try:
            with open(os.path.join(base, ref), encoding="utf-8") as handle:
                return handle.read().strip()
        except OSError:
            pass
    try:
        with open(os.path.join(_common_dir(git_dir), "packed-refs"), encoding="utf-8") as handle:
            for line in handle:
                parts = line.split()
                if len(parts) == 2 and parts[1] == ref:
                    return parts[0]
    except OSError:
        pass
    return None


def stale_reason(root: str, conn: sqlite3.Connection) -> str | None:
    meta = dict(conn.execute("SELECT key, value FROM meta"))
    last_update = float(meta.get("snapshot_at") or 0)
    if meta.get("head") != head_commit(root):
        return "HEAD moved since the last update"
    try:
        if os.stat(os.path.join(_git_dir(root), "index")).st_mtime > last_update:
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
