"""`aud index`: a full rebuild, an incremental update, or a CI update with its workset."""
from __future__ import annotations

import json

import click

from aud_git.commands.output import (
    given_path,
    print_json,
    progress_bar,
    say,
    show_progress,
    workspace_of,
)


@click.command()
@click.option("--full", "mode", flag_value="full", help="Rebuild from scratch (the default).")
@click.option("--incremental", "mode", flag_value="incremental",
              help="Update only what changed since the last run; rebuilds when it must.")
@click.option("--since", metavar="REF",
              help="CI: update (incrementally if an index exists) and report the workset since REF.")
@click.option("--workset-out", type=click.Path(dir_okay=False), metavar="FILE",
              help="With --since: write the workset as JSON to FILE.")
@click.option("--files", "with_files", is_flag=True,
              help="PATHS are files an editor or agent just changed: checked first (`-` reads "
                   "NUL- or newline-separated paths from stdin).")
@click.option("-j", "--jobs", type=click.IntRange(min=1), default=None,
              help="Worker processes for extraction (default: all cores).")
@click.option("--no-cache", is_flag=True, help="Neither read nor fill the extraction cache.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON summary.")
@click.option("-q", "--quiet", is_flag=True, help="Print nothing on success.")
@click.argument("paths", nargs=-1, type=click.Path())
@click.pass_context
def index(ctx, mode, since, workset_out, with_files, jobs, no_cache, as_json, quiet, paths):
    """Index the working tree into .pf/repo_index.db."""
    from aud_git.engine.update import run_update

    if workset_out and not since:
        raise click.UsageError("--workset-out goes with --since")
    if paths and not with_files:
        raise click.UsageError("PATHS go with --files")
    workspace = workspace_of(ctx)
    hints = hint_paths(ctx, workspace, paths)
    summary = run_update(
        workspace,
        mode=mode or ("incremental" if since or with_files else "full"),
        jobs=jobs,
        use_cache=not no_cache,
        hints=hints,
        since=since,
        progress=progress_bar if show_progress(quiet or as_json) else None,
    )
    if workset_out:
        _write_workset(workset_out, summary.workset)
    if as_json:
        print_json(summary.index_output(workspace.db_path), sort_keys=True)
    elif not quiet:
        say(summary.line())


def hint_paths(ctx, workspace, given: tuple[str, ...]) -> list[str]:
    """`--files` paths as the index stores them; `-` reads more from stdin. Checked at once,
    before anything is updated (`engine/hints.py`)."""
    from aud_git.engine.hints import checked_hints
    from aud_git.watch.client import stdin_paths

    paths = [given_path(ctx, p) for g in given for p in (stdin_paths() if g == "-" else [g])]
    return checked_hints(workspace.workdir, workspace.db_path, paths)


def _write_workset(path: str, workset) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(workset, handle, indent=2, sort_keys=True)
        handle.write("\n")
