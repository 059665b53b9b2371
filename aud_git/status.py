"""`aud status`: how the index stands against the working tree, without writing anything."""
from __future__ import annotations

import os
import time

from aud_git import store
from aud_git.background import background_state
from aud_git.build import identity_meta, source_roots_for
from aud_git.config import load_config
from aud_git.snapshot import take_snapshot
from aud_git.update import reconcile, why_full
from aud_git.workspace import Workspace


def index_status(workspace: Workspace) -> dict:
    from aud_git.hooks_install import status as hook_status

    config = load_config(workspace.workdir)
    hooks = {h.name: h.state for h in hook_status(workspace)}
    report: dict = {
        "indexed": os.path.exists(workspace.db_path),
        "fresh": False,
        "background": background_state(workspace.pf_dir),
        "hooks": hooks,
        "hooks_installed": all(state in ("ours", "chained") for state in hooks.values()),
    }
    if not report["indexed"]:
        report["reason"] = "no index yet"
        return report
    conn = store.connect(workspace.db_path, readonly=True)
    try:
        meta = store.read_meta(conn)
        entries = take_snapshot(workspace, config)[0]
        plan = reconcile(conn, workspace, config, entries, [])
    finally:
        conn.close()
    roots = source_roots_for(config, entries)
    added = sorted(e.path for e in plan.to_extract if e.path not in plan.stored)
    modified = sorted({e.path for e in plan.to_extract if e.path in plan.stored} | set(plan.oid_only))
    reason = why_full(meta, identity_meta(config, roots), config)
    last_update = float(meta.get("last_update") or 0)
    report.update(
        fresh=not (added or modified or plan.deleted) and (reason is None or reason.startswith("periodic")),
        added=added,
        modified=modified,
        deleted=plan.deleted,
        reason=reason,
        last_update=time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(last_update)) if last_update else None,
        last_mode=meta.get("last_mode"),
        head=meta.get("head"),
        updates_since_full=int(meta.get("updates_since_full") or 0),
        full_rebuild_every=config.full_rebuild_every,
        full_rebuild_hours=config.full_rebuild_hours,
    )
    return report
