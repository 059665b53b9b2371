"""`aud query ...`: the index's answers as grep-like lines (`path:line:col: ...`) or JSON.

Readers never load pygit2: the repository is found and its freshness checked from git's files.
"""
from __future__ import annotations

import os
import sqlite3
import sys
from collections.abc import Callable, Sequence
from typing import Any

import click

from aud_git.commands.output import json_option, print_json, printable, say
from aud_git.contract import RESOLUTIONS, SYMBOL_KINDS, FileReport, Import
from aud_git.errors import AudError
from aud_git.paths import repo_relative

_depth_option = click.option("--depth", type=click.IntRange(min=1), default=1, show_default=True,
                             help="Follow transitively this many levels (cycle-safe).")


@click.group()
@click.option("--wait", is_flag=True,
              help="First wait for the updates running or queued now (the hooks detach theirs).")
@click.pass_context
def query(ctx, wait) -> None:
    """Ask the index: definitions, callers, callees, subclasses, references, importers,
    imports, files, SQL.

    Text output is grep-like (path:line:col: ..., columns 1-based); --json gives the documented
    shape (columns 0-based, `[]` for an empty list). An empty answer exits 1, an error exits 2.
    """
    from aud_git.activity import background_state, wait_until_idle
    from aud_git.db import store
    from aud_git.git.layout import find_root
    from aud_git.paths import PF_DIR, db_path
    from aud_git.query.freshness import stale_reason

    root = find_root(ctx.obj["directory"])
    pf_dir = os.path.join(root, PF_DIR)
    if wait:
        wait_until_idle(pf_dir)
    conn = store.connect(db_path(root), must_exist=True, readonly=True)
    try:
        reason = stale_reason(root, conn)
    except sqlite3.DatabaseError as exc:
        raise AudError(f"the index is unreadable or corrupt ({exc}); `aud index` rebuilds it") from None
    under_way = _update_under_way(background_state(pf_dir))
    if under_way:
        click.echo(f"aud: note: {under_way}; `aud query --wait ...` answers after it", err=True)
    elif reason:
        click.echo(f"aud: warning: the index may be stale ({reason}); run `aud index --incremental`",
                   err=True)
    ctx.obj.update(root=root, conn=conn)


def _update_under_way(state) -> str | None:
    """What the answer may not include yet: an update running or queued."""
    if state["running"] is not None:
        return f"an update is running (pid {state['running']})"
    if state["pending"] is not None:
        return f"an update is queued (pid {state['pending']})"
    return None


def _emit(items: Sequence[Any], as_json: bool, line: Callable[[Any], str]) -> None:
    """Items as a JSON array (`[]` when empty), or one escaped text line each; an empty answer
    exits 1 either way."""
    if as_json:
        print_json(items, ensure_ascii=False)
    else:
        for item in items:
            say(line(item))
    if not items:
        sys.exit(1)


def _at(file: str, line: int, col: int) -> str:
    """`path:line:col:` for editors: the stored column is 0-based, text shows it 1-based."""
    return f"{file}:{line}:{col + 1}:"


def _file_arg(ctx, path: str) -> str:
    """A FILE argument: repo-relative as stored, or a path on disk relative to the cwd."""
    conn = ctx.obj["conn"]
    if conn.execute("SELECT 1 FROM files WHERE path = ?", (path,)).fetchone():
        return path
    return repo_relative(ctx.obj["root"], path)


@query.command("def")
@click.argument("name")
@click.option("--kind", type=click.Choice(SYMBOL_KINDS), help="Only this kind.")
@click.option("--exact", is_flag=True, help="Match the qualname exactly.")
@json_option
@click.pass_context
def query_def(ctx, name, kind, exact, as_json):
    """Definitions by name, qualname, qualname tail, or glob (`*`, `?`, `[...]`)."""
    from aud_git.query.questions import definitions

    _emit(definitions(ctx.obj["conn"], name, kind, exact), as_json,
          lambda d: f"{_at(d['file'], d['line'], d['col'])} {d['kind']} {d['qualname']}"
                    + (f" {d['signature']}" if d["signature"] else ""))


@query.command("callers")
@click.argument("qualname")
@_depth_option
@click.option("--resolution", "resolutions", multiple=True, type=click.Choice(RESOLUTIONS),
              help="Only call sites resolved this way (repeatable). `init`: a class call, "
                   "listed under the `__init__` it runs.")
@click.option("--certain", is_flag=True,
              help="Leave out `possible` sites: calls that reach one of several targets.")
@click.option("--unresolved", is_flag=True,
              help="Instead: call sites whose callee ends in QUALNAME's last name but that "
                   "resolve to nothing (the candidates to check by hand).")
@json_option
@click.pass_context
def query_callers(ctx, qualname, depth, resolutions, certain, unresolved, as_json):
    """Call sites that resolve to QUALNAME (also FILE:QUALNAME or module.path.QUALNAME), and how
    each was resolved: direct, import, self, inherited, annotated, inferred, init, or possible
    (the call reaches QUALNAME or another target, each listed)."""
    from aud_git.query.questions import callers, unresolved_calls

    if unresolved:
        _emit(unresolved_calls(ctx.obj["conn"], qualname), as_json,
              lambda c: f"{_at(c['file'], c['line'], c['col'])} {c['caller']} calls {c['callee']}"
                        " (unresolved)")
        return
    only = frozenset(resolutions) if resolutions else None
    if certain:
        only = (only or frozenset(RESOLUTIONS)) - {"possible"}
    _emit(callers(ctx.obj["conn"], qualname, depth, only), as_json,
          lambda c: f"{_at(c['file'], c['line'], c['col'])} {'>' * c['depth']} {c['caller']}"
                    f" calls {c['target_qualname']} ({c['resolution']})")


@query.command("subclasses")
@click.argument("qualname")
@_depth_option
@json_option
@click.pass_context
def query_subclasses(ctx, qualname, depth, as_json):
    """Classes (and TypeScript interfaces) whose bases resolve to QUALNAME: what they
    `extend` or `implement`, transitively with --depth."""
    from aud_git.query.questions import subclasses

    _emit(subclasses(ctx.obj["conn"], qualname, depth), as_json,
          lambda c: f"{_at(c['file'], c['line'], c['col'])} {'>' * c['depth']} {c['kind']} {c['qualname']}"
                    f" ({c['base']})")


@query.command("references")
@click.argument("qualname")
@json_option
@click.pass_context
def query_references(ctx, qualname, as_json):
    """Every resolved use of QUALNAME: calls, base-class mentions, imports of it."""
    from aud_git.query.questions import references

    _emit(references(ctx.obj["conn"], qualname), as_json,
          lambda r: f"{_at(r['file'], r['line'], r['col'])} {r['kind']} {r['text']}"
                    f" ({r['resolution']})")


@query.command("callees")
@click.argument("qualname")
@_depth_option
@json_option
@click.pass_context
def query_callees(ctx, qualname, depth, as_json):
    """Definitions that QUALNAME's calls resolve to."""
    from aud_git.query.questions import callees

    _emit(callees(ctx.obj["conn"], qualname, depth), as_json,
          lambda c: f"{_at(c['target_file'], c['target_line'], c['target_col'])} {'>' * c['depth']}"
                    f" {c['kind']} {c['target_qualname']} (called by {c['caller']} at"
                    f" {c['file']}:{c['line']})")


@query.command("importers")
@click.argument("file")
@_depth_option
@json_option
@click.pass_context
def query_importers(ctx, file, depth, as_json):
    """Files whose imports resolve to FILE."""
    from aud_git.query.questions import importers

    _emit(importers(ctx.obj["conn"], _file_arg(ctx, file), depth), as_json,
          lambda i: f"{_at(i['file'], i['line'], i['col'])} {'>' * i['depth']} imports {i['target']}")


def _import_line(i: Import) -> str:
    what = i["module"] + (f" {i['name']}" if i["name"] else "")
    return f"{_at(i['file'], i['line'], i['col'])} import {what} -> {i['target'] or i['resolution']}"


@query.command("imports")
@click.argument("file")
@json_option
@click.pass_context
def query_imports(ctx, file, as_json):
    """What FILE imports, and where each import resolves (or external/unresolved)."""
    from aud_git.query.questions import imports

    _emit(imports(ctx.obj["conn"], _file_arg(ctx, file)), as_json, _import_line)


@query.command("file")
@click.argument("file")
@json_option
@click.pass_context
def query_file(ctx, file, as_json):
    """Everything the index holds for FILE."""
    from aud_git.query.questions import file_report

    report = file_report(ctx.obj["conn"], _file_arg(ctx, file))
    if as_json:
        print_json(report, ensure_ascii=False)
    else:
        _print_file_report(report)


def _print_file_report(report: FileReport) -> None:
    info = report["file"]
    path = info["path"]
    say(f"{_at(path, 1, 0)} file {info['lang'] or 'other'} {info['status']} {info['lines']} lines")
    for s in report["symbols"]:
        say(f"{_at(path, s['line'], s['col'])} {s['kind']} {s['qualname']}")
    for i in report["imports"]:
        say(_import_line(i))
    for c in report["calls"]:
        target = f" -> {c['target_file']}:{c['target_qualname']}" if c["target_file"] else ""
        say(f"{_at(path, c['line'], c['col'])} call {c['callee']}{target}")
    for e in report["parse_errors"]:
        say(f"{_at(path, e['line'], e['col'])} error {e['message']}")


@query.command("sql")
@click.argument("statement")
@click.option("--timeout", type=click.FloatRange(min=0.01), default=5.0, show_default=True,
              metavar="SECONDS", help="Stop a statement that runs longer.")
@click.option("--max-rows", type=click.IntRange(min=1), default=10_000, show_default=True,
              help="Refuse an answer with more rows (add a LIMIT).")
@json_option
@click.pass_context
def query_sql(ctx, statement, timeout, max_rows, as_json):
    """Run one read-only SQL statement: reads and plain functions only (no ATTACH, PRAGMA or
    write), within a time and size budget. Blobs are shown as hex."""
    from aud_git.query.sql import run_sql

    columns, rows = run_sql(ctx.obj["conn"], statement, timeout=timeout, max_rows=max_rows)
    rows = [tuple(v.hex() if isinstance(v, bytes) else v for v in row) for row in rows]
    if as_json:
        print_json([dict(zip(columns, row, strict=True)) for row in rows], ensure_ascii=False)
    else:
        for row in rows:  # fields escaped one by one: the tab between them is ours
            click.echo("\t".join("" if v is None else printable(str(v)) for v in row))
    if not rows:
        sys.exit(1)
