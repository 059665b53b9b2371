"""The SQLite file: connections, transactions, table (re)creation, fact rows and `meta`."""
from __future__ import annotations

import contextlib
import os
import sqlite3
from collections.abc import Iterator
from typing import TYPE_CHECKING

from aud_git.db.schema import (
    CANONICAL_TABLES,
    FACT_TABLES,
    META_DDL,
    Table,
    create_index_sql,
    create_table_sql,
    index_name,
)
from aud_git.errors import AudError

if TYPE_CHECKING:
    from aud_git.extract import FileRecord

_INSERT = {
    table.name: f"INSERT INTO {table.name} VALUES ({', '.join('?' * len(table.columns))})"
    for table in CANONICAL_TABLES
}


def sqlite_uri(path: str, **params: str) -> str:
    """A `file:` URI for `path`, percent-encoded: `?`, `#` and `%` in a directory name stay
    part of the path instead of starting SQLite's query string or fragment."""
    from urllib.parse import quote

    query = "&".join(f"{key}={value}" for key, value in params.items())
    return f"file:{quote(os.path.abspath(path))}" + (f"?{query}" if query else "")


class CorruptIndex(AudError):
    """The database file cannot be read as a database."""


# What SQLite says of a damaged file (not of a file it may not open): SQLITE_CORRUPT, SQLITE_NOTADB.
_DAMAGED = frozenset({11, 26})
_CANTOPEN = 14


def connect(db_path: str, *, must_exist: bool = False, readonly: bool = False) -> sqlite3.Connection:
    """A connection to an index of ours: never through a link, and never to a file that holds
    objects aud does not define (a shipped trigger would otherwise run on our writes)."""
    if os.path.islink(db_path):
        raise AudError(f"{db_path} is a symbolic link; aud never follows links in .pf/: remove it")
    if must_exist and not os.path.exists(db_path):
        raise AudError(f"no index at {db_path}: run `aud index` first")
    try:
        if readonly:
            conn = _connect_reader(db_path)
        else:
            conn = sqlite3.connect(sqlite_uri(db_path, nofollow="1"), uri=True,
                                   isolation_level=None, timeout=30)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA busy_timeout=30000")
        conn.execute("PRAGMA cache_size=-65536")
        conn.execute("PRAGMA temp_store=MEMORY")
        foreign = foreign_objects(conn)
    except sqlite3.DatabaseError as exc:
        if getattr(exc, "sqlite_errorcode", None) in _DAMAGED:
            raise CorruptIndex(f"the index {db_path} is unreadable or corrupt ({exc});"
                               " `aud index` rebuilds it") from None
        # Not damage (permissions, a read-only directory, a full disk): never deleted for it.
        raise AudError(f"cannot open the index {db_path}: {exc}") from None
    if foreign:
        conn.close()
        raise CorruptIndex(f"the index {db_path} holds objects aud does not define"
                           f" ({', '.join(foreign[:3])}); `aud index` rebuilds it")
    return conn


def _connect_reader(db_path: str) -> sqlite3.Connection:
    """A read-only connection. In a directory nobody may write (a read-only mount, a CI cache),
    SQLite cannot make the `-shm` a WAL reader needs; no writer can change the file there
    either, so it is opened as immutable."""
    conn = sqlite3.connect(sqlite_uri(db_path, mode="ro", nofollow="1"), uri=True,
                           isolation_level=None)
    try:
        conn.execute("SELECT 1 FROM sqlite_master LIMIT 1").fetchone()
    except sqlite3.OperationalError as exc:
        conn.close()
        if exc.sqlite_errorcode != _CANTOPEN or os.access(os.path.dirname(db_path), os.W_OK):
            raise
        conn = sqlite3.connect(sqlite_uri(db_path, mode="ro", nofollow="1", immutable="1"),
                               uri=True, isolation_level=None)
    return conn


def foreign_objects(conn: sqlite3.Connection) -> list[str]:
    """`type name` of every schema object that is not one of ours."""
    ours = {("table", t.name) for t in CANONICAL_TABLES} | {("table", "meta")}
    ours |= {("index", index_name(t, cols)) for t in CANONICAL_TABLES for cols in t.indexes}
    ours |= {("index", "sqlite_autoindex_files_1"), ("index", "sqlite_autoindex_meta_1")}
    return sorted(f"{kind} {name}" for kind, name in conn.execute(
        "SELECT type, name FROM sqlite_master") if (kind, name) not in ours)


def open_for_update(db_path: str) -> tuple[sqlite3.Connection, str | None]:
    """The index to update, and a note when the file was not a sound index of ours and has
    been replaced by an empty one (so the update rebuilds in full)."""
    try:
        return connect(db_path), None
    except CorruptIndex as exc:
        remove_database(db_path)
        return connect(db_path), f"{str(exc).split(';')[0]}: rebuilt from scratch"


def damaged(db_path: str) -> bool:
    """Does SQLite's own check find the file damaged? (Unable to look is not damage.)"""
    try:
        conn = sqlite3.connect(sqlite_uri(db_path, mode="ro", nofollow="1"), uri=True)
        try:
            return conn.execute("PRAGMA quick_check").fetchone()[0] != "ok"
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        return getattr(exc, "sqlite_errorcode", None) in _DAMAGED


@contextlib.contextmanager
def new_database(db_path: str) -> Iterator[sqlite3.Connection]:
    """A connection to a new, empty database beside `db_path`; when the block succeeds, the
    new file replaces `db_path` in one rename. Nothing of the old file survives (no trigger,
    no free or damaged page), and readers that have it open keep reading it until they
    reopen. On failure the old file stays as it was."""
    building = db_path + ".new"
    remove_database(building)
    conn = connect(building)
    # Nobody reads this file before the rename, and a failed build deletes it: no journal
    # (WAL would write every page twice) and no syncs until the end.
    conn.execute("PRAGMA journal_mode=OFF")
    conn.execute("PRAGMA synchronous=OFF")
    try:
        yield conn
        conn.execute("PRAGMA journal_mode=WAL")  # what every later connection expects
    except BaseException:
        conn.close()
        remove_database(building)
        raise
    conn.close()  # the last connection: SQLite removes its -wal and -shm
    with open(building, "rb") as built:
        os.fsync(built.fileno())  # the content is on disk before the rename makes it the index
    # The old file's -wal and -shm go first: SQLite replays a -wal it finds beside a database,
    # whichever file it was written for. Readers still on the old file keep theirs open.
    for suffix in ("-wal", "-shm", "-journal"):
        for path in (db_path + suffix, building + suffix):
            try:
                os.unlink(path)
            except FileNotFoundError:
                pass
    os.replace(building, db_path)
    directory = os.open(os.path.dirname(db_path) or ".", os.O_RDONLY)
    try:
        os.fsync(directory)  # the rename itself survives a crash
    finally:
        os.close(directory)


def remove_database(db_path: str) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        try:
            os.unlink(db_path + suffix)
        except FileNotFoundError:
            pass


@contextlib.contextmanager
def write_transaction(conn: sqlite3.Connection) -> Iterator[None]:
    """One write transaction: readers see the state before it or after it, nothing between."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


@contextlib.contextmanager
def staging(conn: sqlite3.Connection, tables: tuple[Table, ...]) -> Iterator[str]:
    """Empty copies of `tables` in a private temporary database attached to `conn`, written in
    one transaction with `main`: the block gets their schema name, and when it succeeds their
    rows join `main`'s tables, one statement each. For rows that may not be written to the
    file yet (other connections read it) but are too many to hold in memory. SQLite keeps the
    temporary database on disk (in its temporary directory) unless `temp_store` says memory."""
    conn.execute("ATTACH DATABASE '' AS staged")
    try:
        for table in tables:
            conn.execute(f"CREATE TABLE staged.{table.name} ({', '.join(table.columns)})")
        with write_transaction(conn):
            yield "staged"
            for table in tables:
                conn.execute(f"INSERT INTO main.{table.name} SELECT * FROM staged.{table.name}")
    finally:
        conn.execute("DETACH DATABASE staged")


def database_path(conn: sqlite3.Connection) -> str:
    """The file of `conn`'s main database (`''` for an in-memory one)."""
    return next(row[2] for row in conn.execute("PRAGMA database_list") if row[1] == "main")


def read_meta(conn: sqlite3.Connection) -> dict[str, str]:
    try:
        return dict(conn.execute("SELECT key, value FROM meta"))
    except sqlite3.OperationalError:
        return {}  # no meta table: no index yet (damage raises DatabaseError, for the caller)


def write_meta(conn: sqlite3.Connection, values: dict[str, str | int | float | None]) -> None:
    conn.executemany(
        "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
        [(k, None if v is None else str(v)) for k, v in sorted(values.items())],
    )


def recreate_tables(conn: sqlite3.Connection) -> None:
    """Empty canonical tables without secondary indexes: bulk loading is faster without them."""
    for table in CANONICAL_TABLES:
        conn.execute(f"DROP TABLE IF EXISTS {table.name}")
        conn.execute(create_table_sql(table))
    conn.execute(META_DDL)


def create_indexes(conn: sqlite3.Connection, tables=CANONICAL_TABLES) -> None:
    for table in tables:
        for statement in create_index_sql(table):
            conn.execute(statement)


def insert_records(conn: sqlite3.Connection, records: list[FileRecord]) -> None:
    conn.executemany(_INSERT["files"], [r.files_row() for r in records])
    for table in FACT_TABLES:
        # `+`, not `(path, *row)`: unpacking takes a slow path for tuple subclasses (the rows
        # are NamedTuples), concatenation does not.
        rows = [(r.path,) + row for r in records for row in getattr(r.facts, table.name)]
        if rows:
            conn.executemany(_INSERT[table.name], rows)


def delete_files(conn: sqlite3.Connection, paths: list[str]) -> None:
    """Remove the `files` rows and the facts of `paths`; links are the linker's to replace."""
    keys = [(p,) for p in paths]
    conn.executemany("DELETE FROM files WHERE path = ?", keys)
    for table in FACT_TABLES:
        conn.executemany(f"DELETE FROM {table.name} WHERE file = ?", keys)


def row_counts(conn: sqlite3.Connection) -> dict[str, int]:
    """Rows per canonical table."""
    return {table.name: conn.execute(f"SELECT count(*) FROM {table.name}").fetchone()[0]
            for table in CANONICAL_TABLES}
