"""Where the index lives inside a working tree (importable without pygit2)."""
from __future__ import annotations

PF_DIR = ".pf"
DB_NAME = "repo_index.db"
