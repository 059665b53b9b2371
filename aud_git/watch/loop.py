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
from typing import TYPE_CHECKING, NamedTuple

from aud_git.contract import OUTPUT_VERSION, WatchUpdate, json_text, printable, timestamp
from aud_git.errors import AudError
from aud_git.git.workspace import Workspace, rule_files_outside, unseen_by_git
from aud_git.watch.events import EventBatch, OverflowReconcile, relevant
from aud_git.watch.service import Request, UpdateService

if TYPE_CHECKING:
    from aud_git.engine.summary import Summary

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


def _full_rebuild_in_child(workspace: Workspace, reason: str) -> tuple[Summary, dict]:
    """A full rebuild in a process of its own: its memory is returned to the system when it
    ends, so the watcher stays small however long it runs. Returns its summary and what it
    printed."""
    import subprocess

    from aud_git.engine.summary import Summary

    result = subprocess.run(
        [sys.executable, "-I", "-m", "aud_git", "-C", workspace.workdir, "index", "--full", "--json"],
        capture_output=True, text=True,
    )
    if result.returncode != 0:
        raise AudError(result.stderr.strip().removeprefix("aud: ") or "the full rebuild failed")
    data = json.loads(result.stdout)
    summary = Summary("full", reason=reason, relinked=data["relinked"], files=data["files"],
                      read=data["read"], cached=data["cached"], seconds=data["seconds"])
    return summary, {**data, "reason": reason}


def watch(workspace: Workspace, debounce: float, as_json: bool, emit: Callable[[str], None]) -> int:
    batch = EventBatch()
    service = UpdateService(workspace.workdir, batch.add_request)
    try:
        with _observing(workspace, batch):
            service.open()
            if service.note:  # on stderr: the lines (or JSON objects) on stdout are updates
                print(f"aud watch: {service.note}", file=sys.stderr, flush=True)
            batch.add(None)  # reconcile at start: changes made while nothing was watching
            while True:
                paths = batch.wait_quiet(debounce)
                _still_there(workspace)
                _wait_for_git(workspace.git_dir)
                requests, hints = _checked(workspace, batch.take_requests())
                outcome = _update_once(workspace, [*paths, *hints])
                emit(_report(outcome, paths, as_json))
                _answer(workspace, outcome, requests)
    except (KeyboardInterrupt, _Stop):
        return 0
    finally:
        service.close()
        for request in batch.take_requests():  # their commands update by themselves
            request.refuse("aud watch stopped")


def _checked(workspace: Workspace, requests: list[Request]) -> tuple[list[Request], list[str]]:
    """The requests whose files pass `--files`' checks, and those files as hints; the others
    are answered at once (their commands then say what is wrong, as they would alone)."""
    from aud_git.engine.hints import checked_hints

    kept, hints = [], []
    for request in requests:
        try:
            hints.extend(checked_hints(workspace.workdir, workspace.db_path, request.files))
        except AudError as exc:
            request.refuse(str(exc))
            continue
        kept.append(request)
    return kept, hints


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


class _Outcome(NamedTuple):
    """One update: its summary (and, for a full rebuild in a child, what that child printed as
    JSON), or why it failed."""
    summary: Summary | None
    full_output: dict | None
    error: str | None
    milliseconds: float


def _update_once(workspace: Workspace, paths: list[str]) -> _Outcome:
    """One reconcile with `paths` as hints. A failed update is reported, and the next batch
    reconciles again."""
    from aud_git.engine.update import FullRebuildDue, run_update

    started = time.monotonic()
    full_output = None
    try:
        try:
            summary = run_update(workspace, mode="incremental", hints=paths, full_in_process=False)
        except FullRebuildDue as due:
            summary, full_output = _full_rebuild_in_child(workspace, str(due))
    except (AudError, sqlite3.Error, OSError) as exc:
        message = str(exc) if isinstance(exc, AudError) else f"{type(exc).__name__}: {exc}"
        return _Outcome(None, None, message, (time.monotonic() - started) * 1000)
    from aud_git.export import refresh_note

    tags_note = refresh_note(workspace, summary.changed)
    if tags_note:
        summary.notes.append(tags_note)
    return _Outcome(summary, full_output, None, (time.monotonic() - started) * 1000)


def _report(outcome: _Outcome, paths: list[str], as_json: bool) -> str:
    """The line (or JSON object) the watcher prints for an update."""
    if outcome.summary is None:
        error = outcome.error or "update failed"
        return (json.dumps(WatchUpdate(version=OUTPUT_VERSION, error=error, events=paths,
                                       time=timestamp(time.time()))) if as_json
                else f"aud watch: update failed ({error}); retrying on the next change")
    if as_json:
        update = WatchUpdate(**outcome.summary.as_json(), events=paths,
                             ms=round(outcome.milliseconds, 1), time=timestamp(time.time()))
        return json.dumps(update, sort_keys=True)
    return _describe(outcome.summary, paths, outcome.milliseconds)


def _answer(workspace: Workspace, outcome: _Outcome, requests: list[Request]) -> None:
    """Give the commands waiting for this update what `aud index` would have printed."""
    summary = outcome.summary
    outputs: dict[str, str] = {"none": ""}
    for request in requests:
        if summary is None:
            request.refuse(outcome.error or "the update failed")
            continue
        if request.output not in outputs:
            outputs[request.output] = (
                printable(summary.line()) if request.output == "text"
                else json_text(outcome.full_output or summary.index_output(workspace.db_path),
                               sort_keys=True))
        request.answer(outputs[request.output])


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
