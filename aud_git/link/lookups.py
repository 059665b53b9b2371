"""The one door through which the linker reads the index, recording every lookup it makes.

Each read records a dependency `(kind, path, name)` of the file being linked: `path` (a probed
path, present or not), `pymod` and `jsmod` (a module probe: every candidate path of one stem, see
the linkers), `dir` (whether a directory holds indexed files), `config` (a tsconfig read),
`package` (a package.json read), `packages` (which package.json files bear a name), and
`name`, `member`, `export`, `stars`, `types` (one key of another file's interface, see
interface.py).
The file's own facts are read freely: a file is re-linked whenever it changes. The links of a
file are a pure function of its facts and what it recorded, so "which files must be re-linked
after these paths changed" is a query over `link_deps`.

Results shared between files are memoised together with the lookups that produced them; a file
that reuses one inherits those lookups, so memoising never hides a dependency. A result that ran
into a cycle (a key still being computed) or past the depth bound depends on where the walk
entered, so it is not memoised: memoised values are pure functions of their key, and the link of
a file is the same whichever files were linked before it.
"""
from __future__ import annotations

import bisect
import functools
import json
import sqlite3
from collections.abc import Callable, Hashable, Iterable
from typing import Any, NamedTuple, Protocol

from aud_git.languages import JS_LANGS
from aud_git.link.interface import Interface, js_interface, python_interface
from aud_git.link.probes import js_candidates, python_candidates

_MISSING = object()
_IN_PROGRESS = object()
# How deep shared resolutions may nest (a chain of star imports or re-exports through files):
# deeper, the answer is "unresolved", like a cycle, and is not memoised.
MAX_RESOLUTION_DEPTH = 48


# TypeScript's declarations that make no value: merged with a value of the same name (an
# interface and a function `$constructor`, `export type X` and `export const X`), the name
# means the value. A namespace merged with a class, function or enum adds to it.
_TYPE_ONLY = frozenset({"interface", "type"})
_MERGES_INTO_VALUE = frozenset({"namespace"})


def _merged(previous: str | None, kind: str, merging: bool, member: bool) -> str:
    if previous is None or previous == kind:
        return kind
    if merging:
        # An interface's method and a function nested in the function the interface merges
        # with (`$constructor.init`): one qualname, whichever row a link names.
        if member and {previous, kind} == {"method", "function"}:
            return "method"
        for weaker in (_TYPE_ONLY, _MERGES_INTO_VALUE):
            if previous in weaker and kind not in weaker:
                return kind
            if kind in weaker and previous not in weaker:
                return previous
    return "ambiguous"


def _kinds(rows, lang: str | None = None) -> dict[str, str]:
    """qualname -> kind; a qualname defined with two different kinds is `ambiguous`, except
    where TypeScript merges the declarations (see _merged)."""
    merging = lang in JS_LANGS
    kinds: dict[str, str] = {}
    for qualname, kind in rows:
        if kind == "module":
            continue
        kinds[qualname] = _merged(kinds.get(qualname), kind, merging, "." in qualname)
    return kinds


def _package(row) -> tuple:
    """A `packages` row as the linker reads it: JSON decoded, lists as tuples (a lookup's
    value must compare equal to itself when recomputed)."""
    name, workspaces, entries, sealed = row
    patterns = tuple(json.loads(workspaces)) if workspaces is not None else None
    return (name, patterns, {k: tuple(v) for k, v in json.loads(entries).items()}, sealed)


def _types(rows) -> dict[str, tuple]:
    """target -> ((origin, scope, expr), ...) from `types` rows in document order."""
    found: dict[str, list] = {}
    for _line, _col, scope, target, origin, expr in sorted(rows):
        found.setdefault(target, []).append((origin, scope, expr))
    return {target: tuple(evidence) for target, evidence in found.items()}


class ByPath(Protocol):
    """path -> a `files` column: a dict (`IndexedFiles`) or `_FilesColumn`."""

    def __contains__(self, path: object) -> bool: ...

    def __getitem__(self, path: str) -> str | None: ...

    def get(self, path: str, /) -> str | None: ...


class _FilesColumn:
    """One column of the `files` table as a read-only mapping path -> value, looked up one path
    at a time and remembered: an incremental link asks about hundreds of paths, where loading
    every row cost a repository of 68,000 files 70 ms per reader."""

    def __init__(self, rows: _FilesRows, column: int) -> None:
        self._rows, self._column = rows, column

    def __contains__(self, path: object) -> bool:
        return isinstance(path, str) and self._rows.row(path) is not None

    def __getitem__(self, path: str) -> str | None:
        row = self._rows.row(path)
        if row is None:
            raise KeyError(path)
        return row[self._column]

    def get(self, path: str, /) -> str | None:
        row = self._rows.row(path)
        return None if row is None else row[self._column]


class _FilesRows:
    """(lang, sha256) of a path, and whether a directory holds a file, from the database."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn
        self._rows: dict[str, tuple[str | None, str | None] | None] = {}
        self._dirs: dict[str, bool] = {}

    def row(self, path: str) -> tuple[str | None, str | None] | None:
        if path not in self._rows:
            self._rows[path] = self._conn.execute(
                "SELECT lang, sha256 FROM files WHERE path = ?", (path,)).fetchone()
        return self._rows[path]

    def holds_file(self, path: str) -> bool:
        """Does the directory `path` (`''`: the root) hold a file, at any depth?"""
        if path not in self._dirs:
            if not path:
                found = self._conn.execute("SELECT 1 FROM files LIMIT 1").fetchone()
            else:  # paths below `path/` sort between `path/` and `path0` ("0" follows "/")
                found = self._conn.execute(
                    "SELECT 1 FROM files WHERE path >= ? AND path < ? LIMIT 1",
                    (path + "/", path + "0")).fetchone()
            self._dirs[path] = found is not None
        return self._dirs[path]


class IndexedFiles(NamedTuple):
    """Every indexed path's language and content hash, in memory: what a full link reads of
    the `files` table (an incremental link reads it one path at a time: `_FilesRows`)."""
    langs: dict[str, str | None]
    shas: dict[str, str | None]


class FactReader:
    """Read-only, memoised access to the fact tables of one database state. The `files` rows
    come from memory (`IndexedFiles`, a full link) or from the database one path at a time."""

    def __init__(self, langs: ByPath, shas: ByPath, conn: sqlite3.Connection,
                 files: _FilesRows | None = None) -> None:
        self.conn = conn
        self.langs = langs
        self.shas = shas
        self._files = files  # the `files` rows, when read from the database
        self._symbols: dict[str, dict[str, str]] = {}
        self._imports: dict[str, list[tuple]] = {}
        self._exports: dict[str, list[tuple]] = {}
        self._configs: dict[str, tuple | None] = {}
        self._packages: dict[str, tuple | None] = {}
        self._package_names: dict[str, tuple[str, ...]] = {}
        self._calls: dict[str, list[tuple]] = {}
        self._types: dict[str, dict[str, tuple]] = {}
        self._interfaces: dict[str, Interface] = {}

    @functools.cached_property
    def _sorted_paths(self) -> list[str]:
        """The paths of `IndexedFiles` (a database reader asks the database: `_FilesRows`)."""
        assert isinstance(self.langs, dict)
        return sorted(self.langs)

    def is_dir(self, path: str) -> bool:
        """Does a directory hold an indexed file, at any depth? (`''` is the root.)"""
        if self._files is not None:
            return self._files.holds_file(path)
        if not path:
            return bool(self.langs)
        prefix = path + "/"
        paths = self._sorted_paths
        index = bisect.bisect_left(paths, prefix)
        return index < len(paths) and paths[index].startswith(prefix)

    @classmethod
    def from_db(cls, conn: sqlite3.Connection) -> FactReader:
        files = _FilesRows(conn)
        return cls(_FilesColumn(files, 0), _FilesColumn(files, 1), conn, files)

    @classmethod
    def of_files(cls, files: IndexedFiles, conn: sqlite3.Connection) -> FactReader:
        return cls(files.langs, files.shas, conn)

    def files_held(self) -> int:
        """How much this reader holds (see `forget`): per-file entries of symbols, calls and
        types, each counted apart (linking all of Django holds 8,697 for 2,899 files)."""
        return len(self._symbols) + len(self._calls) + len(self._types)

    def forget(self) -> None:
        """Drop every fact read so far: they are read again when asked for. Bounds a reader's
        memory when it links a large repository."""
        for held in (self._symbols, self._imports, self._exports, self._configs, self._packages,
                     self._package_names, self._calls, self._types, self._interfaces):
            held.clear()

    def preload(self, paths: Iterable[str]) -> None:
        """Load the facts of many files in a few queries (instead of a few per file)."""
        wanted = sorted({p for p in paths if p not in self._symbols})
        for start in range(0, len(wanted), 500):
            chunk = wanted[start:start + 500]
            marks = ", ".join("?" * len(chunk))
            symbols: dict[str, list] = {p: [] for p in chunk}
            imports: dict[str, list] = {p: [] for p in chunk}
            exports: dict[str, list] = {p: [] for p in chunk}
            types: dict[str, list] = {p: [] for p in chunk}
            for file, qualname, kind in self.conn.execute(
                    f"SELECT file, qualname, kind FROM symbols WHERE file IN ({marks})", chunk):
                symbols[file].append((qualname, kind))
            for file, *row in self.conn.execute(
                    "SELECT file, line, col, kind, module, name, alias, level FROM imports"
                    f" WHERE file IN ({marks})", chunk):
                imports[file].append(tuple(row))
            for file, name, local in self.conn.execute(
                    f"SELECT file, name, local FROM exports WHERE file IN ({marks})", chunk):
                exports[file].append((name, local))
            for file, *row in self.conn.execute(
                    "SELECT file, line, col, scope, target, origin, expr FROM types"
                    f" WHERE file IN ({marks})", chunk):
                types[file].append(tuple(row))
            for path in chunk:
                self._symbols[path] = _kinds(symbols[path], self.langs.get(path))
                self._types[path] = _types(types[path])
                self._imports[path] = sorted(imports[path], key=repr)
                self._exports[path] = sorted(exports[path], key=repr)

    def symbols(self, path: str) -> dict[str, str]:
        """qualname -> kind, module symbol excluded."""
        found = self._symbols.get(path)
        if found is None:
            found = _kinds(self.conn.execute(
                "SELECT qualname, kind FROM symbols WHERE file = ?", (path,)), self.langs.get(path))
            self._symbols[path] = found
        return found

    def types(self, path: str) -> dict[str, tuple]:
        """target -> its `types` evidence: ((origin, scope, expr), ...) in document order."""
        found = self._types.get(path)
        if found is None:
            found = _types(self.conn.execute(
                "SELECT line, col, scope, target, origin, expr FROM types WHERE file = ?",
                (path,)))
            self._types[path] = found
        return found

    def imports(self, path: str) -> list[tuple]:
        found = self._imports.get(path)
        if found is None:
            found = sorted(self.conn.execute(
                "SELECT line, col, kind, module, name, alias, level FROM imports WHERE file = ?",
                (path,)), key=repr)
            self._imports[path] = found
        return found

    def exports(self, path: str) -> list[tuple]:
        found = self._exports.get(path)
        if found is None:
            found = sorted(self.conn.execute(
                "SELECT name, local FROM exports WHERE file = ?", (path,)), key=repr)
            self._exports[path] = found
        return found

    def calls(self, path: str) -> list[tuple]:
        found = self._calls.get(path)
        if found is None:
            found = self.conn.execute(
                "SELECT line, col, caller, callee FROM calls WHERE file = ?", (path,)).fetchall()
            self._calls[path] = found
        return found

    def ts_config(self, path: str) -> tuple[str | None, dict | None, str | None] | None:
        if path in self._configs:
            return self._configs[path]
        row = self.conn.execute(
            "SELECT base_url, paths, extends FROM ts_configs WHERE file = ?", (path,)).fetchone()
        found = None if row is None else (row[0], json.loads(row[1]) if row[1] else None, row[2])
        self._configs[path] = found
        return found

    def package(self, path: str) -> tuple | None:
        """(name, workspace patterns or None, entries, sealed) of a `package.json`, or None."""
        if path in self._packages:
            return self._packages[path]
        row = self.conn.execute(
            "SELECT name, workspaces, entries, sealed FROM packages WHERE file = ?",
            (path,)).fetchone()
        found = self._packages[path] = _package(row) if row is not None else None
        return found

    def packages_named(self, name: str) -> tuple[str, ...]:
        """The `package.json` files whose `name` is `name`, sorted."""
        if name not in self._package_names:
            self._package_names[name] = tuple(row[0] for row in self.conn.execute(
                "SELECT file FROM packages WHERE name = ? ORDER BY file", (name,)))
        return self._package_names[name]

    def interface(self, path: str) -> Interface:
        found = self._interfaces.get(path)
        if found is None:
            found = self._interfaces[path] = self._interface(path)
        return found

    def _interface(self, path: str) -> Interface:
        lang = self.langs.get(path)
        if lang == "python":
            return python_interface(self.symbols(path), self.imports(path), self.types(path))
        if lang in JS_LANGS:
            return js_interface(self.symbols(path), self.imports(path), self.exports(path),
                                self.types(path))
        if lang == "package":
            package = self.package(path)
            return Interface(package=package[0] if package is not None else None)
        return Interface()


_INTERFACE_KINDS = frozenset({"types", "name", "member", "export", "stars"})


def evaluate(reader: FactReader, kind: str, path: str, name: str):
    """The value of one lookup in the state `reader` holds: what a link computation saw, and
    what a cached link result is checked against."""
    if kind in _INTERFACE_KINDS:
        return _interface_value(reader.interface(path), kind, name)
    if kind == "path":
        return path in reader.langs
    if kind == "dir":
        return reader.is_dir(path)
    if kind in ("pymod", "jsmod"):
        candidates = python_candidates(path) if kind == "pymod" else js_candidates(path)
        return next((c for c in candidates if c in reader.langs), None)
    if kind == "package":
        return reader.package(path)
    if kind == "packages":
        return reader.packages_named(name)
    return reader.ts_config(path)  # "config"


def _interface_value(interface: Interface, kind: str, name: str):
    if kind == "types":
        return interface.types.get(name)
    if kind == "name":
        return interface.names.get(name)
    if kind == "member":
        return interface.members.get(name)
    if kind == "export":
        return interface.exports.get(name)
    return interface.stars


class Lookups:
    """The recording view of a `FactReader` while one file is linked: every lookup is recorded
    with the value it returned."""

    def __init__(self, reader: FactReader, memo: dict) -> None:
        self.reader = reader
        self.memo = memo
        self.file = ""
        self._frames: list[dict[tuple[str, str, str], Any]] = [{}]
        self._tainted: list[bool] = [False]
        self._reach: list[int] = [0]

    def start(self, file: str) -> None:
        self.file = file
        self._frames = [{}]
        self._tainted = [False]
        self._reach = [0]

    def at_top_level(self) -> bool:
        """Outside any shared computation (what is read is charged to this file alone)."""
        return len(self._frames) == 1

    def recorded(self) -> dict[tuple[str, str, str], Any]:
        return self._frames[0]

    def _lookup(self, kind: str, path: str, name: str = ""):
        value = evaluate(self.reader, kind, path, name)
        if path != self.file or len(self._frames) > 1:
            # The file's own facts at the top level need no record: its links are re-made
            # whenever it changes. Inside a shared computation they do: another file may
            # reuse the result.
            self._frames[-1][(kind, path, name)] = value
        return value

    def exists(self, path: str) -> bool:
        return self._lookup("path", path)

    def is_dir(self, path: str) -> bool:
        return self._lookup("dir", path)

    def probe(self, kind: str, base: str) -> str | None:
        """`pymod` or `jsmod`: the first candidate path of `base` that is indexed."""
        return self._lookup(kind, base)

    def ts_config(self, path: str):
        return self._lookup("config", path)

    def package(self, path: str) -> tuple | None:
        """A `package.json`'s facts (see FactReader.package)."""
        return self._lookup("package", path)

    def packages_named(self, name: str) -> tuple[str, ...]:
        """Every `package.json` of the repository named `name` (path `''`: the whole tree)."""
        return self._lookup("packages", "", name)

    # The interface lookups are the linker's hottest path: inlined, without `evaluate`'s
    # dispatch (tests/link/test_lookups.py checks they agree with it).
    def name(self, path: str, name: str) -> frozenset | None:
        value = self.reader.interface(path).names.get(name)
        if path != self.file or len(self._frames) > 1:
            self._frames[-1][("name", path, name)] = value
        return value

    def member(self, path: str, qualname: str) -> str | None:
        value = self.reader.interface(path).members.get(qualname)
        if path != self.file or len(self._frames) > 1:
            self._frames[-1][("member", path, qualname)] = value
        return value

    def export(self, path: str, name: str) -> tuple | None:
        return self._lookup("export", path, name)

    def stars(self, path: str) -> tuple:
        return self._lookup("stars", path)

    def types(self, path: str, target: str) -> tuple | None:
        """What `path` says `target` holds: ((origin, scope, expr), ...), or None."""
        value = self.reader.interface(path).types.get(target)
        if path != self.file or len(self._frames) > 1:
            self._frames[-1][("types", path, target)] = value
        return value

    def own_symbols(self) -> dict[str, str]:
        return self.reader.symbols(self.file)

    def own_imports(self) -> list[tuple]:
        return self.reader.imports(self.file)

    def own_types(self) -> dict[str, tuple]:
        return self.reader.types(self.file)

    def shared(self, key: Hashable, compute: Callable[[], Any], unresolved: Any = None) -> Any:
        """`compute()` memoised across files, its lookups charged to every file that uses it.

        Nesting is bounded: a result is remembered with its reach (how many shared levels its
        computation nests below it), and is given only where the reach still fits under
        MAX_RESOLUTION_DEPTH; elsewhere the answer is unresolved, exactly as computing it there
        would have found. So a file's links never depend on what was memoised before it.
        `unresolved` is what the caller takes for "no answer"."""
        depth = len(self._frames)
        hit = self.memo.get(key, _MISSING)
        if hit is _IN_PROGRESS or depth + (0 if hit is _MISSING else hit[2]) > MAX_RESOLUTION_DEPTH:
            self._tainted[-1] = True
            return unresolved
        if hit is not _MISSING:
            value, deps, reach = hit
            self._frames[-1].update(deps)
            self._reach[-1] = max(self._reach[-1], reach + 1)
            return value
        self.memo[key] = _IN_PROGRESS
        self._frames.append({})
        self._tainted.append(False)
        self._reach.append(0)
        value, done = None, False
        try:
            value = compute()
            done = True
        finally:
            deps = self._frames.pop()
            tainted = self._tainted.pop()
            reach = self._reach.pop()
            self._frames[-1].update(deps)
            self._reach[-1] = max(self._reach[-1], reach + 1)
            if tainted or not done:
                self._tainted[-1] = self._tainted[-1] or tainted
                del self.memo[key]
            else:
                self.memo[key] = (value, deps, reach)
        return value
