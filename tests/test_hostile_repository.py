"""A repository nobody here wrote: nothing in it may make aud write outside it, follow a link
out of `.pf/`, or trust a `.pf/` it did not make. Each case is a repository built by the test;
the files around it are hashed before and after."""
from __future__ import annotations

import hashlib
import os
import sqlite3

import pytest

from conftest import Repo


def around(root) -> dict[str, str]:
    """Every file below `root` but inside the repository, by content hash (links by target)."""
    state = {}
    for directory, dirs, names in os.walk(root):
        dirs[:] = [d for d in dirs if d != "repo"]
        for name in names:
            path = os.path.join(directory, name)
            if os.path.islink(path):
                state[path] = "-> " + os.readlink(path)
            else:
                with open(path, "rb") as handle:
                    state[path] = hashlib.sha256(handle.read()).hexdigest()
    return state


@pytest.fixture
def outside(tmp_path):
    """A file outside the repository that a hostile link points at."""
    target = tmp_path / "precious.txt"
    target.write_text("keep me\n")
    return target


def refused(result, fragment: str) -> None:
    assert result.returncode == 2, result
    assert result.stderr.count("\n") == 1 and fragment in result.stderr, result.stderr


def test_a_pf_link_is_refused(repo, outside, tmp_path):
    repo.write("a.py", "x = 1\n")
    os.symlink(tmp_path, repo.path / ".pf")
    before = around(tmp_path)
    refused(repo.run_aud("index"), "is a symbolic link")
    assert around(tmp_path) == before


def test_a_pf_file_is_refused(repo):
    repo.write(".pf", "not a directory\n")
    refused(repo.run_aud("index"), "is not a directory")


@pytest.mark.parametrize(("name", "refuses"), [
    ("lock", True), ("repo_index.db", True),
    ("cache.db", False),  # the cache is advisory: a bad one is no cache
])
def test_links_inside_pf_are_never_followed(repo, outside, tmp_path, name, refuses):
    repo.write("a.py", "x = 1\n")
    (repo.path / ".pf").mkdir()
    os.symlink(outside, repo.path / ".pf" / name)
    before = around(tmp_path)
    result = repo.run_aud("index")
    if refuses:
        refused(result, "symbolic link")
    else:
        assert result.returncode == 0, result.stderr
    assert around(tmp_path) == before and outside.read_text() == "keep me\n"


def test_a_log_link_is_not_followed_when_aud_logs(repo, outside):
    from aud_git.errors import AudError
    from aud_git.logbook import log_line

    (repo.path / ".pf").mkdir()
    os.symlink(outside, repo.path / ".pf" / "aud.log")
    with pytest.raises(AudError, match="symbolic link"):
        log_line(str(repo.path / ".pf"), "an entry")
    assert outside.read_text() == "keep me\n"


def test_a_hook_log_link_is_not_followed(repo, outside, tmp_path):
    repo.write("a.py", "x = 1\n")
    repo.commit()
    assert repo.run_aud("hooks", "install").returncode == 0
    repo.aud("index")
    for name in ("hooks.log", "background.pid"):
        os.symlink(outside, repo.path / ".pf" / name)
    before = around(tmp_path)
    repo.write("b.py", "y = 1\n")
    repo.git("add", "b.py")
    result = repo.git("commit", "-q", "-m", "hooks with links in .pf")
    assert result.returncode == 0
    assert around(tmp_path) == before and outside.read_text() == "keep me\n"


def test_a_repository_that_tracks_pf_is_refused(repo, outside, tmp_path):
    repo.write("a.py", "x = 1\n")
    (repo.path / ".pf").mkdir()
    os.symlink(outside, repo.path / ".pf" / "lock")
    repo.git("add", "-f", ".pf/lock", "a.py")
    repo.git("commit", "-q", "-m", "ships a lock")
    before = around(tmp_path)
    refused(repo.run_aud("index"), "tracks .pf/")
    assert around(tmp_path) == before


def test_a_repository_that_stages_pf_is_refused_by_the_next_update(repo):
    """Staged, not committed: the snapshot meets the entry, after partial snapshots too."""
    repo.write("a.py", "x = 1\n")
    repo.commit()
    repo.aud("index")
    repo.write("a.py", "x = 2\n")
    assert repo.aud("index", "--incremental", "--json")["modified"] == ["a.py"]  # partial
    (repo.path / ".pf" / "shipped.txt").write_text("from elsewhere\n")
    repo.git("add", "-f", ".pf/shipped.txt")
    refused(repo.run_aud("index", "--incremental"), "tracks .pf/")
    refused(repo.run_aud("index", "--incremental"), "tracks .pf/")


def test_a_shipped_database_with_a_trigger_is_rebuilt_and_readers_refuse_it(repo):
    repo.write("auth.py", "def check_auth():\n    pass\n")
    repo.write("view.py", "from auth import check_auth\ncheck_auth()\n")
    repo.commit()
    repo.aud("index")
    conn = sqlite3.connect(repo.path / ".pf" / "repo_index.db")
    conn.execute("CREATE TRIGGER hide AFTER INSERT ON meta BEGIN"
                 " DELETE FROM call_links WHERE target_qualname = 'check_auth'; END")
    conn.commit()
    conn.close()
    refused(repo.run_aud("query", "callers", "check_auth"), "objects aud does not define")
    result = repo.run_aud("index", "--full")
    assert result.returncode == 0 and "trigger hide" in result.stdout
    assert repo.call_links("view.py") == {"check_auth": ("auth.py", "check_auth")}
    assert repo.query("SELECT name FROM sqlite_master WHERE type = 'trigger'") == []
    repo.assert_exact()


@pytest.mark.parametrize("directory", ["a#b", "what?", "100%", "it's $(x)"])
def test_any_repository_path_works_and_nothing_lands_outside(tmp_path, directory):
    parent = tmp_path / directory
    repo = Repo(parent / "repo")
    repo.write("a.py", "def f():\n    pass\nf()\n")
    before = around(tmp_path)
    repo.aud("index")
    assert repo.run_aud("query", "callers", "f").returncode == 0
    assert repo.run_aud("status", "--check").returncode == 0
    assert repo.run_aud("verify").returncode == 0
    assert around(tmp_path) == before


@pytest.mark.parametrize("mode", ["--full", "--incremental"])
def test_a_damaged_page_is_found_and_rebuilt_by_aud_index(repo, mode):
    for i in range(60):
        repo.write(f"m{i}.py", f"def f{i}():\n    g{i}()\n" * 20)
    repo.commit()
    repo.aud("index")
    db = repo.path / ".pf" / "repo_index.db"
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    # `meta`, which every update reads, among the damaged pages whatever the layout.
    (meta_page,) = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = 'meta'").fetchone()
    conn.close()
    data = bytearray(db.read_bytes())
    page = 4096
    starts = {*range(2 * page, len(data) - page, 3 * page), (meta_page - 1) * page}
    for start in starts:  # every third page and meta's, the file header kept
        data[start + 100:start + page] = bytes(range(256)) * ((page - 100) // 256) + bytes(
            (page - 100) % 256)
    db.write_bytes(bytes(data))
    repo.write("m0.py", "def changed():\n    pass\n")
    result = repo.run_aud("index", mode)
    assert result.returncode == 0, result.stderr
    assert "rebuilt from scratch" in result.stdout
    repo.assert_exact()


@pytest.fixture
def read_only_pf(repo):
    """`.pf` on a read-only bind mount (needs root; skipped elsewhere)."""
    import subprocess

    repo.write("a.py", "def f():\n    pass\n")
    repo.commit()
    repo.aud("index")
    pf = str(repo.path / ".pf")
    mounted = subprocess.run(["mount", "--bind", pf, pf], capture_output=True)
    if mounted.returncode != 0:
        pytest.skip("cannot bind-mount here (not root?)")
    try:
        subprocess.run(["mount", "-o", "remount,ro,bind", pf, pf], check=True, capture_output=True)
        yield repo
    finally:
        subprocess.run(["umount", pf], capture_output=True)


def test_a_read_only_pf_is_read_and_refused_for_writing_in_one_line(read_only_pf):
    repo = read_only_pf
    before = around(repo.path / ".pf")
    result = repo.run_aud("query", "def", "f")
    assert result.returncode == 0 and result.stdout.startswith("a.py:1:1: function f")
    assert repo.run_aud("status", "--check").returncode == 0
    refused(repo.run_aud("index"), "Read-only file system")
    assert around(repo.path / ".pf") == before
