"""Logs under `.pf/`: `hooks.log` (what hooks and detached updates did) and `aud.log`
(self-check failures and internal errors, with their tracebacks). stdlib logging with a
rotating handler: each log keeps at most MAX_LOG_BYTES plus LOG_BACKUPS older files."""
from __future__ import annotations

import io
import logging
import logging.handlers
import os
from collections.abc import Sequence

from aud_git.contract import timestamp
from aud_git.paths import EVENTS_LOG, open_in_pf

MAX_LOG_BYTES = 1024 * 1024
LOG_BACKUPS = 2


class _Rfc3339Formatter(logging.Formatter):
    """Entries stamped like every other time aud prints (`contract.timestamp`)."""

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        return timestamp(record.created)


_FORMAT = _Rfc3339Formatter("%(asctime)s %(message)s")


class PfLogHandler(logging.handlers.RotatingFileHandler):
    """A rotating log in `.pf/`, opened without following a link (`paths.open_in_pf`), whose
    failures reach the caller instead of being printed by logging."""

    def __init__(self, pf_dir: str, name: str) -> None:
        self.pf_dir, self.pf_name = pf_dir, name
        super().__init__(os.path.join(pf_dir, name), maxBytes=MAX_LOG_BYTES,
                         backupCount=LOG_BACKUPS, encoding="utf-8", delay=True)
        self.setFormatter(_FORMAT)

    def _open(self) -> io.TextIOWrapper:
        fd = open_in_pf(self.pf_dir, self.pf_name, os.O_WRONLY | os.O_APPEND | os.O_CREAT)
        return open(fd, "a", encoding="utf-8")

    def handleError(self, record: logging.LogRecord) -> None:
        raise  # called inside logging's except block: the caller decides


def log_line(pf_dir: str, line: str, name: str = EVENTS_LOG) -> None:
    """One entry in `.pf/NAME` (short-lived processes: the file is opened for this entry only)."""
    handler = PfLogHandler(pf_dir, name)
    try:
        handler.emit(logging.LogRecord("aud", logging.INFO, __file__, 0, line, None, None))
    finally:
        handler.close()


def versions() -> str:
    """What a bug report needs: aud, Python, pygit2 and the parsers (no heavy import)."""
    import platform
    from importlib.metadata import PackageNotFoundError, version

    from aud_git import __version__
    from aud_git.extract.grammars import parser_versions

    try:
        pygit2_version = version("pygit2")
    except PackageNotFoundError:
        pygit2_version = "missing"
    return (f"aud {__version__}, Python {platform.python_version()}, pygit2 {pygit2_version},"
            f" {parser_versions()}")


def log_exception(pf_dir: str, headline: str, exc: BaseException,
                  name: str = EVENTS_LOG) -> None:
    """`headline`, the versions, and the traceback of `exc`."""
    import traceback

    trace = "".join(traceback.format_exception(exc)).rstrip()
    log_line(pf_dir, f"{headline} ({versions()})\n{trace}", name)


def log_internal_errors(pf_dir: str, failures: Sequence[tuple[str, str, str]],
                        name: str = EVENTS_LOG) -> None:
    """One entry per (path, stage, traceback): the file and stage it hit, and where in aud."""
    if not failures:
        return
    header = versions()
    for path, stage, trace in failures:
        log_line(pf_dir, f"internal error while {stage} {path!r} ({header})\n{trace.rstrip()}",
                 name)
