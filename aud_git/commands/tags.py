"""`aud tags`: a tags file for editors, made from the index."""
from __future__ import annotations

import os

import click

from aud_git.commands.output import given_path, json_option, print_json, say, workspace_of


@click.command()
@click.option("-o", "--output", type=click.Path(dir_okay=False),
              help="Where to write (default: tags, or TAGS with -e).")
@click.option("-e", "--etags", is_flag=True, help="Emacs' etags format instead of ctags'.")
@click.option("--keep", is_flag=True,
              help="Also keep this file fresh: the hooks and `aud watch` rewrite it after each "
                   "update that changes files (recorded as `git config aud.tags`).")
@click.option("--no-keep", is_flag=True, help="Stop keeping a tags file fresh, and write nothing.")
@json_option
@click.pass_context
def tags(ctx, output, etags, keep, no_keep, as_json):
    """Write a universal-ctags compatible tags file (sorted, line numbers, kinds, scopes) of
    every definition in the index; written only when its content changes."""
    from aud_git import export

    workspace = workspace_of(ctx)
    output = os.path.abspath(given_path(ctx, output or ("TAGS" if etags else "tags")))
    if no_keep:
        workspace.set_config_flag(export.TAGS_KEY, None)
        workspace.set_config_flag(export.FORMAT_KEY, None)
        return
    if keep:
        export.keep(workspace, output, etags)
    report = export.write_tags(workspace, output, etags)
    if as_json:
        print_json(report)
        return
    verb = "wrote" if report["written"] else "unchanged:"
    left = f"; {report['left_out']} left out (a tab or line break in the name or path)" \
        if report["left_out"] else ""
    say(f"aud: {verb} {output} ({report['tags']} tags, {report['format']}{left})")
