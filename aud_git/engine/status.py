"""How the index stands against the working tree, without writing anything: the full
reconciliation an update would start with, and whether it would rebuild."""
from __future__ import annotations

import os

from aud_git.config import load_config
from aud_git.contract import OUTPUT_VERSION, Status, timestamp
from aud_git.db import store
from aud_git.engine.identity import Identity
from aud_git.engine.plan import reconcile
from aud_git.git.snapshot import take_snapshot
from aud_git.git.workspace import Workspace


def index_freshness(workspace: Workspace) -> Status:
    """The index's part of `aud status --json` (the hooks and background work are added by
    the command)."""
    if not os.path.exists(workspace.db_path):
        return Status(version=OUTPUT_VERSION, indexed=False, fresh=False, reason="no index yet")
    config = load_config(workspace.workdir)
    conn = store.connect(workspace.db_path, readonly=True)
    try:
        meta = store.read_meta(conn)
        snapshot = take_snapshot(workspace, config)
        plan = reconcile(conn, workspace, config, snapshot, [])
    finally:
        conn.close()
    added = sorted(e.path for e in plan.to_extract if e.path not in plan.stored)
    modified = sorted({e.path for e in plan.to_extract if e.path in plan.stored} | set(plan.oid_only))
    reason = Identity.of(config, snapshot.entries).why_full(meta)
    last_update = float(meta.get("last_update") or 0)
    return Status(
        version=OUTPUT_VERSION,
        indexed=True,
        fresh=not (added or modified or plan.deleted) and (reason is None or reason.startswith("periodic")),
        added=added,
        modified=modified,
        deleted=plan.deleted,
        reason=reason,
        last_update=timestamp(last_update) if last_update else None,
        last_mode=meta.get("last_mode"),
        head=meta.get("head"),
        updates_since_full=int(meta.get("updates_since_full") or 0),
        full_rebuild_every=config.full_rebuild_every,
        full_rebuild_hours=config.full_rebuild_hours,
    )
