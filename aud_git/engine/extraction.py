"""The extract step: records from the cache first, then read and parsed on all cores (the order
of results never matters: keys are natural)."""
from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator

from aud_git.db.cache import ExtractionCache, is_regular_mode
from aud_git.extract import FileRecord, failed_record, finish_record, index_file, read_file
from aud_git.git.snapshot import Entry
from aud_git.languages import language_of
from aud_git.paths import disk_path
from aud_git.processes import fork_executor

_CHUNK = 24
# Records move on in batches of this many: cache hits to the caller, fresh records to the
# cache. Nothing holds the records of a whole repository.
_BATCH = 512
_SERIAL_BELOW = 48

Task = tuple[str, str]  # path, absolute path


def _extract_chunk(args: tuple[list[Task], int, tuple[str, ...]]) -> list[FileRecord]:
    tasks, max_size, roots = args
    return [index_file(path, abs_path, max_size, roots) for path, abs_path in tasks]


def _pooled(jobs: int, chunks: list) -> Iterator[list[FileRecord]]:
    """Every chunk's records, in completion order. Chunks lost to a dead worker are tried once
    more in a fresh pool, then file by file, each in a process of its own: a file that kills
    that process too is recorded as an internal error, and the run goes on."""
    from concurrent.futures import as_completed
    from concurrent.futures.process import BrokenProcessPool

    pending = chunks
    for _ in range(2):
        lost = []
        pool = fork_executor(jobs)
        try:
            futures = {pool.submit(_extract_chunk, chunk): chunk for chunk in pending}
            for future in as_completed(futures):
                # Popped: a future keeps its result, and the records of every chunk would
                # otherwise stay in memory until the last one is done.
                chunk = futures.pop(future)
                try:
                    records = future.result()
                except BrokenProcessPool:
                    lost.append(chunk)
                    continue
                yield records
        finally:
            pool.shutdown(wait=False, cancel_futures=True)
        if not lost:
            return
        pending = sorted(lost, key=lambda chunk: chunk[0][0][0])
    for tasks, max_size, roots in pending:
        for task in tasks:
            pool = fork_executor(1)
            try:
                yield pool.submit(_extract_chunk, ([task], max_size, roots)).result()
            except BrokenProcessPool:
                yield [_died(task, max_size, roots)]
            finally:
                pool.shutdown(wait=False, cancel_futures=True)


def _died(task: Task, max_size: int, roots: tuple[str, ...]) -> FileRecord:
    """The record of a file whose extraction killed the process doing it, twice."""
    path, abs_path = task
    record, _ = read_file(path, abs_path, max_size)
    return failed_record(record, "internal error: the process extracting it died",
                         "the worker process extracting this file died (a crash or the OOM"
                         " killer)", roots)


def extract_entries(
    workdir: str,
    entries: list[Entry],
    max_size: int,
    roots: tuple[str, ...],
    jobs: int,
    on_progress: Callable[[int], None] | None = None,
) -> Iterator[list[FileRecord]]:
    tasks = [(e.path, disk_path(workdir, e.path)) for e in sorted(entries, key=lambda e: e.path)]
    chunks = [(tasks[i:i + _CHUNK], max_size, roots) for i in range(0, len(tasks), _CHUNK)]
    results: Iterable[list[FileRecord]]
    if jobs <= 1 or len(tasks) < _SERIAL_BELOW:
        results = map(_extract_chunk, chunks)
    else:
        results = _pooled(jobs, chunks)
    for records in results:
        if on_progress is not None:
            on_progress(len(records))
        yield records


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
                if len(hits) == _BATCH:
                    yield _counted(hits, on_progress, counts, "cached")
                    hits = []
                continue
        pending.append(entry)
    if hits:
        yield _counted(hits, on_progress, counts, "cached")
    fresh: list[FileRecord] = []
    for records in extract_entries(workdir, pending, max_size, roots, jobs, on_progress):
        if counts is not None:
            counts["read"] += len(records)
        yield records
        if cache is not None:
            fresh.extend(records)
            if len(fresh) >= _BATCH:
                cache.store(fresh)
                fresh = []
    if cache is not None:
        cache.store(fresh)  # also when empty: the entries used are marked so


def _counted(records: list[FileRecord], on_progress: Callable[[int], None] | None,
             counts: Counter | None, key: str) -> list[FileRecord]:
    if on_progress is not None:
        on_progress(len(records))
    if counts is not None:
        counts[key] += len(records)
    return records
