"""Extracting many files on all cores; the order of results never matters (keys are natural)."""
from __future__ import annotations

import os
import signal
from collections import Counter
from collections.abc import Callable, Iterator

from aud_git.cache import ExtractionCache, is_regular_mode
from aud_git.extract import FileRecord, finish_record, index_file
from aud_git.languages import language_of
from aud_git.snapshot import Entry

_CHUNK = 24
_SERIAL_BELOW = 48

Task = tuple[str, str, str | None]  # path, absolute path, known blob id


def _worker_signals() -> None:
    """Workers die on SIGTERM whatever handler the parent installed (`aud watch` has one), so
    that `Pool.terminate()` always ends them."""
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def fork_pool(jobs: int):
    import multiprocessing  # only for work worth a pool

    return multiprocessing.get_context("fork").Pool(jobs, initializer=_worker_signals)


def default_jobs() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def _extract_chunk(args: tuple[list[Task], int, tuple[str, ...]]) -> list[FileRecord]:
    tasks, max_size, roots = args
    return [index_file(path, abs_path, oid, max_size, roots) for path, abs_path, oid in tasks]


def extract_entries(
    workdir: str,
    entries: list[Entry],
    max_size: int,
    roots: tuple[str, ...],
    jobs: int,
    on_progress: Callable[[int], None] | None = None,
) -> Iterator[list[FileRecord]]:
    tasks = [(e.path, os.path.join(workdir, e.path), e.oid) for e in sorted(entries, key=lambda e: e.path)]
    chunks = [(tasks[i:i + _CHUNK], max_size, roots) for i in range(0, len(tasks), _CHUNK)]
    if jobs <= 1 or len(tasks) < _SERIAL_BELOW:
        results = map(_extract_chunk, chunks)
        pool = None
    else:
        pool = fork_pool(jobs)
        results = pool.imap_unordered(_extract_chunk, chunks)
    try:
        for records in results:
            if on_progress is not None:
                on_progress(len(records))
            yield records
    finally:
        if pool is not None:
            pool.terminate()
            pool.join()


def records_for(
    workdir: str,
    entries: list[Entry],
    max_size: int,
    roots: tuple[str, ...],
    jobs: int,
    cache: ExtractionCache | None,
    on_progress: Callable[[int], None] | None = None,
    counts: Counter | None = None,
) -> Iterator[list[FileRecord]]:
    """Records of `entries`: from the cache for known blobs, else read and extracted (all cores).

    `counts` gets `cached` (records reused without reading) and `read` (records read anew)."""
    pending: list[Entry] = []
    hits: list[FileRecord] = []
    for entry in entries:
        lang = language_of(entry.path)
        if cache is not None and entry.oid is not None and lang is not None and is_regular_mode(entry.mode):
            record = cache.lookup(entry.path, lang, oid=entry.oid, max_size=max_size)
            if record is not None:
                hits.append(finish_record(record, record.facts, roots))
                continue
        pending.append(entry)
    if counts is not None:
        counts["cached"] += len(hits)
        counts["read"] += len(pending)
    if hits:
        if on_progress is not None:
            on_progress(len(hits))
        yield hits
    fresh: list[FileRecord] = []
    for records in extract_entries(workdir, pending, max_size, roots, jobs, on_progress):
        fresh.extend(records)
        yield records
    if cache is not None:
        cache.store(fresh)
