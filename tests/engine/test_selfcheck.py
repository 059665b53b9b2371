from __future__ import annotations

import json
import sqlite3


def test_validation_catches_rows_an_update_left_behind_and_the_next_update_rebuilds(
        repo, monkeypatch):
    """A bug simulated: deleting a file forgets one fact table. The self-check sees the rows
    the update left behind, and the next update rebuilds."""
    from aud_git.db import store
    from aud_git.engine.update import run_update
    from aud_git.git.workspace import open_workspace

    repo.write("a.py", "def f():\n    pass\n")
    repo.write("gone.py", "def g():\n    pass\n")
    repo.aud("index")
    forgetful = store.delete_files

    def delete_files_but_symbols(conn, paths):
        kept = conn.execute("SELECT * FROM symbols").fetchall()
        forgetful(conn, paths)
        conn.executemany(f"INSERT OR IGNORE INTO symbols VALUES ({', '.join('?' * len(kept[0]))})",
                         kept)

    monkeypatch.setattr(store, "delete_files", delete_files_but_symbols)
    repo.remove("gone.py")
    summary = run_update(open_workspace(str(repo.path)), mode="incremental")
    monkeypatch.undo()
    assert summary.mode == "incremental"
    assert any("'gone.py', which has no files row" in note for note in summary.notes)
    assert "gone.py" in (repo.path / ".pf" / "aud.log").read_text()
    summary = repo.aud("index", "--incremental", "--json")
    assert summary["mode"] == "full" and "validation failed" in summary["reason"]
    repo.assert_exact()
    assert repo.aud("index", "--incremental", "--json")["mode"] == "incremental"


def test_validation_catches_a_dangling_link_into_a_changed_file(repo):
    repo.write("m.py", "def f():\n    pass\n")
    repo.write("other.py", "x = 1\n")
    repo.aud("index")
    conn = sqlite3.connect(repo.path / ".pf" / "repo_index.db")
    conn.execute("INSERT INTO call_links VALUES ('other.py', 9, 0, 'x', 'm.py', 'missing', 'direct')")
    conn.commit()
    conn.close()
    repo.write("m.py", "def f():\n    return 1\n")
    summary = repo.aud("index", "--incremental", "--json")
    assert any("missing" in note for note in summary["notes"])


def test_verify_reports_an_injected_difference(repo):
    repo.write("a.py", "def f():\n    pass\n")
    repo.aud("index")
    assert repo.run_aud("verify").returncode == 0
    conn = sqlite3.connect(repo.path / ".pf" / "repo_index.db")
    conn.execute("UPDATE symbols SET signature = '(tampered)' WHERE qualname = 'f'")
    conn.commit()
    conn.close()
    result = repo.run_aud("verify")
    assert result.returncode == 1
    assert "symbols: differs" in result.stdout and "(tampered)" in result.stdout
    report = json.loads(repo.run_aud("verify", "--json").stdout)
    assert report["equal"] is False and [t["table"] for t in report["tables"]] == ["symbols"]


def test_status_lists_an_unindexed_edit_and_check_exits_1(repo):
    repo.write("a.py", "x = 1\n")
    repo.write("b.py", "y = 1\n")
    repo.commit()
    assert repo.run_aud("status").stdout.startswith("aud: no index yet")
    repo.aud("index")
    fresh = json.loads(repo.run_aud("status", "--json").stdout)
    assert fresh["fresh"] is True and fresh["hooks_installed"] is False
    assert repo.run_aud("status", "--check").returncode == 0
    repo.write("a.py", "x = 2\n")
    repo.remove("b.py")
    repo.write("c.py", "z = 1\n")
    before = repo.digest()
    report = json.loads(repo.run_aud("status", "--json").stdout)
    assert (report["added"], report["modified"], report["deleted"]) == (["c.py"], ["a.py"], ["b.py"])
    result = repo.run_aud("status", "--check")
    assert result.returncode == 1 and "modified: a.py" in result.stdout
    assert repo.digest() == before  # status writes nothing


def test_periodic_full_rebuild_by_age(repo):
    repo.write("aud.toml", "full_rebuild_hours = 0.0001\n")
    repo.write("a.py", "x = 1\n")
    repo.aud("index")
    import time

    time.sleep(0.5)
    summary = repo.aud("index", "--incremental", "--json")
    assert summary["mode"] == "full" and "periodic full rebuild after" in summary["reason"]
