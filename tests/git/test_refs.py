"""git's files read without libgit2 (for readers): HEAD and the paths in git's index."""
from __future__ import annotations

import pytest

from aud_git.git.refs import read_head, tracked_paths


@pytest.mark.parametrize("version", ["2", "3", "4"])
def test_tracked_paths_are_git_ls_files_in_every_index_version(repo, version):
    for path in ("a.py", "pkg/__init__.py", "pkg/deep/b.py", "pkg/deep/c.ts", "z/naïve file.py"):
        repo.write(path, "x = 1\n")
    repo.commit()
    repo.git("update-index", "--skip-worktree", "pkg/deep/b.py")  # an extended flag (v3+)
    repo.git("update-index", "--index-version", version)
    listed = repo.git("ls-files", "-z").stdout.split("\0")[:-1]
    assert list(tracked_paths(str(repo.path / ".git"))) == listed


def test_read_head_follows_loose_and_packed_refs(repo):
    repo.write("a.py", "x = 1\n")
    repo.commit()
    head = repo.git("rev-parse", "HEAD").stdout.strip()
    assert read_head(str(repo.path)) == head
    repo.git("pack-refs", "--all")
    assert read_head(str(repo.path)) == head
