"""What every command shares: the workspace of `-C`, escaped text lines, JSON, file arguments."""
from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import click

# Control characters (and Unicode line breaks) in a path or name would let a repository forge a
# `path:line:col:` location in text output: they are shown escaped. JSON is unaffected.
_ESCAPES = {c: f"\\x{c:02x}" for c in (*range(32), 127, 0x85)}
_ESCAPES.update({0x2028: "\\u2028", 0x2029: "\\u2029"})

json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON.")


def printable(text: str) -> str:
    return text.translate(_ESCAPES)


def say(text: str) -> None:
    """One line of text output, escaped."""
    click.echo(printable(text))


def print_json(data: Any, **options: Any) -> None:
    click.echo(json.dumps(data, indent=2, **options))


def workspace_of(ctx: click.Context, path: str | None = None):
    from aud_git.git.workspace import open_workspace

    return open_workspace(path or ctx.obj["directory"])


def given_path(ctx: click.Context, path: str) -> str:
    """A path from the command line, relative to `-C`'s directory as git reads `-C`."""
    return os.path.join(ctx.obj["directory"], path)


def repo_relative(workdir: str, path: str) -> str:
    """A path as given on the command line (absolute, or relative to the cwd), as the index
    stores it."""
    from aud_git.paths import stored_path

    return stored_path(os.path.relpath(os.path.abspath(path), workdir).replace(os.sep, "/"))


@contextmanager
def progress_bar(total: int) -> Iterator[Callable[[int], None]]:
    """The engine's progress callback, drawn by click on stderr."""
    with click.progressbar(length=total, label="indexing", file=sys.stderr) as bar:
        yield bar.update


def show_progress(quiet: bool) -> bool:
    return not quiet and sys.stderr.isatty()
