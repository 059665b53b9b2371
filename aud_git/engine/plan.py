"""The plan of an incremental update: the whole snapshot reconciled against the `files` rows.

Hints (hook arguments, `--files`, watch events) only order the work; every path is compared.
Clean files compare by blob id, files git could not vouch for by the sha256 of their bytes.
"""
from __future__ import annotations

import json
import posixpath
import sqlite3
from dataclasses import dataclass
from typing import NamedTuple

from aud_git.config import Config
from aud_git.extract import FileRecord, read_file
from aud_git.git.snapshot import Entry, GitState, Previous
from aud_git.git.workspace import Workspace

_SYMLINK_MODE = 0o120000


class StoredRow(NamedTuple):
    """What the `files` table says of a path, as reconciliation needs it."""
    blob_oid: str | None
    sha256: str | None
    symlink: bool
    failed: bool  # an internal error: extracted again by every update until it succeeds


def stored_rows(conn: sqlite3.Connection) -> dict[str, StoredRow]:
    return {path: StoredRow(oid, sha, status == "symlink", status == "internal_error")
            for path, oid, sha, status in conn.execute(
                "SELECT path, blob_oid, sha256, status FROM files")}


def previous_snapshot(meta: dict[str, str], stored: dict[str, StoredRow] | None,
                      workspace: Workspace) -> Previous | None:
    """What the last update saw, for a cheap snapshot; None when it cannot be trusted here."""
    if stored is None or meta.get("workdir") != workspace.workdir or "status_paths" not in meta:
        return None
    state = GitState(meta.get("index_checksum"), frozenset(json.loads(meta["status_paths"])),
                     tuple(json.loads(meta.get("snapshot_exclude", "[]"))),
                     unwatched=frozenset(json.loads(meta.get("snapshot_unwatched", "[]"))))
    return Previous(state, {path: (row.blob_oid, row.symlink) for path, row in stored.items()})


def same_content(record: FileRecord, previous: StoredRow) -> bool:
    """Same bytes and the same kind of file: its facts are the stored ones (unless storing
    them failed: a transient failure, a worker killed for memory, must not outlive itself)."""
    return (record.sha256 is not None and record.sha256 == previous.sha256
            and (record.status == "symlink") == previous.symlink and not previous.failed)


@dataclass
class Plan:
    """What differs between the snapshot and the `files` table, before any extraction."""
    stored: dict[str, StoredRow]
    hinted: list[str]
    to_extract: list[Entry]
    oid_only: dict[str, str]  # same bytes under a new blob id: only the id is rewritten
    deleted: list[str]


def reconcile(conn: sqlite3.Connection, workspace: Workspace, config: Config,
              entries: dict[str, Entry], hints: list[str],
              stored: dict[str, StoredRow] | None = None) -> Plan:
    """The whole snapshot against the stored rows; hinted paths are simply checked first."""
    stored = stored_rows(conn) if stored is None else stored
    hinted = sorted({posixpath.normpath(h) for h in hints} & (entries.keys() | stored.keys()))
    plan = Plan(stored, hinted, [], {}, sorted(stored.keys() - entries.keys()))
    for path in hinted + sorted(entries.keys() - set(hinted)):
        entry = entries.get(path)
        previous = stored.get(path)
        if entry is None:
            continue
        if previous is None or previous.failed:
            plan.to_extract.append(entry)
        elif entry.oid is None:
            _compare_bytes(plan, workspace, config, entry, previous)
        elif entry.oid != previous.blob_oid or (entry.mode == _SYMLINK_MODE) != previous.symlink:
            plan.to_extract.append(entry)
    return plan


def _compare_bytes(plan: Plan, workspace: Workspace, config: Config, entry: Entry,
                   previous: StoredRow) -> None:
    """A file git could not vouch for: read, and compared by the hash of its bytes."""
    record, _ = read_file(entry.path, workspace.abspath(entry.path), config.max_file_size)
    if not same_content(record, previous):
        plan.to_extract.append(entry)
    elif record.blob_oid != previous.blob_oid and record.blob_oid is not None:
        plan.oid_only[entry.path] = record.blob_oid
