"""The link pass: cross-file rows (`import_links`, `call_links`, `base_links`) and the lookups
behind them.

`lookups` is the one door to other files' facts (every read recorded in `link_deps`);
`python`, `javascript` and `calls` resolve; `invalidation` turns changes into the files to
re-link. Never imports git/, the engine, the hooks, the queries or the commands: links are a
function of the facts and the recorded lookups alone."""
from __future__ import annotations

import sqlite3
import traceback
from collections.abc import Callable, Iterable
from typing import NamedTuple

from aud_git.db.schema import LINK_TABLES
from aud_git.extract import internal_error_message
from aud_git.languages import SOURCE_LANGS
from aud_git.link.javascript import JsLinker
from aud_git.link.lookups import FactReader, Lookups, evaluate
from aud_git.link.python import PythonLinker

_PARALLEL_ABOVE = 400
_LINK_ROW_TABLES = ("import_links", "call_links", "base_links", "link_errors")
_reader_for_workers: tuple[FactReader, tuple[str, ...], str] | None = None
_worker_memo: dict = {}  # in a forked worker: shared results across the slices it links


def _remembered(reader: FactReader, cache, file: str, sha: str, context: str):
    """A remembered (lookups, rows) whose every lookup returns the value it returned then."""
    for digest, deps, rows in cache.link_entries(file, sha, context):
        if all(evaluate(reader, kind, path, name) == value for kind, path, name, value in deps):
            cache.touch_link(file, sha, context, digest)
            return deps, rows
    return None


def _link(reader: FactReader, roots: tuple[str, ...], files: list[str],
          cache=None, context: str = "", memo: dict | None = None) -> dict[str, list[tuple]]:
    """Link `files`; with a `cache`, reuse remembered results; with a `context`, return fresh
    results to remember under it. `memo` holds shared results across calls (pure values of
    `reader`'s facts)."""
    lookups = Lookups(reader, {} if memo is None else memo)
    python = PythonLinker(lookups, roots)
    javascript = JsLinker(lookups)
    out: dict[str, list] = {table.name: [] for table in LINK_TABLES}
    out["reused"], out["remember"], out["failures"] = [], [], []
    for file in files:
        sha = reader.shas.get(file)
        cached = _remembered(reader, cache, file, sha, context) if cache is not None and sha else None
        if cached is not None:
            deps, rows = cached
            out["reused"].append(file)
        else:
            lookups.start(file)
            linker = python if reader.langs[file] == "python" else javascript
            try:
                rows = {
                    "import_links": linker.import_links(file),
                    "call_links": linker.call_links(file, reader.calls(file)),
                    "base_links": linker.base_links(file),
                }
            except Exception as exc:  # a bug of ours: this file says so, the run goes on
                # Its links are a function of the lookups made before the failure, which are
                # recorded as usual: a change to any of them links it again.
                rows = {"link_errors": [(internal_error_message(exc),)]}
                out["failures"].append((file, traceback.format_exc()))
            # Lookups of the file itself are no dependency: its links are made again whenever
            # it changes (and a remembered result is keyed by its content).
            deps = sorted((*key, value) for key, value in lookups.recorded().items()
                          if key[1] != file)
            if context and sha and "link_errors" not in rows:
                out["remember"].append((file, sha, context, deps, rows))
        for table in _LINK_ROW_TABLES:
            out[table].extend((file, *row) for row in rows.get(table, ()))
        out["link_deps"].extend((file, kind, path, name) for kind, path, name, _ in deps)
    return out


def _link_in_worker(files: list[str]) -> dict[str, list]:
    assert _reader_for_workers is not None, "set by link_files before the workers fork"
    reader, roots, context = _reader_for_workers
    # One memo for every slice this worker links: the reader is the same for all of them.
    return _link(reader, roots, files, None, context, _worker_memo)


def _nothing() -> None:
    pass


def _link_in_workers(reader: FactReader, roots: tuple[str, ...], targets: list[str], jobs: int,
                     context: str, meanwhile: Callable[[], None]) -> list[dict[str, list]]:
    """Link `targets` in forked workers, running `meanwhile` here as they work."""
    global _reader_for_workers
    from concurrent.futures.process import BrokenProcessPool

    from aud_git.processes import fork_executor

    _reader_for_workers = (reader, roots, context)
    _worker_memo.clear()  # empty in every worker this call forks
    # Contiguous runs of paths: files of one package resolve through the same modules and
    # classes, which a worker then memoises once.
    size = -(-len(targets) // (jobs * 4))
    slices = [targets[i:i + size] for i in range(0, len(targets), size)]
    try:
        with fork_executor(jobs) as pool:
            pending = pool.map(_link_in_worker, slices)  # submitted: the workers start
            meanwhile()
            meanwhile = _nothing
            return list(pending)
    except BrokenProcessPool:  # a worker died: link here instead (links are pure)
        meanwhile()  # not run yet if the pool broke before it started
        return [_link(reader, roots, targets, None, context)]
    finally:
        _reader_for_workers = None


class LinkReport(NamedTuple):
    linked: int  # files linked
    reused: int  # of those, files whose remembered result was reused
    failures: list[tuple[str, str]]  # (file, traceback) of internal errors


def link_files(conn: sqlite3.Connection, files: Iterable[str], source_roots: tuple[str, ...],
               reader: FactReader | None = None, jobs: int = 1, empty_tables: bool = False,
               cache=None, context: str = "", reuse: bool = True,
               meanwhile: Callable[[], None] = lambda: None) -> LinkReport:
    """Replace the link rows of `files` (those still indexed) with fresh ones.

    With a complete in-memory `reader` (a full build), workers forked from this process link
    slices of the files; each memoises on its own, and memoised values are pure, so the rows do
    not depend on the split. With a `cache`, fresh results are remembered under `context` (the
    linker and configuration), and with `reuse` a remembered result whose lookups all return the
    values they returned then is used instead of resolving again. Full builds never reuse.
    `meanwhile` runs here while the workers link (or before linking here): work on `conn` that
    needs no link rows.
    """
    files = set(files)
    reader = reader or FactReader.from_db(conn)
    targets = sorted(f for f in files if reader.langs.get(f) in SOURCE_LANGS)
    remember_as = context if cache is not None else ""
    if reader.complete and jobs > 1 and len(targets) > _PARALLEL_ABOVE:
        parts = _link_in_workers(reader, source_roots, targets, jobs, remember_as, meanwhile)
    else:
        meanwhile()
        parts = [_link(reader, source_roots, targets, cache if reuse else None, remember_as)]
    if not empty_tables:
        for table in LINK_TABLES:
            conn.executemany(f"DELETE FROM {table.name} WHERE file = ?", ((f,) for f in files))
    for table in LINK_TABLES:
        placeholders = ", ".join("?" * len(table.columns))
        for part in parts:
            conn.executemany(f"INSERT INTO {table.name} VALUES ({placeholders})", part[table.name])
    if cache is not None:
        cache.store_links([entry for part in parts for entry in part["remember"]])
    return LinkReport(len(targets), sum(len(part["reused"]) for part in parts),
                      [failure for part in parts for failure in part["failures"]])
