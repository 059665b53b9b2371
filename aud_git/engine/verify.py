"""Checking the live index against a fresh full build of the same working tree."""
from __future__ import annotations

import os
import sqlite3
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass

from aud_git.config import load_config
from aud_git.db import store
from aud_git.db.schema import CANONICAL_TABLES
from aud_git.engine.build import full_build
from aud_git.git.snapshot import take_snapshot
from aud_git.git.workspace import Workspace


@dataclass
class TableDifference:
    table: str
    only_live: list[tuple]
    only_fresh: list[tuple]


def fresh_build(workspace: Workspace, db_path: str, jobs: int = 1) -> sqlite3.Connection:
    """A full build of the working tree into `db_path`, bypassing the extraction cache."""
    config = load_config(workspace.workdir)
    conn = store.connect(db_path)
    full_build(conn, workspace, config, take_snapshot(workspace, config).entries, jobs)
    return conn


def differences(fresh: sqlite3.Connection, live_path: str,
                limit: int = 5) -> Iterator[TableDifference]:
    """Table by table, the rows only one side has (as multisets: row counts are compared too)."""
    fresh.execute("ATTACH DATABASE ? AS live", (store.sqlite_uri(live_path, mode="ro"),))
    try:
        for table in CANONICAL_TABLES:
            columns = ", ".join(table.columns)
            only_live = fresh.execute(
                f"SELECT {columns} FROM live.{table.name} EXCEPT SELECT {columns} FROM main.{table.name}"
                f" LIMIT ?", (limit,)).fetchall()
            only_fresh = fresh.execute(
                f"SELECT {columns} FROM main.{table.name} EXCEPT SELECT {columns} FROM live.{table.name}"
                f" LIMIT ?", (limit,)).fetchall()
            counts = [fresh.execute(f"SELECT count(*) FROM {schema}.{table.name}").fetchone()[0]
                      for schema in ("live", "main")]
            if only_live or only_fresh or counts[0] != counts[1]:
                yield TableDifference(table.name, only_live, only_fresh)
    finally:
        fresh.execute("DETACH DATABASE live")


def verify(workspace: Workspace, jobs: int = 1) -> list[TableDifference]:
    store.connect(workspace.db_path, must_exist=True, readonly=True).close()
    with tempfile.TemporaryDirectory(prefix="aud-verify-") as scratch:
        fresh = fresh_build(workspace, os.path.join(scratch, "fresh.db"), jobs)
        try:
            return list(differences(fresh, workspace.db_path))
        finally:
            fresh.close()
