from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time

from conftest import GIT_ENV


def populate(repo, generation: int, count: int = 250) -> None:
    for i in range(count):
        repo.write(f"pkg/m{i}.py", (
            f"from pkg.m{(i + 1) % count} import f{(i + 1) % count}\n"
            f"def f{i}():\n    return f{(i + 1) % count}() + {generation}\n"
            + "".join(f"def g{i}_{j}():\n    return {j}\n" for j in range(30))
        ))


def start_update(repo) -> subprocess.Popen:
    import os

    return subprocess.Popen(
        [sys.executable, "-m", "aud_git", "index", "--incremental", "-q", "--no-cache"],
        cwd=repo.path, env={**os.environ, **GIT_ENV}, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )


def test_kill_9_leaves_before_or_after_and_next_run_is_exact(repo):
    populate(repo, 0)
    repo.aud("index")
    populate(repo, 1)
    started = time.monotonic()
    assert start_update(repo).wait() == 0
    duration = time.monotonic() - started
    before = repo.digest()
    killed_midway = 0
    for attempt, fraction in enumerate([0.3, 0.45, 0.6, 0.75, 0.9]):
        populate(repo, attempt + 2)
        delay = duration * fraction
        process = start_update(repo)
        time.sleep(delay)
        process.send_signal(signal.SIGKILL)
        process.wait()
        killed_midway += process.returncode == -signal.SIGKILL
        conn = sqlite3.connect(repo.path / ".pf" / "repo_index.db")
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        conn.close()
        state = repo.digest()
        after = repo.fresh_digest()
        assert state in (before, after)
        repo.aud("index", "--incremental", "-q")
        repo.assert_exact()
        before = repo.digest()
    assert killed_midway >= 2


def test_two_updaters_at_once_end_exact(repo):
    populate(repo, 0, count=120)
    repo.aud("index")
    populate(repo, 1, count=120)
    first, second = start_update(repo), start_update(repo)
    assert first.wait() == 0, first.stderr.read()
    assert second.wait() == 0, second.stderr.read()
    repo.assert_exact()


def test_a_full_build_is_a_new_file_and_open_readers_keep_the_old_one(repo):
    from aud_git.db import store

    repo.write("a.py", "def one():\n    pass\n")
    repo.commit()
    repo.aud("index")
    db = str(repo.path / ".pf" / "repo_index.db")
    reader = store.connect(db, readonly=True)
    before = reader.execute("SELECT count(*) FROM symbols").fetchone()[0]
    repo.write("b.py", "".join(f"def f{i}():\n    pass\n" for i in range(50)))
    repo.aud("index", "--full")
    assert reader.execute("SELECT count(*) FROM symbols").fetchone()[0] == before
    reader.close()
    fresh = store.connect(db, readonly=True)
    assert fresh.execute("SELECT count(*) FROM symbols").fetchone()[0] == before + 51  # + module
    assert fresh.execute("PRAGMA freelist_count").fetchone()[0] == 0  # nothing of the old file
    fresh.close()
    assert not [p for p in os.listdir(repo.path / ".pf") if ".new" in p]
    repo.write("a.py", "def one():\n    pass\ndef two():\n    pass\n")
    repo.aud("index", "--incremental")
    repo.assert_exact()
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    conn.close()
