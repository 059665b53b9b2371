"""Append-only logs under `.pf/`: `hooks.log` (what hooks and detached updates did) and
`aud.log` (self-check failures and internal errors, with their tracebacks)."""
from __future__ import annotations

import os
import time

from aud_git.paths import open_in_pf

HOOKS_LOG = "hooks.log"
EVENTS_LOG = "aud.log"


def log_line(pf_dir: str, line: str, name: str = EVENTS_LOG) -> None:
    fd = open_in_pf(pf_dir, name, os.O_WRONLY | os.O_APPEND | os.O_CREAT)
    with os.fdopen(fd, "a", encoding="utf-8") as handle:
        handle.write(f"{time.strftime('%Y-%m-%dT%H:%M:%S')} {line}\n")


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


def log_internal_errors(pf_dir: str, failures: list[tuple[str, str, str]],
                        name: str = EVENTS_LOG) -> None:
    """One entry per (path, stage, traceback): the file and stage it hit, and where in aud."""
    if not failures:
        return
    header = versions()
    for path, stage, trace in failures:
        log_line(pf_dir, f"internal error while {stage} {path!r} ({header})\n{trace.rstrip()}",
                 name)
