from __future__ import annotations

import json
import os

import pytest
from click.testing import CliRunner

from aud_git.commands import cli


@pytest.fixture
def indexed(repo):
    repo.write("app/models.py", (
        "class Model:\n"
        "    def save(self):\n"
        "        self.validate()\n"
        "    def validate(self):\n"
        "        check()\n"
        "def check():\n"
        "    ping()\n"
        "def ping():\n"
        "    check()\n"
    ))
    repo.write("app/__init__.py", "from .models import Model\n")
    repo.write("app/views.py", "from app import Model\nimport os\ndef view():\n    Model().save()\n")
    repo.write("web/core.ts", "export function boot() { start(); }\nfunction start() {}\n")
    repo.write("web/index.ts", 'export * from "./core";\n')
    repo.write("web/main.ts", 'import { boot } from "./index";\nboot();\n')
    repo.commit()
    repo.aud("index")
    return repo


def ask(repo, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["-C", str(repo.path), "query", *args])
    return result.exit_code, result.stdout, result.stderr


def test_def_by_name_qualname_tail_glob_and_kind(indexed):
    code, out, _ = ask(indexed, "def", "save")
    assert code == 0 and out == "app/models.py:2:5: method Model.save (self)\n"
    assert ask(indexed, "def", "Model.save")[1] == out
    assert ask(indexed, "def", "save", "--exact")[0] == 1
    code, out, _ = ask(indexed, "def", "b*", "--kind", "function")
    assert out == "web/core.ts:1:8: function boot ()\n"
    code, out, _ = ask(indexed, "def", "check", "--json")
    assert json.loads(out) == [{
        "file": "app/models.py", "line": 6, "col": 0, "kind": "function", "qualname": "check",
        "name": "check", "signature": "()", "exported": True,
    }]


def test_callers_with_depth_and_cycle_guard(indexed):
    code, out, _ = ask(indexed, "callers", "Model.validate")
    assert out == "app/models.py:3:9: > Model.save calls Model.validate (self)\n"
    code, out, _ = ask(indexed, "callers", "app/models.py:Model.validate", "--depth", "3")
    assert out.splitlines() == [
        "app/models.py:3:9: > Model.save calls Model.validate (self)",
        "app/views.py:4:5: >> view calls Model.save (import)",
    ]
    code, out, _ = ask(indexed, "callers", "check", "--depth", "5", "--json")
    rows = [(r["caller"], r["depth"]) for r in json.loads(out)]
    assert rows == [("Model.validate", 1), ("ping", 1), ("Model.save", 2), ("check", 2), ("view", 3)]


def test_callees_follow_reexports_and_module_qualified_names(indexed):
    code, out, _ = ask(indexed, "callees", "app.models.Model.save", "--depth", "2")
    assert out.splitlines() == [
        "app/models.py:4:5: > method Model.validate (called by Model.save at app/models.py:3)",
        "app/models.py:6:1: >> function check (called by Model.validate at app/models.py:5)",
    ]
    code, out, _ = ask(indexed, "callees", "web/main.ts:<module>")
    assert out == "web/core.ts:1:8: > function boot (called by <module> at web/main.ts:2)\n"


def test_importers_and_imports(indexed):
    code, out, _ = ask(indexed, "importers", "app/models.py", "--depth", "2")
    assert out.splitlines() == [
        "app/__init__.py:1:21: > imports app/models.py",
        "app/views.py:1:17: >> imports app/__init__.py",
    ]
    code, out, _ = ask(indexed, "imports", "app/views.py")
    assert out.splitlines() == [
        "app/views.py:1:17: import app Model -> app/__init__.py",
        "app/views.py:2:8: import os -> external",
    ]
    code, out, _ = ask(indexed, "importers", "web/core.ts", "--json")
    assert [(r["file"], r["depth"]) for r in json.loads(out)] == [("web/index.ts", 1)]


def test_file_report(indexed):
    code, out, _ = ask(indexed, "file", "app/views.py")
    assert "app/views.py:3:1: function view" in out
    assert "app/views.py:4:5: call Model().save -> app/models.py:Model.save" in out
    report = json.loads(ask(indexed, "file", "app/views.py", "--json")[1])
    assert report["file"]["status"] == "ok" and len(report["imports"]) == 2


def test_sql_read_only(indexed):
    code, out, _ = ask(indexed, "sql", "SELECT path FROM files WHERE path LIKE 'web/%' ORDER BY 1")
    assert out == "web/core.ts\nweb/index.ts\nweb/main.ts\n"
    code, _, err = ask(indexed, "sql", "DELETE FROM files")
    assert code == 2 and "read-only" in err
    code, _, err = ask(indexed, "sql", "SELEC nonsense")
    assert code == 2 and "syntax error" in err


def test_empty_answers_exit_1_errors_exit_2(indexed):
    assert ask(indexed, "def", "nothing_like_this") == (1, "", "")
    assert ask(indexed, "callers", "nothing.here")[:2] == (1, "")
    code, out, err = ask(indexed, "imports", "no/such/file.py")
    assert code == 2 and out == "" and "not in the index" in err


def test_stale_and_missing_index_are_announced(indexed, tmp_path):
    indexed.write("app/views.py", "def view():\n    pass\n")
    code, _, err = ask(indexed, "def", "view")
    assert code == 0 and "may be stale" in err and "1 indexed file changed" in err
    from conftest import Repo

    empty = Repo(tmp_path / "empty")
    code, _, err = ask(empty, "def", "x")
    assert code == 2 and "run `aud index` first" in err


def test_wait_answers_after_the_running_update(indexed):
    """`--wait` answers from the index the running update leaves; without it, the answer comes
    at once, with a note that an update is under way."""
    import fcntl
    import subprocess
    import sys
    import time

    fd = os.open(indexed.path / ".pf" / "lock", os.O_RDWR)
    fcntl.flock(fd, fcntl.LOCK_EX)
    os.write(fd, f"{os.getpid()}\n".encode())
    try:
        code, _, err = ask(indexed, "def", "save")
        assert code == 0 and f"an update is running (pid {os.getpid()})" in err
        waiting = subprocess.Popen([sys.executable, "-m", "aud_git", "query", "--wait", "def", "save"],
                                   cwd=indexed.path, stdout=subprocess.PIPE, text=True)
        time.sleep(1.0)
        assert waiting.poll() is None  # still waiting for the lock holder
    finally:
        os.close(fd)
    out, _ = waiting.communicate(timeout=60)
    assert waiting.returncode == 0 and "Model.save" in out


def test_queries_work_while_an_update_holds_the_write_lock(indexed):
    from aud_git.db import store

    writer = store.connect(str(indexed.path / ".pf" / "repo_index.db"))
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("DELETE FROM symbols")
    try:
        code, out, _ = ask(indexed, "def", "save")
        assert code == 0 and "Model.save" in out
    finally:
        writer.execute("ROLLBACK")
        writer.close()


def test_control_characters_in_paths_cannot_forge_locations(repo):
    repo.write("evil\nfake.py:1:0: function trusted.py", "def hidden():\n    pass\n")
    repo.commit()
    repo.aud("index")
    code, out, _ = ask(repo, "def", "hidden")
    assert code == 0 and out.count("\n") == 1
    assert out.startswith("evil\\x0afake.py:1:0: function trusted.py:1:1: function hidden")
    code, out, _ = ask(repo, "sql", "SELECT path, 'a' || char(9) || 'b' FROM files")
    assert out == "evil\\x0afake.py:1:0: function trusted.py\ta\\x09b\n"
    payload = json.loads(ask(repo, "def", "hidden", "--json")[1])
    assert payload[0]["file"] == "evil\nfake.py:1:0: function trusted.py"


def test_a_touch_and_a_git_status_are_not_taken_for_changes(indexed):
    repo = indexed
    repo.aud("index", "--incremental")
    for path in repo.query("SELECT path FROM files"):
        os.utime(repo.path / path[0])  # touch every file
    repo.git("status")  # git refreshes its stat data: its index file is rewritten
    code, _, err = ask(repo, "def", "*")
    assert code == 0 and "may be stale" not in err
    assert json.loads(repo.run_aud("status", "--json").stdout)["fresh"] is True


def test_a_tracked_file_added_behind_aud_s_back_is_announced(indexed):
    repo = indexed
    repo.aud("index", "--incremental")
    repo.write("late.py", "def late():\n    pass\n")
    repo.git("add", "late.py")
    code, _, err = ask(repo, "def", "*")
    assert "1 tracked file not indexed yet" in err


def test_callers_filtered_by_resolution(indexed):
    code, out, _ = ask(indexed, "callers", "check", "--resolution", "direct", "--json")
    assert code == 0
    assert {(r["caller"], r["resolution"]) for r in json.loads(out)} == {
        ("Model.validate", "direct"), ("ping", "direct")}
    assert ask(indexed, "callers", "Model.validate", "--resolution", "inferred")[0] == 1
    assert ask(indexed, "callers", "check", "--resolution", "guessed")[0] == 2


def test_unresolved_candidates_share_the_last_name(repo):
    repo.write("m.py", "class A:\n    def save(self): pass\n"
                       "def f(x, a: A):\n    x.save()\n    a.save()\n    save()\n    x.save_all()\n")
    repo.aud("index")
    code, out, _ = ask(repo, "callers", "A.save", "--unresolved")
    assert out.splitlines() == ["m.py:4:5: f calls x.save (unresolved)",
                                "m.py:6:5: f calls save (unresolved)"]


def test_subclasses_transitively_and_references(repo):
    repo.write("base.py", "class Base:\n    pass\n")
    repo.write("mid.py", "from base import Base\nclass Mid(Base):\n    pass\n")
    repo.write("leaf.py", "import mid\nclass Leaf(mid.Mid):\n    pass\nLeaf()\n")
    repo.aud("index")
    code, out, _ = ask(repo, "subclasses", "Base", "--depth", "2")
    assert out.splitlines() == ["mid.py:2:1: > class Mid (Base)", "leaf.py:2:1: >> class Leaf (mid.Mid)"]
    assert ask(repo, "subclasses", "Leaf")[0] == 1
    code, out, _ = ask(repo, "references", "Mid", "--json")
    assert [(r["file"], r["kind"], r["text"], r["resolution"]) for r in json.loads(out)] == [
        ("leaf.py", "base", "mid.Mid", "import")]
    code, out, _ = ask(repo, "references", "Base")
    assert out.splitlines() == ["mid.py:1:18: import Base (import)", "mid.py:2:1: base Base (import)"]


def test_subclasses_of_an_interface_are_its_implementers_and_extenders(repo):
    repo.write("shapes.ts", "export interface Shape { area(): number }\n"
                            "export interface Solid extends Shape { volume(): number }\n")
    repo.write("cube.ts", "import { Solid } from './shapes';\n"
                          "export class Cube implements Solid { area() { return 6; } volume() { return 1; } }\n")
    repo.aud("index")
    code, out, _ = ask(repo, "subclasses", "Shape", "--depth", "2")
    assert out.splitlines() == ["shapes.ts:2:8: > interface Solid (Shape)",
                                "cube.ts:2:8: >> class Cube (Solid)"]


def test_possible_targets_are_listed_and_left_out_with_certain(repo):
    repo.write("m.py", "def g(): pass\ndef h(): pass\ndef run(c):\n    fn = g if c else h\n    fn()\n    g()\n")
    repo.aud("index")
    code, out, _ = ask(repo, "callers", "g")
    assert out.splitlines() == ["m.py:5:5: > run calls g (possible)", "m.py:6:5: > run calls g (direct)"]
    code, out, _ = ask(repo, "callers", "g", "--certain")
    assert out.splitlines() == ["m.py:6:5: > run calls g (direct)"]
    assert ask(repo, "callers", "g", "--certain", "--resolution", "possible")[0] == 1
