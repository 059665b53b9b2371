"""CI worksets: the files changed since merge-base(REF, HEAD), plus the files that import them."""
from __future__ import annotations

import sqlite3

import pygit2

from aud_git.config import Config
from aud_git.errors import AudError
from aud_git.invalidation import files_depending_on, presence_keys
from aud_git.snapshot import indexable
from aud_git.workspace import Workspace


def merge_base(workspace: Workspace, ref: str) -> str:
    repo = workspace.repo
    try:
        commit = repo.revparse_single(ref).peel(pygit2.Commit)
    except (KeyError, ValueError, pygit2.GitError, pygit2.InvalidSpecError):
        raise AudError(f"unknown ref {ref!r}") from None
    try:
        head = repo.head.target
    except pygit2.GitError:
        raise AudError("HEAD has no commit yet, so there is no merge base") from None
    base = repo.merge_base(commit.id, head)
    if base is None:
        raise AudError(f"{ref!r} and HEAD have no common ancestor")
    return str(base)


def _tree_blobs(repo: pygit2.Repository, commit_id: str, config: Config) -> dict[str, str]:
    blobs: dict[str, str] = {}
    stack = [(repo[commit_id].peel(pygit2.Tree), "")]
    while stack:
        tree, prefix = stack.pop()
        for entry in tree:
            path = prefix + entry.name
            if entry.type_str == "tree":
                stack.append((repo[entry.id], path + "/"))
            elif entry.type_str == "blob" and indexable(path, config):
                blobs[path] = str(entry.id)
    return blobs


def compute_workset(conn: sqlite3.Connection, workspace: Workspace, config: Config,
                    base_commit: str) -> dict:
    base = _tree_blobs(workspace.repo, base_commit, config)
    current = dict(conn.execute("SELECT path, blob_oid FROM files"))
    changed = sorted(p for p in base.keys() | current.keys() if base.get(p) != current.get(p))
    vanished = [p for p in changed if p not in current]
    depth_of: dict[str, int] = {}
    frontier = set(changed)
    changed_set = set(changed)
    keys = set()
    for path in vanished:
        keys |= presence_keys(path)
    first = files_depending_on(conn, keys) & current.keys()
    depth = 0
    while frontier or first:
        depth += 1
        importers = set(first)
        first = set()
        for path in sorted(frontier):
            importers.update(row[0] for row in conn.execute(
                "SELECT DISTINCT file FROM import_links WHERE target = ?", (path,)))
        frontier = {p for p in importers if p not in depth_of and p not in changed_set}
        for path in frontier:
            depth_of[path] = depth
    try:
        head = str(workspace.repo.head.target)
    except pygit2.GitError:
        head = None
    dependents = [{"path": p, "depth": d} for p, d in sorted(depth_of.items(), key=lambda i: (i[1], i[0]))]
    return {
        "base": base_commit,
        "head": head,
        "changed": changed,
        "dependents": dependents,
        "counts": {"changed": len(changed), "dependents": len(dependents)},
    }
