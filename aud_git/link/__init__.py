"""The link pass: cross-file rows (`import_links`, `call_links`) and the lookups behind them."""
from __future__ import annotations

import sqlite3
from collections import defaultdict
from collections.abc import Iterable

from aud_git.languages import SOURCE_LANGS
from aud_git.link.javascript import JsLinker
from aud_git.link.lookups import FactReader, Lookups
from aud_git.link.python import PythonLinker
from aud_git.schema import LINK_TABLES


def _calls_by_file(conn: sqlite3.Connection, files: list[str], everything: bool) -> dict[str, list]:
    calls: dict[str, list] = defaultdict(list)
    if everything:
        rows = conn.execute("SELECT file, line, col, caller, callee FROM calls")
    else:
        rows = (
            (file, *row)
            for file in files
            for row in conn.execute(
                "SELECT line, col, caller, callee FROM calls WHERE file = ?", (file,))
        )
    for file, *row in rows:
        calls[file].append(tuple(row))
    return calls


def link_files(conn: sqlite3.Connection, files: Iterable[str], source_roots: tuple[str, ...],
               everything: bool = False) -> int:
    """Replace the link rows of `files` (those still indexed) with fresh ones; returns how many."""
    reader = FactReader(conn)
    if everything:
        reader.preload()
    lookups = Lookups(reader, {})
    python = PythonLinker(lookups, source_roots)
    javascript = JsLinker(lookups)
    targets = sorted(f for f in set(files) if reader.langs.get(f) in SOURCE_LANGS)
    calls = _calls_by_file(conn, targets, everything)
    out: dict[str, list[tuple]] = {table.name: [] for table in LINK_TABLES}
    for file in targets:
        lookups.start(file)
        linker = python if reader.langs[file] == "python" else javascript
        out["import_links"].extend((file, *row) for row in linker.import_links(file))
        out["call_links"].extend((file, *row) for row in linker.call_links(file, calls.get(file, [])))
        out["link_deps"].extend(
            (file, kind, path) for kind, path in sorted(lookups.recorded()) if path != file
        )
    if not everything:
        for table in LINK_TABLES:
            conn.executemany(f"DELETE FROM {table.name} WHERE file = ?", ((f,) for f in set(files)))
    for table in LINK_TABLES:
        placeholders = ", ".join("?" * len(table.columns))
        conn.executemany(f"INSERT INTO {table.name} VALUES ({placeholders})", out[table.name])
    return len(targets)
