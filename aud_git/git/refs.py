"""Git's files read directly, for readers that must start fast: no pygit2 here.

A query only needs the repository root, HEAD's commit and where git's index file is; loading
libgit2 for that would cost more than the query.
"""
from __future__ import annotations

import os

from aud_git.errors import AudError


def find_root(start: str) -> str:
    """The nearest directory at or above `start` that holds `.git` (a directory or a file)."""
    path = os.path.abspath(start)
    while True:
        if os.path.exists(os.path.join(path, ".git")):
            return path
        parent = os.path.dirname(path)
        if parent == path:
            raise AudError(f"not a git repository (or any parent up to /): {os.path.abspath(start)}")
        path = parent


def git_dir_of(root: str) -> str:
    """The git directory of the working tree at `root` (a worktree's `.git` file is followed)."""
    dot_git = os.path.join(root, ".git")
    if os.path.isfile(dot_git):
        with open(dot_git, encoding="utf-8") as handle:
            content = handle.read().strip()
        if content.startswith("gitdir:"):
            return os.path.normpath(os.path.join(root, content[len("gitdir:"):].strip()))
    return dot_git


def _common_dir(git_dir: str) -> str:
    try:
        with open(os.path.join(git_dir, "commondir"), encoding="utf-8") as handle:
            return os.path.normpath(os.path.join(git_dir, handle.read().strip()))
    except FileNotFoundError:
        return git_dir


def read_head(root: str) -> str | None:
    """HEAD's commit id, from `HEAD`, loose refs and `packed-refs`; None when unborn."""
    git_dir = git_dir_of(root)
    try:
        with open(os.path.join(git_dir, "HEAD"), encoding="utf-8") as handle:
            head = handle.read().strip()
    except OSError:
        return None
    if not head.startswith("ref:"):
        return head
    ref = head[4:].strip()
    for base in (git_dir, _common_dir(git_dir)):
        try:
            with open(os.path.join(base, ref), encoding="utf-8") as handle:
                return handle.read().strip()
        except OSError:
            pass
    try:
        with open(os.path.join(_common_dir(git_dir), "packed-refs"), encoding="utf-8") as handle:
            for line in handle:
                parts = line.split()
                if len(parts) == 2 and parts[1] == ref:
                    return parts[0]
    except OSError:
        pass
    return None
