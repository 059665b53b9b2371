"""Paths an editor, an agent or a command names as just changed (`aud index --files`): checked
before anything is updated, and given to the update as hints in the form the index stores."""
from __future__ import annotations

import os

from aud_git.errors import AudError
from aud_git.paths import repo_relative


def checked_hints(workdir: str, db_path: str, given: list[str]) -> list[str]:
    """`given` paths (absolute, or relative to the cwd) as the index stores them. A path outside
    the repository, or one neither on disk nor in the index, is the caller's mistake."""
    from aud_git.db import store

    stored = [repo_relative(workdir, path) for path in given]
    for path_given, path in zip(given, stored, strict=True):
        if path == ".." or path.startswith("../") or os.path.isabs(path):
            raise AudError(f"--files: {path_given} is outside the repository ({workdir})")
    missing = [(g, p) for g, p in zip(given, stored, strict=True) if not os.path.lexists(g)]
    if missing and os.path.exists(db_path):
        conn = store.connect(db_path, readonly=True)
        try:
            missing = [(g, p) for g, p in missing
                       if conn.execute("SELECT 1 FROM files WHERE path = ?", (p,)).fetchone() is None]
        finally:
            conn.close()
    if missing:
        raise AudError(f"--files: {missing[0][0]}: no such file, and not in the index")
    return stored
