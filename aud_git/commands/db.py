"""`aud db dump` and `aud db digest`: the canonical form that `incremental == full` compares."""
from __future__ import annotations

import sys

import click

from aud_git.commands.output import workspace_of


@click.group()
def db() -> None:
    """Inspect the database file."""


def _open_db(ctx):
    from aud_git.db import store

    return store.connect(workspace_of(ctx).db_path, must_exist=True, readonly=True)


@db.command()
@click.pass_context
def dump(ctx) -> None:
    """Print the canonical dump (every table but meta, in a total order)."""
    from aud_git.db.dump import dump_lines

    for line in dump_lines(_open_db(ctx)):
        sys.stdout.write(line + "\n")


@db.command()
@click.pass_context
def digest(ctx) -> None:
    """Print the sha256 of the canonical dump."""
    from aud_git.db.dump import digest as dump_digest

    click.echo(dump_digest(_open_db(ctx)))
