"""The tree is the architecture: which stage may import what (ARCHITECTURE.md, "Invariants"),
what readers and hooks load, the package list, and the size of functions."""
from __future__ import annotations

import ast
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from conftest import loaded_by

PROJECT = Path(__file__).resolve().parents[1]
PACKAGE = PROJECT / "aud_git"
STAGES = ("git", "extract", "db", "link", "engine", "hooks", "query", "commands", "watch", "export",
          "serve")

# Stage -> the stages it must never import (ARCHITECTURE.md says why).
NEVER = {
    "git": {"extract", "db", "link", "engine", "hooks", "query", "commands", "watch", "export", "serve"},
    "extract": {"db", "link", "engine", "hooks", "query", "commands", "watch", "export", "serve"},
    "db": {"git", "link", "engine", "hooks", "query", "commands", "watch", "export", "serve"},
    "link": {"git", "engine", "hooks", "query", "commands", "watch", "export", "serve"},
    "engine": {"hooks", "query", "commands", "watch", "export", "serve"},
    "hooks": {"query", "commands", "watch", "serve"},
    "query": {"extract", "link", "engine", "hooks", "commands", "watch", "export", "serve"},
    "watch": {"hooks", "query", "commands", "serve"},
    "export": {"extract", "link", "engine", "hooks", "query", "commands", "watch", "serve"},
    "serve": {"extract", "link", "commands", "watch", "export"},
    "commands": set(),
}
# The functions allowed past MAX_FUNCTION_LINES, and why.
LONG_FUNCTIONS: dict[str, str] = {}
MAX_FUNCTION_LINES = 50


def modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def stage_of(path: Path) -> str | None:
    parts = path.relative_to(PACKAGE).parts
    return parts[0] if len(parts) > 1 else None


def imported(path: Path) -> set[str]:
    """Every module `path` imports, at the top or inside a function."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def imported_stages(path: Path) -> set[str]:
    return {name.split(".")[1] for name in imported(path)
            if name.startswith("aud_git.") and name.split(".")[1] in STAGES}


# The one module of a stage another stage may use although NEVER forbids the stage: the hooks
# hand their update to a running watcher through its client, which imports no watcher.
DOORS = {"hooks": {"aud_git.watch.client"}}


@pytest.mark.parametrize("path", modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_a_stage_never_imports_what_it_must_not(path):
    stage = stage_of(path)
    if path.name == "__main__.py":
        assert {n for n in imported(path) if n.startswith("aud_git")} <= {
            "aud_git.entry", "aud_git.entry.main"}
        return
    if path.name == "entry.py" and stage is None:  # the program's door: hooks, a watcher, click
        assert imported_stages(path) == {"commands", "hooks", "watch"}
        return
    if stage is None:  # a foundation: errors, paths, config, contract, languages, logbook, processes,
        # activity, installed
        # The log names the parser versions (read from package metadata, no parser loaded).
        allowed = {"extract"} if path.name == "logbook.py" else set()
        assert imported_stages(path) <= allowed, "foundations import no stage"
        return
    doors = DOORS.get(stage, set())
    through_doors = {n.split(".")[1] for n in imported(path) if n in doors}
    others = {n for n in imported(path) if n.startswith("aud_git.") and n not in doors
              and not any(n.startswith(door + ".") for door in doors)}
    assert not {n.split(".")[1] for n in others} & NEVER[stage]
    assert through_doors <= {door.split(".")[1] for door in doors}


@pytest.mark.parametrize("library, owner", [("click", "commands"), ("pygit2", "git"), ("mcp", "serve")])
def test_only_one_stage_imports_a_library(library, owner):
    users = {str(p.relative_to(PACKAGE)) for p in modules()
             if any(n == library or n.startswith(library + ".") for n in imported(p))}
    assert {u for u in users if not u.startswith(owner + "/")} == set()


def test_each_stage_says_what_it_owns_and_must_never_import():
    for stage in STAGES:
        docstring = ast.get_docstring(ast.parse((PACKAGE / stage / "__init__.py").read_text()))
        assert docstring and "Never" in docstring, stage


def test_the_packages_pyproject_ships_are_the_folders():
    listed = set(tomllib.loads((PROJECT / "pyproject.toml").read_text())
                 ["tool"]["setuptools"]["packages"])
    folders = {".".join(p.parent.relative_to(PROJECT).parts) for p in PACKAGE.rglob("__init__.py")}
    assert listed == folders | {"aud_git.hooks.templates"}


def test_functions_stay_short():
    long = {}
    for path in modules():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                lines = node.end_lineno - node.lineno + 1
                name = f"{path.relative_to(PACKAGE)}:{node.name}"
                if lines > MAX_FUNCTION_LINES and name not in LONG_FUNCTIONS:
                    long[name] = lines
    assert long == {}


def test_readers_never_load_pygit2_tree_sitter_or_the_engine(repo):
    repo.write("a.py", "def f():\n    pass\n")
    repo.commit()
    repo.aud("index")
    loaded = loaded_by("query", "def", "f", cwd=repo.path)
    assert "aud_git.query.questions" in loaded  # the probe saw the query run
    heavy = {m for m in loaded if m.split(".")[0] in ("pygit2", "tree_sitter", "watchdog", "mcp")
             or m.startswith(("aud_git.engine", "aud_git.link", "aud_git.extract",
                              "aud_git.watch"))}  # the door asks a watcher only for `index`
    assert heavy == set()


def test_a_detaching_hook_loads_no_click_pygit2_or_engine(repo):
    """What every commit pays for: the door parses its options, queues the update, returns."""
    repo.write("a.py", "def f():\n    pass\n")
    repo.commit()
    repo.aud("index")
    loaded = loaded_by("hook-impl", "post-commit", cwd=repo.path)
    assert "aud_git.hooks.entry" in loaded  # the probe saw the hook run
    heavy = {m for m in loaded
             if m.split(".")[0] in ("click", "pygit2", "tree_sitter", "sqlite3", "argparse",
                                    "typing", "subprocess", "hashlib")
             or m.startswith(("aud_git.engine", "aud_git.commands.", "aud_git.logbook"))}
    assert heavy == set()


def test_a_foreground_hook_with_nothing_to_do_never_loads_tree_sitter_or_the_linker(repo):
    repo.write("a.py", "def f():\n    pass\n")
    repo.commit()
    repo.aud("index")
    loaded = loaded_by("hook-impl", "--foreground", "post-commit", cwd=repo.path)
    assert "aud_git.engine.update" in loaded  # the hook did reconcile
    assert {m for m in loaded if m.startswith(("tree_sitter", "aud_git.link", "click.testing"))} == set()


def test_ruff_is_clean():
    result = subprocess.run([sys.executable, "-m", "ruff", "check", "aud_git", "tests", "bench"],
                            cwd=PROJECT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout


def test_mypy_is_clean():
    result = subprocess.run([sys.executable, "-m", "mypy"], cwd=PROJECT, capture_output=True,
                            text=True, timeout=600)
    assert result.returncode == 0, result.stdout
