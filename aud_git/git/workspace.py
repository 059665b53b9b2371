"""The repository: discovery, its working tree and git directories, its configuration, its hooks
directory, and `.pf/`'s standing in it (excluded, never tracked)."""
from __future__ import annotations

import os
import weakref
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import pygit2

from aud_git.errors import AudError
from aud_git.git import plumbing
from aud_git.git.refs import GIT_STATE_FILES
from aud_git.paths import DB_NAME, PF_DIR, disk_path


@dataclass(frozen=True)
class Workspace:
    repo: pygit2.Repository
    workdir: str  # absolute, no trailing separator
    git_dir: str  # this worktree's git directory
    common_dir: str  # shared by all worktrees: hooks, info/exclude, objects

    @property
    def pf_dir(self) -> str:
        return os.path.join(self.workdir, PF_DIR)

    @property
    def db_path(self) -> str:
        return os.path.join(self.pf_dir, DB_NAME)

    def abspath(self, path: str) -> str:
        """The file of a stored path (see `paths.stored_path`)."""
        return disk_path(self.workdir, path)

    def head_commit(self) -> str | None:
        """HEAD's commit id; None on an unborn branch."""
        try:
            return str(self.repo.head.target)
        except (pygit2.GitError, KeyError):
            return None

    def config_flag(self, key: str) -> bool:
        try:
            return self.repo.config.get_bool(key)
        except (KeyError, pygit2.GitError):
            return False

    def tracks(self, path: str) -> bool:
        """Is `path` (relative, `/`-separated) in git's index, as it is on disk now?"""
        try:
            return path in git_index(self.repo)
        except AudError:  # an index neither libgit2 nor git can read: say tracked
            return True

    def config_value(self, key: str) -> str | None:
        try:
            return str(self.repo.config[key])
        except (KeyError, pygit2.GitError):
            return None

    def set_config_flag(self, key: str, value: bool | str | None) -> None:
        """Set `key` in the repository's own configuration, or remove it (None)."""
        if value is not None:
            self.repo.config[key] = value
            return
        try:
            del self.repo.config[key]
        except KeyError:
            pass


# What libgit2 says of an index split by `core.splitIndex`.
SPLIT_INDEX = "unsupported mandatory extension: 'link'"


# Repositories whose index object a failed read left half-read: libgit2 then keeps its entries
# unsorted and finds none of them, and a plain re-read skips the file as unchanged.
_FAILED_READS: weakref.WeakSet[pygit2.Repository] = weakref.WeakSet()


def git_index(repo: pygit2.Repository) -> pygit2.Index | plumbing.Index:
    """git's index, as it is on disk now. A split index, which libgit2 cannot read, is read
    through git itself (plumbing.py); any other unreadable index is one line, exit 2."""
    try:
        index = repo.index
        # A long-lived process (aud watch, aud mcp) must see git's latest index; libgit2 reads
        # the file again only when it changed, unless the last read failed.
        index.read(repo in _FAILED_READS)
        _FAILED_READS.discard(repo)
    except pygit2.GitError as exc:
        _FAILED_READS.add(repo)
        if str(exc) == SPLIT_INDEX and repo.workdir:
            return plumbing.read_index(repo.workdir)
        raise AudError(f"cannot read git's index: {exc}") from None
    return index


def open_workspace(start: str = ".") -> Workspace:
    try:
        found = pygit2.discover_repository(os.path.abspath(start))
    except pygit2.GitError as exc:
        raise AudError(f"cannot open a git repository at {start}: {exc}") from None
    if found is None:
        raise AudError(f"not a git repository (or any parent up to /): {os.path.abspath(start)}")
    try:
        repo = pygit2.Repository(found)
    except pygit2.GitError as exc:
        raise AudError(f"cannot open the git repository at {found}: {exc}") from None
    if repo.is_bare or repo.workdir is None:
        raise AudError(f"{found} is a bare repository: aud indexes a working tree")
    git_dir = repo.path.rstrip("/")
    common_dir = git_dir
    commondir_file = os.path.join(git_dir, "commondir")
    if os.path.exists(commondir_file):
        with open(commondir_file, encoding="utf-8") as handle:
            common_dir = os.path.normpath(os.path.join(git_dir, handle.read().strip()))
    return Workspace(repo, repo.workdir.rstrip("/"), git_dir, common_dir)


def visible_directories(workspace: Workspace, under: Iterable[str] = ("",),
                        known: frozenset[str] = frozenset()) -> set[str]:
    """The directories of the working tree git looks into, relative (`""` the root): `under`
    and every directory below them, not `.git` or `.pf/`, not an ignored directory, not a
    nested repository, and not below a directory in `known` (already walked). A file
    appearing in any of them moves that directory's mtime. Ignore rules are read afresh (a
    repository object of its own: libgit2 keeps what it read)."""
    repo = pygit2.Repository(workspace.repo.path)
    found: set[str] = set()
    pending = list(under)
    while pending:
        directory = pending.pop()
        found.add(directory)
        try:
            entries = list(os.scandir(os.path.join(workspace.workdir, directory)))
        except OSError:
            continue
        for entry in entries:
            child = f"{directory}/{entry.name}" if directory else entry.name
            if child not in known and entry.is_dir(follow_symlinks=False) \
                    and entry.name != ".git" and child != PF_DIR \
                    and not os.path.lexists(os.path.join(entry.path, ".git")) \
                    and not _ignored_directory(repo, child):
                pending.append(child)
    return found


def _ignored_directory(repo: pygit2.Repository, path: str) -> bool:
    try:
        return repo.path_is_ignored(path + "/")
    except (pygit2.GitError, UnicodeError, ValueError):
        return False  # a name libgit2 cannot take: looked into


def unseen_by_git(workspace: Workspace) -> Callable[[str], bool]:
    """`unseen(repo-relative path)`: ignored by git's rules and not tracked (an ignore rule
    does not hide a tracked file). For use on another thread: libgit2 objects stay on the
    thread that made them."""
    repo = pygit2.Repository(workspace.repo.path)

    def unseen(path: str) -> bool:
        if not repo.path_is_ignored(path):
            return False
        return path not in git_index(repo)  # cheap when git's index did not change

    return unseen


def git_state_files(workspace: Workspace) -> list[str]:
    """`GIT_STATE_FILES` where they are (a linked worktree keeps HEAD and its index apart),
    and the rule files outside the working tree."""
    found = [os.path.join(workspace.git_dir, name) for name in ("HEAD", "index")]
    found += [os.path.join(workspace.common_dir, name) for name in sorted(GIT_STATE_FILES)
              if name not in ("HEAD", "index")]
    return found + rule_files_outside(workspace)


def rule_files_outside(workspace: Workspace) -> list[str]:
    """Files outside the working tree whose changes change what git sees: the global ignore
    and attributes files."""
    found = []
    xdg = os.environ.get("XDG_CONFIG_HOME") or os.path.expanduser("~/.config")
    for key, default in (("core.excludesFile", os.path.join(xdg, "git", "ignore")),
                         ("core.attributesFile", os.path.join(xdg, "git", "attributes"))):
        try:
            configured = workspace.repo.config[key]
        except KeyError:
            configured = None
        found.append(os.path.abspath(os.path.expanduser(configured or default)))
    return found


def hooks_dir(workspace: Workspace) -> str:
    """`core.hooksPath` (relative to the working tree) or the common git directory's hooks."""
    try:
        configured = workspace.repo.config["core.hooksPath"]
    except KeyError:
        configured = None
    if not configured:
        return os.path.join(workspace.common_dir, "hooks")
    configured = os.path.expanduser(configured)
    return configured if os.path.isabs(configured) else os.path.join(workspace.workdir, configured)


def is_shared(workspace: Workspace, directory: str) -> bool:
    """A hooks directory outside this repository (a global or shared `core.hooksPath`) runs
    for other repositories too."""
    real = os.path.realpath(directory)
    return not any(real == root or real.startswith(root + os.sep) for root in (
        os.path.realpath(workspace.common_dir), os.path.realpath(workspace.workdir)))


def refuse_tracked_pf(workspace: Workspace) -> None:
    """`.pf/` must be aud's own: a repository that commits it (a shipped database, a committed
    lock or link) is refused rather than trusted. One that stages it is refused by the
    snapshot, which meets every index entry under `.pf/` (see `take_snapshot`)."""
    try:
        tracked = PF_DIR in workspace.repo.head.peel(pygit2.Tree)
    except (pygit2.GitError, KeyError):
        tracked = False  # an unborn branch
    if tracked:
        raise tracked_pf_error()


def tracked_pf_error() -> AudError:
    return AudError(f"this repository tracks {PF_DIR}/, where aud keeps its index; untrack it"
                    f" (git rm -r --cached {PF_DIR}) and run aud again")


def ensure_pf_excluded(workspace: Workspace) -> None:
    """List `.pf/` in `info/exclude` so that the index never shows up as untracked."""
    ensure_excluded(workspace, f"/{PF_DIR}/", "aud-git's index")


def ensure_excluded(workspace: Workspace, line: str, why: str) -> None:
    """List a file aud writes into the working tree in `info/exclude` (once)."""
    info_dir = os.path.join(workspace.common_dir, "info")
    exclude = os.path.join(info_dir, "exclude")
    try:
        with open(exclude, encoding="utf-8") as handle:
            if line in handle.read().splitlines():
                return
    except FileNotFoundError:
        pass
    os.makedirs(info_dir, exist_ok=True)
    with open(exclude, "a", encoding="utf-8") as handle:
        handle.write(f"\n# {why}\n{line}\n")
