"""The full rebuild: snapshot -> extract (all cores) -> store -> link, in one write transaction
(into a new database file when the updater runs it: see `store.new_database`)."""
from __future__ import annotations

import contextlib
import gc
import sqlite3
import time
from collections.abc import Callable, Iterator

from aud_git.config import Config
from aud_git.db import store
from aud_git.db.cache import ExtractionCache
from aud_git.db.schema import FACT_TABLES, FILES, LINK_TABLES
from aud_git.engine.extraction import records_for
from aud_git.engine.identity import Identity
from aud_git.engine.summary import BuildReport, Failure
from aud_git.extract import FileRecord
from aud_git.git.snapshot import Entry
from aud_git.git.workspace import Workspace


def full_build(conn: sqlite3.Connection, workspace: Workspace, config: Config,
               entries: dict[str, Entry], jobs: int,
               on_progress: Callable[[int], None] | None = None,
               cache: ExtractionCache | None = None,
               snapshot_meta: dict | None = None) -> BuildReport:
    started, started_at = time.monotonic(), time.time()
    identity = Identity.of(config, entries)
    report = BuildReport()
    with cycle_collection_paused(), store.write_transaction(conn):
        store.recreate_tables(conn)
        records = _store_records(conn, workspace, config, entries, identity, jobs, cache,
                                 on_progress, report)
        # The fact tables are complete: their indexes are built while the workers link.
        _link_all(conn, records, entries, identity, jobs, cache, report,
                  meanwhile=lambda: store.create_indexes(conn, (FILES, *FACT_TABLES)))
        store.create_indexes(conn, LINK_TABLES)
        report.seconds = time.monotonic() - started
        conn.execute("DELETE FROM meta WHERE key = 'needs_full'")
        store.write_meta(conn, {
            **identity.meta(),
            "head": workspace.head_commit(),
            "last_mode": "full",
            "last_update": time.time(),
            "snapshot_at": started_at,
            **(snapshot_meta or {}),
            "last_full": time.time(),
            "updates_since_full": 0,
            "last_seconds": round(report.seconds, 3),
        })
    return report


@contextlib.contextmanager
def cycle_collection_paused() -> Iterator[None]:
    """An update holds the rows of every file it extracts until it links: up to hundreds of
    thousands of small NamedTuples that the cycle collector would scan again and again (unlike
    plain tuples, it never untracks them), for nothing: rows hold no cycles. Measured on
    Django: 5 % of a full build. Reference counting still frees everything as usual."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _store_records(conn, workspace: Workspace, config: Config, entries: dict[str, Entry],
                   identity: Identity, jobs: int, cache: ExtractionCache | None,
                   on_progress: Callable[[int], None] | None,
                   report: BuildReport) -> list[FileRecord]:
    """Extract every entry (cache first) and insert its rows; returns the records for linking."""
    every_record: list[FileRecord] = []
    for records in records_for(workspace.workdir, sorted(entries.values(), key=lambda e: e.path),
                               config.max_file_size, identity.source_roots, jobs, cache,
                               on_progress, report.extraction):
        store.insert_records(conn, records)
        every_record.extend(records)
        for record in records:
            report.by_lang[record.lang or "other"] += 1
            report.by_status[record.status] += 1
            if record.failure is not None:
                report.failures.append(Failure(record.path, "extracting", record.failure))
    report.files = len(entries)
    return every_record


def _link_all(conn, records: list[FileRecord], entries: dict[str, Entry], identity: Identity,
              jobs: int, cache: ExtractionCache | None, report: BuildReport,
              meanwhile: Callable[[], None]) -> None:
    from aud_git.link import link_files
    from aud_git.link.lookups import FactReader

    reader = FactReader.from_records(records)
    records.clear()  # the reader holds what linking needs; the records' memory can go
    linked = link_files(conn, entries, identity.source_roots, reader=reader, jobs=jobs,
                        empty_tables=True, cache=cache, context=identity.link_context(),
                        reuse=False, meanwhile=meanwhile)
    report.relinked = linked.linked
    report.failures.extend(Failure(path, "linking", trace) for path, trace in linked.failures)
