"""Commits: merge bases, the blobs of a commit's tree, how many files two commits differ in."""
from __future__ import annotations

from collections.abc import Callable

import pygit2

from aud_git.errors import AudError
from aud_git.git.workspace import Workspace
from aud_git.paths import stored_path


def merge_base(workspace: Workspace, ref: str) -> str:
    repo = workspace.repo
    try:
        commit = repo.revparse_single(ref).peel(pygit2.Commit)
    except (KeyError, ValueError, pygit2.GitError, pygit2.InvalidSpecError):
        if repo.is_shallow:
            raise AudError(f"unknown ref {ref!r}: this is a shallow clone, whose history may"
                           " not reach it (`git fetch --deepen N` or `--unshallow`)") from None
        raise AudError(f"unknown ref {ref!r}") from None
    try:
        head = repo.head.target
    except pygit2.GitError:
        raise AudError("HEAD has no commit yet, so there is no merge base") from None
    base = repo.merge_base(commit.id, head)
    if base is None:
        raise AudError(f"{ref!r} and HEAD have no common ancestor")
    return str(base)


def tree_blobs(workspace: Workspace, commit_id: str, wanted: Callable[[str], bool]) -> dict[str, str]:
    """Stored path -> blob id of every `wanted` file in a commit's tree."""
    repo = workspace.repo
    blobs: dict[str, str] = {}
    stack = [(repo[commit_id].peel(pygit2.Tree), "")]
    while stack:
        tree, prefix = stack.pop()
        for entry in tree:
            path = prefix + (entry.name or "")
            if isinstance(entry, pygit2.Tree):
                stack.append((entry, path + "/"))
            elif isinstance(entry, pygit2.Blob) and wanted(stored_path(path)):
                blobs[stored_path(path)] = str(entry.id)
    return blobs


def changed_file_count(workspace: Workspace, old: str, new: str) -> int | None:
    """How many files differ between two revisions; None when either is unknown."""
    repo = workspace.repo
    try:
        return len(repo.diff(repo.revparse_single(old).peel(pygit2.Commit),
                             repo.revparse_single(new).peel(pygit2.Commit)))
    except Exception:  # an unknown or null id: no estimate
        return None
