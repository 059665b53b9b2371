"""The command line: one module per command, each with its text and JSON rendering.

Only this package imports click. A command turns options into one engine call and the result
into lines or JSON; `error_handler` turns exceptions into exit statuses. Subcommands load
lazily, so `aud query ...` and the hooks never import what other commands need. Never imported
by another stage: the engine, hooks and watch return data and raise `AudError`.
"""
from __future__ import annotations

import importlib
import os
import sys
from typing import Any

import click

# name -> "module:attribute"; hidden commands are the machine's, not the user's.
_COMMANDS = {
    "index": "aud_git.commands.index:index",
    "status": "aud_git.commands.status:status",
    "verify": "aud_git.commands.verify:verify",
    "query": "aud_git.commands.query:query",
    "watch": "aud_git.commands.watch:watch",
    "hooks": "aud_git.commands.hooks:hooks",
    "db": "aud_git.commands.db:db",
    "mcp": "aud_git.commands.mcp:mcp",
    "tags": "aud_git.commands.tags:tags",
}


class LazyGroup(click.Group):
    """click's lazily loading group: a subcommand's module is imported when it runs. Its
    `main` is where exceptions become exit statuses (`error_handler`), for the console script
    and for click's test runner alike."""

    def main(self, args=None, prog_name=None, complete_var=None,
             standalone_mode: bool = True, **extra: Any) -> Any:
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, False, **extra)
        try:
            status = super().main(args, prog_name, complete_var, False, **extra)
        except SystemExit:
            raise
        except BaseException as exc:
            from aud_git.commands.error_handler import exit_status

            sys.exit(exit_status(exc))
        sys.exit(status if isinstance(status, int) else 0)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(_COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = _COMMANDS.get(cmd_name)
        if target is None:
            return None
        module, attribute = target.split(":")
        return getattr(importlib.import_module(module), attribute)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="aud-git", prog_name="aud")
@click.option("-C", "directory", default=".", metavar="PATH",
              help="Run as if aud was started in PATH.")
@click.pass_context
def cli(ctx: click.Context, directory: str) -> None:
    """A code index of a git repository that git keeps exact by itself."""
    from aud_git.commands import error_handler
    from aud_git.errors import AudError

    error_handler.started_in = directory
    if not os.path.isdir(directory):
        raise AudError(f"-C {directory}: no such directory")
    ctx.obj = {"directory": directory}


def main() -> None:
    """The command line, once `aud_git.entry` has routed what must start fast."""
    cli.main()
