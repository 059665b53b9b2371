"""File system events as hints: which events matter, and batching them until things are quiet.

watchdog only logs a kernel queue overflow; `OverflowReconcile` turns that log line into a
reconcile, since events were lost.
"""
from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable

from aud_git.git.refs import GIT_STATE_FILES
from aud_git.paths import PF_DIR, stored_path

MAX_DELAY = 2.0


class EventBatch:
    """Paths seen since the last update, and when the first and the latest arrived; and the
    requests of commands waiting for an update (`service.py`)."""

    def __init__(self) -> None:
        self.condition = threading.Condition()
        self.paths: set[str] = set()
        self.requests: list = []
        self.dirty = False
        self.first = self.latest = 0.0

    def add(self, path: str | None) -> None:
        with self.condition:
            self._mark()
            if path:
                self.paths.add(path)
            self.condition.notify()

    def add_request(self, request) -> None:
        """A command waits: the next update starts without waiting for quiet."""
        with self.condition:
            self._mark()
            self.requests.append(request)
            self.condition.notify()

    def _mark(self) -> None:
        now = time.monotonic()
        if not self.dirty:
            self.first = now
        self.dirty = True
        self.latest = now

    def wait_quiet(self, debounce: float) -> list[str]:
        """Block until something happened, then until `debounce` s of quiet (at most MAX_DELAY)
        or until a command waits."""
        with self.condition:
            while not self.dirty:
                self.condition.wait()
            while not self.requests:
                now = time.monotonic()
                remaining = min(self.latest + debounce, self.first + MAX_DELAY) - now
                if remaining <= 0:
                    break
                self.condition.wait(remaining)
            paths, self.paths, self.dirty = sorted(self.paths), set(), False
            return paths

    def take_requests(self) -> list:
        """The commands the coming update answers: taken before its snapshot, so it sees what
        they saw."""
        with self.condition:
            requests, self.requests = self.requests, []
            return requests


class OverflowReconcile(logging.Handler):
    """watchdog only logs a kernel queue overflow: events were lost, so ask for a reconcile."""

    def __init__(self, batch: EventBatch) -> None:
        super().__init__(logging.WARNING)
        self.batch = batch

    def emit(self, record: logging.LogRecord) -> None:
        if "overflow" in record.getMessage().lower():
            self.batch.add(None)


def relevant(workdir: str, unseen: Callable[[str], bool], path: str) -> tuple[bool, str | None]:
    """(matters, hint): `.pf/` never matters; of `.git/` only what changes git's view does; a
    path git neither tracks nor sees (ignored) does not."""
    rel = os.path.relpath(path, workdir).replace(os.sep, "/")
    if rel == "." or rel == PF_DIR or rel.startswith(PF_DIR + "/"):
        return False, None
    if rel == ".git" or rel.startswith(".git/"):
        inner = rel[5:]
        matters = inner in GIT_STATE_FILES or inner.startswith("refs/")
        return matters, None
    try:
        if unseen(rel):
            return False, None
    except Exception:  # a path git cannot judge is still worth a reconcile
        pass
    return True, stored_path(rel)
