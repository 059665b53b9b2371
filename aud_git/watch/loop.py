"""The watch loop: wait for a quiet batch of events, then the same full reconciliation as
`aud index --incremental`; a due full rebuild runs in a child process so the watcher stays small."""
from __future__ import annotations

import contextlib
import json
import logging
import os
import signal
import sqlite3
import sys
import time
from collections.abc import Callable, Iterator

from aud_git.contract import OUTPUT_VERSION, WatchUpdate, timestamp
from aud_git.errors import AudError
from aud_git.git.workspace import Workspace, rule_files_outside, unseen_by_git
from aud_git.watch.events import EventBatch, OverflowReconcile, relevant

GIT_BUSY_LIMIT = 30.0
_GIT_STATE = ("index.lock", "rebase-merge", "rebase-apply", "MERGE_HEAD", "sequencer")


class _Stop(Exception):
    """Raised by the SIGTERM handler to leave the wait like Ctrl-C does."""


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

    from aud_git.engine.summary import Summary

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
    batch = EventBatch()
    try:
        with _observing(workspace, batch):
            batch.add(None)  # reconcile at start: changes made while nothing was watching
            while True:
                paths = batch.wait_quiet(debounce)
                _still_there(workspace)
                _wait_for_git(workspace.git_dir)
                emit(_update_once(workspace, paths, as_json))
    except (KeyboardInterrupt, _Stop):
        return 0


@contextlib.contextmanager
def _observing(workspace: Workspace, batch: EventBatch) -> Iterator[None]:
    """watchdog feeding `batch` with the events that matter, a kernel queue overflow as a
    reconcile, and SIGTERM leaving like Ctrl-C; all undone on the way out."""
    try:
        from watchdog.events import FileSystemEventHandler
        from watchdog.observers import Observer
    except ImportError:
        raise AudError("aud watch needs watchdog: pip install watchdog (aud-git's `watch`"
                       " extra)") from None
    unseen = unseen_by_git(workspace)
    outside = set(rule_files_outside(workspace))

    class Handler(FileSystemEventHandler):
        def on_any_event(self, event) -> None:
            if event.event_type in ("opened", "closed_no_write"):
                return
            for path in (event.src_path, getattr(event, "dest_path", "")):
                if path:
                    matters, hint = relevant(workspace.workdir, unseen, os.fsdecode(path))
                    if matters:
                        batch.add(hint)

    class RuleFiles(FileSystemEventHandler):
        """The global ignore and attributes files: a change means reconcile everything."""

        def on_any_event(self, event) -> None:
            paths = {os.fsdecode(p) for p in (event.src_path, getattr(event, "dest_path", "")) if p}
            if paths & outside:
                batch.add(None)

    def stop(_signum, _frame):
        raise _Stop

    watchdog_log = logging.getLogger("watchdog")
    overflow = OverflowReconcile(batch)
    watchdog_log.addHandler(overflow)
    previous = signal.signal(signal.SIGTERM, stop)
    observer = Observer()
    observer.schedule(Handler(), workspace.workdir, recursive=True)
    for directory in {os.path.dirname(p) for p in outside if os.path.isdir(os.path.dirname(p))}:
        if not directory.startswith(workspace.workdir + os.sep):
            observer.schedule(RuleFiles(), directory, recursive=False)
    observer.start()
    try:
        yield
    finally:
        observer.stop()
        observer.join(timeout=5)
        signal.signal(signal.SIGTERM, previous)
        watchdog_log.removeHandler(overflow)


def _update_once(workspace: Workspace, paths: list[str], as_json: bool) -> str:
    """One reconcile with `paths` as hints; the line (or JSON object) that reports it. A failed
    update is reported, and the next batch reconciles again."""
    from aud_git.engine.update import FullRebuildDue, run_update

    started = time.monotonic()
    try:
        try:
            summary = run_update(workspace, mode="incremental", hints=paths, full_in_process=False)
        except FullRebuildDue as due:
            summary = _full_rebuild_in_child(workspace, str(due))
    except (AudError, sqlite3.Error, OSError) as exc:
        message = str(exc) if isinstance(exc, AudError) else f"{type(exc).__name__}: {exc}"
        return (json.dumps(WatchUpdate(version=OUTPUT_VERSION, error=message, events=paths,
                                       time=timestamp(time.time()))) if as_json
                else f"aud watch: update failed ({message}); retrying on the next change")
    from aud_git.export import refresh_note

    tags_note = refresh_note(workspace, summary.changed)
    if tags_note:
        summary.notes.append(tags_note)
    milliseconds = (time.monotonic() - started) * 1000
    if as_json:
        update = WatchUpdate(**summary.as_json(), events=paths, ms=round(milliseconds, 1),
                             time=timestamp(time.time()))
        return json.dumps(update, sort_keys=True)
    return _describe(summary, paths, milliseconds)


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
