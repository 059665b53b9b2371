"""`aud mcp`: the index as Model Context Protocol tools, over stdio (the official `mcp` SDK).

Every tool first brings the index up to date with the working tree (`fresh.FreshIndex`), then
answers from it; each answer says what it reflects (`freshness`: HEAD's commit, whether
uncommitted edits are in, what this call re-indexed). The shapes are `aud_git.contract`'s,
published as each tool's output schema. Tools are coroutines that run their (short, blocking)
work on the event loop's thread: the database connection is used from one thread only, and a
stdio client asks one thing at a time.
"""
from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import Any

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import ToolAnnotations

from aud_git import __version__
from aud_git.contract import (
    OUTPUT_VERSION,
    RESOLUTIONS,
    CalleesAnswer,
    CallersAnswer,
    DefinitionsAnswer,
    ImportersAnswer,
    OutlineAnswer,
    ReferencesAnswer,
    SqlAnswer,
    StatusAnswer,
)
from aud_git.errors import AudError
from aud_git.logbook import log_exception
from aud_git.query import questions
from aud_git.query.sql import run_sql
from aud_git.serve.fresh import FreshIndex

INSTRUCTIONS = """\
A code index of this git repository's Python and JavaScript/TypeScript: definitions, call sites
resolved to definitions (with how each was resolved; `possible`: the call reaches this target or
another one listed), imports, class hierarchies. Every answer
is exact for the working tree as it is on disk when you ask (edits included); `freshness` says
which commit and whether uncommitted edits were included. Name definitions by qualname
(`Model.save`), `path:qualname` or `dotted.module.qualname`. Lines are 1-based, columns 0-based.
"""
READ_ONLY = ToolAnnotations(read_only_hint=True, idempotent_hint=True, open_world_hint=False)
MAX_RESULTS = 1000


class Tools:
    """The tools: each brings the index up to date first, then answers from it."""

    def __init__(self, index: FreshIndex) -> None:
        self.index = index

    async def find_definition(self, name: str, kind: str | None = None,
                              exact: bool = False) -> DefinitionsAnswer:
        """Definitions by name, qualname, qualname tail (`Model.save`) or glob (`get_*`);
        `kind` one of module, class, function, method, variable, interface, type, enum,
        namespace."""
        freshness = self.index.ensure_fresh()
        found = questions.definitions(self.index.reader(), name, kind, exact)
        return DefinitionsAnswer(version=OUTPUT_VERSION, freshness=freshness,
                                 results=found[:MAX_RESULTS])

    async def find_callers(self, qualname: str, depth: int = 1, include_possible: bool = True,
                           include_unresolved: bool = False) -> CallersAnswer:
        """Call sites that resolve to the definition, transitively up to `depth` levels, each
        with how it was resolved; `possible` sites reach it or another known target (left out
        without `include_possible`); with `include_unresolved`, also the call sites ending in
        the same name that resolve to nothing (candidates to check by hand)."""
        freshness = self.index.ensure_fresh()
        conn = self.index.reader()
        certain = None if include_possible else frozenset(RESOLUTIONS) - {"possible"}
        found = questions.callers(conn, qualname, _depth(depth), certain)
        unresolved = questions.unresolved_calls(conn, qualname) if include_unresolved else []
        return CallersAnswer(version=OUTPUT_VERSION, freshness=freshness,
                             results=found[:MAX_RESULTS], unresolved=unresolved[:MAX_RESULTS])

    async def find_callees(self, qualname: str, depth: int = 1) -> CalleesAnswer:
        """Definitions the function's calls resolve to, transitively up to `depth` levels."""
        freshness = self.index.ensure_fresh()
        found = questions.callees(self.index.reader(), qualname, _depth(depth))
        return CalleesAnswer(version=OUTPUT_VERSION, freshness=freshness,
                             results=found[:MAX_RESULTS])

    async def find_references(self, qualname: str) -> ReferencesAnswer:
        """Every resolved use of the definition: calls, base-class mentions, imports."""
        freshness = self.index.ensure_fresh()
        found = questions.references(self.index.reader(), qualname)
        return ReferencesAnswer(version=OUTPUT_VERSION, freshness=freshness,
                                results=found[:MAX_RESULTS])

    async def find_importers(self, file: str, depth: int = 1) -> ImportersAnswer:
        """Files whose imports resolve to `file` (a repository-relative path), transitively."""
        freshness = self.index.ensure_fresh()
        found = questions.importers(self.index.reader(), file, _depth(depth))
        return ImportersAnswer(version=OUTPUT_VERSION, freshness=freshness,
                               results=found[:MAX_RESULTS])

    async def file_outline(self, file: str) -> OutlineAnswer:
        """Everything the index holds for one file (a repository-relative path): symbols,
        imports and where they resolve, calls and their targets, syntax errors."""
        freshness = self.index.ensure_fresh()
        return OutlineAnswer(version=OUTPUT_VERSION, freshness=freshness,
                             outline=questions.file_report(self.index.reader(), file))

    async def index_status(self) -> StatusAnswer:
        """The index against the working tree after the full reconciliation (paths that
        differ, the last update, the hooks, updates under way)."""
        from aud_git.hooks.standing import status_report

        freshness = self.index.ensure_fresh()
        return StatusAnswer(version=OUTPUT_VERSION, freshness=freshness,
                            status=status_report(self.index.workspace))

    async def sql(self, statement: str, max_rows: int = 200) -> SqlAnswer:
        """One read-only SQL statement over the index (tables: files, symbols, imports,
        exports, calls, assignments, types, import_links, call_links, base_links, ...; see the
        README's schema). Refused above `max_rows` rows (at most 10,000; add a LIMIT),
        stopped after 5 s. Blobs come as hex."""
        freshness = self.index.ensure_fresh()
        columns, rows = run_sql(self.index.reader(), statement, timeout=5.0,
                                max_rows=max(1, min(max_rows, 10_000)))
        return SqlAnswer(version=OUTPUT_VERSION, freshness=freshness, columns=columns,
                         rows=[[_plain(value) for value in row] for row in rows])


TOOL_NAMES = ("find_definition", "find_callers", "find_callees", "find_references",
              "find_importers", "file_outline", "index_status", "sql")


def build_server(index: FreshIndex) -> MCPServer:
    server: MCPServer = MCPServer("aud-git", version=__version__, instructions=INSTRUCTIONS)
    tools = Tools(index)
    for name in TOOL_NAMES:
        server.add_tool(_one_line_errors(index, getattr(tools, name)), annotations=READ_ONLY)
    return server


def _one_line_errors(index: FreshIndex,
                     answer: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
    """Errors reach the client as one line: ours (`AudError`) as they are, a bug as `internal
    error` with its traceback in `.pf/aud.log`."""
    @functools.wraps(answer)
    async def answering(*args: Any, **kwargs: Any) -> Any:
        try:
            return await answer(*args, **kwargs)
        except AudError as exc:
            raise ToolError(str(exc)) from None
        except Exception as exc:
            log_exception(index.workspace.pf_dir, f"internal error in {answer.__name__}", exc)
            raise ToolError(f"internal error: {type(exc).__name__}: {exc}"
                            " (the traceback is in .pf/aud.log)") from None

    return answering


def _depth(depth: int) -> int:
    if not 1 <= depth <= 50:
        raise AudError("depth is a whole number from 1 to 50")
    return depth


def _plain(value: Any) -> Any:
    return value.hex() if isinstance(value, bytes) else value


def serve_stdio(start: str) -> None:
    build_server(FreshIndex(start)).run("stdio")
