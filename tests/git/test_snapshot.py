"""The snapshot in the git states and configurations a working repository sits in."""
from __future__ import annotations

import os

import pytest


def zero_index_trailer(repo) -> None:
    """What `index.skipHash` (git 2.40+) writes: no checksum, zeros in its place."""
    index = repo.path / ".git" / "index"
    data = index.read_bytes()
    index.write_bytes(data[:-20] + b"\0" * 20)


@pytest.mark.parametrize("operation", [["merge", "topic"], ["cherry-pick", "topic"],
                                       ["rebase", "topic"]])
def test_an_operation_stopped_on_a_conflict_is_indexed_from_the_working_tree(repo, operation):
    repo.write("a.py", "x = 1\n")
    repo.commit()
    repo.git("checkout", "-q", "-b", "topic")
    repo.write("a.py", "def topic():\n    pass\n")
    repo.commit()
    repo.git("checkout", "-q", "main")
    repo.write("a.py", "def main():\n    pass\n")
    repo.commit()
    repo.aud("index")
    assert repo.git(*operation, check=False).returncode != 0  # stopped on the conflict
    for mode in ("--incremental", "--since=topic"):
        assert repo.run_aud("index", mode).returncode == 0
        repo.assert_exact()
    markers = repo.query("SELECT count(*) FROM parse_errors WHERE file = 'a.py'")
    assert markers[0][0] > 0  # the conflict markers are what the file holds


def test_a_stash_pop_that_stops_on_a_conflict_is_exact(repo):
    repo.write("a.py", "x = 1\n")
    repo.commit()
    repo.aud("index")
    repo.write("a.py", "x = 2\n")
    repo.git("stash", "-q")
    repo.write("a.py", "x = 3\n")
    repo.commit()
    assert repo.git("stash", "pop", check=False).returncode != 0
    assert repo.run_aud("index", "--incremental").returncode == 0
    repo.assert_exact()


def test_a_new_exclude_pattern_applies_while_git_index_is_unchanged(repo):
    repo.write("a.py", "x = 1\n")
    repo.write("vendor/v.py", "y = 1\n")
    repo.commit()
    repo.aud("index")
    (repo.path / ".git" / "info").mkdir(exist_ok=True)
    repo.write("aud.toml", "exclude = ['vendor/']\n")
    with open(repo.path / ".git" / "info" / "exclude", "a") as handle:
        handle.write("aud.toml\n")  # the git index and status stay exactly as they were
    repo.aud("index", "--incremental")
    assert repo.query("SELECT path FROM files WHERE path LIKE 'vendor/%'") == []
    repo.assert_exact()
    (repo.path / "aud.toml").unlink()
    repo.aud("index", "--incremental")
    assert repo.query("SELECT path FROM files WHERE path LIKE 'vendor/%'") == [("vendor/v.py",)]
    repo.assert_exact()


def test_an_index_without_checksum_is_still_told_apart(repo):
    repo.write("a.py", "x = 1\n")
    repo.write("b.py", "y = 1\n")
    repo.commit()
    zero_index_trailer(repo)
    repo.aud("index")
    repo.write("b.py", "def grown():\n    pass\n")
    repo.commit()  # b.py is clean again afterwards: only the index tells
    zero_index_trailer(repo)
    os.utime(repo.path / ".git" / "index", ns=(0, 0))  # nor does the index's mtime help
    repo.aud("index", "--incremental")
    repo.assert_exact()


def test_two_indexes_without_checksums_have_different_identities(tmp_path):
    from aud_git.git.snapshot import index_identity

    identities = set()
    for content in (b"A" * 100, b"B" * 100):
        git_dir = tmp_path / content[:1].decode()
        git_dir.mkdir()
        (git_dir / "index").write_bytes(content + b"\0" * 32)  # same size, zero trailer
        os.utime(git_dir / "index", ns=(0, 0))  # same mtime
        identities.add(index_identity(str(git_dir)))
    assert len(identities) == 2


def test_an_index_of_version_4_is_read(repo):
    repo.write("pkg/a.py", "x = 1\n")
    repo.write("pkg/b.py", "y = 1\n")
    repo.commit()
    repo.aud("index")
    repo.git("update-index", "--index-version", "4")
    repo.write("pkg/b.py", "def b():\n    pass\n")
    repo.git("add", "pkg/b.py")
    repo.aud("index", "--incremental")
    repo.assert_exact()
