"""Asking a running `aud watch` for an update, from a process that must start fast.

`aud index --incremental` spends most of its time starting: the interpreter, click, pygit2,
the engine (about 130 ms on this project's machine), against some 30 ms for the update itself
when little changed. A watcher has all of that loaded, so the command hands the update to it
over a Unix socket in `.pf/` and prints the answer; with no watcher (or a failing one) it updates
itself, as before. The watcher runs the same reconciliation as the command would, its snapshot
taken after the request arrived: where the update runs never changes what it finds.

Imported before click by `aud_git.entry`: only the standard library's lightest modules here.
"""
from __future__ import annotations

import io
import os
import socket
import stat
import sys
from collections.abc import Callable

from aud_git.paths import PF_DIR, WATCH_SOCKET

# The wire format: fields separated by NUL (a path never holds one), so that neither side
# needs `json`, whose import (it loads `re`) cost the command 7 ms of the 70 a served no-op
# takes. A request: MAGIC, `incremental`, the output (OUTPUTS), the files. A reply: MAGIC,
# `ok` and the output's text, or `error` and why.
MAGIC = b"aud-watch/1"
OUTPUTS = ("text", "json", "none")
# The longest socket path `bind` and `connect` take on every POSIX system (Linux: 107 bytes).
MAX_SOCKET_PATH = 100
MAX_REPLY = 64 << 20
# Longer than any update takes; a watcher stopped with SIGSTOP must not hang the command.
REPLY_TIMEOUT = 900.0
# What the command's environment may change about an update: the watcher's would apply.
_OWN_ENVIRONMENT = ("AUD_INCREMENTAL", "AUD_FORCE_FULL", "GIT_DIR", "GIT_WORK_TREE",
                    "GIT_INDEX_FILE", "GIT_OBJECT_DIRECTORY", "GIT_COMMON_DIR")
_OUTPUT_FLAGS = {"-q": "quiet", "--quiet": "quiet", "--json": "json"}


def socket_path(root: str) -> str:
    return os.path.join(root, PF_DIR, WATCH_SOCKET)


class Address:
    """The path to bind or connect to. A path too long for a socket address is reached through
    the `.pf/` directory's descriptor (`/proc/self/fd/N/…`, Linux), which `close` lets go."""

    def __init__(self, path: str) -> None:
        self.path, self._dir_fd = path, None
        if len(os.fsencode(path)) > MAX_SOCKET_PATH:
            self._dir_fd = os.open(os.path.dirname(path),
                                   os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC)
            self.path = f"/proc/self/fd/{self._dir_fd}/{os.path.basename(path)}"

    def close(self) -> None:
        if self._dir_fd is not None:
            os.close(self._dir_fd)
            self._dir_fd = None


def ours(path: str) -> bool:
    """Is `path` a socket of this user (not a link, not a file someone else made)?"""
    try:
        info = os.lstat(path)
    except OSError:
        return False
    return stat.S_ISSOCK(info.st_mode) and info.st_uid == os.getuid()


def ask(root: str, files: list[str], output: str,
        on_sent: Callable[[], None] = lambda: None) -> str | None:
    """The watcher's answer to an incremental update of the tree at `root` (`files`: absolute
    paths just changed, as `--files` names them): the text of the command's `output` (one of
    OUTPUTS), or None when no watcher serves the tree or it turned the request down. `on_sent`
    runs once the request is sent: the update that answers it takes its snapshot after that."""
    path = socket_path(root)
    if not ours(path):
        return None
    try:
        address = Address(path)
    except OSError:
        return None
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
            conn.settimeout(REPLY_TIMEOUT)
            conn.connect(address.path)
            conn.sendall(encode_request(output, files))
            conn.shutdown(socket.SHUT_WR)
            on_sent()
            reply = _read_all(conn)
    except OSError:  # no watcher listens (a stale socket), or it went away: update here
        return None
    finally:
        address.close()
    return decode_reply(reply)


def encode_request(output: str, files: list[str]) -> bytes:
    return b"\0".join([MAGIC, b"incremental", output.encode(), *map(os.fsencode, files)])


def decode_request(data: bytes) -> tuple[str, list[str]] | None:
    """(output, files) of a request, or None if it is not one."""
    fields = data.split(b"\0")
    if len(fields) < 3 or fields[0] != MAGIC or fields[1] != b"incremental":
        return None
    output = fields[2].decode("ascii", "replace")
    return (output, [os.fsdecode(field) for field in fields[3:]]) if output in OUTPUTS else None


def encode_reply(ok: bool, text: str) -> bytes:
    return b"\0".join([MAGIC, b"ok" if ok else b"error", text.encode("utf-8", "surrogateescape")])


def decode_reply(data: bytes) -> str | None:
    """The output's text of an `ok` reply, else None."""
    fields = data.split(b"\0", 2)
    if len(fields) != 3 or fields[0] != MAGIC or fields[1] != b"ok":
        return None
    return fields[2].decode("utf-8", "surrogateescape")


def _read_all(conn: socket.socket) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while size <= MAX_REPLY:
        chunk = conn.recv(1 << 16)
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


def stdin_paths() -> list[str]:
    """`--files -`: NUL-separated when the input holds a NUL (`find -print0`, `jq -j`), else one
    a line."""
    data: bytes = sys.stdin.buffer.read()
    names = data.split(b"\0") if b"\0" in data else data.splitlines()
    return [os.fsdecode(name) for name in names if name]


class _Invocation:
    """An `aud index` command line a watcher can answer: the directory of `-C`, the output
    (`text`, `json` or `none`) and the `--files` paths as given."""

    def __init__(self, directory: str, output: str, files: list[str]) -> None:
        self.directory, self.output, self.files = directory, output, files


def _invocation(argv: list[str]) -> _Invocation | None:
    """`aud [-C DIR] index (--incremental | --files PATH...) [-q] [--json]`, or None for any
    other command, option or form."""
    directory, rest = ".", list(argv)
    if rest[:1] == ["-C"] and len(rest) >= 2:
        directory, rest = rest[1], rest[2:]
    if rest[:1] != ["index"] or not os.path.isdir(directory):
        return None
    words = rest[1:]
    flags = {word for word in words if word.startswith("-") and word != "-"}
    files = [word for word in words if word not in flags]
    unknown = flags - set(_OUTPUT_FLAGS) - {"--incremental", "--files"}
    with_files = "--files" in flags
    if unknown or bool(files) != with_files or not (with_files or "--incremental" in flags):
        return None
    shown = {_OUTPUT_FLAGS[flag] for flag in flags if flag in _OUTPUT_FLAGS}
    output = "json" if "json" in shown else "none" if "quiet" in shown else "text"
    return _Invocation(directory, output, files)


def served_index(argv: list[str]) -> int | None:
    """An `aud index --incremental` or `--files` answered by a running watcher: the exit
    status, or None to run the command as usual (any other command or option, a setting of
    the environment that changes updates, no watcher, or a request the watcher turned down,
    such as a path outside the repository: the command then says why)."""
    invocation = _invocation(argv)
    if invocation is None or any(name in os.environ for name in _OWN_ENVIRONMENT):
        return None
    from aud_git.errors import AudError
    from aud_git.git.layout import find_root

    try:
        root = find_root(invocation.directory)
    except AudError:
        return None  # the command says so, as usual
    files = _absolute(invocation)
    answer = ask(root, files, invocation.output)
    if answer is None:
        return None
    if invocation.output != "none":
        sys.stdout.write(answer + "\n")
    return 0


def _absolute(invocation: _Invocation) -> list[str]:
    """The `--files` paths, absolute (stdin's too, which the command then reads again from what
    was read here, should the watcher not answer)."""
    files = []
    for given in invocation.files:
        if given == "-":
            paths = stdin_paths()
            data = b"".join(os.fsencode(path) + b"\0" for path in paths)
            sys.stdin = io.TextIOWrapper(io.BytesIO(data))
            files.extend(paths)
        else:
            files.append(given)
    return [os.path.abspath(os.path.join(invocation.directory, path)) for path in files]
