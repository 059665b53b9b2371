"""The full rebuild: snapshot -> extract (all cores) -> store -> link, in one write transaction
(into a new database file when the updater runs it: see `store.new_database`)."""
from __future__ import annotations

import json
import time
from collections import Counter
from dataclasses import dataclass, field

import pygit2

from aud_git import __version__, store
from aud_git.cache import ExtractionCache
from aud_git.config import Config
from aud_git.extract import EXTRACTOR_VERSION
from aud_git.extract.grammars import parser_versions
from aud_git.schema import LINKER_VERSION, SCHEMA_VERSION
from aud_git.snapshot import Entry
from aud_git.workers import records_for
from aud_git.workspace import Workspace


@dataclass
class BuildReport:
    mode: str
    files: int = 0
    by_lang: Counter = field(default_factory=Counter)
    by_status: Counter = field(default_factory=Counter)
    relinked: int = 0
    seconds: float = 0.0
    reason: str | None = None
    extraction: Counter = field(default_factory=Counter)
    failures: list[tuple[str, str, str]] = field(default_factory=list)  # path, stage, traceback


def source_roots_for(config: Config, entries: dict[str, Entry]) -> tuple[str, ...]:
    return config.resolve_source_roots(p for p in entries if p.endswith((".py", ".pyi")))


def head_commit(workspace: Workspace) -> str | None:
    try:
        return str(workspace.repo.head.target)
    except (pygit2.GitError, KeyError):
        return None  # an unborn branch


def identity_meta(config: Config, roots: tuple[str, ...]) -> dict[str, str]:
    """What the content of the database depends on besides the tree: a mismatch means rebuild."""
    return {
        "schema_version": SCHEMA_VERSION,
        "tool_version": __version__,
        "extractor_version": EXTRACTOR_VERSION,
        "parser_versions": parser_versions(),
        "linker_version": LINKER_VERSION,
        "config_fingerprint": config.fingerprint(roots),
        "source_roots": json.dumps(list(roots)),
    }


def link_context(identity: dict[str, str]) -> str:
    """What link results depend on besides the files: the key of remembered link results."""
    return "|".join(identity[key] for key in sorted(identity))


def full_build(conn, workspace: Workspace, config: Config, entries: dict[str, Entry], jobs: int,
               on_progress=None, reason: str | None = None,
               cache: ExtractionCache | None = None,
               snapshot_meta: dict | None = None) -> BuildReport:
    started, started_at = time.monotonic(), time.time()
    roots = source_roots_for(config, entries)
    report = BuildReport("full", reason=reason)
    from aud_git.link import link_files
    from aud_git.link.lookups import FactReader

    every_record = []
    with store.write_transaction(conn):
        store.recreate_tables(conn)
        for records in records_for(workspace.workdir, sorted(entries.values(), key=lambda e: e.path),
                                   config.max_file_size, roots, jobs, cache, on_progress,
                                   report.extraction):
            store.insert_records(conn, records)
            every_record.extend(records)
            for record in records:
                report.by_lang[record.lang or "other"] += 1
                report.by_status[record.status] += 1
                if record.failure is not None:
                    report.failures.append((record.path, "extracting", record.failure))
        report.files = len(entries)
        reader = FactReader.from_records(every_record)
        del every_record
        identity = identity_meta(config, roots)
        linked = link_files(conn, entries, roots, reader=reader, jobs=jobs, empty_tables=True,
                            cache=cache, context=link_context(identity), reuse=False)
        report.relinked = linked.linked
        report.failures.extend((path, "linking", trace) for path, trace in linked.failures)
        store.create_indexes(conn)
        report.seconds = time.monotonic() - started
        conn.execute("DELETE FROM meta WHERE key = 'needs_full'")
        store.write_meta(conn, {
            **identity,
            "head": head_commit(workspace),
            "last_mode": "full",
            "last_update": time.time(),
            "snapshot_at": started_at,
            **(snapshot_meta or {}),
            "last_full": time.time(),
            "updates_since_full": 0,
            "last_seconds": round(report.seconds, 3),
        })
    return report
