"""The link pass: cross-file rows (`import_links`, `call_links`) and the lookups behind them."""
from __future__ import annotations

import sqlite3
from collections.abc import Iterable

from aud_git.languages import SOURCE_LANGS
from aud_git.link.javascript import JsLinker
from aud_git.link.lookups import FactReader, Lookups
from aud_git.link.python import PythonLinker
from aud_git.schema import LINK_TABLES

_PARALLEL_ABOVE = 400
_reader_for_workers: tuple[FactReader, tuple[str, ...]] | None = None


def _link(reader: FactReader, roots: tuple[str, ...], files: list[str]) -> dict[str, list[tuple]]:
    lookups = Lookups(reader, {})
    python = PythonLinker(lookups, roots)
    javascript = JsLinker(lookups)
    out: dict[str, list[tuple]] = {table.name: [] for table in LINK_TABLES}
    for file in files:
        lookups.start(file)
        linker = python if reader.langs[file] == "python" else javascript
        out["import_links"].extend((file, *row) for row in linker.import_links(file))
        out["call_links"].extend((file, *row) for row in linker.call_links(file, reader.calls(file)))
        out["link_deps"].extend(
            (file, *key) for key in sorted(lookups.recorded()) if key[1] != file
        )
    return out


def _link_in_worker(files: list[str]) -> dict[str, list[tuple]]:
    reader, roots = _reader_for_workers
    return _link(reader, roots, files)


def link_files(conn: sqlite3.Connection, files: Iterable[str], source_roots: tuple[str, ...],
               reader: FactReader | None = None, jobs: int = 1, empty_tables: bool = False) -> int:
    """Replace the link rows of `files` (those still indexed) with fresh ones; returns how many.

    With a complete in-memory `reader` (a full build), workers forked from this process link
    slices of the files; each memoises on its own, and memoised values are pure, so the rows do
    not depend on the split.
    """
    global _reader_for_workers
    files = set(files)
    reader = reader or FactReader.from_db(conn)
    targets = sorted(f for f in files if reader.langs.get(f) in SOURCE_LANGS)
    if reader.complete and jobs > 1 and len(targets) > _PARALLEL_ABOVE:
        _reader_for_workers = (reader, source_roots)
        slices = [targets[i::jobs * 4] for i in range(jobs * 4)]
        import multiprocessing  # only for work worth a pool

        try:
            with multiprocessing.get_context("fork").Pool(jobs) as pool:
                parts = pool.map(_link_in_worker, slices)
        finally:
            _reader_for_workers = None
    else:
        parts = [_link(reader, source_roots, targets)]
    if not empty_tables:
        for table in LINK_TABLES:
            conn.executemany(f"DELETE FROM {table.name} WHERE file = ?", ((f,) for f in files))
    for table in LINK_TABLES:
        placeholders = ", ".join("?" * len(table.columns))
        for part in parts:
            conn.executemany(f"INSERT INTO {table.name} VALUES ({placeholders})", part[table.name])
    return len(targets)
