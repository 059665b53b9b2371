"""The plan of an incremental update: the snapshot reconciled against the `files` rows.

Hints (hook arguments, `--files`, watch events) only order the work and add paths to examine;
every path the snapshot examined is compared (a partial snapshot examines every path that can
differ: see snapshot.py). Clean files compare by blob id, files git could not vouch for by the
sha256 of their bytes.
"""
from __future__ import annotations

import json
import posixpath
import sqlite3
from dataclasses import dataclass
from typing import NamedTuple

from aud_git.config import Config
from aud_git.extract import FileRecord, read_file
from aud_git.git.snapshot import Entry, GitState, Snapshot
from aud_git.git.workspace import Workspace

_SYMLINK_MODE = 0o120000


class StoredRow(NamedTuple):
    """What the `files` table says of a path, as reconciliation needs it."""
    blob_oid: str | None
    sha256: str | None
    symlink: bool
    failed: bool  # an internal error: extracted again by every update until it succeeds


_SELECT_ROWS = "SELECT path, blob_oid, sha256, status FROM files"
_MAX_PARAMETERS = 500  # a statement's `?` (SQLite's own limit is higher; this keeps them small)


def _row(oid: str | None, sha: str | None, status: str) -> StoredRow:
    return StoredRow(oid, sha, status == "symlink", status == "internal_error")


def stored_rows(conn: sqlite3.Connection, paths: frozenset[str] | None = None) -> dict[str, StoredRow]:
    """The rows of `paths` (None: of every file)."""
    if paths is None:
        return {path: _row(oid, sha, status) for path, oid, sha, status in conn.execute(_SELECT_ROWS)}
    rows: dict[str, StoredRow] = {}
    wanted = sorted(paths)
    for start in range(0, len(wanted), _MAX_PARAMETERS):
        chunk = wanted[start:start + _MAX_PARAMETERS]
        query = f"{_SELECT_ROWS} WHERE path IN ({', '.join('?' * len(chunk))})"
        rows.update((path, _row(oid, sha, status))
                    for path, oid, sha, status in conn.execute(query, chunk))
    return rows


def failed_paths(conn: sqlite3.Connection) -> list[str]:
    """Files whose extraction or storing failed: examined by every update until they succeed."""
    return [path for (path,) in conn.execute(
        "SELECT path FROM files WHERE status = 'internal_error'")]


def previous_state(meta: dict[str, str], workspace: Workspace) -> GitState | None:
    """What the last update saw of git, for a partial snapshot; None when it cannot be trusted
    here (no update yet, or the index was moved from another working tree)."""
    if meta.get("workdir") != workspace.workdir or "status_paths" not in meta:
        return None
    return GitState(meta.get("index_checksum"), frozenset(json.loads(meta["status_paths"])),
                    tuple(json.loads(meta.get("snapshot_exclude", "[]"))),
                    unwatched=frozenset(json.loads(meta.get("snapshot_unwatched", "[]"))))


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
              snapshot: Snapshot, hints: list[str],
              stored: dict[str, StoredRow] | None = None) -> Plan:
    """The snapshot's paths against their stored rows (`stored`: already read, or None); hinted
    paths are checked first."""
    entries = snapshot.entries
    if stored is None:
        stored = stored_rows(conn, snapshot.examined)
    candidates = entries.keys() | stored.keys()
    hinted = sorted({posixpath.normpath(h) for h in hints} & candidates)
    plan = Plan(stored, hinted, [], {}, sorted(stored.keys() - entries.keys()))
    for path in hinted + sorted(entries.keys() - set(hinted)):
        entry = entries.get(path)
        if entry is None:  # a hinted path that is gone
            continue
        previous = stored.get(path)
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
