"""git itself, where libgit2 cannot read or is slower: `git status --porcelain=v2` gives every
snapshot its status (git uses its untracked cache and `core.fsmonitor`, which libgit2 cannot;
measured on Django, 30 ms against libgit2's 40, and on ten copies of it 110 ms with the
untracked cache against 350), and `git ls-files --stage` answers a partial snapshot's few
look-ups and reads an index split by `core.splitIndex` (libgit2 refuses its mandatory `link`
extension).

git runs with the variables that point it elsewhere (`GIT_INDEX_FILE` in a commit's hooks,
`GIT_DIR`, `-c` settings passed down) removed: it must see the repository as libgit2 does."""
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


# `git rev-parse --local-env-vars` (git 2.39): what makes git look at another repository, index
# or configuration than the working tree's own.
_LOCAL_ENV = frozenset({
    "GIT_ALTERNATE_OBJECT_DIRECTORIES", "GIT_CONFIG", "GIT_CONFIG_PARAMETERS", "GIT_CONFIG_COUNT",
    "GIT_OBJECT_DIRECTORY", "GIT_DIR", "GIT_WORK_TREE", "GIT_IMPLICIT_WORK_TREE", "GIT_GRAFT_FILE",
    "GIT_INDEX_FILE", "GIT_NO_REPLACE_OBJECTS", "GIT_REPLACE_REF_BASE", "GIT_PREFIX",
    "GIT_SHALLOW_FILE", "GIT_COMMON_DIR",
})
_STATUS = ("status", "--porcelain=v2", "-z", "--untracked-files=normal", "--ignored=no",
           "--no-renames")
_EXPAND_CHUNK = 1000  # untracked directories per `git ls-files` (the command line has limits)


def _git(workdir: str, *args: str, git_options: tuple[str, ...] = ()) -> bytes:
    environment = {k: v for k, v in os.environ.items()
                   if k not in _LOCAL_ENV and not k.startswith("GIT_CONFIG_KEY_")
                   and not k.startswith("GIT_CONFIG_VALUE_")}
    try:
        return subprocess.run(["git", *git_options, "-C", workdir, *args], capture_output=True,
                              check=True, env=environment).stdout
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


def index_entries(workdir: str, paths: list[str]) -> Iterator[Entry]:
    """The merged (stage 0) index entries of `paths` (names as git has them), from
    `git ls-files --stage`: a partial snapshot's few look-ups without loading the whole index
    into libgit2 (54 ms on ten copies of Django; git reads only what it needs)."""
    wanted = set(paths)
    for start in range(0, len(paths), _EXPAND_CHUNK):
        chunk = paths[start:start + _EXPAND_CHUNK]
        listed = _git(workdir, "ls-files", "--stage", "-z", "--", *chunk,
                      git_options=("--no-optional-locks", "--literal-pathspecs"))
        for record in listed.split(b"\0"):
            if record:
                head, _, raw = record.partition(b"\t")
                mode, oid, stage = head.split(b" ")
                path = _path(raw)
                if stage == b"0" and path in wanted:  # a directory's pathspec lists its files
                    yield Entry(path, oid.decode(), int(mode, 8))


def read_status(workdir: str) -> dict[str, int]:
    """path -> pygit2 FileStatus flags, from `git status --porcelain=v2 -z`. Untracked
    directories are listed collapsed (that is what the untracked cache keeps) and expanded
    with `git ls-files --others`; a nested repository stays a `dir/` entry.

    git writes nothing (`--no-optional-locks`). A status that saved refreshed stat data would
    change the index under the identity the snapshot read, make the next snapshot a whole
    one, and make what git does next depend on the clock (whether an entry is racily clean
    decides whether git rewrites the index, and in a sparse checkout a rewrite also drops the
    skip-worktree bit of files present on disk): the soak caught the machine's own steps
    turning out differently. aud leaves git's index to git."""
    options = ("--no-optional-locks",)
    records = iter(_git(workdir, *_STATUS, git_options=options).split(b"\0"))
    status: dict[str, int] = {}
    untracked_dirs = []
    for record in records:
        if record.startswith(b"? "):
            path = _path(record[2:])
            if path.endswith("/"):
                untracked_dirs.append(path)
            else:
                status[path] = FileStatus.WT_NEW
        elif record.startswith(b"u "):
            status[_path(record.split(b" ", 10)[10])] = FileStatus.CONFLICTED
        elif record.startswith(b"1 "):
            fields = record.split(b" ", 8)
            flags = fields[1].decode()  # X: the index against HEAD, Y: the tree against the index
            status[_path(fields[8])] = (_INDEX_FLAGS.get(flags[0], 0)
                                        | _TREE_FLAGS.get(flags[1], 0))
    for path in _untracked_below(workdir, untracked_dirs, options):
        status[path] = FileStatus.WT_NEW
    return status


def _untracked_below(workdir: str, directories: list[str],
                     options: tuple[str, ...]) -> Iterator[str]:
    """Every untracked, not ignored path below `directories` (as `--untracked-files=all` lists
    them); a nested repository is listed as itself, `dir/`."""
    for start in range(0, len(directories), _EXPAND_CHUNK):
        chunk = directories[start:start + _EXPAND_CHUNK]
        listed = _git(workdir, "ls-files", "-z", "--others", "--exclude-standard", "--", *chunk,
                      git_options=(*options, "--literal-pathspecs"))
        yield from (_path(raw) for raw in listed.split(b"\0") if raw)
