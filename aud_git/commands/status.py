"""`aud status`: is the index fresh? Paths that differ, the last update, hooks, running work."""
from __future__ import annotations

import sys

import click

from aud_git.commands.output import json_option, print_json, say, workspace_of
from aud_git.contract import Status


@click.command()
@json_option
@click.option("--check", is_flag=True, help="Exit 1 when the index is not fresh.")
@click.pass_context
def status(ctx, as_json, check):
    """Is the index fresh? Paths that differ, the last update, counters, hooks, running work."""
    from aud_git.hooks.standing import status_report

    report = status_report(workspace_of(ctx))
    if as_json:
        print_json(report, sort_keys=True)
    elif not report["indexed"]:
        click.echo("aud: no index yet (run `aud index`)")
    else:
        _print_text(report)
    if check and not report["fresh"]:
        sys.exit(1)


def _print_text(report: Status) -> None:
    from aud_git.hooks.install import keeps_index_fresh

    state = "fresh" if report["fresh"] else "stale"
    click.echo(f"index: {state}" + (f" ({report['reason']})" if report["reason"] else ""))
    for kind in ("added", "modified", "deleted"):
        for path in report[kind]:
            say(f"  {kind}: {path}")
    click.echo(f"last update: {report['last_update']} ({report['last_mode']}),"
               f" {report['updates_since_full']} incremental since the last full rebuild"
               f" (full every {report['full_rebuild_every']} or {report['full_rebuild_hours']:g} h)")
    installed = [h["name"] + (" (pre-commit framework)" if h["state"] == "framework" else "")
                 for h in report["hooks"] if keeps_index_fresh(h)]
    click.echo(f"hooks: {', '.join(installed) if installed else 'not installed'}")
    work = report["background"]
    if work["running"]:
        click.echo(f"update running (pid {work['running']})")
    if work["pending"]:
        click.echo(f"update pending (pid {work['pending']})")
    if work["deferred"]:
        click.echo("update deferred until git finishes its current operation")
