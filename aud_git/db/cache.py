"""The content-addressed cache, `.pf/cache.db`: outside the canonical tables, bounded, and safe
to delete. It remembers extractions and link results.

Extraction is a pure function of (language, extractor and parser versions, content), so the
facts of a content seen before are reused: looked up by sha256 for bytes just read, or by git blob
id for a tracked regular file whose working-tree bytes git vouches for (the snapshot says when),
which then is not even read. Both ids are computed from the bytes the facts were extracted from.
Only regular files below the size limit are cached; symlinks and oversized files are cheap to
redo and depend on more than content.

A file's links are a pure function of its content and the values of the lookups it recorded, so
a remembered link result (per path, content and linker context) is reused when every lookup it
recorded returns the same value now: switching back to a branch re-resolves nothing.
"""
from __future__ import annotations

import hashlib
import marshal
import sqlite3
import zlib
from collections.abc import Iterable

from aud_git.extract import FileRecord, extractor_key
from aud_git.extract.facts import Facts

# Bump when the cache's tables or the meaning of a column change: an old cache.db is emptied.
# 3: `blob_oid` is always the id of the bytes whose facts are stored (layout 2 could pair the
# blob id git reported with the facts of bytes saved after it).
CACHE_LAYOUT = 3
MAX_ENTRIES = 60_000
_REGULAR_MODES = (0o100644, 0o100755)
_CACHEABLE_STATUS = ("ok", "parse_error")
_OWN_OBJECTS = frozenset({
    "state", "entries", "links", "entries_oid", "sqlite_autoindex_state_1",
    "sqlite_autoindex_entries_1", "sqlite_autoindex_links_1",
})


def is_regular_mode(mode: int) -> bool:
    return mode in _REGULAR_MODES


class ExtractionCache:
    def __init__(self, path: str) -> None:
        self.path = path
        self.conn: sqlite3.Connection | None = None
        self.generation = 0
        self._touched: list[tuple[str, str]] = []
        self._links_touched: list[tuple[str, str, str, str]] = []
        try:
            conn = self._open(path)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=OFF")
            conn.execute("CREATE TABLE IF NOT EXISTS state (key TEXT PRIMARY KEY, value INTEGER)")
            row = conn.execute("SELECT value FROM state WHERE key = 'layout'").fetchone()
            if row is None or row[0] != CACHE_LAYOUT:
                conn.execute("DROP TABLE IF EXISTS entries")
                conn.execute("DROP TABLE IF EXISTS links")
                conn.execute("INSERT OR REPLACE INTO state VALUES ('layout', ?)", (CACHE_LAYOUT,))
            conn.execute(
                "CREATE TABLE IF NOT EXISTS entries (sha256 TEXT, lang TEXT, version TEXT,"
                " blob_oid TEXT, size INTEGER, lines INTEGER, status TEXT, facts BLOB,"
                " used INTEGER, PRIMARY KEY (sha256, lang, version))"
            )
            conn.execute("CREATE INDEX IF NOT EXISTS entries_oid ON entries (blob_oid, lang, version)")
            conn.execute(
                "CREATE TABLE IF NOT EXISTS links (path TEXT, sha256 TEXT, context TEXT,"
                " digest TEXT, deps BLOB, rows BLOB, used INTEGER,"
                " PRIMARY KEY (path, sha256, context, digest))"
            )
            row = conn.execute("SELECT value FROM state WHERE key = 'generation'").fetchone()
            self.generation = (row[0] if row else 0) + 1
            self.conn = conn
        except (sqlite3.DatabaseError, OSError):
            self.conn = None  # a broken cache is no cache: it never stops an update

    @staticmethod
    def _open(path: str) -> sqlite3.Connection:
        """The cache file, never through a link; one holding objects we do not define (a
        trigger that would rewrite facts) is replaced by an empty one."""
        from aud_git.db.store import remove_database, sqlite_uri

        for _ in range(2):
            conn = sqlite3.connect(sqlite_uri(path, nofollow="1"), uri=True,
                                   isolation_level=None, timeout=5)
            names = {name for (name,) in conn.execute("SELECT name FROM sqlite_master")}
            if names <= _OWN_OBJECTS:
                return conn
            conn.close()
            remove_database(path)
        raise sqlite3.DatabaseError("the cache cannot be replaced")

    def lookup(self, path: str, lang: str, *, oid: str | None = None, sha256: str | None = None,
               max_size: int) -> FileRecord | None:
        """The record of a regular file of this content (without its module symbol), or None."""
        if self.conn is None:
            return None
        column, key = ("blob_oid", oid) if oid is not None else ("sha256", sha256)
        try:
            row = self.conn.execute(
                f"SELECT sha256, blob_oid, size, lines, status, facts FROM entries"
                f" WHERE {column} = ? AND lang = ? AND version = ?",
                (key, lang, extractor_key()),
            ).fetchone()
        except sqlite3.DatabaseError:
            return None
        if row is None or row[2] > max_size:
            return None
        sha, blob_oid, size, lines, status, blob = row
        facts = Facts.from_tables(marshal.loads(zlib.decompress(blob)))
        self._touched.append((sha, lang))
        return FileRecord(path, lang, size, lines, sha, blob_oid, status, facts)

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def link_entries(self, path: str, sha256: str, context: str) -> list[tuple[str, list, dict]]:
        """A file's remembered link results, one per distinct set of lookup values (a file with
        the same content links differently on two branches): (digest, lookups, rows)."""
        if self.conn is None:
            return []
        try:
            rows = self.conn.execute(
                "SELECT digest, deps, rows FROM links WHERE path = ? AND sha256 = ? AND context = ?",
                (path, sha256, context)).fetchall()
        except sqlite3.DatabaseError:
            return []
        return [(digest, marshal.loads(zlib.decompress(deps)), marshal.loads(zlib.decompress(out)))
                for digest, deps, out in rows]

    def touch_link(self, path: str, sha256: str, context: str, digest: str) -> None:
        self._links_touched.append((path, sha256, context, digest))

    def store_links(self, entries: list[tuple[str, str, str, list, dict]]) -> None:
        """Remember link results: (path, sha256, context, [(kind, path, name, value)], rows)."""
        rows = []
        for path, sha, context, deps, out in entries:
            blob = marshal.dumps(deps)
            rows.append((path, sha, context, hashlib.sha1(blob).hexdigest(), zlib.compress(blob, 1),
                         zlib.compress(marshal.dumps(out), 1), self.generation))
        self._write("links", "INSERT OR REPLACE INTO links VALUES (?, ?, ?, ?, ?, ?, ?)", rows,
                    "UPDATE links SET used = ? WHERE path = ? AND sha256 = ? AND context = ?"
                    " AND digest = ?", self._links_touched)

    def store(self, fresh: Iterable[FileRecord]) -> None:
        """Remember fresh extractions, refresh the entries used, and evict the least recent."""
        rows = []
        for record in fresh:
            if record.lang is None or record.status not in _CACHEABLE_STATUS:
                continue
            tables = record.facts.plain_tables()  # the module symbol comes from the path
            tables["symbols"] = [s for s in tables["symbols"] if s[2] != "module"]
            blob = zlib.compress(marshal.dumps(tables), 1)
            rows.append((record.sha256, record.lang, extractor_key(), record.blob_oid,
                         record.size, record.lines, record.status, blob, self.generation))
        self._write("entries", "INSERT OR REPLACE INTO entries VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    rows, "UPDATE entries SET used = ? WHERE sha256 = ? AND lang = ?",
                    self._touched)

    def _write(self, table: str, insert: str, rows: list[tuple], touch: str,
               touched: list[tuple]) -> None:
        """Insert `rows`, mark the `touched` keys as used now, evict the least recently used."""
        if self.conn is None:
            return
        try:
            self.conn.execute("BEGIN")
            try:
                self.conn.executemany(insert, rows)
                self.conn.executemany(touch, [(self.generation, *key) for key in touched])
                self.conn.execute(
                    "INSERT OR REPLACE INTO state VALUES ('generation', ?)", (self.generation,))
                count = self.conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
                if count > MAX_ENTRIES:
                    self.conn.execute(
                        f"DELETE FROM {table} WHERE rowid IN"
                        f" (SELECT rowid FROM {table} ORDER BY used LIMIT ?)", (count - MAX_ENTRIES,))
            except BaseException:
                self.conn.execute("ROLLBACK")
                raise
            self.conn.execute("COMMIT")
        except sqlite3.DatabaseError:
            pass  # the cache is advisory
        touched.clear()
