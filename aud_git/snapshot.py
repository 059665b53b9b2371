"""The working tree as git sees it: each indexed path with the blob id git already knows.

A tracked file that `status` reports unchanged takes its blob id from the git index without being
read. Every other file (modified, untracked-not-ignored, type change, conflicted) has `oid` None:
whoever needs its identity reads it, and hashes those very bytes.
"""
from __future__ import annotations

from dataclasses import dataclass

import pygit2
from pygit2.enums import FileStatus

from aud_git.config import Config
from aud_git.errors import AudError
from aud_git.paths import PF_DIR
from aud_git.workspace import Workspace

_SUBMODULE_MODE = 0o160000
_READ_FROM_WORKTREE = (
    FileStatus.WT_NEW
    | FileStatus.WT_MODIFIED
    | FileStatus.WT_TYPECHANGE
    | FileStatus.WT_RENAMED
    | FileStatus.WT_UNREADABLE
    | FileStatus.CONFLICTED
)


@dataclass(frozen=True, slots=True)
class Entry:
    path: str
    oid: str | None  # the git index's blob id for an unchanged tracked file, else None
    mode: int  # the index's mode; 0 when unknown


def take_snapshot(workspace: Workspace, config: Config) -> dict[str, Entry]:
    repo = workspace.repo
    try:
        status = repo.status(untracked_files="all")
    except pygit2.GitError as exc:
        raise AudError(f"git status failed: {exc}") from None
    entries: dict[str, Entry] = {}
    submodules: set[str] = set()
    for entry in repo.index:
        if entry.mode == _SUBMODULE_MODE:
            submodules.add(entry.path)
        elif indexable(entry.path, config):
            entries[entry.path] = Entry(entry.path, str(entry.id), entry.mode)
    for path, flags in status.items():
        if path.endswith("/") or path in submodules or not indexable(path, config):
            continue  # a nested repository shows up as a directory
        if flags & FileStatus.WT_DELETED:
            entries.pop(path, None)
        elif flags & _READ_FROM_WORKTREE:
            entries[path] = Entry(path, None, 0)
    return entries


def indexable(path: str, config: Config) -> bool:
    return not (path == PF_DIR or path.startswith(PF_DIR + "/") or config.is_excluded(path))
