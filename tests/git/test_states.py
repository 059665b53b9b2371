"""Every git state gives an exact index or one clear line, never a traceback."""
from __future__ import annotations

import json
import os
import subprocess

import pytest

from conftest import GIT_ENV, Repo


def two_commits(repo) -> None:
    repo.write("a.py", "def one():\n    pass\n")
    repo.commit()
    repo.write("a.py", "def two():\n    pass\n")
    repo.commit()


def clone(source, tmp_path, name: str, *options: str) -> Repo:
    subprocess.run(["git", "clone", "-q", *options, f"file://{source.path}", str(tmp_path / name)],
                   check=True, capture_output=True, env={**GIT_ENV})
    return Repo(tmp_path / name)  # `git init` in a clone changes nothing


def test_an_unborn_branch_is_indexed_from_the_working_tree(repo):
    repo.write("a.py", "def f():\n    pass\n")
    repo.aud("index")
    repo.assert_exact()
    assert repo.run_aud("status", "--check").returncode == 0


def test_a_detached_head_updates_and_reports_a_workset(repo):
    two_commits(repo)
    repo.git("checkout", "-q", "--detach", "HEAD~1")
    repo.aud("index")
    repo.write("b.py", "def b():\n    pass\n")
    summary = repo.aud("index", "--since", "main", "--json")
    assert summary["workset"]["changed"] == ["b.py"]  # merge-base(main, HEAD) is HEAD
    repo.assert_exact()


def test_since_a_commit_outside_a_shallow_clone_is_one_line_exit_2(repo, tmp_path):
    two_commits(repo)
    shallow = clone(repo, tmp_path, "shallow", "--depth", "1")
    shallow.aud("index")
    result = shallow.run_aud("index", "--since", "HEAD~1")
    assert result.returncode == 2 and result.stderr.count("\n") == 1 and "shallow" in result.stderr


def test_a_partial_clone_never_needs_a_missing_blob(repo, tmp_path):
    two_commits(repo)
    repo.git("config", "uploadpack.allowFilter", "true")
    partial = clone(repo, tmp_path, "partial", "--filter=blob:none", "--no-checkout")
    partial.git("checkout", "-q", "main")
    partial.aud("index")
    partial.assert_exact()


def test_a_sparse_checkout_indexes_what_is_on_disk(repo, tmp_path):
    repo.write("in/a.py", "def a():\n    pass\n")
    repo.write("out/b.py", "def b():\n    pass\n")
    repo.commit()
    sparse = clone(repo, tmp_path, "sparse")
    sparse.aud("index")
    sparse.git("sparse-checkout", "set", "in")
    sparse.aud("index", "--incremental")
    sparse.assert_exact()
    assert sparse.query("SELECT path FROM files WHERE path LIKE '%.py'") == [("in/a.py",)]
    sparse.git("sparse-checkout", "disable")
    sparse.aud("index", "--incremental")
    sparse.assert_exact()


def test_a_split_index_is_read_through_git_itself(repo):
    two_commits(repo)
    repo.write("b.py", "def b():\n    pass\n")
    repo.aud("index")
    repo.git("update-index", "--split-index")
    repo.write("a.py", "def three():\n    pass\n")  # modified
    repo.write("c.py", "def c():\n    pass\n")  # untracked
    repo.git("add", "b.py")  # staged
    (repo.path / "b.py").unlink()  # then deleted from disk
    result = repo.run_aud("index", "--incremental")
    assert result.returncode == 0, result.stderr
    repo.assert_exact()
    assert json.loads(repo.run_aud("status", "--json").stdout)["fresh"] is True
    through_git = repo.digest()
    repo.git("update-index", "--no-split-index")  # now libgit2 reads it: the same answer
    repo.aud("index", "--full", "--no-cache")
    assert repo.digest() == through_git


def test_a_long_lived_process_reads_the_index_again_after_a_split_index(repo):
    """libgit2 leaves its index half-read when it meets a split index, and a plain re-read
    later may skip the file as unchanged: the next update must read it in full. (Found by the
    state machine: `aud mcp` indexed a path "".)"""
    from aud_git.engine.update import run_update
    from aud_git.git.workspace import open_workspace

    def elsewhere() -> None:  # an update by another process (a hook, the command line)
        run_update(open_workspace(str(repo.path)), mode="incremental")

    repo.write("a.py", "def fn_x():\n    pass\n")
    repo.write("w/x.ts", "export function t1() {}\n")
    repo.commit()
    server = open_workspace(str(repo.path))  # as `aud watch` and `aud mcp` keep theirs
    run_update(server, mode="full")
    repo.git("update-index", "--split-index")
    elsewhere()
    repo.write("w/x.ts", "\n")
    run_update(server, mode="incremental")  # libgit2 fails to read the split index
    elsewhere()
    repo.git("update-index", "--no-split-index")
    elsewhere()
    repo.git("sparse-checkout", "disable")
    run_update(server, mode="incremental")
    repo.assert_exact()


@pytest.mark.parametrize("name, stored", [
    ("bad\udcff.py", '"bad\\xff.py'),  # the bytes b"bad\xff.py": not UTF-8
    ('"quoted.py', '""quoted.py'),  # starts with the quote that marks the stored form
    ("back\\slash.py", "back\\slash.py"),  # UTF-8: stored as it is
])
def test_a_name_in_any_bytes_is_stored_losslessly(repo, name, stored):
    repo.write("a.py", "def f():\n    pass\n")
    repo.commit()
    (repo.path / name).write_text("def one():\n    pass\n")
    repo.aud("index")
    assert repo.query("SELECT lang FROM files WHERE path = ?", stored) == [("python",)]
    repo.git("add", "--all")
    repo.commit()  # tracked now: its name comes from git's index
    (repo.path / name).write_text("def two():\n    pass\n")
    repo.aud("index", "--incremental")
    repo.assert_exact()
    assert repo.query("SELECT qualname FROM symbols WHERE file = ? AND kind = 'function'",
                      stored) == [("two",)]
    assert repo.run_aud("query", "def", "two").stdout.startswith(stored + ":")


@pytest.mark.parametrize("flag", ["--assume-unchanged", "--skip-worktree"])
def test_an_edit_git_is_told_not_to_look_at_is_indexed(repo, flag):
    repo.write("a.py", "def one():\n    pass\n")
    repo.write("b.py", "x = 1\n")
    repo.commit()
    repo.git("update-index", flag, "a.py")
    repo.aud("index")
    repo.write("a.py", "def two():\n    pass\n")
    assert repo.git("status", "--porcelain").stdout == ""  # git does not see it
    repo.aud("index", "--incremental")
    repo.assert_exact()
    repo.write("a.py", "def three():\n    pass\n")  # git's index unchanged: the fast path
    repo.aud("index", "--incremental")
    repo.assert_exact()
    assert repo.query("SELECT qualname FROM symbols WHERE kind = 'function'") == [("three",)]


def test_an_assume_unchanged_file_deleted_from_disk_leaves_the_index(repo):
    """Found by the state machine: git's status does not report the deletion."""
    repo.write("a.py", "def one():\n    pass\n")
    repo.write("b.py", "x = 1\n")
    repo.commit()
    repo.git("update-index", "--assume-unchanged", "a.py")
    repo.aud("index")
    repo.remove("a.py")
    repo.aud("index", "--incremental")
    repo.assert_exact()


def test_an_assume_unchanged_file_that_comes_back_is_indexed_again(repo):
    """Found by the state machine: moved away and back, with git's index untouched."""
    repo.write("a.py", "def one():\n    pass\n")
    repo.commit()
    repo.git("update-index", "--assume-unchanged", "a.py")
    repo.aud("index")
    os.rename(repo.path / "a.py", repo.path / "b.py")
    repo.aud("index", "--incremental")
    repo.assert_exact()
    os.rename(repo.path / "b.py", repo.path / "a.py")
    repo.aud("index", "--incremental")
    repo.assert_exact()


def test_bisect_untracked_cache_and_ignorecase_keep_the_index_exact(repo):
    repo.git("config", "core.untrackedCache", "true")
    repo.git("config", "core.ignorecase", "true")
    for number in range(4):
        repo.write("a.py", f"def v{number}():\n    pass\n")
        repo.commit()
    repo.write("new.py", "x = 1\n")  # untracked, through git's untracked cache
    repo.aud("index")
    repo.git("bisect", "start", "HEAD", "HEAD~3")
    repo.aud("index", "--incremental")
    repo.assert_exact()
    repo.git("bisect", "good")
    repo.aud("index", "--incremental")
    repo.assert_exact()
    repo.git("bisect", "reset")
    repo.aud("index", "--incremental")
    repo.assert_exact()


def test_an_index_lock_held_by_git_does_not_stop_an_update(repo):
    repo.write("a.py", "x = 1\n")
    repo.commit()
    repo.aud("index")
    (repo.path / ".git" / "index.lock").write_bytes(b"")  # git is in the middle of a write
    try:
        repo.write("a.py", "def f():\n    pass\n")
        repo.aud("index", "--incremental")
        repo.assert_exact()
    finally:
        (repo.path / ".git" / "index.lock").unlink()


def test_skip_worktree_flags_in_a_split_index_are_seen(repo):
    """Found by the state machine: a split index's own file holds only some entries."""
    repo.write("a.py", "def one():\n    pass\n")
    repo.write("b.py", "x = 1\n")
    repo.commit()
    repo.git("update-index", "--split-index")
    repo.git("update-index", "--skip-worktree", "a.py")
    repo.aud("index")
    repo.remove("a.py")  # git's status does not say so
    repo.aud("index", "--incremental")
    repo.assert_exact()


def _index_state(repo) -> tuple[int, bytes]:
    index = repo.path / ".git" / "index"
    return index.stat().st_mtime_ns, index.read_bytes()


def test_no_update_writes_gits_index(repo):
    """git's status runs without its optional lock: aud leaves git's index to git (see
    plumbing.read_status), in a full build and in an update after git changed its index."""
    two_commits(repo)
    os.utime(repo.path / "a.py", ns=(1, 1))  # stat data git would refresh and save
    before = _index_state(repo)
    repo.aud("index")
    assert _index_state(repo) == before
    repo.write("b.py", "def b():\n    pass\n")
    repo.git("add", "b.py")  # git's index changed: the next snapshot is a whole one
    os.utime(repo.path / "a.py", ns=(2, 2))
    before = _index_state(repo)
    repo.aud("index", "--incremental")
    assert _index_state(repo) == before
    repo.assert_exact()

