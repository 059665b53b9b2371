"""What every command shares: the workspace of `-C`, escaped text lines, JSON, file arguments."""
from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import click

from aud_git.contract import json_text, printable

json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON.")


def say(text: str) -> None:
    """One line of text output, escaped."""
    click.echo(printable(text))


def print_json(data: Any, **options: Any) -> None:
    click.echo(json_text(data, **options))


def workspace_of(ctx: click.Context, path: str | None = None):
    from aud_git.git.workspace import open_workspace

    return open_workspace(path or ctx.obj["directory"])


def given_path(ctx: click.Context, path: str) -> str:
    """A path from the command line, relative to `-C`'s directory as git reads `-C`."""
    return os.path.join(ctx.obj["directory"], path)


@contextmanager
def progress_bar(total: int) -> Iterator[Callable[[int], None]]:
    """The engine's progress callback, drawn by click on stderr."""
    with click.progressbar(length=total, label="indexing", file=sys.stderr) as bar:
        yield bar.update


def show_progress(quiet: bool) -> bool:
    return not quiet and sys.stderr.isatty()
