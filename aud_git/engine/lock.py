"""The updaters' lock: an OS file lock on `.pf/lock`, released by the kernel when its holder dies."""
from __future__ import annotations

import contextlib
import fcntl
import os
import time
from collections.abc import Iterator

from aud_git.errors import AudError
from aud_git.paths import LOCK_NAME, open_in_pf
from aud_git.processes import close_in_workers, release_in_workers


class LockBusy(AudError):
    """Another updater holds the lock (beyond the time we were willing to wait)."""


@contextlib.contextmanager
def updater_lock(pf_dir: str, timeout: float) -> Iterator[None]:
    path = os.path.join(pf_dir, LOCK_NAME)
    fd = open_in_pf(pf_dir, LOCK_NAME, os.O_RDWR | os.O_CREAT)
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise LockBusy(
                        f"another aud update holds {path} (waited {timeout:g} s); try again later"
                    ) from None
                time.sleep(0.05)
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        close_in_workers(fd)  # a worker outliving a killed parent must not hold the lock
        yield
    finally:
        release_in_workers(fd)
        os.close(fd)
