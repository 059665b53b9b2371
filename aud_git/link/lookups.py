"""The one door through which the linker reads the index, recording every lookup it makes.

Each read records a dependency of the file being linked: `path` (a probed path, present or not),
`pymod` and `jsmod` (a module probe: every candidate path of one stem, see the linkers), `dir`
(whether a directory holds indexed files), `facts` (the symbols, imports and exports of a file)
and `config` (a tsconfig read). The links of a file are a pure function of what it recorded,
so "which files must be re-linked after these paths changed" is a query over `link_deps`.

Results shared between files are memoised together with the lookups that produced them; a file
that reuses one inherits those lookups, so memoising never hides a dependency. A result that ran
into a cycle (a key still being computed) depends on where the walk entered the cycle, so it is
not memoised: memoised values are pure functions of their key, and the link of a file is the same
whichever files were linked before it.
"""
from __future__ import annotations

import json
import posixpath
import sqlite3
from collections import defaultdict
from collections.abc import Callable, Hashable
from typing import Any

_MISSING = object()
_IN_PROGRESS = object()


class FactReader:
    """Read-only, memoised access to one committed state of the fact tables."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self.langs: dict[str, str | None] = dict(conn.execute("SELECT path, lang FROM files"))
        self.dirs: set[str] = set()
        for path in self.langs:
            parent = posixpath.dirname(path)
            while parent and parent not in self.dirs:
                self.dirs.add(parent)
                parent = posixpath.dirname(parent)
        self._symbols: dict[str, dict[str, str]] = {}
        self._imports: dict[str, list[tuple]] = {}
        self._exports: dict[str, list[tuple]] = {}
        self._configs: dict[str, tuple | None] = {}

    def preload(self) -> None:
        """Load all facts the linker reads in three scans (a full link reads nearly all)."""
        symbols: dict[str, dict[str, str]] = defaultdict(dict)
        for file, qualname, kind in self.conn.execute(
            "SELECT file, qualname, kind FROM symbols WHERE kind != 'module'"
        ):
            symbols[file][qualname] = kind
        imports: dict[str, list[tuple]] = defaultdict(list)
        for file, *row in self.conn.execute(
            "SELECT file, line, col, kind, module, name, alias, level FROM imports"
        ):
            imports[file].append(tuple(row))
        exports: dict[str, list[tuple]] = defaultdict(list)
        for file, name, local in self.conn.execute("SELECT file, name, local FROM exports"):
            exports[file].append((name, local))
        for path in self.langs:
            self._symbols[path] = symbols.get(path, {})
            self._imports[path] = sorted(imports.get(path, []))
            self._exports[path] = sorted(exports.get(path, []))

    def symbols(self, path: str) -> dict[str, str]:
        """qualname -> kind, module symbol excluded."""
        found = self._symbols.get(path)
        if found is None:
            found = dict(self.conn.execute(
                "SELECT qualname, kind FROM symbols WHERE file = ? AND kind != 'module'", (path,)))
            self._symbols[path] = found
        return found

    def imports(self, path: str) -> list[tuple]:
        found = self._imports.get(path)
        if found is None:
            found = sorted(self.conn.execute(
                "SELECT line, col, kind, module, name, alias, level FROM imports WHERE file = ?",
                (path,)))
            self._imports[path] = found
        return found

    def exports(self, path: str) -> list[tuple]:
        found = self._exports.get(path)
        if found is None:
            found = sorted(self.conn.execute(
                "SELECT name, local FROM exports WHERE file = ?", (path,)), key=repr)
            self._exports[path] = found
        return found

    def ts_config(self, path: str) -> tuple[str | None, dict | None, str | None] | None:
        found = self._configs.get(path, _MISSING)
        if found is _MISSING:
            row = self.conn.execute(
                "SELECT base_url, paths, extends FROM ts_configs WHERE file = ?", (path,)
            ).fetchone()
            found = None if row is None else (row[0], json.loads(row[1]) if row[1] else None, row[2])
            self._configs[path] = found
        return found


class Lookups:
    """The recording view of a `FactReader` while one file is linked."""

    def __init__(self, reader: FactReader, memo: dict) -> None:
        self.reader = reader
        self.memo = memo
        self.file = ""
        self._frames: list[set[tuple[str, str]]] = [set()]
        self._tainted: list[bool] = [False]

    def start(self, file: str) -> None:
        self.file = file
        self._frames = [set()]
        self._tainted = [False]

    def recorded(self) -> set[tuple[str, str]]:
        return self._frames[0]

    def _record(self, kind: str, path: str) -> None:
        self._frames[-1].add((kind, path))

    def record(self, kind: str, key: str) -> None:
        """Record a probe that covers several paths; `present` then answers without recording."""
        self._record(kind, key)

    def present(self, path: str) -> bool:
        return path in self.reader.langs

    def exists(self, path: str) -> bool:
        self._record("path", path)
        return path in self.reader.langs

    def is_dir(self, path: str) -> bool:
        self._record("dir", path)
        return path in self.reader.dirs

    def lang(self, path: str) -> str | None:
        return self.reader.langs.get(path)

    def symbols(self, path: str) -> dict[str, str]:
        self._record("facts", path)
        return self.reader.symbols(path)

    def imports(self, path: str) -> list[tuple]:
        self._record("facts", path)
        return self.reader.imports(path)

    def exports(self, path: str) -> list[tuple]:
        self._record("facts", path)
        return self.reader.exports(path)

    def ts_config(self, path: str):
        self._record("config", path)
        return self.reader.ts_config(path)

    def shared(self, key: Hashable, compute: Callable[[], Any]) -> Any:
        """`compute()` memoised across files, its lookups charged to every file that uses it."""
        hit = self.memo.get(key, _MISSING)
        if hit is _IN_PROGRESS:
            self._tainted[-1] = True
            return None
        if hit is not _MISSING:
            value, deps = hit
            self._frames[-1].update(deps)
            return value
        self.memo[key] = _IN_PROGRESS
        self._frames.append(set())
        self._tainted.append(False)
        value, done = None, False
        try:
            value = compute()
            done = True
        finally:
            deps = self._frames.pop()
            tainted = self._tainted.pop()
            self._frames[-1].update(deps)
            if tainted or not done:
                self._tainted[-1] = self._tainted[-1] or tainted
                del self.memo[key]
            else:
                self.memo[key] = (value, frozenset(deps))
        return value
