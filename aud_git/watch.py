"""`aud watch`: keep the index equal to the working tree, unstaged edits included.

File system events (watchdog) are hints only: every batch runs the same full reconciliation as
`aud index --incremental`, so missed events, atomic saves, directory moves and changes made while
nothing watched all end the same way; a kernel queue overflow (which watchdog only logs) triggers
a reconcile of its own. Idle, the process sleeps on a
condition variable: no polling loop over the tree.
"""
from __future__ import annotations

import json
import logging
import os
import signal
import sqlite3
import sys
import threading
import time
from collections.abc import Callable

from aud_git.errors import AudError
from aud_git.paths import PF_DIR
from aud_git.workspace import Workspace

MAX_DELAY = 2.0
GIT_BUSY_LIMIT = 30.0
_GIT_STATE = ("index.lock", "rebase-merge", "rebase-apply", "MERGE_HEAD", "sequencer")


class _Stop(Exception):
    """Raised by the SIGTERM handler to leave the wait like Ctrl-C does."""


class EventBatch:
    """Paths seen since the last update, and when the first and the latest arrived."""

    def __init__(self) -> None:
        self.condition = threading.Condition()
        self.paths: set[str] = set()
        self.dirty = False
        self.first = self.latest = 0.0

    def add(self, path: str | None) -> None:
        with self.condition:
            now = time.monotonic()
            if not self.dirty:
                self.first = now
            self.dirty = True
            self.latest = now
            if path:
                self.paths.add(path)
            self.condition.notify()

    def wait_quiet(self, debounce: float) -> list[str]:
        """Block until something happened, then until `debounce` s of quiet (at most MAX_DELAY)."""
        with self.condition:
            while not self.dirty:
                self.condition.wait()
            while True:
                now = time.monotonic()
                remaining = min(self.latest + debounce, self.first + MAX_DELAY) - now
                if remaining <= 0:
                    break
                self.condition.wait(remaining)
            paths, self.paths, self.dirty = sorted(self.paths), set(), False
            return paths


class OverflowReconcile(logging.Handler):
    """watchdog only logs a kernel queue overflow: events were lost, so ask for a reconcile."""

    def __init__(self, batch: EventBatch) -> None:
        super().__init__(logging.WARNING)
        self.batch = batch

    def emit(self, record: logging.LogRecord) -> None:
        if "overflow" in record.getMessage().lower():
            self.batch.add(None)


def _relevant(workdir: str, repo, path: str) -> tuple[bool, str | None]:
    """(matters, hint): `.pf/` never matters; of `.git/` only HEAD, refs and the index do."""
    rel = os.path.relpath(path, workdir).replace(os.sep, "/")
    if rel == "." or rel == PF_DIR or rel.startswith(PF_DIR + "/"):
        return False, None
    if rel == ".git" or rel.startswith(".git/"):
        inner = rel[5:]
        matters = inner in ("HEAD", "index", "packed-refs") or inner.startswith("refs/")
        return matters, None
    try:
        if repo.path_is_ignored(rel):
            return False, None
    except Exception:  # a path git cannot judge is still worth a reconcile
        pass
    return True, rel


def _still_there(workspace: Workspace) -> None:
    """Stop (one line, exit 2) once the working tree or its git directory is gone: updating
    would recreate `.pf/` in a directory that no longer is a repository."""
    for what, path in (("working tree", workspace.workdir), ("git directory", workspace.git_dir)):
        if not os.path.isdir(path):
            raise AudError(f"watch stopped: the {what} {path} is gone")


def _wait_for_git(git_dir: str) -> None:
    deadline = time.monotonic() + GIT_BUSY_LIMIT
    while any(os.path.exists(os.path.join(git_dir, n)) for n in _GIT_STATE):
        if time.monotonic() > deadline:
            return
        time.sleep(0.05)


def _describe(summary, paths: list[str], milliseconds: float) -> str:
    changed = [*summary.added, *summary.modified, *summary.deleted]
    shown = ", ".join(changed[:3]) + (f" and {len(changed) - 3} more" if len(changed) > 3 else "")
    what = shown or (f"{len(paths)} event path(s), no change" if paths else "no change")
    return f"aud watch: {summary.mode}: {what}; {summary.relinked} re-linked in {milliseconds:.0f} ms"


def _full_rebuild_in_child(workspace: Workspace, reason: str):
    """A full rebuild in a process of its own: its memory is returned to the system when it
    ends, so the watcher stays small however long it runs."""
    import subprocess

    from aud_git.update import Summary

    result = subprocess.run(
        [sys.executable, "-I", "-m", "aud_git", "-C", workspace.workdir, "index", "--full", "--json"],
        capture_output=True, text=True,
    )
    if result.returncode != 0:
        raise AudError(result.stderr.strip().removeprefix("aud: ") or "the full rebuild failed")
    data = json.loads(result.stdout)
    return Summary("full", reason=reason, relinked=data["relinked"], files=data["files"],
                   read=data["read"], cached=data["cached"], seconds=data["seconds"])


def watch(workspace: Workspace, debounce: float, as_json: bool, emit: Callable[[str], None]) -> int:
    try:
        from watchdog.events import FileSystemEventHandler
        from watchdog.observers import Observer
    except ImportError:
        raise AudError("aud watch needs watchdog: pip install 'aud-git[watch]'") from None
    import pygit2

    from aud_git.update import FullRebuildDue, run_update
    from aud_git.workers import default_jobs

    batch = EventBatch()
    handler_repo = pygit2.Repository(workspace.repo.path)  # libgit2 objects stay per thread

    class Handler(FileSystemEventHandler):
        def on_any_event(self, event) -> None:
            if event.event_type in ("opened", "closed_no_write"):
                return
            for path in (event.src_path, getattr(event, "dest_path", "")):
                if path:
                    matters, hint = _relevant(workspace.workdir, handler_repo, os.fsdecode(path))
                    if matters:
                        batch.add(hint)

    def stop(_signum, _frame):
        raise _Stop

    watchdog_log = logging.getLogger("watchdog")
    overflow = OverflowReconcile(batch)
    watchdog_log.addHandler(overflow)

    previous = signal.signal(signal.SIGTERM, stop)
    observer = Observer()
    observer.schedule(Handler(), workspace.workdir, recursive=True)
    observer.start()
    jobs = default_jobs()
    try:
        batch.add(None)  # reconcile at start: changes made while nothing was watching
        while True:
            paths = batch.wait_quiet(debounce)
            _still_there(workspace)
            _wait_for_git(workspace.git_dir)
            started = time.monotonic()
            try:
                try:
                    summary = run_update(workspace, mode="incremental", jobs=jobs, hints=paths,
                                         full_in_process=False)
                except FullRebuildDue as due:
                    summary = _full_rebuild_in_child(workspace, str(due))
            except (AudError, sqlite3.Error, OSError) as exc:  # the next batch reconciles again
                message = exc.format_message() if isinstance(exc, AudError) else f"{type(exc).__name__}: {exc}"
                emit(json.dumps({"error": message, "events": paths}) if as_json
                     else f"aud watch: update failed ({message}); retrying on the next change")
                continue
            milliseconds = (time.monotonic() - started) * 1000
            if as_json:
                emit(json.dumps({**summary.as_dict(), "events": paths, "ms": round(milliseconds, 1),
                                 "time": time.time()}, sort_keys=True))
            else:
                emit(_describe(summary, paths, milliseconds))
    except (KeyboardInterrupt, _Stop):
        return 0
    finally:
        observer.stop()
        observer.join(timeout=5)
        signal.signal(signal.SIGTERM, previous)
        watchdog_log.removeHandler(overflow)


def run_watch(workspace: Workspace, debounce: float, as_json: bool, log: str | None,
              pidfile: str | None) -> int:
    stream = open(log, "a", encoding="utf-8", buffering=1) if log else sys.stdout

    def emit(line: str) -> None:
        stream.write(line + "\n")
        stream.flush()

    if pidfile:
        with open(pidfile, "w", encoding="utf-8") as handle:
            handle.write(f"{os.getpid()}\n")
    try:
        return watch(workspace, debounce, as_json, emit)
    finally:
        if pidfile:
            try:
                os.unlink(pidfile)
            except FileNotFoundError:
                pass
        if log:
            stream.close()
