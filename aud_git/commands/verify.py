"""`aud verify`: the live index against a fresh full build of the same working tree."""
from __future__ import annotations

import json
import sys
from dataclasses import asdict

import click

from aud_git.commands.output import json_option, print_json, workspace_of


@click.command()
@click.option("-j", "--jobs", type=click.IntRange(min=1), default=None,
              help="Worker processes for the fresh build (default: all cores).")
@json_option
@click.pass_context
def verify(ctx, jobs, as_json):
    """Build a full index into a temporary database and compare it with the live one.

    Exits 1 on any difference (showing the first differing rows per table), 0 when equal.
    """
    from aud_git.engine.verify import verify as run_verify
    from aud_git.processes import default_jobs

    differences = run_verify(workspace_of(ctx), jobs or default_jobs())
    if as_json:
        print_json({"equal": not differences, "tables": [asdict(d) for d in differences]},
                   default=list)
    elif not differences:
        click.echo("aud: the index equals a full rebuild")
    else:
        for difference in differences:
            click.echo(f"{difference.table}: differs")
            for row in difference.only_live:
                click.echo(f"  - index only: {json.dumps(row, ensure_ascii=False)}")
            for row in difference.only_fresh:
                click.echo(f"  + full build only: {json.dumps(row, ensure_ascii=False)}")
    sys.exit(1 if differences else 0)
