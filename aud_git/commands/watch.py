"""`aud watch`: keep the index equal to the working tree while you edit."""
from __future__ import annotations

import sys

import click

from aud_git.commands.output import workspace_of


@click.command("watch")
@click.argument("path", required=False, type=click.Path(file_okay=False))
@click.option("--debounce", type=click.FloatRange(min=0.0), default=0.3, show_default=True,
              help="Seconds of quiet before an update (at most 2 s under a constant stream).")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per update.")
@click.option("--log", type=click.Path(dir_okay=False), help="Append the update lines to FILE.")
@click.option("--pidfile", type=click.Path(dir_okay=False), help="Write the process id to FILE.")
@click.pass_context
def watch(ctx, path, debounce, as_json, log, pidfile):
    """Keep the index equal to the working tree while you edit (Ctrl-C or SIGTERM stops)."""
    from aud_git.watch.loop import run_watch

    sys.exit(run_watch(workspace_of(ctx, path), debounce, as_json, log, pidfile))
