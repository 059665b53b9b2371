"""CI worksets: the files changed since merge-base(REF, HEAD), plus the files that import them."""
from __future__ import annotations

import sqlite3

from aud_git.config import Config
from aud_git.contract import OUTPUT_VERSION, Dependent, Workset
from aud_git.git.history import tree_blobs
from aud_git.git.snapshot import indexable
from aud_git.git.workspace import Workspace
from aud_git.link.invalidation import files_depending_on, presence_keys


def compute_workset(conn: sqlite3.Connection, workspace: Workspace, config: Config,
                    base_commit: str) -> Workset:
    base = tree_blobs(workspace, base_commit, lambda path: indexable(path, config))
    current = dict(conn.execute("SELECT path, blob_oid FROM files"))
    changed = sorted(p for p in base.keys() | current.keys() if base.get(p) != current.get(p))
    vanished = [p for p in changed if p not in current]
    depth_of: dict[str, int] = {}
    frontier = set(changed)
    changed_set = set(changed)
    keys = set()
    for path in vanished:
        keys |= presence_keys(path)
    first = files_depending_on(conn, keys) & current.keys()
    depth = 0
    while frontier or first:
        depth += 1
        importers = set(first)
        first = set()
        for path in sorted(frontier):
            importers.update(row[0] for row in conn.execute(
                "SELECT DISTINCT file FROM import_links WHERE target = ?", (path,)))
        frontier = {p for p in importers if p not in depth_of and p not in changed_set}
        for path in frontier:
            depth_of[path] = depth
    head = workspace.head_commit()
    dependents = [Dependent(path=p, depth=d)
                  for p, d in sorted(depth_of.items(), key=lambda i: (i[1], i[0]))]
    return Workset(version=OUTPUT_VERSION, base=base_commit, head=head, changed=changed, dependents=dependents,
                   counts={"changed": len(changed), "dependents": len(dependents)})
