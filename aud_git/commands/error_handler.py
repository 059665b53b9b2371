"""Exceptions to exit statuses, in one place: a user error is one line and exit 2, an internal
error one line, exit 3 and its traceback in `.pf/aud.log`; an interrupt exits 130."""
from __future__ import annotations

import os
import sqlite3
import sys

import click

from aud_git.errors import AudError

USER_ERROR = 2
INTERNAL_ERROR = 3
INTERRUPTED = 130

started_in = "."  # the -C directory: an internal error's traceback goes to that repository's .pf/


def exit_status(exc: BaseException) -> int:
    """Say what `exc` means in one line on stderr; the process's exit status. Anything that is
    not an Exception (SystemExit, GeneratorExit) is raised again."""
    if isinstance(exc, click.exceptions.Exit):
        return exc.exit_code
    if isinstance(exc, (click.exceptions.Abort, KeyboardInterrupt)):
        click.echo("aud: interrupted", err=True)
        return INTERRUPTED
    if isinstance(exc, AudError):
        click.echo(f"aud: {exc}", err=True)
        return exc.exit_code
    if isinstance(exc, click.ClickException):  # usage errors: click's own text, exit 2
        exc.show()
        return exc.exit_code
    if isinstance(exc, sqlite3.DatabaseError):
        click.echo(f"aud: database error: {exc}", err=True)
        return USER_ERROR
    if isinstance(exc, BrokenPipeError):  # the reader went away (`aud query ... | head`)
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    if isinstance(exc, Exception):  # a bug of ours: one line here, the traceback in the log
        where = log_crash(exc)
        click.echo(f"aud: internal error: {type(exc).__name__}: {exc} (traceback in {where})",
                   err=True)
        return INTERNAL_ERROR
    raise exc


def log_crash(exc: BaseException) -> str:
    """Append the traceback to the repository's `.pf/aud.log` (or, outside a repository, to
    one in the temporary directory); returns the log's path."""
    import tempfile

    from aud_git.git.layout import find_root
    from aud_git.logbook import log_exception
    from aud_git.paths import EVENTS_LOG, PF_DIR

    headline = f"internal error: {' '.join(sys.argv[1:])}"
    try:
        pf_dir = os.path.join(find_root(started_in), PF_DIR)
        log_exception(pf_dir, headline, exc)
    except Exception:  # no repository, or no writable .pf/
        pf_dir = tempfile.gettempdir()
        log_exception(pf_dir, headline, exc, f"aud-{os.getuid()}.log")
        return os.path.join(pf_dir, f"aud-{os.getuid()}.log")
    return os.path.join(pf_dir, EVENTS_LOG)
