"""One update of the index: lock, snapshot, then a full rebuild or an exact incremental update.

The incremental path is the data flow of ARCHITECTURE.md, one named step per arrow:
plan (reconcile) -> extract -> replace facts -> interface diff -> invalidate -> link -> meta ->
validate, all in one write transaction.
"""
from __future__ import annotations

import json
import os
import posixpath
import sqlite3
import time
from collections import Counter
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field

from aud_git.config import Config, load_config
from aud_git.db import store
from aud_git.db.cache import ExtractionCache
from aud_git.engine.build import cycle_collection_paused, full_build
from aud_git.engine.extraction import records_for
from aud_git.engine.identity import Identity
from aud_git.engine.lock import updater_lock
from aud_git.engine.plan import (
    Plan,
    StoredRow,
    failed_paths,
    previous_state,
    reconcile,
    same_content,
    stored_rows,
)
from aud_git.engine.summary import Failure, Summary
from aud_git.extract import FileRecord
from aud_git.git.snapshot import Entry, GitState, Snapshot, take_snapshot
from aud_git.git.workspace import Workspace, ensure_pf_excluded, refuse_tracked_pf
from aud_git.logbook import log_internal_errors, log_line
from aud_git.paths import CACHE_NAME, ensure_pf_dir
from aud_git.processes import default_jobs

# `progress(total)` opens a progress display and yields `advance(count)`; the engine never
# knows how it is drawn (the command line passes click's progress bar on a terminal).
Progress = Callable[[int], AbstractContextManager[Callable[[int], None]]]


class FullRebuildDue(Exception):
    """Raised instead of rebuilding in process; the message is the reason."""


@dataclass(frozen=True)
class Request:
    """What the caller asks of one update."""
    mode: str  # "full" or "incremental" (which rebuilds when it must)
    jobs: int = field(default_factory=default_jobs)
    use_cache: bool = True
    hints: tuple[str, ...] = ()
    progress: Progress | None = None
    full_in_process: bool = True  # False: raise FullRebuildDue (a watcher keeping small)
    wait_for_lock: bool = True  # False: a busy lock raises LockBusy at once (a hook)


def run_update(workspace: Workspace, *, mode: str, jobs: int | None = None,
               use_cache: bool = True, hints: Iterable[str] = (), since: str | None = None,
               progress: Progress | None = None, full_in_process: bool = True,
               wait_for_lock: bool = True,
               on_locked: Callable[[], None] | None = None) -> Summary:
    """One update, returned as data. With `since`, the summary carries the CI workset.
    `on_locked` runs once the updaters' lock is held, before anything is read."""
    started = time.monotonic()
    config = load_config(workspace.workdir)
    ensure_pf_dir(workspace.pf_dir)
    refuse_tracked_pf(workspace)
    ensure_pf_excluded(workspace)
    base_commit = _merge_base(workspace, since)
    mode, notes = _mode_from_environment(mode)
    request = Request(mode, jobs or default_jobs(), use_cache, tuple(hints), progress,
                      full_in_process, wait_for_lock)
    with updater_lock(workspace.pf_dir, config.lock_timeout if wait_for_lock else 0.0):
        if on_locked is not None:
            on_locked()
        cache = ExtractionCache(os.path.join(workspace.pf_dir, CACHE_NAME)) if use_cache else None
        try:
            summary, conn = _update_with_retry(workspace, config, request, cache, notes)
            try:
                log_internal_errors(workspace.pf_dir, summary.failures)
                if base_commit is not None:
                    from aud_git.engine.workset import compute_workset

                    summary.workset = compute_workset(conn, workspace, config, base_commit)
            finally:
                conn.close()
        finally:
            if cache is not None:
                cache.close()
    summary.seconds = time.monotonic() - started
    return summary


def _merge_base(workspace: Workspace, since: str | None) -> str | None:
    """Resolved before the lock is taken: an unknown ref is the user's error, found at once."""
    if since is None:
        return None
    from aud_git.git.history import merge_base

    return merge_base(workspace, since)


def _env_flag(name: str) -> str | None:
    value = os.environ.get(name, "").strip()
    return value or None


def _mode_from_environment(mode: str) -> tuple[str, list[str]]:
    """AUD_INCREMENTAL=0 and AUD_FORCE_FULL=1 turn any update into a full rebuild."""
    notes = []
    if mode == "incremental" and _env_flag("AUD_INCREMENTAL") == "0":
        mode = "full"
        notes.append("AUD_INCREMENTAL=0")
    if _env_flag("AUD_FORCE_FULL") == "1":
        mode = "full"
        notes.append("AUD_FORCE_FULL=1")
    return mode, notes


def _update_with_retry(workspace: Workspace, config: Config, request: Request,
                       cache: ExtractionCache | None,
                       notes: list[str]) -> tuple[Summary, sqlite3.Connection]:
    """The update under the lock; a database found damaged on the way is rebuilt, once."""
    for attempt in (1, 2):
        conn, replaced = store.open_for_update(workspace.db_path)
        if replaced is not None:
            notes.append(replaced)
        try:
            summary, conn = _update_locked(conn, workspace, config, request, cache,
                                           force_full=replaced is not None)
            summary.notes = notes + summary.notes
            return summary, conn
        except sqlite3.DatabaseError as exc:
            conn.close()
            if attempt == 2 or not store.damaged(workspace.db_path):
                raise
            # A damaged page shows only when it is read: rebuild, once, from nothing.
            store.remove_database(workspace.db_path)
            notes.append(f"the index was damaged ({exc}); rebuilt from scratch")
    raise AssertionError("unreachable: the second attempt returns or raises")


def _update_locked(conn: sqlite3.Connection, workspace: Workspace, config: Config,
                   request: Request, cache: ExtractionCache | None,
                   force_full: bool) -> tuple[Summary, sqlite3.Connection]:
    """Snapshot, decide full or incremental (saying why), and apply: under the lock. Returns
    the summary and a connection to the index as it now is (a full build makes a new file)."""
    mode = "full" if force_full else request.mode
    meta = store.read_meta(conn)
    incremental = mode == "incremental" and bool(meta)
    previous = previous_state(meta, workspace) if incremental else None
    snapshot_at = time.time()
    snapshot = take_snapshot(workspace, config, previous, _also_examine(conn, request, previous))
    stored = stored_rows(conn, snapshot.examined) if incremental else None
    identity = identity_now(conn, config, snapshot, stored, meta)
    reason = identity.why_full(meta) if mode == "incremental" else None
    if mode == "full" or reason is not None:
        conn.close()
        if not request.full_in_process:
            raise FullRebuildDue(reason or "a full rebuild was requested")
        if snapshot.examined is not None:  # a rebuild reads every path
            snapshot_at, snapshot = time.time(), take_snapshot(workspace, config)
        with store.new_database(workspace.db_path) as built:
            summary = _full(built, workspace, config, snapshot.entries, request, cache,
                            _snapshot_meta(workspace, snapshot, snapshot_at))
        summary.reason = reason
        return summary, store.connect(workspace.db_path)
    summary = incremental_update(conn, workspace, config, snapshot, identity, request, cache,
                                 _snapshot_meta(workspace, snapshot, snapshot_at), stored)
    return summary, conn


def _also_examine(conn: sqlite3.Connection, request: Request,
                  previous: GitState | None) -> list[str]:
    """What a partial snapshot examines besides what git reports: the hints, and the files whose
    extraction failed (tried again by every update)."""
    if previous is None:
        return []
    return [*(posixpath.normpath(hint) for hint in request.hints), *failed_paths(conn)]


def _snapshot_meta(workspace: Workspace, snapshot: Snapshot, snapshot_at: float) -> dict:
    state = snapshot.state
    return {
        "snapshot_at": snapshot_at,
        "index_checksum": state.index_checksum,
        "status_paths": json.dumps(sorted(state.status_paths)),
        "snapshot_exclude": json.dumps(list(state.exclude)),
        "snapshot_unwatched": json.dumps(sorted(state.unwatched)),
        "workdir": workspace.workdir,
    }


def identity_now(conn: sqlite3.Connection, config: Config, snapshot: Snapshot,
                 stored: dict[str, StoredRow] | None, meta: dict[str, str]) -> Identity:
    """The identity of the tree the snapshot sees. After a partial snapshot the source roots
    are the last update's (`meta`: an update whose roots differ rebuilds) unless a path they
    depend on came or went; then they are detected again from every path."""
    if snapshot.examined is None:
        return Identity.of(config, snapshot.entries)
    present, was = snapshot.entries.keys(), (stored or {}).keys()
    came_or_went = {path for path in snapshot.examined if (path in present) != (path in was)}
    if "source_roots" in meta and not any(map(config.source_roots_depend_on, came_or_went)):
        return Identity(config, tuple(json.loads(meta["source_roots"])))
    paths = {path for (path,) in conn.execute("SELECT path FROM files")}
    return Identity.of(config, (paths - came_or_went) | (came_or_went & present))


def _full(conn: sqlite3.Connection, workspace: Workspace, config: Config,
          entries: dict[str, Entry], request: Request, cache: ExtractionCache | None,
          snapshot_meta: dict) -> Summary:
    if request.progress is None:
        report = full_build(conn, workspace, config, entries, request.jobs, None, cache,
                            snapshot_meta)
    else:
        with request.progress(len(entries)) as advance:
            report = full_build(conn, workspace, config, entries, request.jobs, advance, cache,
                                snapshot_meta)
    return Summary("full", relinked=report.relinked, files=report.files,
                   read=report.extraction["read"], cached=report.extraction["cached"],
                   syntax_errors=report.by_status["parse_error"], build=report,
                   failures=report.failures)


@dataclass
class Changes:
    """What the extract step found: files whose content differs from their stored rows."""
    added: list[str] = field(default_factory=list)
    modified: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    fresh: list[FileRecord] = field(default_factory=list)  # records of added and modified
    oid_only: dict[str, str] = field(default_factory=dict)  # same bytes, a new blob id
    counts: Counter = field(default_factory=Counter)  # "read" and "cached"

    @property
    def any(self) -> bool:
        return bool(self.added or self.modified or self.deleted)


@dataclass
class Linked:
    """What the link step did."""
    relink: set[str] = field(default_factory=set)  # the files invalidation chose
    linked: int = 0  # of those, the files still indexed (each linked anew or reused)
    reused: int = 0
    failures: list[Failure] = field(default_factory=list)


def incremental_update(conn: sqlite3.Connection, workspace: Workspace, config: Config,
                       snapshot: Snapshot, identity: Identity, request: Request,
                       cache: ExtractionCache | None, snapshot_meta: dict,
                       stored: dict[str, StoredRow] | None = None) -> Summary:
    plan = reconcile(conn, workspace, config, snapshot, list(request.hints), stored)
    with cycle_collection_paused(), store.write_transaction(conn):
        changes = extract_changes(workspace, config, plan, identity, request.jobs, cache)
        record_blob_ids(conn, changes.oid_only)
        linked = apply_changes(conn, changes, identity, cache) if changes.any else Linked()
        write_incremental_meta(conn, workspace, snapshot_meta, counted=changes.any)
        issues = validate_update(conn, workspace, changes, linked, identity)
        (files,) = conn.execute("SELECT count(*) FROM files").fetchone()
    return _incremental_summary(plan, changes, linked, files, issues)


def extract_changes(workspace: Workspace, config: Config, plan: Plan, identity: Identity,
                    jobs: int, cache: ExtractionCache | None) -> Changes:
    """Extract what the plan could not rule out; a file whose bytes turn out unchanged only
    gets its new blob id."""
    changes = Changes(deleted=plan.deleted, oid_only=dict(plan.oid_only))
    for records in records_for(workspace.workdir, plan.to_extract, config.max_file_size,
                               identity.source_roots, jobs, cache, counts=changes.counts):
        for record in records:
            previous = plan.stored.get(record.path)
            if previous is not None and same_content(record, previous):
                if previous.blob_oid != record.blob_oid and record.blob_oid is not None:
                    changes.oid_only[record.path] = record.blob_oid
                continue
            (changes.modified if previous is not None else changes.added).append(record.path)
            changes.fresh.append(record)
    return changes


def record_blob_ids(conn: sqlite3.Connection, oid_only: dict[str, str]) -> None:
    conn.executemany("UPDATE files SET blob_oid = ? WHERE path = ?",
                     [(oid, path) for path, oid in sorted(oid_only.items())])


def apply_changes(conn: sqlite3.Connection, changes: Changes, identity: Identity,
                  cache: ExtractionCache | None) -> Linked:
    """Replace facts, diff the modified files' interfaces, invalidate, and re-link."""
    # Imported here: a no-op update (most hook and watch runs) never pays for the linker.
    from aud_git.link.lookups import FactReader

    old_interfaces = interfaces_of(FactReader.from_db(conn), changes.modified)
    replace_facts(conn, changes)
    after = FactReader.from_db(conn)
    changed_keys = interface_diff(old_interfaces, after, changes.modified)
    relink = invalidate(conn, changes, changed_keys)
    return link_changed(conn, relink, after, identity, cache)


def interfaces_of(reader, paths: list[str]) -> dict:
    """The interfaces (what other files' links may read) of `paths`, as they are stored now."""
    reader.preload(paths)
    return {path: reader.interface(path) for path in paths}


def replace_facts(conn: sqlite3.Connection, changes: Changes) -> None:
    store.delete_files(conn, changes.deleted + changes.modified)
    store.insert_records(conn, changes.fresh)


def interface_diff(old_interfaces: dict, after, modified: list[str]) -> dict[str, set[tuple[str, str]]]:
    """Per modified file, the interface keys whose values changed."""
    from aud_git.link.interface import changed_keys

    new_interfaces = interfaces_of(after, modified)
    return {path: changed_keys(old_interfaces[path], new_interfaces[path]) for path in modified}


def invalidate(conn: sqlite3.Connection, changes: Changes,
               changed_keys: dict[str, set[tuple[str, str]]]) -> set[str]:
    """The files to re-link: a query over the recorded link dependencies."""
    from aud_git.link.invalidation import files_to_relink

    return files_to_relink(conn, changes.added, changes.deleted, changed_keys)


def link_changed(conn: sqlite3.Connection, relink: set[str], reader, identity: Identity,
                 cache: ExtractionCache | None) -> Linked:
    from aud_git.link import link_files

    reader.preload(path for path in relink if path in reader.langs)
    report = link_files(conn, relink, identity.source_roots, reader=reader, cache=cache,
                        context=identity.link_context())
    return Linked(relink, report.linked, report.reused,
                  [Failure(path, "linking", trace) for path, trace in report.failures])


def write_incremental_meta(conn: sqlite3.Connection, workspace: Workspace, snapshot_meta: dict,
                           counted: bool) -> None:
    """No-op updates do not age the index toward its periodic full rebuild."""
    meta = store.read_meta(conn)
    store.write_meta(conn, {
        "head": workspace.head_commit(),
        "last_mode": "incremental",
        "last_update": time.time(),
        **snapshot_meta,
        "updates_since_full": int(meta.get("updates_since_full", "0")) + int(counted),
    })


def validate_update(conn: sqlite3.Connection, workspace: Workspace, changes: Changes,
                    linked: Linked, identity: Identity) -> list[str]:
    """Self-checks of what this update touched; a failure asks the next update to rebuild."""
    if not changes.any:
        return []
    from aud_git.engine import validate

    issues = validate.problems(conn, linked.relink,
                               [*changes.added, *changes.modified, *changes.deleted],
                               identity.meta())
    if issues:
        store.write_meta(conn, {"needs_full": f"validation failed: {issues[0]}"})
        log_line(workspace.pf_dir, f"validation failed: {'; '.join(issues)}")
    return issues


def _incremental_summary(plan: Plan, changes: Changes, linked: Linked, files: int,
                         issues: list[str]) -> Summary:
    failures = [Failure(r.path, "extracting", r.failure) for r in changes.fresh
                if r.failure is not None]
    summary = Summary("incremental", added=sorted(changes.added),
                      modified=sorted(changes.modified),
                      renamed=exact_renames(changes.deleted, changes.fresh, plan.stored),
                      deleted=changes.deleted, hinted=plan.hinted, relinked=linked.linked,
                      files=files, read=changes.counts["read"], cached=changes.counts["cached"],
                      links_reused=linked.reused, failures=failures + linked.failures,
                      syntax_errors=sum(r.status == "parse_error" for r in changes.fresh))
    if issues:
        summary.notes.append(f"validation failed, the next update rebuilds: {issues[0]}")
    return summary


def exact_renames(deleted: list[str], fresh: list[FileRecord],
                  stored: dict[str, StoredRow]) -> list[list[str]]:
    """For reporting only: deleted paths whose bytes reappear, once, under an added path."""
    gone: dict[str | None, list[str]] = {}
    for path in deleted:
        gone.setdefault(stored[path].sha256, []).append(path)
    arrived: dict[str, list[str]] = {}
    for record in fresh:
        if record.path not in stored and record.sha256:
            arrived.setdefault(record.sha256, []).append(record.path)
    return sorted([gone[sha][0], paths[0]] for sha, paths in arrived.items()
                  if len(paths) == 1 and len(gone.get(sha, ())) == 1)
