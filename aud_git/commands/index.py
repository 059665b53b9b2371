"""`aud index`: a full rebuild, an incremental update, or a CI update with its workset."""
from __future__ import annotations

import json
import os
import sys

import click

from aud_git.commands.output import (
    given_path,
    print_json,
    progress_bar,
    repo_relative,
    say,
    show_progress,
    workspace_of,
)
from aud_git.errors import AudError


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
    """`--files` paths as the index stores them; `-` reads more from stdin. A path outside the
    repository, or one neither on disk nor in the index, is the caller's mistake: said at once,
    before anything is updated."""
    from aud_git.db import store

    paths = [given_path(ctx, p) for g in given for p in (_stdin_paths() if g == "-" else [g])]
    stored = [repo_relative(workspace.workdir, p) for p in paths]
    for path_given, path in zip(paths, stored, strict=True):
        if path == ".." or path.startswith("../") or os.path.isabs(path):
            raise AudError(f"--files: {path_given} is outside the repository ({workspace.workdir})")
    missing = [(g, p) for g, p in zip(paths, stored, strict=True) if not os.path.lexists(g)]
    if missing and os.path.exists(workspace.db_path):
        conn = store.connect(workspace.db_path, readonly=True)
        try:
            missing = [(g, p) for g, p in missing
                       if conn.execute("SELECT 1 FROM files WHERE path = ?", (p,)).fetchone() is None]
        finally:
            conn.close()
    if missing:
        raise AudError(f"--files: {missing[0][0]}: no such file, and not in the index")
    return stored


def _stdin_paths() -> list[str]:
    """NUL-separated when the input holds a NUL (`find -print0`, `jq -j`), else one a line."""
    data: bytes = sys.stdin.buffer.read()
    names = data.split(b"\0") if b"\0" in data else data.splitlines()
    return [os.fsdecode(name) for name in names if name]


def _write_workset(path: str, workset) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(workset, handle, indent=2, sort_keys=True)
        handle.write("\n")
