from __future__ import annotations

import os
import random
import tempfile

from aud_git.config import load_config
from aud_git.db import store
from aud_git.db.dump import digest
from aud_git.engine.build import full_build
from aud_git.git.snapshot import take_snapshot
from aud_git.git.workspace import open_workspace


def populate(repo, count: int = 60) -> None:
    rng = random.Random(7)
    for i in range(count):
        other = rng.randrange(count)
        repo.write(f"pkg{i % 5}/m{i}.py", (
            f"from pkg{other % 5}.m{other} import f{other}\n"
            f"import pkg{i % 5}\n"
            f"def f{i}(x=1):\n    return f{other}(x) + helper()\n"
            f"def helper():\n    pass\n"
            f"class C{i}:\n    def go(self):\n        self.stop()\n    def stop(self):\n        pass\n"
        ))
        repo.write(f"web/c{i}.ts", (
            f'import {{ w{other} }} from "./c{other}";\n'
            f"export function w{i}() {{ return w{other}(); }}\n"
        ))
    for p in range(5):
        repo.write(f"pkg{p}/__init__.py", "")


def build_digest(repo, jobs: int, reverse: bool = False) -> str:
    workspace = open_workspace(str(repo.path))
    config = load_config(workspace.workdir)
    entries = take_snapshot(workspace, config).entries
    if reverse:
        entries = dict(reversed(list(entries.items())))
    with tempfile.TemporaryDirectory() as scratch:
        conn = store.connect(os.path.join(scratch, "i.db"))
        full_build(conn, workspace, config, entries, jobs)
        try:
            return digest(conn)
        finally:
            conn.close()


def test_same_tree_same_digest_across_jobs_order_and_runs(repo):
    populate(repo)
    repo.commit()
    first = build_digest(repo, jobs=1)
    assert build_digest(repo, jobs=1) == first
    assert build_digest(repo, jobs=2) == first
    assert build_digest(repo, jobs=3, reverse=True) == first
    repo.aud("index", "--jobs", "2")
    assert repo.digest() == first
    repo.aud("index", "--no-cache", "-j", "1")
    assert repo.digest() == first


def test_digest_changes_when_content_changes(repo):
    populate(repo, 6)
    before = build_digest(repo, jobs=1)
    repo.write("pkg0/m0.py", "def renamed():\n    pass\n")
    assert build_digest(repo, jobs=1) != before


def test_no_absolute_paths_or_timestamps_outside_meta(repo):
    populate(repo, 6)
    repo.aud("index")
    conn = store.connect(str(repo.path / ".pf" / "repo_index.db"), readonly=True)
    from aud_git.db.dump import dump_lines

    text = "\n".join(dump_lines(conn))
    assert str(repo.path) not in text
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    for table in tables - {"meta"}:
        sql = conn.execute("SELECT sql FROM sqlite_master WHERE name = ?", (table,)).fetchone()[0]
        assert "AUTOINCREMENT" not in sql.upper()
