"""The link pass: cross-file rows (`import_links`, `call_links`, `base_links`) and the lookups
behind them.

`lookups` is the one door to other files' facts (every read recorded in `link_deps`);
`python`, `javascript` and `calls` resolve; `invalidation` turns changes into the files to
re-link. Never imports git/, the engine, the hooks, the queries or the commands: links are a
function of the facts and the recorded lookups alone."""
from __future__ import annotations

import sqlite3
import traceback
from collections.abc import Iterable, Iterator
from typing import NamedTuple

from aud_git.db import store
from aud_git.db.schema import LINK_TABLES
from aud_git.extract import internal_error_message
from aud_git.languages import SOURCE_LANGS
from aud_git.link.javascript import JsLinker
from aud_git.link.lookups import FactReader, IndexedFiles, Lookups, evaluate
from aud_git.link.python import PythonLinker

_PARALLEL_ABOVE = 400
_LINK_ROW_TABLES = ("import_links", "call_links", "base_links", "link_errors")


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


# A full link streams: workers take runs of this many files, and their rows reach the
# database part by part instead of all at the end.
_SLICE = 256
# A linking process whose reader holds more than this (`FactReader.files_held`: per-file
# entries of symbols, calls and types) drops them and its shared results before its next run
# of files: memory stays flat whatever the repository's size. (Memoised values are pure, so
# forgetting them changes no row.) Linking all of Django holds 8,697: it never forgets.
_FORGET_ABOVE = 12_000


class _FullLink(NamedTuple):
    """What the workers of a full link are forked with."""
    db_path: str
    files: IndexedFiles
    roots: tuple[str, ...]
    context: str


_full_link: _FullLink | None = None  # set by link_everything before its workers fork
_worker_state: dict = {}  # in a forked worker: its reader and shared results, kept across runs


def _link_run(reader: FactReader, roots: tuple[str, ...], files: list[str], context: str,
              memo: dict) -> dict[str, list]:
    """Link one run of files of a full link, within bounded memory."""
    if reader.files_held() > _FORGET_ABOVE:
        reader.forget()
        memo.clear()
    reader.preload(files)
    return _link(reader, roots, files, None, context, memo)


def _link_in_worker(files: list[str]) -> dict[str, list]:
    setup = _full_link
    assert setup is not None, "set by link_everything before the workers fork"
    if "reader" not in _worker_state:  # the worker's own connection to the committed facts
        _worker_state["reader"] = FactReader.of_files(
            setup.files, store.connect(setup.db_path, readonly=True))
        _worker_state["memo"] = {}
    return _link_run(_worker_state["reader"], setup.roots, files, setup.context,
                     _worker_state["memo"])


def _runs(targets: list[str]) -> list[list[str]]:
    """Contiguous runs of paths: files of one package resolve through the same modules and
    classes, which a process then memoises once."""
    return [targets[i:i + _SLICE] for i in range(0, len(targets), _SLICE)]


def _parts_from_workers(setup: _FullLink, targets: list[str],
                        jobs: int) -> Iterator[dict[str, list]]:
    """Each run's rows, in order, linked by forked workers (here if a worker dies: links are
    pure, and the parts already given are not given again)."""
    global _full_link
    from concurrent.futures.process import BrokenProcessPool

    from aud_git.processes import fork_executor

    _full_link = setup
    _worker_state.clear()  # empty in every worker this call forks
    runs, done = _runs(targets), 0
    try:
        with fork_executor(jobs) as pool:
            for part in pool.map(_link_in_worker, runs):
                done += 1
                yield part
    except BrokenProcessPool:
        own = store.connect(setup.db_path, readonly=True)
        try:
            reader = FactReader.of_files(setup.files, own)
            memo: dict = {}
            for run in runs[done:]:
                yield _link_run(reader, setup.roots, run, setup.context, memo)
        finally:
            own.close()  # its locks would keep the rows waiting from the file
    finally:
        _full_link = None


class LinkReport(NamedTuple):
    linked: int  # files linked
    reused: int  # of those, files whose remembered result was reused
    failures: list[tuple[str, str]]  # (file, traceback) of internal errors


def link_files(conn: sqlite3.Connection, files: Iterable[str], source_roots: tuple[str, ...],
               reader: FactReader | None = None, cache=None, context: str = "") -> LinkReport:
    """Replace the link rows of `files` (those still indexed) with fresh ones, in this process.

    With a `cache`, fresh results are remembered under `context` (the linker and
    configuration), and a remembered result whose lookups all return the values they returned
    then is used instead of resolving again.
    """
    files = set(files)
    reader = reader or FactReader.from_db(conn)
    targets = sorted(f for f in files if reader.langs.get(f) in SOURCE_LANGS)
    part = _link(reader, source_roots, targets, cache, context if cache is not None else "")
    for table in LINK_TABLES:
        conn.executemany(f"DELETE FROM {table.name} WHERE file = ?", ((f,) for f in files))
    _write_part(conn, "main", part, cache)
    return LinkReport(len(targets), len(part["reused"]), part["failures"])


def link_everything(conn: sqlite3.Connection, db_path: str, files: IndexedFiles,
                    source_roots: tuple[str, ...], jobs: int = 1, cache=None,
                    context: str = "") -> LinkReport:
    """Link every source file of a full build into empty link tables, never reusing a
    remembered result (fresh ones are remembered in `cache` under `context`).

    The facts are read from `db_path`, committed and complete: `conn` writes it, and no one
    else reads it yet. Runs of files stream through bounded memory (`_link_run`); with
    `jobs > 1` forked workers link them, each on its own connection and memo, and their rows
    wait in a temporary database until every worker has stopped reading (a write to the file
    would have to wait for their locks), then go into the link tables in one statement each.
    Memoised values are pure, so the rows depend on neither the split nor the order.
    """
    targets = sorted(p for p, lang in files.langs.items() if lang in SOURCE_LANGS)
    remember_as = context if cache is not None else ""
    failures: list[tuple[str, str]] = []
    if jobs > 1 and len(targets) > _PARALLEL_ABOVE:
        setup = _FullLink(db_path, files, source_roots, remember_as)
        with store.staging(conn, LINK_TABLES) as schema:
            for part in _parts_from_workers(setup, targets, jobs):
                _write_part(conn, schema, part, cache)
                failures.extend(part["failures"])
    else:
        reader = FactReader.of_files(files, conn)
        memo: dict = {}
        with store.write_transaction(conn):
            for run in _runs(targets):
                part = _link_run(reader, source_roots, run, remember_as, memo)
                _write_part(conn, "main", part, cache)
                failures.extend(part["failures"])
    return LinkReport(len(targets), 0, failures)


def _write_part(conn: sqlite3.Connection, schema: str, part: dict[str, list], cache) -> None:
    """Insert a part's link rows into the link tables of `schema`; remember its results."""
    for table in LINK_TABLES:
        placeholders = ", ".join("?" * len(table.columns))
        conn.executemany(f"INSERT INTO {schema}.{table.name} VALUES ({placeholders})",
                         part[table.name])
    if cache is not None:
        cache.store_links(part["remember"])
