"""Questions over the index: definitions, callers (and the unresolved candidates), callees,
subclasses, references, importers, imports, files.

Each function returns the shapes of `aud_git.contract` (the documented `--json` shapes); the command formats them as
grep-like `path:line:col: ...` lines.
"""
from __future__ import annotations

import sqlite3
from typing import Any

from aud_git.contract import (
    OUTPUT_VERSION,
    Call,
    Callee,
    CallSite,
    Definition,
    FileReport,
    Import,
    Importer,
    Reference,
    Subclass,
)
from aud_git.errors import AudError

_GLOB_CHARS = set("*?[")


def _dicts(conn: sqlite3.Connection, sql: str, params=()) -> list[Any]:
    """Rows as dicts keyed by the statement's column names (the JSON keys)."""
    cursor = conn.cursor()
    cursor.row_factory = sqlite3.Row
    return [dict(row) for row in cursor.execute(sql, params)]


def definitions(conn: sqlite3.Connection, name: str, kind: str | None, exact: bool) -> list[Definition]:
    params: list[str | int]
    if _GLOB_CHARS & set(name):
        where, params = "(name GLOB ? OR qualname GLOB ?)", [name, name]
    elif exact:
        where, params = "qualname = ?", [name]
    else:  # a name, a qualname, or the tail of a qualname (`Model.save` finds `a.Model.save`)
        where = "(name = ? OR qualname = ? OR substr(qualname, -?) = ?)"
        params = [name, name, len(name) + 1, "." + name]
    if kind:
        where += " AND kind = ?"
        params.append(kind)
    found = _dicts(conn, f"SELECT file, line, col, kind, qualname, name, signature, exported"
                         f" FROM symbols WHERE {where} ORDER BY file, line, col, qualname", params)
    for definition in found:
        definition["exported"] = bool(definition["exported"])
    return found


def resolve_targets(conn: sqlite3.Connection, spec: str) -> list[tuple[str, str]]:
    """`file:qualname`, a qualname, or `dotted.module.qualname` -> the (file, qualname) meant."""
    if ":" in spec:
        file, qualname = spec.split(":", 1)
        return [(file, qualname)]
    found = conn.execute(
        "SELECT DISTINCT file, qualname FROM symbols WHERE qualname = ? AND kind != 'module'"
        " ORDER BY file", (spec,)).fetchall()
    if found:
        return found
    parts = spec.split(".")
    for cut in range(len(parts) - 1, 0, -1):
        module, rest = ".".join(parts[:cut]), ".".join(parts[cut:])
        found = conn.execute(
            "SELECT DISTINCT s.file, s.qualname FROM symbols m JOIN symbols s ON s.file = m.file"
            " WHERE m.kind = 'module' AND m.qualname = ? AND s.qualname = ? ORDER BY s.file",
            (module, rest)).fetchall()
        if found:
            return found
    return []


def _transitive(start: list, depth: int, step) -> list[Any]:
    """Breadth-first up to `depth` levels: `step(node)` yields (result, next node); each result
    gets its level, and a node is expanded once (the cycle guard)."""
    results: list[Any] = []
    seen = set(start)
    frontier = sorted(seen)
    for level in range(1, depth + 1):
        next_frontier = []
        for node in frontier:
            for result, reached in step(node):
                results.append({**result, "depth": level})
                if reached not in seen:
                    seen.add(reached)
                    next_frontier.append(reached)
        frontier = next_frontier
    return results


def callers(conn: sqlite3.Connection, spec: str, depth: int,
            resolutions: frozenset[str] | None = None) -> list[CallSite]:
    """Call sites resolved to `spec`, with how each was resolved; only `resolutions` if given."""
    def step(target):
        target_file, target_qualname = target
        rows = conn.execute(
            "SELECT l.file, l.line, l.col, c.caller, l.callee, l.resolution FROM call_links l"
            " JOIN calls c ON c.file = l.file AND c.line = l.line AND c.col = l.col"
            " AND c.callee = l.callee"
            " WHERE l.target_file = ? AND l.target_qualname = ? ORDER BY 1, 2, 3",
            (target_file, target_qualname)).fetchall()
        for file, line, col, caller, callee, resolution in rows:
            if resolutions is not None and resolution not in resolutions:
                continue
            yield ({"file": file, "line": line, "col": col, "caller": caller, "callee": callee,
                    "target_file": target_file, "target_qualname": target_qualname,
                    "resolution": resolution},
                   (file, caller))

    return _transitive(resolve_targets(conn, spec), depth, step)


def unresolved_calls(conn: sqlite3.Connection, spec: str) -> list[Call]:
    """Call sites whose callee ends in the last name of `spec`'s targets (`x.save`, `save`)
    but that resolve to nothing: the candidates a reviewer checks by hand."""
    names = sorted({qualname.rpartition(".")[2] for _, qualname in resolve_targets(conn, spec)})
    found: list[Call] = []
    for name in names:
        # The callee's last name; `m.C().save` ends in `save` too. substr, not LIKE: `_` is
        # a wildcard there.
        found += _dicts(conn, "SELECT c.file, c.line, c.col, c.caller, c.callee FROM calls c"
                              " WHERE (c.callee = ? OR substr(c.callee, -?) = ?)"
                              " AND NOT EXISTS (SELECT 1 FROM call_links l WHERE l.file = c.file"
                              " AND l.line = c.line AND l.col = c.col AND l.callee = c.callee)"
                              " ORDER BY 1, 2, 3, 5", (name, len(name) + 1, "." + name))
    return found


# The symbol row a `base_links` row `b` belongs to: its class, interface or object type (a
# class merged with an interface of the same name: the class).
_DECLARING_TYPE = (
    "s.rowid = (SELECT rowid FROM symbols WHERE file = b.file AND qualname = b.qualname"
    " AND kind IN ('class', 'interface', 'type') ORDER BY kind, line, col LIMIT 1)")


def subclasses(conn: sqlite3.Connection, spec: str, depth: int) -> list[Subclass]:
    """Classes whose bases resolve to `spec`, transitively to `depth`."""
    def step(target):
        target_file, target_qualname = target
        rows = conn.execute(
            "SELECT b.file, s.line, s.col, b.qualname, s.kind, b.base FROM base_links b"
            f" JOIN symbols s ON {_DECLARING_TYPE}"
            " WHERE b.target_file = ? AND b.target_qualname = ? ORDER BY 1, 2, 3, 4, 6",
            (target_file, target_qualname)).fetchall()
        for file, line, col, qualname, kind, base in rows:
            yield ({"file": file, "line": line, "col": col, "qualname": qualname, "kind": kind,
                    "base": base, "target_file": target_file, "target_qualname": target_qualname},
                   (file, qualname))

    return _transitive(resolve_targets(conn, spec), depth, step)


def references(conn: sqlite3.Connection, spec: str) -> list[Reference]:
    """Every resolved use of `spec`: calls, base-class mentions, and imports of a module-level
    name from its own file (an import through a re-exporting module names that module)."""
    found: list[Any] = []
    for target_file, target_qualname in resolve_targets(conn, spec):
        target = {"target_file": target_file, "target_qualname": target_qualname}
        found += [{**c, "kind": "call", **target} for c in _dicts(
            conn, "SELECT file, line, col, callee AS text, resolution FROM call_links"
                  " WHERE target_file = ? AND target_qualname = ?", (target_file, target_qualname))]
        found += [{**b, "kind": "base", **target} for b in _dicts(
            conn, "SELECT b.file, s.line, s.col, b.base AS text, CASE WHEN b.file = b.target_file"
                  " THEN 'direct' ELSE 'import' END AS resolution FROM base_links b JOIN symbols s"
                  f" ON {_DECLARING_TYPE} WHERE b.target_file = ? AND b.target_qualname = ?",
            (target_file, target_qualname))]
        found += [{**i, "kind": "import", "resolution": "import", **target} for i in _dicts(
            conn, "SELECT file, line, col, name AS text FROM import_links"
                  " WHERE target = ? AND name = ?", (target_file, target_qualname))]
    return sorted(found, key=lambda r: (r["file"], r["line"], r["col"], r["kind"], r["text"]))


def callees(conn: sqlite3.Connection, spec: str, depth: int) -> list[Callee]:
    def step(source):
        file, qualname = source
        rows = conn.execute(
            "SELECT l.line, l.col, l.callee, l.target_file, l.target_qualname"
            " FROM calls c JOIN call_links l ON l.file = c.file AND l.line = c.line"
            " AND l.col = c.col AND l.callee = c.callee"
            " WHERE c.file = ? AND c.caller = ? ORDER BY 1, 2", (file, qualname)).fetchall()
        for line, col, callee, target_file, target_qualname in rows:
            definition = conn.execute(
                "SELECT line, col, kind FROM symbols WHERE file = ? AND qualname = ?"
                " ORDER BY line, col LIMIT 1", (target_file, target_qualname)).fetchone()
            yield ({"file": file, "line": line, "col": col, "caller": qualname, "callee": callee,
                    "target_file": target_file, "target_qualname": target_qualname,
                    "target_line": definition[0], "target_col": definition[1],
                    "kind": definition[2]},
                   (target_file, target_qualname))

    return _transitive(resolve_targets(conn, spec), depth, step)


def importers(conn: sqlite3.Connection, path: str, depth: int) -> list[Importer]:
    _require_file(conn, path)

    def step(target):
        rows = conn.execute(
            "SELECT file, line, col, module, name FROM import_links WHERE target = ?"
            " ORDER BY 1, 2, 3", (target,)).fetchall()
        for file, line, col, module, name in rows:
            yield ({"file": file, "line": line, "col": col, "module": module, "name": name,
                    "target": target}, file)

    return _transitive([path], depth, step)


def _require_file(conn: sqlite3.Connection, path: str) -> None:
    if conn.execute("SELECT 1 FROM files WHERE path = ?", (path,)).fetchone() is None:
        raise AudError(f"{path} is not in the index")


def imports(conn: sqlite3.Connection, path: str) -> list[Import]:
    _require_file(conn, path)
    return _dicts(conn, "SELECT file, line, col, module, name, target, resolution"
                        " FROM import_links WHERE file = ? ORDER BY line, col", (path,))


def file_report(conn: sqlite3.Connection, path: str) -> FileReport:
    info = _dicts(conn, "SELECT path, lang, size, lines, sha256, blob_oid, status FROM files"
                        " WHERE path = ?", (path,))
    if not info:
        raise AudError(f"{path} is not in the index")
    return {
        "version": OUTPUT_VERSION,
        "file": info[0],
        "symbols": _dicts(conn, "SELECT line, col, kind, qualname, signature FROM symbols"
                                " WHERE file = ? ORDER BY line, col, qualname", (path,)),
        "imports": imports(conn, path),
        "calls": _dicts(conn, "SELECT c.line, c.col, c.caller, c.callee, l.target_file,"
                              " l.target_qualname FROM calls c LEFT JOIN call_links l"
                              " ON l.file = c.file AND l.line = c.line AND l.col = c.col"
                              " AND l.callee = c.callee WHERE c.file = ?"
                              " ORDER BY c.line, c.col, c.callee", (path,)),
        "parse_errors": _dicts(conn, "SELECT line, col, message FROM parse_errors WHERE file = ?"
                                     " ORDER BY line, col", (path,)),
    }
