"""The `aud` command line: thin click commands over the engine modules."""
from __future__ import annotations

import json
import os
import sqlite3
import sys

import click

from aud_git import __version__
from aud_git.errors import AudError


# Control characters (and Unicode line breaks) in a path or name would let a repository forge a
# `path:line:col:` location in text output: they are shown escaped. JSON is unaffected.
_ESCAPES = {c: f"\\x{c:02x}" for c in (*range(32), 127, 0x85)}
_ESCAPES.update({0x2028: "\\u2028", 0x2029: "\\u2029"})


def printable(text: str) -> str:
    return text.translate(_ESCAPES)


def _say(text: str) -> None:
    """One line of text output, escaped."""
    click.echo(printable(text))


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
    global _started_in
    _started_in = directory
    ctx.obj = {"directory": directory}


_started_in = "."  # where an internal error's traceback is logged: that repository's .pf/


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
        _say(summary.line())


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


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.option("--check", is_flag=True, help="Exit 1 when the index is not fresh.")
@click.pass_context
def status(ctx, as_json, check):
    """Is the index fresh? Paths that differ, the last update, counters, hooks, running work."""
    from aud_git.status import index_status

    report = index_status(_workspace(ctx.obj["directory"]))
    if as_json:
        click.echo(json.dumps(report, indent=2, sort_keys=True))
    elif not report["indexed"]:
        click.echo("aud: no index yet (run `aud index`)")
    else:
        state = "fresh" if report["fresh"] else "stale"
        click.echo(f"index: {state}" + (f" ({report['reason']})" if report["reason"] else ""))
        for kind in ("added", "modified", "deleted"):
            for path in report[kind]:
                _say(f"  {kind}: {path}")
        click.echo(f"last update: {report['last_update']} ({report['last_mode']}),"
                   f" {report['updates_since_full']} incremental since the last full rebuild"
                   f" (full every {report['full_rebuild_every']} or {report['full_rebuild_hours']:g} h)")
        installed = [name for name, state in report["hooks"].items() if state in ("ours", "chained")]
        click.echo(f"hooks: {', '.join(installed) if installed else 'not installed'}")
        work = report["background"]
        if work["running"]:
            click.echo(f"update running (pid {work['running']})")
        if work["pending"]:
            click.echo(f"update pending (pid {work['pending']})")
        if work["deferred"]:
            click.echo("update deferred until git finishes its current operation")
    if check and not report["fresh"]:
        sys.exit(1)


@cli.command()
@click.option("-j", "--jobs", type=click.IntRange(min=1), default=None,
              help="Worker processes for the fresh build (default: all cores).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def verify(ctx, jobs, as_json):
    """Build a full index into a temporary database and compare it with the live one.

    Exits 1 on any difference (showing the first differing rows per table), 0 when equal.
    """
    from dataclasses import asdict

    from aud_git.verify import verify as run_verify
    from aud_git.workers import default_jobs

    differences = run_verify(_workspace(ctx.obj["directory"]), jobs or default_jobs())
    if as_json:
        click.echo(json.dumps({"equal": not differences,
                               "tables": [asdict(d) for d in differences]}, indent=2, default=list))
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


@cli.command("watch")
@click.argument("path", required=False, type=click.Path(file_okay=False))
@click.option("--debounce", type=click.FloatRange(min=0.0), default=0.3, show_default=True,
              help="Seconds of quiet before an update (at most 2 s under a constant stream).")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per update.")
@click.option("--log", type=click.Path(dir_okay=False), help="Append the update lines to FILE.")
@click.option("--pidfile", type=click.Path(dir_okay=False), help="Write the process id to FILE.")
@click.pass_context
def watch_command(ctx, path, debounce, as_json, log, pidfile):
    """Keep the index equal to the working tree while you edit (Ctrl-C or SIGTERM stops)."""
    from aud_git.watch import run_watch

    workspace = _workspace(path or ctx.obj["directory"])
    sys.exit(run_watch(workspace, debounce, as_json, log, pidfile))


# -- hooks ------------------------------------------------------------------------------------

@cli.command(context_settings={"ignore_unknown_options": True})
@click.option("--background", is_flag=True, help="Detach updates above the configured size.")
@click.option("--strict", is_flag=True, help="pre-commit: fail when a staged file does not parse.")
@click.option("--deferred", is_flag=True, hidden=True)
@click.option("--lock-fd", type=int, hidden=True)
@click.option("--background-update", is_flag=True, hidden=True)
@click.option("--opt-in", is_flag=True, hidden=True)
@click.argument("name")
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def hook(background, strict, deferred, lock_fd, background_update, opt_in, name, args):
    """What the git hook shims run: NAME is the hook (or `auto` under the pre-commit framework).

    post-* hooks always exit 0; pre-commit fails only with --strict.
    """
    from aud_git import hooks_run

    if opt_in and not hooks_run.opted_in():
        sys.exit(0)  # a shared hooks directory, and this repository did not opt in
    call = (hooks_run.from_framework(tuple(args)) if name == "auto"
            else hooks_run.HookCall(name, tuple(args)))
    if deferred:
        action = lambda: hooks_run.run_deferred(call.name, lock_fd)  # noqa: E731
    elif background_update:
        action = lambda: hooks_run.run_background_update(call.name)  # noqa: E731
    else:
        action = lambda: hooks_run.run_hook(call, background, strict)  # noqa: E731
    sys.exit(hooks_run.guarded(call, action))


@cli.group()
def hooks() -> None:
    """Install, remove or inspect the git hooks that keep the index fresh."""


@hooks.command("install")
@click.option("--background", is_flag=True,
              help="Let large updates (branch switches) detach so that git returns at once.")
@click.option("--strict", is_flag=True, help="Fail commits whose staged Python/JS/TS does not parse.")
@click.option("--force", is_flag=True, help="Install even where a hook manager is in charge.")
@click.pass_context
def hooks_install(ctx, background, strict, force):
    """Install the hook shims (idempotent; existing hooks are chained, never clobbered)."""
    from aud_git import hooks_install as installer

    workspace = _workspace(ctx.obj["directory"])
    directory = installer.hooks_dir(workspace)
    manager = installer.detect_manager(workspace, directory)
    if manager and not force:
        click.echo(f"aud: this repository's hooks are managed by {manager}; add this instead"
                   " (or pass --force):\n", err=True)
        click.echo(installer.manager_snippet(manager))
        sys.exit(1)
    for line in installer.install(workspace, background, strict):
        click.echo(f"aud: {line}")


@hooks.command("uninstall")
@click.option("--everywhere", is_flag=True,
              help="In a hooks directory shared by many repositories: remove the shims for all.")
@click.pass_context
def hooks_uninstall(ctx, everywhere):
    """Remove the shims and restore any hook they chained (in a shared hooks directory: stop
    indexing this repository, and leave the shims to the others)."""
    from aud_git import hooks_install as installer

    lines = installer.uninstall(_workspace(ctx.obj["directory"]), everywhere)
    for line in lines or ["aud: no aud hooks installed"]:
        click.echo(line if line.startswith("aud:") else f"aud: {line}")


@hooks.command("status")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def hooks_status(ctx, as_json):
    """Each hook (missing, ours, chained or foreign), its interpreter, and background work."""
    from dataclasses import asdict

    from aud_git import hooks_install as installer
    from aud_git.background import background_state

    workspace = _workspace(ctx.obj["directory"])
    states = installer.status(workspace)
    work = background_state(workspace.pf_dir)
    if as_json:
        click.echo(json.dumps({"hooks": [asdict(s) for s in states], "background": work}, indent=2))
        return
    for s in states:
        extra = ""
        if s.python:
            extra = f" ({s.python}{'' if s.runs else ', does not run'})"
        click.echo(f"{s.name}: {s.state}{extra}")
    for key, value in work.items():
        if value:
            click.echo(f"background: {key} (pid {value})")


# -- query ------------------------------------------------------------------------------------

@cli.group()
@click.pass_context
def query(ctx) -> None:
    """Ask the index: definitions, callers, callees, importers, imports, files, SQL.

    Text output is grep-like (path:line:col: ...); --json gives the documented shape. An empty
    answer exits 1 with nothing on stdout, an error exits 2.
    """
    from aud_git import freshness, store

    root = freshness.find_root(ctx.obj["directory"])
    conn = store.connect(freshness.db_path(root), must_exist=True, readonly=True)
    try:
        reason = freshness.stale_reason(root, conn)
    except sqlite3.DatabaseError as exc:
        raise AudError(f"the index is unreadable or corrupt ({exc}); `aud index` rebuilds it") from None
    if reason:
        click.echo(f"aud: warning: the index may be stale ({reason}); run `aud index --incremental`",
                   err=True)
    ctx.obj.update(root=root, conn=conn)


def _emit(items: list, as_json: bool, line, escaped: bool = False) -> None:
    """Items as JSON, or one text line each (escaped here unless `line` escapes its fields)."""
    if not items:
        sys.exit(1)
    if as_json:
        click.echo(json.dumps(items, indent=2, ensure_ascii=False))
    else:
        for item in items:
            click.echo(line(item)) if escaped else _say(line(item))


def _file_arg(ctx, path: str) -> str:
    """A FILE argument: repo-relative as stored, or a path on disk relative to the cwd."""
    candidate = os.path.relpath(os.path.abspath(path), ctx.obj["root"]).replace(os.sep, "/")
    conn = ctx.obj["conn"]
    if conn.execute("SELECT 1 FROM files WHERE path = ?", (path,)).fetchone():
        return path
    return candidate


_json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON.")
_depth_option = click.option("--depth", type=click.IntRange(min=1), default=1, show_default=True,
                             help="Follow transitively this many levels (cycle-safe).")


@query.command("def")
@click.argument("name")
@click.option("--kind", help="Only this kind (class, function, method, variable, module, ...).")
@click.option("--exact", is_flag=True, help="Match the qualname exactly.")
@_json_option
@click.pass_context
def query_def(ctx, name, kind, exact, as_json):
    """Definitions by name, qualname, qualname tail, or glob (`*`, `?`, `[...]`)."""
    from aud_git.query import definitions

    _emit(definitions(ctx.obj["conn"], name, kind, exact), as_json,
          lambda d: f"{d['file']}:{d['line']}:{d['col']}: {d['kind']} {d['qualname']}"
                    + (f" {d['signature']}" if d["signature"] else ""))


@query.command("callers")
@click.argument("qualname")
@_depth_option
@_json_option
@click.pass_context
def query_callers(ctx, qualname, depth, as_json):
    """Call sites that resolve to QUALNAME (also FILE:QUALNAME or module.path.QUALNAME)."""
    from aud_git.query import callers

    _emit(callers(ctx.obj["conn"], qualname, depth), as_json,
          lambda c: f"{c['file']}:{c['line']}:{c['col']}: {'>' * c['depth']} {c['caller']}"
                    f" calls {c['target_qualname']}")


@query.command("callees")
@click.argument("qualname")
@_depth_option
@_json_option
@click.pass_context
def query_callees(ctx, qualname, depth, as_json):
    """Definitions that QUALNAME's calls resolve to."""
    from aud_git.query import callees

    _emit(callees(ctx.obj["conn"], qualname, depth), as_json,
          lambda c: f"{c['target_file']}:{c['target_line']}:{c['target_col']}: {'>' * c['depth']} {c['kind']}"
                    f" {c['target_qualname']} (called by {c['caller']} at {c['file']}:{c['line']})")


@query.command("importers")
@click.argument("file")
@_depth_option
@_json_option
@click.pass_context
def query_importers(ctx, file, depth, as_json):
    """Files whose imports resolve to FILE."""
    from aud_git.query import importers

    _emit(importers(ctx.obj["conn"], _file_arg(ctx, file), depth), as_json,
          lambda i: f"{i['file']}:{i['line']}:{i['col']}: {'>' * i['depth']} imports {i['target']}")


@query.command("imports")
@click.argument("file")
@_json_option
@click.pass_context
def query_imports(ctx, file, as_json):
    """What FILE imports, and where each import resolves (or external/unresolved)."""
    from aud_git.query import imports

    def line(i):
        what = i["module"] + (f" {i['name']}" if i["name"] else "")
        return f"{i['file']}:{i['line']}:{i['col']}: import {what} -> {i['target'] or i['resolution']}"

    _emit(imports(ctx.obj["conn"], _file_arg(ctx, file)), as_json, line)


@query.command("file")
@click.argument("file")
@_json_option
@click.pass_context
def query_file(ctx, file, as_json):
    """Everything the index holds for FILE."""
    from aud_git.query import file_report

    report = file_report(ctx.obj["conn"], _file_arg(ctx, file))
    if as_json:
        click.echo(json.dumps(report, indent=2, ensure_ascii=False))
        return
    path = report["file"]["path"]
    info = report["file"]
    _say(f"{path}:1:0: file {info['lang'] or 'other'} {info['status']} {info['lines']} lines")
    for s in report["symbols"]:
        _say(f"{path}:{s['line']}:{s['col']}: {s['kind']} {s['qualname']}")
    for i in report["imports"]:
        _say(f"{path}:{i['line']}:{i['col']}: import {i['module']}"
                   f"{' ' + i['name'] if i['name'] else ''} -> {i['target'] or i['resolution']}")
    for c in report["calls"]:
        target = f" -> {c['target_file']}:{c['target_qualname']}" if c["target_file"] else ""
        _say(f"{path}:{c['line']}:{c['col']}: call {c['callee']}{target}")
    for e in report["parse_errors"]:
        _say(f"{path}:{e['line']}:{e['col']}: error {e['message']}")


@query.command("sql")
@click.argument("statement")
@click.option("--timeout", type=click.FloatRange(min=0.01), default=5.0, show_default=True,
              metavar="SECONDS", help="Stop a statement that runs longer.")
@click.option("--max-rows", type=click.IntRange(min=1), default=10_000, show_default=True,
              help="Refuse an answer with more rows (add a LIMIT).")
@_json_option
@click.pass_context
def query_sql(ctx, statement, timeout, max_rows, as_json):
    """Run one read-only SQL statement: reads and plain functions only (no ATTACH, PRAGMA or
    write), within a time and size budget. Blobs are shown as hex."""
    from aud_git.query import run_sql

    columns, rows = run_sql(ctx.obj["conn"], statement, timeout=timeout, max_rows=max_rows)
    rows = [tuple(v.hex() if isinstance(v, bytes) else v for v in row) for row in rows]
    if as_json:
        _emit([dict(zip(columns, row)) for row in rows], True, None)
    else:
        _emit(rows, False,
              lambda row: "\t".join("" if v is None else printable(str(v)) for v in row),
              escaped=True)


def main() -> None:
    try:
        status = cli.main(standalone_mode=False)
        if isinstance(status, int) and status:
            sys.exit(status)
    except click.exceptions.Abort:
        click.echo("aud: interrupted", err=True)
        sys.exit(130)
    except click.ClickException as exc:  # AudError included: one line, exit status 2
        exc.show()
        sys.exit(exc.exit_code)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except sqlite3.DatabaseError as exc:
        click.echo(f"aud: database error: {exc}", err=True)
        sys.exit(2)
    except KeyboardInterrupt:
        click.echo("aud: interrupted", err=True)
        sys.exit(130)
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(1)
    except Exception as exc:  # a bug of ours: one line here, the traceback in the log
        where = _log_crash(exc)
        click.echo(f"aud: internal error: {type(exc).__name__}: {exc} (traceback in {where})",
                   err=True)
        sys.exit(INTERNAL_ERROR)


INTERNAL_ERROR = 3


def _log_crash(exc: BaseException) -> str:
    """Append the traceback to the repository's `.pf/aud.log` (or, outside a repository, to
    one in the temporary directory); returns the log's path."""
    import tempfile

    from aud_git.freshness import find_root
    from aud_git.logbook import EVENTS_LOG, log_exception
    from aud_git.paths import PF_DIR

    headline = f"internal error: {' '.join(sys.argv[1:])}"
    try:
        pf_dir = os.path.join(find_root(_started_in), PF_DIR)
        log_exception(pf_dir, headline, exc)
    except Exception:  # no repository, or no writable .pf/
        pf_dir = tempfile.gettempdir()
        log_exception(pf_dir, headline, exc, f"aud-{os.getuid()}.log")
        return os.path.join(pf_dir, f"aud-{os.getuid()}.log")
    return os.path.join(pf_dir, EVENTS_LOG)
