"""One update of the index: lock, snapshot, then a full rebuild or an exact incremental update.

The incremental path reconciles the whole snapshot against the `files` table every time; hints
(hook arguments, `--files`, `--since`, watch events) only add paths to check first.
"""
from __future__ import annotations

import json
import os
import posixpath
import sqlite3
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import NamedTuple

from aud_git import store
from aud_git.build import (
    BuildReport, full_build, head_commit, identity_meta, link_context, source_roots_for,
)
from aud_git.cache import CACHE_NAME, ExtractionCache
from aud_git.config import Config, load_config
from aud_git.extract import read_file
from aud_git.lock import updater_lock
from aud_git.logbook import log_internal_errors, log_line
from aud_git.schema import CANONICAL_TABLES
from aud_git.snapshot import Entry, GitState, Previous, take_snapshot
from aud_git.workers import records_for
from aud_git.paths import ensure_pf_dir
from aud_git.workspace import Workspace, ensure_pf_excluded, refuse_tracked_pf


_SYMLINK_MODE = 0o120000


@dataclass
class Summary:
    mode: str
    reason: str | None = None
    added: list[str] = field(default_factory=list)
    modified: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    renamed: list[list[str]] = field(default_factory=list)
    hinted: list[str] = field(default_factory=list)
    relinked: int = 0
    files: int = 0
    read: int = 0
    cached: int = 0
    links_reused: int = 0
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)
    build: BuildReport | None = None
    rows: dict[str, int] = field(default_factory=dict)
    workset: dict | None = None
    failures: list[tuple[str, str, str]] = field(default_factory=list)  # path, stage, traceback

    @property
    def internal_errors(self) -> list[str]:
        """The files an internal error hit in this update (each recorded in the index)."""
        return sorted({path for path, _, _ in self.failures})

    def line(self) -> str:
        if self.mode == "full":
            text = f"aud: full: {self.files} files, {self.relinked} linked in {self.seconds:.2f} s"
        else:
            text = (
                f"aud: incremental: {len(self.added)} added, {len(self.modified)} modified,"
                f" {len(self.deleted)} deleted, {self.relinked} re-linked in {self.seconds:.2f} s"
            )
        extras = [*self.notes]
        if self.failures:
            count = len(self.internal_errors)
            extras.append(f"{count} file{'s' if count != 1 else ''} with internal errors,"
                          " see .pf/aud.log")
        if self.reason:
            extras.insert(0, self.reason)
        if self.workset is not None:
            counts = self.workset["counts"]
            extras.append(f"workset {counts['changed']} changed + {counts['dependents']} dependents")
        return text + (f" ({'; '.join(extras)})" if extras else "")

    def as_dict(self) -> dict:
        data = {
            "mode": self.mode,
            "reason": self.reason,
            "added": self.added,
            "modified": self.modified,
            "deleted": self.deleted,
            "renamed": self.renamed,
            "hinted": self.hinted,
            "relinked": self.relinked,
            "files": self.files,
            "read": self.read,
            "cached": self.cached,
            "links_reused": self.links_reused,
            "seconds": round(self.seconds, 3),
            "notes": self.notes,
            "rows": self.rows,
            "internal_errors": self.internal_errors,
        }
        if self.build is not None:
            data["by_lang"] = dict(sorted(self.build.by_lang.items()))
            data["by_status"] = dict(sorted(self.build.by_status.items()))
        if self.workset is not None:
            data["workset"] = self.workset
        return data


class FullRebuildDue(Exception):
    """Raised instead of rebuilding in process; the message is the reason."""


def _env_flag(name: str) -> str | None:
    value = os.environ.get(name, "").strip()
    return value or None


def why_full(meta: dict[str, str], identity: dict[str, str], config: Config) -> str | None:
    """Why an incremental update cannot proceed, or None when it can."""
    if not meta:
        return "no index yet"
    for key, value in identity.items():
        if meta.get(key) != value:
            return f"{key.replace('_', ' ')} changed"
    if meta.get("needs_full"):
        return f"full rebuild requested: {meta['needs_full']}"
    if int(meta.get("updates_since_full", "0")) >= config.full_rebuild_every:
        return f"periodic full rebuild after {config.full_rebuild_every} updates"
    last_full = float(meta.get("last_full", "0") or 0)
    if time.time() - last_full >= config.full_rebuild_hours * 3600:
        return f"periodic full rebuild after {config.full_rebuild_hours:g} h"
    return None


def run_update(workspace: Workspace, *, mode: str, jobs: int, use_cache: bool = True,
               hints: list[str] | None = None, since: str | None = None,
               workset_out: str | None = None, show_progress: bool = False,
               count_rows: bool = False, full_in_process: bool = True,
               wait_for_lock: bool = True) -> Summary:
    """One update. With `full_in_process=False` (a long-lived watcher keeping its memory small),
    a due full rebuild raises FullRebuildDue instead, for the caller to run in a process of its
    own. With `wait_for_lock=False` (a hook), a busy lock raises LockBusy at once."""
    started = time.monotonic()
    config = load_config(workspace.workdir)
    ensure_pf_dir(workspace.pf_dir)
    refuse_tracked_pf(workspace)
    ensure_pf_excluded(workspace)
    base_commit = None
    if since is not None:
        from aud_git.workset import merge_base

        base_commit = merge_base(workspace, since)
    notes = []
    if mode == "incremental" and _env_flag("AUD_INCREMENTAL") == "0":
        mode = "full"
        notes.append("AUD_INCREMENTAL=0")
    if _env_flag("AUD_FORCE_FULL") == "1":
        mode = "full"
        notes.append("AUD_FORCE_FULL=1")
    with updater_lock(workspace.pf_dir, config.lock_timeout if wait_for_lock else 0.0):
        cache = ExtractionCache(os.path.join(workspace.pf_dir, CACHE_NAME)) if use_cache else None
        try:
            for attempt in (1, 2):
                conn, replaced = store.open_for_update(workspace.db_path)
                if replaced is not None:
                    notes.append(replaced)
                try:
                    summary, conn = _update_locked(
                        conn, workspace, config, "full" if replaced else mode, jobs, cache,
                        hints or [], show_progress, full_in_process)
                    break
                except sqlite3.DatabaseError as exc:
                    conn.close()
                    if attempt == 2 or not store.damaged(workspace.db_path):
                        raise
                    # A damaged page shows only when it is read: rebuild, once, from nothing.
                    store.remove_database(workspace.db_path)
                    notes.append(f"the index was damaged ({exc}); rebuilt from scratch")
            summary.notes = notes + summary.notes
            log_internal_errors(workspace.pf_dir, summary.failures)
            if since is not None:
                from aud_git.workset import compute_workset

                summary.workset = compute_workset(conn, workspace, config, base_commit)
                if workset_out:
                    with open(workset_out, "w", encoding="utf-8") as handle:
                        json.dump(summary.workset, handle, indent=2, sort_keys=True)
                        handle.write("\n")
            if count_rows:
                summary.rows = {
                    table.name: conn.execute(f"SELECT count(*) FROM {table.name}").fetchone()[0]
                    for table in CANONICAL_TABLES
                }
            conn.close()
        finally:
            if cache is not None:
                cache.close()
    summary.seconds = time.monotonic() - started
    return summary


def _update_locked(conn, workspace: Workspace, config: Config, mode: str, jobs: int, cache,
                   hints: list[str], show_progress: bool,
                   full_in_process: bool) -> tuple[Summary, sqlite3.Connection]:
    """Snapshot, decide full or incremental (saying why), and apply: under the lock. Returns
    the summary and a connection to the index as it now is (a full build makes a new file)."""
    meta = store.read_meta(conn)
    stored = _stored_rows(conn) if mode == "incremental" and meta else None
    snapshot_at = time.time()
    entries, git_state = take_snapshot(workspace, config, _previous(meta, stored, workspace))
    snapshot_meta = {
        "snapshot_at": snapshot_at,
        "index_checksum": git_state.index_checksum,
        "status_paths": json.dumps(sorted(git_state.status_paths)),
        "workdir": workspace.workdir,
    }
    roots = source_roots_for(config, entries)
    identity = identity_meta(config, roots)
    reason = None
    if mode == "incremental":
        reason = why_full(meta, identity, config)
        if reason is not None:
            mode = "full"
    if mode == "full" and not full_in_process:
        conn.close()
        raise FullRebuildDue(reason or "a full rebuild was requested")
    if mode == "full":
        conn.close()
        with store.new_database(workspace.db_path) as built:
            summary = _full(built, workspace, config, entries, jobs, cache, show_progress,
                            reason, snapshot_meta)
        return summary, store.connect(workspace.db_path)
    return incremental_update(conn, workspace, config, entries, roots, jobs, cache, hints,
                              snapshot_meta, identity, stored), conn


class StoredRow(NamedTuple):
    """What the `files` table says of a path, as reconciliation needs it."""
    blob_oid: str | None
    sha256: str | None
    symlink: bool
    failed: bool  # an internal error: extracted again by every update until it succeeds


def _stored_rows(conn) -> dict[str, StoredRow]:
    return {path: StoredRow(oid, sha, status == "symlink", status == "internal_error")
            for path, oid, sha, status in conn.execute(
                "SELECT path, blob_oid, sha256, status FROM files")}


def _previous(meta: dict[str, str], stored, workspace: Workspace) -> Previous | None:
    if stored is None or meta.get("workdir") != workspace.workdir or "status_paths" not in meta:
        return None
    state = GitState(meta.get("index_checksum"), frozenset(json.loads(meta["status_paths"])))
    return Previous(state, {path: (row.blob_oid, row.symlink) for path, row in stored.items()})


def _full(conn, workspace, config, entries, jobs, cache, show_progress, reason,
          snapshot_meta) -> Summary:
    if show_progress:
        import click

        with click.progressbar(length=len(entries), label="indexing",
                               file=click.get_text_stream("stderr")) as bar:
            report = full_build(conn, workspace, config, entries, jobs, bar.update, reason, cache,
                                snapshot_meta)
    else:
        report = full_build(conn, workspace, config, entries, jobs, None, reason, cache,
                            snapshot_meta)
    return Summary("full", reason=reason, relinked=report.relinked, files=report.files,
                   read=report.extraction["read"], cached=report.extraction["cached"], build=report,
                   failures=report.failures)


def _exact_renames(deleted: list[str], fresh, stored) -> list[list[str]]:
    """For reporting only: deleted paths whose bytes reappear, once, under an added path."""
    gone: dict[str, list[str]] = {}
    for path in deleted:
        gone.setdefault(stored[path].sha256, []).append(path)
    arrived: dict[str, list[str]] = {}
    for record in fresh:
        if record.path not in stored and record.sha256:
            arrived.setdefault(record.sha256, []).append(record.path)
    return sorted([gone[sha][0], paths[0]] for sha, paths in arrived.items()
                  if len(paths) == 1 and len(gone.get(sha, ())) == 1)


def _same_content(record, previous: StoredRow) -> bool:
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
    oid_only: dict[str, str]
    deleted: list[str]


def reconcile(conn, workspace: Workspace, config: Config, entries: dict[str, Entry],
              hints: list[str], stored: dict | None = None) -> Plan:
    """The whole snapshot against the stored rows; hinted paths are simply checked first."""
    stored = _stored_rows(conn) if stored is None else stored
    hinted = sorted({posixpath.normpath(h) for h in hints} & (entries.keys() | stored.keys()))
    plan = Plan(stored, hinted, [], {}, sorted(stored.keys() - entries.keys()))
    for path in hinted + sorted(entries.keys() - set(hinted)):
        entry = entries.get(path)
        if entry is None:
            continue
        previous = stored.get(path)
        if previous is None or previous.failed:
            plan.to_extract.append(entry)
        elif entry.oid is None:
            record, _ = read_file(path, workspace.abspath(path), None, config.max_file_size)
            if not _same_content(record, previous):
                plan.to_extract.append(entry)
            elif record.blob_oid != previous.blob_oid:
                plan.oid_only[path] = record.blob_oid
        elif entry.oid != previous.blob_oid or (entry.mode == _SYMLINK_MODE) != previous.symlink:
            plan.to_extract.append(entry)
    return plan


def incremental_update(conn, workspace: Workspace, config: Config, entries: dict[str, Entry],
                       roots: tuple[str, ...], jobs: int, cache: ExtractionCache | None,
                       hints: list[str], snapshot_meta: dict,
                       identity: dict[str, str], stored: dict | None = None) -> Summary:
    plan = reconcile(conn, workspace, config, entries, hints, stored)
    stored, hinted, deleted, oid_only = plan.stored, plan.hinted, plan.deleted, plan.oid_only
    added, modified = [], []
    counts: Counter = Counter()
    with store.write_transaction(conn):
        fresh = []
        for records in records_for(workspace.workdir, plan.to_extract, config.max_file_size, roots,
                                   jobs, cache, counts=counts):
            for record in records:
                previous = stored.get(record.path)
                if previous is not None and _same_content(record, previous):
                    if previous.blob_oid != record.blob_oid:
                        oid_only[record.path] = record.blob_oid
                    continue
                (modified if previous is not None else added).append(record.path)
                fresh.append(record)
        conn.executemany("UPDATE files SET blob_oid = ? WHERE path = ?",
                         [(oid, path) for path, oid in sorted(oid_only.items())])
        relink: set[str] = set()
        relinked, reused, issues = 0, 0, []
        failures = [(r.path, "extracting", r.failure) for r in fresh if r.failure is not None]
        if added or modified or deleted:
            # Imported here: a no-op update (most hook and watch runs) never pays for the linker.
            from aud_git import validate
            from aud_git.invalidation import files_to_relink
            from aud_git.link import link_files
            from aud_git.link.interface import changed_keys
            from aud_git.link.lookups import FactReader

            before = FactReader.from_db(conn)
            before.preload(modified)
            old_interfaces = {path: before.interface(path) for path in modified}
            store.delete_files(conn, deleted + modified)
            store.insert_records(conn, fresh)
            after = FactReader.from_db(conn)
            after.preload(modified)
            changed_interfaces = {
                path: changed_keys(old_interfaces[path], after.interface(path)) for path in modified
            }
            relink = files_to_relink(conn, added, deleted, changed_interfaces)
            after.preload(path for path in relink if path in after.langs)
            linked = link_files(conn, relink, roots, reader=after, cache=cache,
                                context=link_context(identity))
            relinked, reused = linked.linked, linked.reused
            failures.extend((path, "linking", trace) for path, trace in linked.failures)
        meta = store.read_meta(conn)
        counted = 1 if added or modified or deleted else 0  # no-op updates do not age the index
        store.write_meta(conn, {
            "head": head_commit(workspace),
            "last_mode": "incremental",
            "last_update": time.time(),
            **snapshot_meta,
            "updates_since_full": int(meta.get("updates_since_full", "0")) + counted,
        })
        if counted:
            issues = validate.problems(conn, relink, [*added, *modified, *deleted], identity)
        if issues:
            store.write_meta(conn, {"needs_full": f"validation failed: {issues[0]}"})
            log_line(workspace.pf_dir, f"validation failed: {'; '.join(issues)}")
    summary = Summary("incremental", added=sorted(added), modified=sorted(modified),
                      renamed=_exact_renames(deleted, fresh, stored),
                      deleted=deleted, hinted=hinted, relinked=relinked, files=len(entries),
                      read=counts["read"], cached=counts["cached"], links_reused=reused,
                      failures=failures)
    if issues:
        summary.notes.append(f"validation failed, the next update rebuilds: {issues[0]}")
    return summary
