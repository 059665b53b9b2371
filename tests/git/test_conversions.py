"""The index describes the working tree's bytes: under git's conversions, and when a file is
saved while an update runs."""
from __future__ import annotations

import os
import time

import pytest

from aud_git.extract import index_file as real_index_file


def full_digests(repo) -> tuple[str, str]:
    """A cached full build's digest and a --no-cache one's."""
    repo.aud("index", "--full")
    cached = repo.digest()
    repo.aud("index", "--full", "--no-cache")
    return cached, repo.digest()


def test_a_re_checkout_under_ident_is_read_again(repo):
    repo.write("a.py", 'REV = "$Id$"\n')
    repo.commit()
    repo.aud("index")
    repo.write(".gitattributes", "*.py ident\n")
    repo.commit()
    (repo.path / "a.py").unlink()
    repo.git("checkout", "--", "a.py")  # git writes the expanded id; status calls it clean
    assert "$Id: " in (repo.path / "a.py").read_text()
    repo.aud("index", "--incremental")
    repo.assert_exact()
    assert "$Id: " in repo.query("SELECT value FROM assignments WHERE file = 'a.py'")[0][0]


@pytest.mark.parametrize("attributes, config", [
    ("*.py text eol=crlf\n", {}),
    ("", {"core.autocrlf": "true"}),
])
def test_line_end_conversions_index_the_bytes_on_disk(repo, attributes, config):
    for key, value in config.items():
        repo.git("config", key, value)
    repo.write("a.py", "def f():\n    return 1\n")
    if attributes:
        repo.write(".gitattributes", attributes)
    repo.commit()
    repo.aud("index")
    (repo.path / "a.py").unlink()
    repo.git("checkout", "--", "a.py")
    repo.aud("index", "--incremental")
    repo.assert_exact()
    size = repo.query("SELECT size FROM files WHERE path = 'a.py'")[0][0]
    assert size == (repo.path / "a.py").stat().st_size


def test_one_blob_under_two_attributes_gets_each_path_its_own_facts(repo):
    content = 'REV = "$Id$"\n'
    repo.write("expanded/a.py", content)
    repo.write("plain/a.py", content)
    repo.write("expanded/.gitattributes", "*.py ident\n")
    repo.commit()
    for path in ("expanded/a.py", "plain/a.py"):
        (repo.path / path).unlink()
        repo.git("checkout", "--", path)
    cached, uncached = full_digests(repo)
    assert cached == uncached
    values = dict(repo.query("SELECT file, value FROM assignments"))
    assert "$Id: " in values["expanded/a.py"] and values["plain/a.py"] == '"$Id$"'


def test_a_file_saved_during_an_update_never_pairs_one_content_with_another(repo, monkeypatch):
    repo.write("a.py", "def one():\n    pass\n")
    repo.commit()
    repo.aud("index")
    repo.write("a.py", "def two():\n    pass\n")
    repo.commit()  # clean: the snapshot takes git's blob id for it

    def saved_meanwhile(path, abs_path, *args):
        if path == "a.py":
            repo.write("a.py", "def three():\n    pass\n")  # after the snapshot, before the read
        return real_index_file(path, abs_path, *args)

    monkeypatch.setattr("aud_git.engine.extraction.index_file", saved_meanwhile)
    repo.aud("index", "--incremental")
    monkeypatch.undo()
    repo.assert_exact()  # what was stored describes the bytes that were read
    repo.git("checkout", "--", "a.py")  # back to `two`; the cache must not answer `three`
    repo.aud("index", "--incremental")
    repo.assert_exact()
    cached, uncached = full_digests(repo)
    assert cached == uncached
    assert repo.query("SELECT qualname FROM symbols WHERE kind = 'function'") == [("two",)]


def test_bytes_converted_under_attributes_since_removed_are_still_read(repo):
    """git wrote the file with CRLF under attributes that are gone now: git still calls it
    clean (stat data), and neither the blob id nor the cached facts of the blob may stand for
    it. (Found by the state machine.)"""
    repo.write("w/x.ts", "export function t1() {}\n")
    repo.commit()
    repo.aud("index")  # the cache holds the facts of the LF bytes
    repo.write(".gitattributes", "*.ts text eol=crlf\n")  # untracked
    (repo.path / "w" / "x.ts").unlink()
    repo.git("checkout", "--", "w/x.ts")
    past = time.time() - 60
    os.utime(repo.path / "w" / "x.ts", (past, past))
    repo.git("update-index", "--refresh")  # stat data that is not racy: git trusts it
    (repo.path / ".gitattributes").unlink()
    assert (repo.path / "w" / "x.ts").read_bytes().endswith(b"\r\n")
    assert repo.git("status", "--porcelain").stdout == ""
    repo.aud("index", "--incremental")
    repo.assert_exact()
