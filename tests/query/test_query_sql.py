"""`aud query sql` is read-only and bounded, whatever the statement (agents pass any string)."""
from __future__ import annotations

import hashlib
import json
import os

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aud_git.commands import cli
from aud_git.db import store
from aud_git.errors import AudError
from aud_git.query.sql import run_sql


@pytest.fixture(scope="module")
def indexed(tmp_path_factory):
    from conftest import Repo

    repo = Repo(tmp_path_factory.mktemp("sql") / "repo")
    for i in range(40):
        repo.write(f"m{i}.py", f"def f{i}():\n    g{i}()\n")
    repo.commit()
    repo.aud("index")
    return repo


def sql(repo, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["-C", str(repo.path), "query", "sql", *args])
    return result.exit_code, result.stdout, result.stderr


def tree_state(root) -> dict[str, str]:
    """Every file at or below the repository's parent, by content hash."""
    state = {}
    for directory, _, names in os.walk(root):
        for name in names:
            path = os.path.join(directory, name)
            if name.endswith(("-shm", "-wal")):
                continue  # SQLite's shared memory for readers: not content
            with open(path, "rb") as handle:
                state[path] = hashlib.sha256(handle.read()).hexdigest()
    return state


@pytest.mark.parametrize("statement", [
    "ATTACH '{repo}/.git/index.lock' AS x",
    "VACUUM INTO '{repo}/copy.db'",
    "SELECT fts3_tokenizer('simple')",
    "SELECT load_extension('/nonexistent')",
    "PRAGMA writable_schema = 1",
    "SELECT * FROM pragma_database_list",
    "DELETE FROM files",
    "CREATE TABLE t (x)",
    "CREATE TEMP TRIGGER t AFTER INSERT ON meta BEGIN SELECT 1; END",
    "SELECT randomblob(100000000)",
    "SELECT zeroblob(100000000)",
])
def test_anything_but_a_read_is_refused_and_changes_nothing(indexed, statement):
    before = tree_state(indexed.path.parent)
    code, out, err = sql(indexed, statement.format(repo=indexed.path))
    assert (code, out) == (2, "") and err.startswith("aud: sql: ") and err.count("\n") == 1
    assert tree_state(indexed.path.parent) == before


def test_a_runaway_statement_stops_at_the_time_limit(indexed):
    code, _, err = sql(indexed, "--timeout", "0.2", "WITH RECURSIVE r(i) AS (SELECT 1 UNION ALL"
                       " SELECT i + 1 FROM r) SELECT count(*) FROM r")
    assert code == 2 and "longer than 0.2 s" in err


def test_a_huge_value_or_answer_is_refused_with_the_limit_named(indexed):
    code, _, err = sql(indexed, "SELECT replace(printf('%.*c', 1000000, 'x'), 'x', '"
                       + "y" * 30 + "')")
    assert code == 2 and "too big" in err
    code, _, err = sql(indexed, "--max-rows", "10", "SELECT * FROM symbols")
    assert code == 2 and "larger than 10 rows" in err


def test_blobs_are_hex_in_text_and_json(indexed):
    assert sql(indexed, "SELECT x'00ff', 1")[1] == "00ff\t1\n"
    assert json.loads(sql(indexed, "--json", "SELECT x'00ff' AS b")[1]) == [{"b": "00ff"}]


def test_reads_with_safe_functions_window_functions_and_ctes_work(indexed):
    code, out, _ = sql(indexed, "SELECT upper(substr(path, 1, 2)), count(*) OVER () FROM files"
                                " WHERE path = 'm1.py'")
    assert (code, out) == (0, "M1\t1\n")
    code, out, _ = sql(indexed, "WITH RECURSIVE r(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM r"
                                " WHERE i < 3) SELECT json_extract(json_array(i), '$[0]') FROM r")
    assert (code, out) == (0, "1\n2\n3\n")


_FRAGMENTS = st.sampled_from([
    "SELECT * FROM files", "SELECT count(*) FROM symbols s, symbols t",
    "ATTACH 'x.db' AS x", "DETACH x", "PRAGMA journal_mode = DELETE", "VACUUM", "REINDEX",
    "INSERT INTO meta VALUES ('k', 'v')", "UPDATE files SET lang = NULL", "DROP TABLE files",
    "SELECT load_extension('x')", "SELECT fts3_tokenizer('simple', x'00')", "ANALYZE",
    "CREATE VIEW v AS SELECT 1", "CREATE INDEX i ON files (lang)", "BEGIN", "COMMIT",
    "SELECT sqlite_compileoption_get(0)", "SELECT zeroblob(1 << 30)", "SAVEPOINT s",
    "WITH RECURSIVE r(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM r) SELECT max(i) FROM r",
    "SELECT * FROM pragma_table_info('files')", "SELECT printf('%s', path) FROM files",
    "SELECT edit('x')", "SELECT readfile('/etc/passwd')", "SELECT writefile('x', 'y')",
])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_FRAGMENTS, min_size=1, max_size=3), st.sampled_from(["", ";", "; --", " /*"]))
def test_any_statement_reads_or_is_refused_and_the_files_stay_the_same(indexed, parts, tail):
    before = tree_state(indexed.path.parent)
    conn = store.connect(str(indexed.path / ".pf" / "repo_index.db"), readonly=True)
    try:
        run_sql(conn, "; ".join(parts) + tail, timeout=0.2, max_rows=50)
    except AudError:
        pass
    finally:
        conn.close()
    assert tree_state(indexed.path.parent) == before
