"""Git object ids and blobs: the id git gives some bytes, and the blobs staged for a commit."""
from __future__ import annotations

import os
from collections.abc import Iterator
from typing import NamedTuple

import pygit2

from aud_git.git.workspace import Workspace, git_index

_REGULAR_MODES = (0o100644, 0o100755)


def blob_id(data: bytes) -> str:
    """The blob id git would give these bytes (no filters: the bytes are what was parsed)."""
    return str(pygit2.hash(data))


def file_blob_id(path: str) -> str:
    """The blob id of a file's bytes, read in a stream (for files too large to hold)."""
    return str(pygit2.hashfile(path))


class StagedBlob(NamedTuple):
    path: str
    data: bytes


def staged_changes(workspace: Workspace) -> Iterator[StagedBlob]:
    """Regular files staged with content that differs from HEAD's, in the index being committed:
    git's `GIT_INDEX_FILE` during `git commit -a` or `git commit PATH`, else the repository's."""
    repo = workspace.repo
    index_file = os.environ.get("GIT_INDEX_FILE")
    index = pygit2.Index(os.path.abspath(index_file)) if index_file else git_index(repo)
    try:
        head_tree = repo.head.peel(pygit2.Tree)
    except pygit2.GitError:
        head_tree = None
    for entry in index:
        if entry.mode not in _REGULAR_MODES:
            continue
        try:
            if head_tree is not None and head_tree[entry.path].id == entry.id:
                continue
        except KeyError:
            pass
        blob = repo[entry.id]
        if isinstance(blob, pygit2.Blob):
            yield StagedBlob(entry.path, blob.data)
