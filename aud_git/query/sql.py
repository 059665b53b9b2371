"""`aud query sql`: one read-only statement under an authorizer, with time, row and size limits.

A repository's index is written from untrusted input, and the statement may come from an
agent: reads and plain functions only (no ATTACH, PRAGMA or writes), and bounded answers.
"""
from __future__ import annotations

import sqlite3
import time

from aud_git.errors import AudError

# What a read-only question may call: pure functions of their arguments, none that reaches
# outside the database (load_extension, fts3_tokenizer, sqlite_log) or allocates on request
# (randomblob, zeroblob).
SAFE_SQL_FUNCTIONS = frozenset("""
    -> ->> abs acos acosh asin asinh atan atan2 atanh avg ceil ceiling char coalesce concat
    concat_ws cos cosh count cume_dist date datetime degrees dense_rank exp first_value floor
    format glob group_concat hex ifnull iif instr json json_array json_array_length
    json_extract json_group_array json_group_object json_object json_quote json_type
    json_valid julianday lag last_value lead length like likelihood likely ln log log10 log2
    lower ltrim max min mod nth_value ntile nullif octet_length percent_rank pi pow power printf
    quote radians random rank replace round row_number rtrim sign sin sinh soundex sqlite_version
    sqrt strftime string_agg substr substring sum tan tanh time total trim trunc typeof unhex
    unicode unixepoch unlikely upper
""".split())
_READ_ACTIONS = frozenset({sqlite3.SQLITE_SELECT, sqlite3.SQLITE_READ, sqlite3.SQLITE_RECURSIVE})
DEFAULT_SQL_TIMEOUT = 5.0
DEFAULT_MAX_ROWS = 10_000
MAX_ANSWER_BYTES = 64 * 1024 * 1024
_MAX_VALUE_BYTES = 16 * 1024 * 1024


def _authorize(action, argument, function, database, trigger) -> int:
    """Reads, and calls of the functions above; nothing else (no ATTACH, PRAGMA, write)."""
    if action in _READ_ACTIONS:
        return sqlite3.SQLITE_OK
    if action == sqlite3.SQLITE_FUNCTION and function is not None \
            and function.lower() in SAFE_SQL_FUNCTIONS:
        return sqlite3.SQLITE_OK
    return sqlite3.SQLITE_DENY


def _answer_size(row: tuple) -> int:
    return sum(len(v) if isinstance(v, (str, bytes)) else 8 for v in row)


def run_sql(conn: sqlite3.Connection, statement: str, *, timeout: float = DEFAULT_SQL_TIMEOUT,
            max_rows: int = DEFAULT_MAX_ROWS) -> tuple[list[str], list[tuple]]:
    """Run one read-only statement within a time, row and size budget.

    The connection is read-only and `query_only`; on top, an authorizer allows only reads and
    the safe functions, no database can be attached, and no value may exceed 16 MiB. Anything
    else is an AudError with one line that says which limit was hit."""
    conn.execute("PRAGMA query_only = ON")
    conn.setlimit(sqlite3.SQLITE_LIMIT_ATTACHED, 0)
    conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, _MAX_VALUE_BYTES)
    deadline = time.monotonic() + timeout
    conn.set_progress_handler(lambda: time.monotonic() > deadline, 10_000)
    conn.set_authorizer(_authorize)
    try:
        cursor = conn.execute(statement)
        rows: list[tuple] = []
        size = 0
        for row in cursor:
            size += _answer_size(row)
            if len(rows) == max_rows or size > MAX_ANSWER_BYTES:
                limit = f"{max_rows} rows" if len(rows) == max_rows else "64 MiB"
                raise AudError(f"sql: the answer is larger than {limit}; narrow it (LIMIT)"
                               " or raise --max-rows")
            rows.append(row)
    except (sqlite3.Error, MemoryError, OverflowError) as exc:
        message = str(exc) or type(exc).__name__
        if message == "interrupted":
            raise AudError(f"sql: the statement ran longer than {timeout:g} s; narrow it or"
                           " raise --timeout") from None
        if any(word in message for word in ("not authorized", "prohibited", "readonly")):
            raise AudError(f"sql: refused: read-only, reads and plain functions only ({message})"
                           ) from None
        raise AudError(f"sql: {message}") from None
    finally:
        conn.set_authorizer(None)
        conn.set_progress_handler(None, 0)
    columns = [d[0] for d in cursor.description or ()]
    return columns, rows
