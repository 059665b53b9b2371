"""Where the index stands, whole: its freshness against the working tree (the engine's full
reconciliation, writing nothing), the hooks that keep it fresh, and the work under way. What
`aud status` prints and the MCP server's `index_status` answers."""
from __future__ import annotations

from aud_git.activity import background_state
from aud_git.contract import Status
from aud_git.engine.status import index_freshness
from aud_git.git.workspace import Workspace
from aud_git.hooks.install import keeps_index_fresh
from aud_git.hooks.install import status as hook_status


def status_report(workspace: Workspace) -> Status:
    report = index_freshness(workspace)
    report["background"] = background_state(workspace.pf_dir)
    report["hooks"] = hook_status(workspace)
    report["hooks_installed"] = all(map(keeps_index_fresh, report["hooks"]))
    return report
