"""Where a working tree's git directory is, for processes that must start fast: the hooks and
the readers. Only `os` is imported here: every commit pays for what the hook imports.
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


def common_dir_of(git_dir: str) -> str:
    try:
        with open(os.path.join(git_dir, "commondir"), encoding="utf-8") as handle:
            return os.path.normpath(os.path.join(git_dir, handle.read().strip()))
    except FileNotFoundError:
        return git_dir
