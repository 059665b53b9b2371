"""The database schema: one place that names every table, column and index.

Every table except `meta` is canonical: its rows are a pure function of the working tree, the
configuration and the tool version, keyed by natural keys (path, position, name). No table has an
AUTOINCREMENT or rowid-derived column.
"""
from __future__ import annotations

from dataclasses import dataclass

SCHEMA_VERSION = "5"
# Bump when link rows change for the same facts: part of `meta` and of the link cache's context.
LINKER_VERSION = "3"


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[str, ...]
    indexes: tuple[tuple[str, ...], ...] = ()


FILES = Table(
    "files",
    ("path", "lang", "size", "lines", "sha256", "blob_oid", "status"),
)

FACT_TABLES: tuple[Table, ...] = (
    Table(
        "symbols",
        ("file", "name", "qualname", "kind", "parent", "line", "col", "end_line", "end_col",
         "signature", "exported"),
        (("file",), ("name",), ("qualname",)),
    ),
    Table(
        "imports",
        ("file", "line", "col", "kind", "module", "name", "alias", "level"),
        (("file",), ("module",)),
    ),
    Table(
        "exports",
        ("file", "line", "col", "name", "local"),
        (("file",),),
    ),
    Table(
        "calls",
        ("file", "line", "col", "caller", "callee", "args"),
        (("file",),),
    ),
    Table(
        "assignments",
        ("file", "line", "col", "scope", "target", "value"),
        (("file",),),
    ),
    Table(
        "types",
        ("file", "line", "col", "scope", "target", "origin", "expr"),
        (("file",),),
    ),
    Table(
        "ts_configs",
        ("file", "base_url", "paths", "extends"),
        (("file",),),
    ),
    Table(
        "packages",
        ("file", "name", "workspaces", "entries", "sealed"),
        (("file",), ("name",)),
    ),
    Table(
        "parse_errors",
        ("file", "line", "col", "message"),
        (("file",),),
    ),
)

LINK_TABLES: tuple[Table, ...] = (
    Table(
        "import_links",
        ("file", "line", "col", "module", "name", "target", "resolution"),
        (("file",), ("target",)),
    ),
    Table(
        "call_links",
        ("file", "line", "col", "callee", "target_file", "target_qualname", "resolution"),
        (("file",), ("target_file", "target_qualname")),
    ),
    Table(
        "base_links",
        ("file", "qualname", "position", "base", "target_file", "target_qualname"),
        (("file",), ("target_file", "target_qualname")),
    ),
    Table(
        "link_errors",
        ("file", "message"),
        (("file",),),
    ),
    Table(
        "link_deps",
        ("file", "kind", "path", "name"),
        (("file",), ("path", "kind", "name")),
    ),
)

CANONICAL_TABLES: tuple[Table, ...] = (FILES, *FACT_TABLES, *LINK_TABLES)


def create_table_sql(table: Table) -> str:
    if table is FILES:
        return (
            "CREATE TABLE files (path TEXT PRIMARY KEY, lang TEXT, size INTEGER, lines INTEGER,"
            " sha256 TEXT, blob_oid TEXT, status TEXT NOT NULL)"
        )
    return f"CREATE TABLE {table.name} ({', '.join(table.columns)})"


def index_name(table: Table, columns: tuple[str, ...]) -> str:
    return f"idx_{table.name}_{'_'.join(columns)}"


def create_index_sql(table: Table) -> list[str]:
    return [
        f"CREATE INDEX IF NOT EXISTS {index_name(table, cols)} ON {table.name} ({', '.join(cols)})"
        for cols in table.indexes
    ]


META_DDL = "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT)"
