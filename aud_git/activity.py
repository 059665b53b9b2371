"""What updates are under way: the lock holder, a detached update, a deferred waiter.

Read by `aud status`, the queries (`--wait`) and the hooks: no pygit2, no engine.
"""
from __future__ import annotations

import fcntl
import os
import time

from aud_git.contract import Background
from aud_git.paths import BACKGROUND_PID, LOCK_NAME, WAITER_LOCK, open_in_pf


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _waiter_active(pf_dir: str) -> bool:
    try:
        fd = open_in_pf(pf_dir, WAITER_LOCK, os.O_RDONLY)
    except FileNotFoundError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False


def lock_holder(pf_dir: str) -> int | None:
    """The pid of a running updater, or None (the lock is free or was left by a dead process)."""
    try:
        fd = open_in_pf(pf_dir, LOCK_NAME, os.O_RDONLY)
    except FileNotFoundError:
        return None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            content = os.read(fd, 32).decode(errors="replace").strip()
            return int(content) if content.isdigit() else -1
        fcntl.flock(fd, fcntl.LOCK_UN)
        return None
    finally:
        os.close(fd)


def background_state(pf_dir: str) -> Background:
    """`running`: the pid holding the updater lock; `pending`: a detached update's pid;
    `deferred`: whether a waiter is holding an update until git finishes a rebase or the like."""
    pending = None
    try:
        with os.fdopen(open_in_pf(pf_dir, BACKGROUND_PID, os.O_RDONLY), encoding="utf-8") as handle:
            pid = int(handle.read(64).strip() or 0)
        pending = pid if pid and _pid_alive(pid) else None
    except (FileNotFoundError, ValueError):
        pass
    return Background(running=lock_holder(pf_dir), pending=pending, deferred=_waiter_active(pf_dir))


def wait_until_idle(pf_dir: str, poll_seconds: float = 0.02) -> None:
    """Until no update holds the lock and none is pending. A deferred waiter is not waited for:
    it waits for the user to finish a rebase or the like."""
    while True:
        state = background_state(pf_dir)
        if state["running"] is None and state["pending"] is None:
            return
        time.sleep(poll_seconds)
