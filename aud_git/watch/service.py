"""The watcher's side of `client.py`: a Unix socket in `.pf/` on which commands ask for an
update and wait for its answer.

Only this user may connect: the socket is made with mode 0600 in `.pf/` and, where the system
tells (Linux), a peer of another user is turned away. A request names at most the files just
changed (checked as `aud index --files` checks them); the update that answers it is the
watcher's own reconciliation, started after the request arrived (`EventBatch.take_requests`).
A socket left by a watcher that died is replaced; one another watcher still serves is left to
it, and one that is not a socket of this user is never touched.
"""
from __future__ import annotations

import os
import socket
import struct
import threading
from collections.abc import Callable

from aud_git.errors import AudError
from aud_git.paths import ensure_pf_dir
from aud_git.watch.client import Address, decode_request, encode_reply, ours, socket_path

MAX_REQUEST = 1 << 20
REQUEST_TIMEOUT = 5.0  # a peer that connects and says nothing is dropped after this long
ANSWER_TIMEOUT = 30.0


class Request:
    """A command waiting for an update: the files it names as changed (absolute paths, checked
    by the watcher as `--files` checks them), the output it prints (one of OUTPUTS), and where
    the answer goes."""

    def __init__(self, conn: socket.socket, files: list[str], output: str = "none") -> None:
        self.conn, self.files, self.output = conn, files, output

    def answer(self, text: str) -> None:
        """What the command prints; then hang up."""
        self._send(encode_reply(True, text))

    def refuse(self, why: str) -> None:
        """The command updates by itself (and says why, where it is the caller's mistake)."""
        self._send(encode_reply(False, why))

    def _send(self, reply: bytes) -> None:
        try:
            self.conn.settimeout(ANSWER_TIMEOUT)
            self.conn.sendall(reply)
        except OSError:
            pass  # a peer gone costs nothing
        finally:
            self.conn.close()


def _same_user(conn: socket.socket) -> bool:
    if not hasattr(socket, "SO_PEERCRED"):  # the socket's mode is the only guard there
        return True
    credentials = conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
    _pid, uid, _gid = struct.unpack("3i", credentials)
    return uid == os.getuid()


class UpdateService:
    """Listens on `.pf/watch.sock` in a thread of its own and hands each request to
    `on_request`; `close` stops listening and removes the socket."""

    def __init__(self, workdir: str, on_request: Callable[[Request], None]) -> None:
        self.path = socket_path(workdir)
        self.on_request = on_request
        self.listening: socket.socket | None = None
        self._inode = 0
        self.note = ""  # why nothing is served, when that is so

    def open(self) -> None:
        """Listen, unless another watcher does or the path is not ours (`note` says why); a
        socket that cannot be made (a read-only `.pf/`) costs the service, never the watch."""
        try:
            self._listen()
        except (OSError, AudError) as exc:
            self.note = f"updates are not served: {exc}"

    def _listen(self) -> None:
        ensure_pf_dir(os.path.dirname(self.path))
        if os.path.lexists(self.path):
            if not ours(self.path):
                self.note = f"{self.path} is not a socket of this user: updates are not served"
                return
            if _answers(self.path):
                self.note = "another aud watch serves updates of this tree"
                return
            os.unlink(self.path)  # left by a watcher that died
        address = Address(self.path)
        listening = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        previous = os.umask(0o077)
        try:
            listening.bind(address.path)
        except OSError:
            listening.close()
            raise
        finally:
            os.umask(previous)
            address.close()
        self._inode = os.lstat(self.path).st_ino
        listening.listen(16)
        self.listening = listening
        threading.Thread(target=self._serve, name="aud-watch-service", daemon=True).start()

    def close(self) -> None:
        listening, self.listening = self.listening, None
        if listening is None:
            return
        try:
            listening.shutdown(socket.SHUT_RDWR)  # wakes the thread blocked in accept()
        except OSError:
            pass
        listening.close()
        try:
            if os.lstat(self.path).st_ino == self._inode:  # never another watcher's socket
                os.unlink(self.path)
        except OSError:
            pass

    def _serve(self) -> None:
        while True:
            listening = self.listening
            if listening is None:
                return
            try:
                conn, _ = listening.accept()
            except OSError:
                return  # closed
            self._receive(conn)

    def _receive(self, conn: socket.socket) -> None:
        try:
            if not _same_user(conn):
                conn.close()
                return
            conn.settimeout(REQUEST_TIMEOUT)
            request = _parsed(_read_request(conn))
        except OSError:
            conn.close()
            return
        if request is None:
            Request(conn, []).refuse("a request this watcher does not understand")
        else:
            output, files = request
            self.on_request(Request(conn, files, output))


def _parsed(data: bytes | None) -> tuple[str, list[str]] | None:
    """(output, files) of a request of this protocol whose files are absolute paths, or None."""
    request = decode_request(data) if data is not None else None
    if request is None or not all(os.path.isabs(path) for path in request[1]):
        return None
    return request


def _read_request(conn: socket.socket) -> bytes | None:
    """The request: everything until the peer stops writing; None past MAX_REQUEST."""
    chunks: list[bytes] = []
    size = 0
    while size <= MAX_REQUEST:
        chunk = conn.recv(1 << 16)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)
        size += len(chunk)
    return None


def _answers(path: str) -> bool:
    """Does a process listen on the socket at `path`?"""
    address = Address(path)
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
            probe.settimeout(1.0)
            probe.connect(address.path)
        return True
    except OSError:
        return False
    finally:
        address.close()
