"""The `aud` command line: thin click commands over the engine modules."""
from __future__ import annotations

import json
import os
import sqlite3
import sys

import click

from aud_git import __version__
from aud_git.errors import AudError


def _workspace(path: str):
    from aud_git.workspace import open_workspace

    return open_workspace(path)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="aud")
@click.option("-C", "directory", default=".", metavar="PATH",
              help="Run as if aud was started in PATH.")
@click.pass_context
def cli(ctx: click.Context, directory: str) -> None:
    """A code index of a git repository that git keeps exact by itself."""
    ctx.obj = {"directory": directory}


@cli.command()
@click.option("--full", "mode", flag_value="full", help="Rebuild from scratch (the default).")
@click.option("--incremental", "mode", flag_value="incremental",
              help="Update only what changed since the last run; rebuilds when it must.")
@click.option("--since", metavar="REF",
              help="CI: update (incrementally if an index exists) and report the workset since REF.")
@click.option("--workset-out", type=click.Path(dir_okay=False), metavar="FILE",
              help="With --since: write the workset as JSON to FILE.")
@click.option("--files", "hints", multiple=True, metavar="PATH",
              help="Paths an editor or agent just changed: checked first (repeatable).")
@click.option("-j", "--jobs", type=click.IntRange(min=1), default=None,
              help="Worker processes for extraction (default: all cores).")
@click.option("--no-cache", is_flag=True, help="Neither read nor fill the extraction cache.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON summary.")
@click.option("-q", "--quiet", is_flag=True, help="Print nothing on success.")
@click.pass_context
def index(ctx, mode, since, workset_out, hints, jobs, no_cache, as_json, quiet):
    """Index the working tree into .pf/repo_index.db."""
    from aud_git.update import run_update
    from aud_git.workers import default_jobs

    if workset_out and not since:
        raise click.UsageError("--workset-out goes with --since")
    workspace = _workspace(ctx.obj["directory"])
    show_progress = not (quiet or as_json) and sys.stderr.isatty()
    summary = run_update(
        workspace,
        mode=mode or ("incremental" if since or hints else "full"),
        jobs=jobs or default_jobs(),
        use_cache=not no_cache,
        hints=[_repo_relative(workspace, h) for h in hints],
        since=since,
        workset_out=workset_out,
        show_progress=show_progress,
        count_rows=as_json,
    )
    if as_json:
        click.echo(json.dumps(summary.as_dict(), indent=2, sort_keys=True))
    elif not quiet:
        click.echo(summary.line())


def _repo_relative(workspace, path: str) -> str:
    """A path as given on the command line (absolute, or relative to the cwd) made repo-relative."""
    return os.path.relpath(os.path.abspath(path), workspace.workdir).replace(os.sep, "/")


@cli.group()
def db() -> None:
    """Inspect the database file."""


def _open_db(ctx):
    from aud_git import store

    workspace = _workspace(ctx.obj["directory"])
    return store.connect(workspace.db_path, must_exist=True, readonly=True)


@db.command()
@click.pass_context
def dump(ctx) -> None:
    """Print the canonical dump (every table but meta, in a total order)."""
    from aud_git.dump import dump_lines

    conn = _open_db(ctx)
    out = click.get_text_stream("stdout")
    for line in dump_lines(conn):
        out.write(line + "\n")


@db.command()
@click.pass_context
def digest(ctx) -> None:
    """Print the sha256 of the canonical dump."""
    from aud_git.dump import digest as dump_digest

    click.echo(dump_digest(_open_db(ctx)))


def main() -> None:
    try:
        status = cli.main(standalone_mode=False)
        if isinstance(status, int) and status:
            sys.exit(status)
    except click.exceptions.Abort:
        click.echo("aud: interrupted", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except AudError as exc:
        click.echo(f"aud: {exc}", err=True)
        sys.exit(2)
    except sqlite3.DatabaseError as exc:
        click.echo(f"aud: database error: {exc}", err=True)
        sys.exit(2)
    except KeyboardInterrupt:
        click.echo("aud: interrupted", err=True)
        sys.exit(130)
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(1)
