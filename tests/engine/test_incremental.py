from __future__ import annotations

import os
import shutil


def update(repo, *args: str) -> dict:
    summary = repo.aud("index", "--incremental", "--json", *args)
    repo.assert_exact()
    return summary


def targets(repo, file: str) -> set[tuple]:
    return {(module, name, target) for (module, name), (target, _) in repo.import_links(file).items()}


def calls(repo, file: str) -> set[tuple]:
    return {(callee, *target) for callee, target in repo.call_links(file).items()}


def test_first_incremental_run_builds_and_says_why(repo):
    repo.write("a.py", "x = 1\n")
    summary = repo.aud("index", "--incremental", "--json")
    assert summary["mode"] == "full" and summary["reason"] == "no index yet"
    summary = update(repo)
    assert summary["mode"] == "incremental"
    assert (summary["added"], summary["modified"], summary["deleted"]) == ([], [], [])


def test_added_file_satisfies_and_shadows_resolutions(repo):
    repo.write("pkg/__init__.py", "util = None\n")
    repo.write("main.py", "import util\nfrom pkg import util as u2\nutil.go()\n")
    repo.write("web/main.ts", 'import { h } from "./helper";\nh();\n')
    repo.write("web/helper/index.ts", "export function h() {}\n")
    repo.aud("index")
    assert ("util", None, None) in targets(repo, "main.py")
    assert ("pkg", "util", "pkg/__init__.py") in targets(repo, "main.py")
    repo.write("util.py", "def go():\n    pass\n")
    repo.write("pkg/util.py", "")
    repo.write("web/helper.ts", "export function h() {}\n")
    summary = update(repo)
    assert sorted(summary["added"]) == ["pkg/util.py", "util.py", "web/helper.ts"]
    assert targets(repo, "main.py") == {("util", None, "util.py"), ("pkg", "util", "pkg/util.py")}
    assert calls(repo, "main.py") == {("util.go", "util.py", "go")}
    assert targets(repo, "web/main.ts") == {("./helper", "h", "web/helper.ts")}


def test_deleted_target_and_init_added_or_removed(repo):
    repo.write("ns/mod.py", "def f():\n    pass\n")
    repo.write("user.py", "import ns\nfrom ns import mod\nmod.f()\n")
    repo.aud("index")
    assert ("ns", None, "ns") in targets(repo, "user.py")
    repo.write("ns/__init__.py", "")
    update(repo)
    assert ("ns", None, "ns/__init__.py") in targets(repo, "user.py")
    repo.remove("ns/__init__.py")
    update(repo)
    assert ("ns", None, "ns") in targets(repo, "user.py")
    repo.remove("ns/mod.py")
    summary = update(repo)
    assert summary["deleted"] == ["ns/mod.py"]
    assert targets(repo, "user.py") == {("ns", None, None), ("ns", "mod", None)}
    assert calls(repo, "user.py") == set()


def test_symbol_renamed_in_target_file(repo):
    repo.write("m.py", "def f():\n    pass\n")
    repo.write("caller.py", "import m\nm.f()\n")
    repo.aud("index")
    assert calls(repo, "caller.py") == {("m.f", "m.py", "f")}
    repo.write("m.py", "def g():\n    pass\n")
    summary = update(repo)
    assert summary["modified"] == ["m.py"] and summary["relinked"] >= 2
    assert calls(repo, "caller.py") == set()
    repo.write("m.py", "def g():\n    pass\ndef f():\n    pass\n")
    update(repo)
    assert calls(repo, "caller.py") == {("m.f", "m.py", "f")}


def test_reexport_chains_propagate(repo):
    repo.write("a.py", "def target():\n    pass\n")
    repo.write("b.py", "from a import target\n")
    repo.write("c.py", "from b import *\n")
    repo.write("d.py", "from c import target\ntarget()\n")
    repo.write("x.ts", "export function t() {}\n")
    repo.write("y.ts", 'export * from "./x";\n')
    repo.write("z.ts", 'import { t } from "./y";\nt();\n')
    repo.aud("index")
    assert calls(repo, "d.py") == {("target", "a.py", "target")}
    assert calls(repo, "z.ts") == {("t", "x.ts", "t")}
    repo.write("a.py", "def other():\n    pass\n")
    repo.write("x.ts", "export function other() {}\n")
    update(repo)
    assert calls(repo, "d.py") == set() and calls(repo, "z.ts") == set()
    repo.write("b.py", "def target():\n    pass\n")
    update(repo)
    assert calls(repo, "d.py") == {("target", "b.py", "target")}


def test_tsconfig_paths_change(repo):
    repo.write("tsconfig.json", '{"compilerOptions": {"baseUrl": ".", "paths": {"@/*": ["src/*"]}}}\n')
    repo.write("src/lib.ts", "export function lib() {}\n")
    repo.write("other/lib.ts", "export function lib() {}\n")
    repo.write("app.ts", 'import { lib } from "@/lib";\nlib();\n')
    repo.aud("index")
    assert targets(repo, "app.ts") == {("@/lib", "lib", "src/lib.ts")}
    repo.write("tsconfig.json", '{"compilerOptions": {"baseUrl": ".", "paths": {"@/*": ["other/*"]}}}\n')
    update(repo)
    assert targets(repo, "app.ts") == {("@/lib", "lib", "other/lib.ts")}
    repo.remove("tsconfig.json")
    update(repo)
    assert targets(repo, "app.ts") == {("@/lib", "lib", None)}


def test_configuration_change_rebuilds_with_reason(repo):
    repo.write("a.py", "x = 1\n")
    repo.write("vendor/b.py", "y = 1\n")
    repo.aud("index")
    repo.write("pyproject.toml", "[tool.aud]\nexclude = ['vendor']\n")
    summary = update(repo)
    assert summary["mode"] == "full" and summary["reason"] == "config fingerprint changed"
    assert repo.query("SELECT path FROM files WHERE path LIKE 'vendor/%'") == []
    repo.write("pyproject.toml", "[project]\nname = 'x'\n[tool.aud]\nexclude = ['vendor']\n")
    assert update(repo)["mode"] == "incremental"


def test_other_parser_versions_rebuild_with_reason_and_reuse_no_cached_facts(repo, monkeypatch):
    repo.write("a.py", "x = 1\n")
    repo.write("w/b.ts", "export const y = 1;\n")
    repo.aud("index")
    other = lambda: "tree-sitter=0.0.0"  # noqa: E731
    monkeypatch.setattr("aud_git.engine.identity.parser_versions", other)
    monkeypatch.setattr("aud_git.extract.grammars.parser_versions", other)
    summary = update(repo)
    assert summary["mode"] == "full" and summary["reason"] == "parser versions changed"
    assert (summary["read"], summary["cached"]) == (2, 0)


def test_mode_only_and_same_content_changes_reextract_nothing(repo):
    repo.write("a.py", "def f():\n    pass\n")
    repo.write("b.py", "from a import f\nf()\n")
    repo.commit()
    repo.aud("index")
    os.chmod(repo.path / "a.py", 0o755)
    repo.write("b.py", "from a import f\nf()\n")  # rewritten, same bytes
    summary = update(repo)
    assert (summary["modified"], summary["relinked"]) == ([], 0)


def test_symlink_and_file_swap_places(repo):
    repo.write("real.py", "def f():\n    pass\n")
    repo.write("alias.py", "real.py")
    repo.commit()
    repo.aud("index")
    repo.remove("alias.py")
    os.symlink("real.py", repo.path / "alias.py")
    update(repo)
    assert repo.query("SELECT status FROM files WHERE path = 'alias.py'") == [("symlink",)]
    repo.commit()
    update(repo)
    repo.remove("alias.py")
    repo.write("alias.py", "real.py")
    repo.commit()
    update(repo)
    assert repo.query("SELECT status FROM files WHERE path = 'alias.py'") == [("ok",)]


def test_changes_no_hook_reports_are_reconciled(repo):
    repo.write("a.py", "def f():\n    pass\n")
    repo.write("b.py", "import a\na.f()\n")
    repo.commit("one")
    repo.aud("index")
    repo.write("a.py", "def g():\n    pass\n")
    repo.commit("two")
    update(repo)
    repo.git("reset", "-q", "--hard", "HEAD~1")
    update(repo)
    repo.write("b.py", "import a\na.f()\na.g()\n")
    repo.git("stash", "-q")
    update(repo)
    repo.git("stash", "pop", "-q")
    update(repo)
    repo.write("c.py", "import b\n")
    repo.git("add", "c.py")
    repo.git("commit", "-q", "--no-verify", "-m", "three")
    update(repo)


def test_database_copied_from_another_checkout(repo, tmp_path):
    from conftest import Repo

    repo.write("a.py", "def f():\n    pass\n")
    repo.commit()
    repo.aud("index")
    other = Repo(tmp_path / "other")
    other.write("z.py", "import zz\n")
    other.write("a.py", "def h():\n    pass\n")
    (other.path / ".pf").mkdir()
    shutil.copy(repo.path / ".pf" / "repo_index.db", other.path / ".pf" / "repo_index.db")
    summary = update(other)
    assert summary["mode"] == "incremental"
    assert summary["added"] == ["z.py"] and summary["modified"] == ["a.py"]


def test_hinted_paths_are_reported_and_never_skip_the_rest(repo):
    repo.write("a.py", "x = 1\n")
    repo.write("b.py", "y = 1\n")
    repo.aud("index")
    repo.write("a.py", "x = 2\n")
    repo.write("b.py", "y = 2\n")
    summary = update(repo, "--files", str(repo.path / "a.py"))
    assert summary["hinted"] == ["a.py"]
    assert summary["modified"] == ["a.py", "b.py"]


def test_switching_back_to_an_indexed_branch_parses_nothing(repo):
    for i in range(8):
        repo.write(f"m{i}.py", f"def f{i}():\n    pass\n")
    repo.commit("main")
    repo.git("checkout", "-q", "-b", "feature")
    for i in range(8):
        repo.write(f"m{i}.py", f"def g{i}():\n    pass\n")
    repo.commit("feature")
    repo.aud("index")
    repo.git("checkout", "-q", "main")
    first = update(repo)
    assert first["read"] == 8 and first["cached"] == 0
    repo.git("checkout", "-q", "feature")
    back = update(repo)
    assert len(back["modified"]) == 8 and back["read"] == 0 and back["cached"] == 8
    shutil.rmtree(repo.path / ".pf")
    assert repo.aud("index", "--json")["read"] == 8  # no cache: everything read again


def test_emergency_switches_are_announced(repo):
    repo.write("a.py", "x = 1\n")
    repo.aud("index")
    result = repo.run_aud("index", "--incremental", env={"AUD_INCREMENTAL": "0"})
    assert "aud: full:" in result.stdout and "AUD_INCREMENTAL=0" in result.stdout
    result = repo.run_aud("index", "--incremental", env={"AUD_FORCE_FULL": "1"})
    assert "aud: full:" in result.stdout and "AUD_FORCE_FULL=1" in result.stdout


def test_periodic_full_rebuild(repo):
    repo.write("aud.toml", "full_rebuild_every = 2\n")
    repo.write("a.py", "x = 1\n")
    repo.aud("index")
    repo.write("a.py", "x = 2\n")
    assert update(repo)["mode"] == "incremental"
    assert update(repo)["mode"] == "incremental"  # a no-op update does not count
    repo.write("a.py", "x = 3\n")
    assert update(repo)["mode"] == "incremental"
    summary = update(repo)
    assert summary["mode"] == "full" and "periodic" in summary["reason"]
    assert update(repo)["mode"] == "incremental"


def test_body_edits_and_unused_names_relink_nobody_else(repo):
    repo.write("lib.py", "def used():\n    return 1\n")
    repo.write("user.py", "from lib import used\nused()\n")
    repo.write("web/lib.ts", "export function used() { return 1; }\n")
    repo.write("web/user.ts", 'import { used } from "./lib";\nused();\n')
    repo.aud("index")
    repo.write("lib.py", "def used():\n    return 2\n\ndef brand_new():\n    pass\n")
    repo.write("web/lib.ts", "export function used() { return 2; }\nexport function other() {}\n")
    summary = update(repo)
    assert summary["relinked"] == 2  # the two edited files themselves
    repo.write("lib.py", "used = 3\n")  # the kind of `used` changed: its users re-link
    summary = update(repo)
    assert summary["relinked"] == 2 and calls(repo, "user.py") == set()


def test_member_changes_in_a_target_class(repo):
    repo.write("lib.py", "class Model:\n    def save(self):\n        pass\n")
    repo.write("user.py", "from lib import Model\nModel().save()\nModel.save(None)\n")
    repo.write("web/lib.ts", "export class Store { static open() {} }\n")
    repo.write("web/user.ts", 'import { Store } from "./lib";\nStore.open();\n')
    repo.aud("index")
    assert calls(repo, "user.py") == {
        ("Model", "lib.py", "Model"), ("Model().save", "lib.py", "Model.save"),
        ("Model.save", "lib.py", "Model.save"),
    }
    repo.write("lib.py", "class Model:\n    def store(self):\n        pass\n")
    repo.write("web/lib.ts", "export class Store { static close() {} }\n")
    update(repo)
    assert calls(repo, "user.py") == {("Model", "lib.py", "Model")}
    assert calls(repo, "web/user.ts") == set()


def test_namespace_package_appears_and_vanishes(repo):
    repo.write("user.py", "import nspkg\nimport nspkg.deep\n")
    repo.aud("index")
    assert targets(repo, "user.py") == {("nspkg", None, None), ("nspkg.deep", None, None)}
    repo.write("nspkg/deep/mod.py", "x = 1\n")
    update(repo)
    assert targets(repo, "user.py") == {("nspkg", None, "nspkg"), ("nspkg.deep", None, "nspkg/deep")}
    repo.remove("nspkg/deep/mod.py")
    update(repo)
    assert targets(repo, "user.py") == {("nspkg", None, None), ("nspkg.deep", None, None)}


def test_switching_back_reuses_remembered_links_exactly(repo):
    for i in range(6):
        repo.write(f"m{i}.py", f"from m{(i + 1) % 6} import f{(i + 1) % 6}\ndef f{i}():\n    f{(i + 1) % 6}()\n")
    repo.write("web/a.ts", 'import { b } from "./b";\nexport function a() { b(); }\n')
    repo.write("web/b.ts", "export function b() {}\n")
    repo.commit("main")
    repo.git("checkout", "-q", "-b", "feature")
    for i in range(0, 6, 2):
        repo.write(f"m{i}.py", f"def f{i}():\n    pass\n")
    repo.write("web/b.ts", "export function renamed() {}\n")
    repo.commit("feature")
    repo.git("checkout", "-q", "main")
    repo.aud("index")
    repo.git("checkout", "-q", "feature")
    update(repo)
    repo.git("checkout", "-q", "main")
    back = update(repo)
    assert back["relinked"] >= 4 and back["links_reused"] == back["relinked"]
    repo.git("checkout", "-q", "feature")
    repo.write("m5.py", "def other():\n    pass\n")  # a state never linked before
    mixed = update(repo)
    assert 0 < mixed["links_reused"] < mixed["relinked"]


def test_a_rename_is_a_delete_plus_an_add_and_is_reported(repo):
    repo.write("old_name.py", "def f():\n    pass\n")
    repo.write("user.py", "from old_name import f\nf()\n")
    repo.aud("index")
    (repo.path / "old_name.py").rename(repo.path / "new_name.py")
    summary = update(repo)
    assert (summary["added"], summary["deleted"]) == (["new_name.py"], ["old_name.py"])
    assert summary["renamed"] == [["old_name.py", "new_name.py"]]
    assert calls(repo, "user.py") == set()
