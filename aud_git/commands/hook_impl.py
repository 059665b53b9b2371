"""`aud hook-impl`: what the hook shims run (hidden: the machine's entry point, not the user's)."""
from __future__ import annotations

import sys

import click


@click.command("hook-impl", hidden=True, context_settings={"ignore_unknown_options": True})
@click.option("--background", is_flag=True, help="Detach updates above the configured size.")
@click.option("--strict", is_flag=True, help="pre-commit: fail when a staged file does not parse.")
@click.option("--deferred", is_flag=True, hidden=True)
@click.option("--lock-fd", type=int, hidden=True)
@click.option("--background-update", is_flag=True, hidden=True)
@click.option("--opt-in", is_flag=True, hidden=True)
@click.argument("name")
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def hook_impl(background, strict, deferred, lock_fd, background_update, opt_in, name, args):
    """What the git hook shims run: NAME is the hook (or `auto` under the pre-commit framework).

    post-* hooks always exit 0; pre-commit fails only with --strict.
    """
    from aud_git.hooks import run as hooks_run

    if opt_in and not hooks_run.opted_in():
        sys.exit(0)  # a shared hooks directory, and this repository did not opt in
    call = (hooks_run.from_framework(tuple(args)) if name == "auto"
            else hooks_run.HookCall(name, tuple(args)))
    if deferred:
        action = lambda: hooks_run.run_deferred(call.name, lock_fd)
    elif background_update:
        action = lambda: hooks_run.run_background_update(call.name)
    else:
        action = lambda: hooks_run.run_hook(call, background, strict)
    sys.exit(hooks_run.guarded(call, action))
