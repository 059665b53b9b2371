"""Where the index lives inside a working tree, and how `.pf/` is touched (no pygit2 here).

`.pf/` is aud's own: a repository may hold anything, so `.pf` must be a real directory (not a
link, not a file), and nothing in it is ever opened through a symbolic link. A committed
`.pf/lock -> ~/.bashrc` would otherwise have aud truncate the target.
"""
from __future__ import annotations

import errno
import os
import stat

from aud_git.errors import AudError

PF_DIR = ".pf"
# Every file aud keeps in `.pf/`, named in one place.
DB_NAME = "repo_index.db"
CACHE_NAME = "cache.db"  # extraction and link results (advisory)
LOCK_NAME = "lock"  # the updaters' lock; holds the holder's pid
EVENTS_LOG = "aud.log"  # internal errors and failed self-checks, with tracebacks
HOOKS_LOG = "hooks.log"  # what hooks and detached updates did
BACKGROUND_PID = "background.pid"  # a detached update, pending or running
WAITER_LOCK = "deferred.lock"  # held by the one process waiting for git to finish a rebase
QUEUE_LOCK = "queued.lock"  # held by a detached update until it holds LOCK_NAME
WATCH_SOCKET = "watch.sock"  # where a running `aud watch` serves updates


def db_path(root: str) -> str:
    """The index of the working tree at `root`."""
    return os.path.join(root, PF_DIR, DB_NAME)


def ensure_pf_dir(pf_dir: str) -> str:
    """`pf_dir`, created if missing; refused when it is a link or not a directory."""
    try:
        info = os.lstat(pf_dir)
    except FileNotFoundError:
        try:
            os.mkdir(pf_dir, 0o755)
        except FileExistsError:
            pass
        info = os.lstat(pf_dir)
    if stat.S_ISLNK(info.st_mode):
        raise AudError(f"{pf_dir} is a symbolic link; aud keeps its index only in a directory"
                       " of its own: remove the link")
    if not stat.S_ISDIR(info.st_mode):
        raise AudError(f"{pf_dir} is not a directory; aud keeps its index there: remove it")
    return pf_dir


def open_in_pf(pf_dir: str, name: str, flags: int, mode: int = 0o644) -> int:
    """A file descriptor for `.pf/NAME`, never through a symbolic link."""
    if flags & os.O_CREAT:
        ensure_pf_dir(pf_dir)
    path = os.path.join(pf_dir, name)
    try:
        return os.open(path, flags | os.O_NOFOLLOW | os.O_CLOEXEC, mode)
    except FileNotFoundError:
        raise
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise AudError(f"{path} is a symbolic link; aud never follows links in .pf/:"
                           " remove it") from None
        raise AudError(f"cannot open {path}: {exc.strerror}") from None  # read-only, full disk


# How a repository path is stored. git names are bytes; the index stores UTF-8 text.
_QUOTED = '"'


def stored_path(name: str) -> str:
    """A repository path as the index stores it. A UTF-8 name is stored as it is. A name that
    is not UTF-8 (pygit2 and `os` hand those bytes over as lone surrogates), or that starts
    with `"`, is stored as `"` and then the name, with `\\` doubled and each byte that is not
    UTF-8 written `\\xNN`. No other stored path starts with `"`: nothing is lost, and nothing
    can be read two ways."""
    if not name.startswith(_QUOTED):
        try:
            name.encode("utf-8")
            return name
        except UnicodeEncodeError:
            pass
    parts = [_QUOTED]
    for char in name:
        if char == "\\":
            parts.append("\\\\")
        elif "\udc80" <= char <= "\udcff":
            parts.append(f"\\x{ord(char) - 0xDC00:02x}")
        else:
            parts.append(char)
    return "".join(parts)


def real_path(stored: str) -> str:
    """The name `stored_path` stored (bytes that are not UTF-8 as lone surrogates, which `os`
    turns back into those bytes)."""
    if not stored.startswith(_QUOTED):
        return stored
    parts, position = [], 1
    while position < len(stored):
        char = stored[position]
        if char == "\\" and stored.startswith("\\x", position):
            parts.append(chr(0xDC00 + int(stored[position + 2:position + 4], 16)))
            position += 4
        elif char == "\\":
            parts.append("\\")
            position += 2
        else:
            parts.append(char)
            position += 1
    return "".join(parts)


def disk_path(root: str, stored: str) -> str:
    """Where a stored path's file is under the working tree `root`."""
    return os.path.join(root, real_path(stored))


def repo_relative(workdir: str, path: str) -> str:
    """A path as given on the command line (absolute, or relative to the cwd), as the index
    stores it."""
    return stored_path(os.path.relpath(os.path.abspath(path), workdir).replace(os.sep, "/"))
