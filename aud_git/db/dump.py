"""The canonical dump: every table but `meta`, rows in a total order, one JSON array per row."""
from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterator

from aud_git.db.schema import CANONICAL_TABLES


def dump_lines(conn: sqlite3.Connection) -> Iterator[str]:
    for table in CANONICAL_TABLES:
        columns = ", ".join(table.columns)
        yield f"## {table.name} ({columns})"
        for row in conn.execute(f"SELECT {columns} FROM {table.name} ORDER BY {columns}"):
            yield json.dumps(row, ensure_ascii=False, separators=(",", ":"))


def digest(conn: sqlite3.Connection) -> str:
    hasher = hashlib.sha256()
    for line in dump_lines(conn):
        hasher.update(line.encode("utf-8", "surrogatepass"))
        hasher.update(b"\n")
    return hasher.hexdigest()
