"""Which files must be re-linked after some paths changed: a query over `link_deps`.

A path that appeared or vanished invalidates every lookup of it (whatever the kind and name),
the module probes that could have found it, and the `dir` lookups of its ancestors (a directory
can start or stop holding indexed files). A path whose content changed invalidates its `config`
and `package` lookups and the interface keys whose values changed (see link/interface.py).
"""
from __future__ import annotations

import posixpath
import sqlite3
from collections.abc import Iterable

from aud_git.link.probes import module_stems, probe_bases

# (kind, path, name); kind None: any kind, name None: any name
Key = tuple[str | None, str, str | None]


def ancestors(path: str) -> list[str]:
    out = []
    parent = posixpath.dirname(path)
    while parent:
        out.append(parent)
        parent = posixpath.dirname(parent)
    return out


# Which package.json files bear a name (`packages` lookups, path ''): any package.json that
# comes, goes or is renamed invalidates them all (package.json files change rarely; a version
# bump keeps the name and invalidates none).
ANY_PACKAGE_NAME: Key = ("packages", "", None)


def presence_keys(path: str) -> set[Key]:
    keys: set[Key] = {(None, path, None)}
    keys.update(("pymod", stem, "") for stem in module_stems(path))
    keys.update(("jsmod", base, "") for base in probe_bases(path))
    keys.update(("dir", d, "") for d in ancestors(path))
    if posixpath.basename(path) == "package.json":
        keys.add(ANY_PACKAGE_NAME)
    return keys


def content_keys(path: str, changed: Iterable[tuple[str, str]]) -> set[Key]:
    keys: set[Key] = {("config", path, ""), ("package", path, "")}
    for kind, name in changed:
        keys.add(ANY_PACKAGE_NAME if kind == "package" else (kind, path, name))
    return keys


def files_depending_on(conn: sqlite3.Connection, keys: Iterable[Key]) -> set[str]:
    found: set[str] = set()
    for kind, path, name in keys:
        if kind is None:
            rows = conn.execute("SELECT file FROM link_deps WHERE path = ?", (path,))
        elif name is None:
            rows = conn.execute("SELECT file FROM link_deps WHERE path = ? AND kind = ?", (path, kind))
        else:
            rows = conn.execute("SELECT file FROM link_deps WHERE path = ? AND kind = ? AND name = ?",
                                (path, kind, name))
        found.update(row[0] for row in rows)
    return found


def files_to_relink(conn: sqlite3.Connection, added: list[str], deleted: list[str],
                    modified: dict[str, set[tuple[str, str]]]) -> set[str]:
    """The changed files plus every file whose recorded lookups touch a change.

    `modified` maps each path whose content changed to its changed interface keys.
    """
    keys: set[Key] = set()
    for path in (*added, *deleted):
        keys |= presence_keys(path)
    for path, changed in modified.items():
        keys |= content_keys(path, changed)
    return set(added) | set(deleted) | set(modified) | files_depending_on(conn, keys)
