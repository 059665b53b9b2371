"""Which files must be re-linked after some paths changed: a query over `link_deps`.

A content change invalidates the `facts`/`config` lookups of the path. A path that appeared or
vanished also invalidates every probe that could have found it and the `dir` lookups of its
ancestors (a directory can start or stop holding indexed files).
"""
from __future__ import annotations

import posixpath
import sqlite3
from collections.abc import Iterable

from aud_git.link.javascript import probe_bases
from aud_git.link.python import module_stems


def ancestors(path: str) -> list[str]:
    out = []
    parent = posixpath.dirname(path)
    while parent:
        out.append(parent)
        parent = posixpath.dirname(parent)
    return out


def lookup_keys(path: str, appeared_or_vanished: bool) -> set[tuple[str, str]]:
    keys = {("facts", path), ("config", path)}
    if appeared_or_vanished:
        keys.add(("path", path))
        keys.update(("pymod", stem) for stem in module_stems(path))
        keys.update(("jsmod", base) for base in probe_bases(path))
        keys.update(("dir", d) for d in ancestors(path))
    return keys


def files_depending_on(conn: sqlite3.Connection, keys: Iterable[tuple[str, str]]) -> set[str]:
    found: set[str] = set()
    for kind, path in keys:
        found.update(row[0] for row in conn.execute(
            "SELECT file FROM link_deps WHERE path = ? AND kind = ?", (path, kind)))
    return found


def files_to_relink(conn: sqlite3.Connection, added: list[str], modified: list[str],
                    deleted: list[str]) -> set[str]:
    """The changed files plus every file whose recorded lookups touch a changed path."""
    keys: set[tuple[str, str]] = set()
    for path in modified:
        keys |= lookup_keys(path, False)
    for path in (*added, *deleted):
        keys |= lookup_keys(path, True)
    return set(added) | set(modified) | set(deleted) | files_depending_on(conn, keys)
