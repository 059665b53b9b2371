"""Worker processes forked from this one (extraction and linking on all cores).

Workers die on SIGTERM, end when their parent is gone, and close the descriptors the parent
marked as its own (the updater lock: a worker outliving a killed parent must not hold it).
"""
from __future__ import annotations

import os
import signal
import time

_parent_only: list[int] = []  # descriptors a forked worker closes at start


def close_in_workers(fd: int) -> None:
    """Mark `fd` as the parent's alone, until `release_in_workers(fd)`."""
    _parent_only.append(fd)


def release_in_workers(fd: int) -> None:
    if fd in _parent_only:
        _parent_only.remove(fd)


def _close_inherited() -> None:
    for fd in _parent_only:
        try:
            os.close(fd)
        except OSError:
            pass
    _parent_only.clear()


def _worker_start(parent: int) -> None:
    """Workers die on SIGTERM whatever handler the parent installed (`aud watch` has one), do
    not hold the parent's lock, and end when the parent is gone (killed with SIGKILL)."""
    import threading

    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _close_inherited()

    def watch_parent() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch_parent, daemon=True).start()


def fork_executor(jobs: int):
    """Worker processes forked from this one. A `concurrent.futures` pool, not
    `multiprocessing.Pool`: when a worker dies (a crash in a parser, the OOM killer) its tasks
    fail with BrokenProcessPool instead of never returning."""
    import multiprocessing  # only for work worth a pool
    from concurrent.futures import ProcessPoolExecutor

    return ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("fork"),
                               initializer=_worker_start, initargs=(os.getpid(),))


def default_jobs() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
