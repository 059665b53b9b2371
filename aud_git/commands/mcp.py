"""`aud mcp`: the Model Context Protocol server for AI agents, over stdio."""
from __future__ import annotations

import click

from aud_git.errors import AudError


@click.command("mcp")
@click.pass_context
def mcp(ctx) -> None:
    """Serve the index to an MCP client over stdio (started by the agent's MCP configuration).

    Every answer is brought up to date with the working tree first, in this process.
    Needs the `mcp` SDK 2.x: pip install 'mcp>=2.3,<3' (aud-git's `mcp` extra).
    """
    try:
        from aud_git.serve.server import serve_stdio
    except ModuleNotFoundError as missing:
        if missing.name is not None and missing.name.split(".")[0] == "mcp":
            raise AudError("aud mcp needs the mcp SDK 2.x: pip install 'mcp>=2.3,<3'"
                           " (aud-git's `mcp` extra)") from None
        raise
    serve_stdio(ctx.obj["directory"])
