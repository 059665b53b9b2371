"""Checking the live index against a fresh full build of the same working tree."""
from __future__ import annotations

import os
import sqlite3
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass

from aud_git import store
from aud_git.build import full_build
from aud_git.config import load_config
from aud_git.schema import CANONICAL_TABLES
from aud_git.snapshot import take_snapshot
from aud_git.workspace import Workspace


@dataclass
class TableDifference:
    table: str
    only_live: list[tuple]
    only_fresh: list[tuple]


def fresh_build(workspace: Workspace, db_path: str, jobs: int = 1) -> sqlite3.Connection:
    """A full build of the working tree into `db_path`, bypassing the extraction cache."""
    config = load_config(workspace.workdir)
    conn = store.connect(db_path)
    full_build(conn, workspace, config, take_snapshot(workspace, config), jobs)
    return conn


def differences(live: sqlite3.Connection, fresh: sqlite3.Connection,
                limit: int = 5) -> Iterator[TableDifference]:
    for table in CANONICAL_TABLES:
        columns = ", ".join(table.columns)
        query = f"SELECT {columns} FROM {table.name}"
        live_rows = set(live.execute(query))
        fresh_rows = set(fresh.execute(query))
        if live_rows != fresh_rows:
            yield TableDifference(
                table.name,
                sorted(live_rows - fresh_rows, key=repr)[:limit],
                sorted(fresh_rows - live_rows, key=repr)[:limit],
            )


def verify(workspace: Workspace, jobs: int = 1) -> list[TableDifference]:
    live = store.connect(workspace.db_path, must_exist=True, readonly=True)
    with tempfile.TemporaryDirectory(prefix="aud-verify-") as scratch:
        fresh = fresh_build(workspace, os.path.join(scratch, "fresh.db"), jobs)
        try:
            return list(differences(live, fresh))
        finally:
            fresh.close()
            live.close()
