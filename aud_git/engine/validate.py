"""Cheap self-checks after an incremental update, on indexed columns only, of what the update
wrote: their cost follows the change, not the repository.

- the fact rows of the files it changed, and the link rows of the files it re-linked, belong
  to files that have a `files` row (rows elsewhere were checked when they were written; a
  whole-table scan cost 28 ms on Django and 280 ms on ten copies of it, every update);
- the links of the files this update re-linked, and the links that point into the files it
  changed, point at files and symbols that exist (links elsewhere were checked when they were
  written, and nothing they depend on changed since);
- `meta` is in step with the running tool.
A failure does not undo the update: it is logged, and the next update is a full rebuild.
Damage from outside (a hand-edited database) is `aud verify`'s to find.
"""
from __future__ import annotations

import sqlite3
from collections.abc import Iterable

from aud_git.db.schema import FACT_TABLES, LINK_TABLES


def _chunks(items: list[str], size: int = 500) -> Iterable[list[str]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _first_orphan(conn: sqlite3.Connection, table: str, paths: list[str]) -> str | None:
    """The first of `paths` with rows in `table` but no files row."""
    for group in _chunks(paths):
        marks = ", ".join("?" * len(group))
        row = conn.execute(
            f"SELECT file FROM {table} WHERE file IN ({marks})"
            " AND NOT EXISTS (SELECT 1 FROM files WHERE path = file) LIMIT 1", group).fetchone()
        if row is not None:
            return row[0]
    return None


def problems(conn: sqlite3.Connection, relinked: Iterable[str], changed: Iterable[str],
             identity: dict[str, str]) -> list[str]:
    found: list[str] = []
    relinked, changed = sorted(set(relinked)), sorted(set(changed))
    written = sorted({*relinked, *changed})
    for table, paths in [*((t, changed) for t in FACT_TABLES), *((t, written) for t in LINK_TABLES)]:
        orphan = _first_orphan(conn, table.name, paths)
        if orphan is not None:
            found.append(f"{table.name} has rows for {orphan!r}, which has no files row")
    for group in _chunks(relinked):
        marks = ", ".join("?" * len(group))
        row = conn.execute(
            f"SELECT file, target FROM import_links WHERE file IN ({marks})"
            " AND resolution = 'file' AND target NOT IN (SELECT path FROM files) LIMIT 1",
            group).fetchone()
        if row:
            found.append(f"import_links of {row[0]!r} point at missing {row[1]!r}")
        row = conn.execute(
            f"SELECT l.file, l.target_file, l.target_qualname FROM call_links l WHERE l.file IN ({marks})"
            " AND NOT EXISTS (SELECT 1 FROM symbols s WHERE s.file = l.target_file"
            " AND s.qualname = l.target_qualname) LIMIT 1", group).fetchone()
        if row:
            found.append(f"call_links of {row[0]!r} point at missing {row[1]}:{row[2]}")
    for group in _chunks(changed):
        marks = ", ".join("?" * len(group))
        row = conn.execute(
            f"SELECT l.file, l.target_file, l.target_qualname FROM call_links l"
            f" WHERE l.target_file IN ({marks}) AND NOT EXISTS (SELECT 1 FROM symbols s"
            " WHERE s.file = l.target_file AND s.qualname = l.target_qualname) LIMIT 1",
            group).fetchone()
        if row:
            found.append(f"call_links of {row[0]!r} point at missing {row[1]}:{row[2]}")
    meta = dict(conn.execute("SELECT key, value FROM meta"))
    for key, value in identity.items():
        if meta.get(key) != value:
            found.append(f"meta {key} is {meta.get(key)!r}, the running tool has {value!r}")
    return found
