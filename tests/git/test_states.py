"""Every git state gives an exact index or one clear line, never a traceback."""
from __future__ import annotations

import subprocess

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


def test_a_split_index_is_one_line_exit_2_with_the_way_out(repo):
    two_commits(repo)
    repo.aud("index")
    repo.git("update-index", "--split-index")
    result = repo.run_aud("index", "--incremental")
    assert result.returncode == 2 and "--no-split-index" in result.stderr
    assert result.stderr.count("\n") == 1


def test_a_name_that_is_not_utf8_is_left_out_and_said_so(repo):
    repo.write("a.py", "def f():\n    pass\n")
    repo.commit()
    (repo.path / "bad\udcff.py").write_text("x = 1\n")  # the name's bytes: b"bad\xff.py"
    result = repo.run_aud("index")
    assert result.returncode == 0 and "1 file left out: names that are not UTF-8" in result.stdout
    repo.assert_exact()
