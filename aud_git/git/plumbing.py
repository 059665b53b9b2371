"""git itself, for what libgit2 cannot read: an index split by `core.splitIndex` (libgit2
refuses its mandatory `link` extension). `git ls-files --stage` and `git status --porcelain=v2`
answer the same questions the snapshot asks of pygit2's index and status."""
from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from typing import NamedTuple

from pygit2.enums import FileStatus

from aud_git.errors import AudError

_INDEX_FLAGS = {"A": FileStatus.INDEX_NEW, "M": FileStatus.INDEX_MODIFIED,
                "D": FileStatus.INDEX_DELETED, "R": FileStatus.INDEX_RENAMED,
                "C": FileStatus.INDEX_NEW, "T": FileStatus.INDEX_TYPECHANGE}
_TREE_FLAGS = {"M": FileStatus.WT_MODIFIED, "D": FileStatus.WT_DELETED,
               "T": FileStatus.WT_TYPECHANGE, "A": FileStatus.WT_NEW}


class Entry(NamedTuple):
    """An index entry as pygit2 gives one: path, blob id, mode."""
    path: str
    id: str
    mode: int


class Index:
    """git's index through `git ls-files --stage`: iteration, `in` and `[path]` (the merged
    entry; only the stages of an unresolved conflict raise KeyError, as in pygit2)."""

    def __init__(self, entries: list[tuple[Entry, int]], unwatched: frozenset[str]) -> None:
        self.unwatched = unwatched  # assume-unchanged or skip-worktree
        self._merged = {entry.path: entry for entry, stage in entries if stage == 0}
        self._all = [entry for entry, _ in entries]
        self._paths = {entry.path for entry in self._all}

    def __iter__(self) -> Iterator[Entry]:
        return iter(self._all)

    def __contains__(self, path: object) -> bool:
        return path in self._paths

    def __getitem__(self, path: str) -> Entry:
        return self._merged[path]


def _git(workdir: str, *args: str) -> bytes:
    environment = {k: v for k, v in os.environ.items() if k not in ("GIT_DIR", "GIT_WORK_TREE")}
    try:
        return subprocess.run(["git", "-C", workdir, *args], capture_output=True, check=True,
                              env=environment).stdout
    except (OSError, subprocess.CalledProcessError) as exc:
        raise AudError(f"git {args[0]} failed: {exc}") from None


def _path(raw: bytes) -> str:
    return raw.decode("utf-8", "surrogateescape")  # as pygit2 decodes names


def read_index(workdir: str) -> Index:
    entries, unwatched = [], set()
    for record in _git(workdir, "ls-files", "-v", "--stage", "-z").split(b"\0"):
        if record:
            head, _, raw = record.partition(b"\t")
            tag, mode, oid, stage = head.split(b" ")
            path = _path(raw)
            entries.append((Entry(path, oid.decode(), int(mode, 8)), int(stage)))
            if tag == b"S" or tag.islower():  # skip-worktree, assume-unchanged
                unwatched.add(path)
    return Index(entries, frozenset(unwatched))


def read_status(workdir: str) -> dict[str, int]:
    """path -> pygit2 FileStatus flags, from `git status --porcelain=v2 -z`."""
    records = iter(_git(workdir, "status", "--porcelain=v2", "-z", "--untracked-files=all",
                        "--ignored=no", "--no-renames").split(b"\0"))
    status: dict[str, int] = {}
    for record in records:
        if record.startswith(b"? "):
            status[_path(record[2:])] = FileStatus.WT_NEW
        elif record.startswith(b"u "):
            status[_path(record.split(b" ", 10)[10])] = FileStatus.CONFLICTED
        elif record.startswith(b"1 "):
            fields = record.split(b" ", 8)
            flags = fields[1].decode()  # X: the index against HEAD, Y: the tree against the index
            status[_path(fields[8])] = (_INDEX_FLAGS.get(flags[0], 0)
                                        | _TREE_FLAGS.get(flags[1], 0))
    return status
