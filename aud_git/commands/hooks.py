"""`aud hooks install|uninstall|status`: the shims that keep the index fresh."""
from __future__ import annotations

import sys

import click

from aud_git.commands.output import json_option, print_json, workspace_of
from aud_git.contract import OUTPUT_VERSION, HooksStatus


@click.group()
def hooks() -> None:
    """Install, remove or inspect the git hooks that keep the index fresh."""


@hooks.command("install")
@click.option("--foreground", is_flag=True,
              help="Update while git waits, unless an operation changed more than"
                   " `background_threshold` files (default: git returns at once and the update"
                   " runs detached).")
# aud 0.1's option: detaching is now the default.
@click.option("--background", is_flag=True, hidden=True)
@click.option("--strict", is_flag=True, help="Fail commits whose staged Python/JS/TS does not parse.")
@click.option("--force", is_flag=True, help="Install even where a hook manager is in charge.")
@click.pass_context
def install(ctx, foreground, background, strict, force):
    """Install the hook shims (idempotent; existing hooks are chained, never clobbered).

    git returns at once: the update runs detached, and `aud query --wait` waits for it."""
    from aud_git.git.workspace import hooks_dir
    from aud_git.hooks import install as installer

    workspace = workspace_of(ctx)
    manager = installer.detect_manager(workspace, hooks_dir(workspace))
    if manager and not force:
        click.echo(f"aud: this repository's hooks are managed by {manager}; add this instead"
                   " (or pass --force):\n", err=True)
        click.echo(installer.manager_snippet(manager))
        sys.exit(1)
    for line in installer.install(workspace, foreground, strict):
        click.echo(f"aud: {line}")


@hooks.command("uninstall")
@click.option("--everywhere", is_flag=True,
              help="In a hooks directory shared by many repositories: remove the shims for all.")
@click.pass_context
def uninstall(ctx, everywhere):
    """Remove the shims and restore any hook they chained (in a shared hooks directory: stop
    indexing this repository, and leave the shims to the others)."""
    from aud_git.hooks import install as installer

    lines = installer.uninstall(workspace_of(ctx), everywhere)
    for line in lines or ["aud: no aud hooks installed"]:
        click.echo(line if line.startswith("aud:") else f"aud: {line}")


@hooks.command("status")
@json_option
@click.pass_context
def status(ctx, as_json):
    """Each hook (missing, ours, chained or foreign), its interpreter, and background work."""
    from aud_git.activity import background_state
    from aud_git.hooks import install as installer

    workspace = workspace_of(ctx)
    states = installer.status(workspace)
    work = background_state(workspace.pf_dir)
    if as_json:
        print_json(HooksStatus(version=OUTPUT_VERSION, hooks=states, background=work))
        return
    for s in states:
        extra = f" ({s['python']}{'' if s['runs'] else ', does not run'})" if s["python"] else ""
        click.echo(f"{s['name']}: {s['state']}{extra}")
    for key, value in work.items():
        if value:
            click.echo(f"background: {key} (pid {value})")
