from __future__ import annotations

import sys
from importlib import metadata

from aud_git import installed


def test_every_installed_distribution_has_the_version_importlib_metadata_reads():
    names = {dist.metadata["Name"] for dist in metadata.distributions()}
    assert len(names) > 20  # the test environment: pytest, pygit2, tree-sitter, ...
    assert {name: installed.version(name) for name in names} == {
        name: metadata.version(name) for name in names}


def test_names_match_however_they_are_spelled_and_a_missing_one_is_none(tmp_path, monkeypatch):
    (tmp_path / "Tree_Sitter.Fancy-1.2.3.dist-info").mkdir()
    monkeypatch.setattr(sys, "path", [str(tmp_path)])
    monkeypatch.setattr(installed, "_listed", {})
    assert installed.version("tree-sitter-fancy") == "1.2.3"
    assert installed.version("tree.sitter_fancy") == "1.2.3"
    assert installed.version("not-installed-anywhere") is None
