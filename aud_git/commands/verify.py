"""`aud verify`: the live index against a fresh full build of the same working tree."""
from __future__ import annotations

import json
import sys

import click

from aud_git.commands.output import json_option, print_json, workspace_of
from aud_git.contract import OUTPUT_VERSION, TableDifference, Verification


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
        tables = [TableDifference(table=d.table, only_live=[list(r) for r in d.only_live],
                                  only_fresh=[list(r) for r in d.only_fresh]) for d in differences]
        print_json(Verification(version=OUTPUT_VERSION, equal=not differences, tables=tables))
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
