"""Bare specifiers that name packages of the repository: workspaces of a package.json above,
the importing package's own name, `exports` (subpaths, patterns, conditions) and the main
fields, each target tried until one is an indexed file. One case per rule, with its negative
twin; then edits of package.json files, re-linked exactly."""
from __future__ import annotations

import json

import pytest

ROOT = {"name": "root", "private": True, "workspaces": ["packages/*"]}
CORE = "export function make() {}\n"


def manifest(repo, path: str, **fields) -> None:
    repo.write(path, json.dumps(fields))


def resolved(repo, specifier: str, importer: str = "packages/app/src/main.ts"):
    repo.write(importer, f'import {{ make }} from "{specifier}";\nmake();\n')
    repo.aud("index")
    return repo.query("SELECT target, resolution FROM import_links WHERE file = ?", importer)[0]


@pytest.fixture
def workspace(repo):
    manifest(repo, "package.json", **ROOT)
    manifest(repo, "packages/app/package.json", name="app")
    repo.write("packages/core/src/index.ts", CORE)
    repo.write("packages/core/src/extra.ts", CORE)
    return repo


@pytest.mark.parametrize("fields, specifier, target", [
    ({"main": "src/index.ts"}, "core", "packages/core/src/index.ts"),
    ({"main": "dist/index.js", "source": "src/index.ts"}, "core", "packages/core/src/index.ts"),
    ({"main": "dist/index.js"}, "core", None),
    ({"exports": {".": {"types": "./dist/i.d.ts", "default": "./src/index.js"}}}, "core",
     "packages/core/src/index.ts"),
    ({"exports": {"./features/*": "./src/*.ts"}}, "core/features/extra",
     "packages/core/src/extra.ts"),
    ({"exports": {".": "./src/index.ts"}}, "core/src/extra", None),
    ({"exports": {"./x": None, "./*": "./src/*.ts"}}, "core/x", None),
    ({"main": "src/index.ts"}, "core/src/extra", "packages/core/src/extra.ts"),
    ({}, "core/src/index", "packages/core/src/index.ts"),
    ({"main": "src/index.ts"}, "core-other", None),
], ids=["main", "a main field that is built: the next one", "only a built main",
        "a condition whose target is built: the next one", "an exports pattern",
        "a subpath exports does not list", "a null target", "a subpath without exports",
        "a deep import", "another name"])
def test_a_workspace_package(workspace, fields, specifier, target):
    manifest(workspace, "packages/core/package.json", name="core", **fields)
    assert resolved(workspace, specifier) == (target, "file" if target else "external")


@pytest.mark.parametrize("workspaces, target", [
    (["packages/*"], "packages/core/src/index.ts"),
    (["packages/**"], "packages/core/src/index.ts"),
    (["./packages/core/"], "packages/core/src/index.ts"),
    (["packages/*", "!packages/core"], None),
    (["apps/*"], None),
    (None, None),
    (["**/" * 30 + "x"], None),
], ids=["a star", "a globstar", "a literal directory", "negated", "another directory",
        "no workspaces", "too many wildcards"])
def test_workspace_patterns(repo, workspaces, target):
    manifest(repo, "package.json", name="root", **({"workspaces": workspaces} if workspaces else {}))
    manifest(repo, "packages/core/package.json", name="core", main="src/index.ts")
    repo.write("packages/core/src/index.ts", CORE)
    assert resolved(repo, "core", "app/main.ts") == (target, "file" if target else "external")


def test_a_star_matches_one_directory_level(repo):
    manifest(repo, "package.json", name="root", workspaces=["packages/*"])
    manifest(repo, "packages/nested/core/package.json", name="core", main="index.ts")
    repo.write("packages/nested/core/index.ts", CORE)
    assert resolved(repo, "core", "main.ts") == (None, "external")


def test_two_workspaces_of_one_name_resolve_to_neither(workspace):
    manifest(workspace, "packages/core/package.json", name="core", main="src/index.ts")
    manifest(workspace, "packages/fork/package.json", name="core", main="index.ts")
    workspace.write("packages/fork/index.ts", CORE)
    assert resolved(workspace, "core") == (None, "external")


def test_a_package_outside_the_workspaces_is_external(repo):
    """A test fixture named like a real package does not capture its imports."""
    manifest(repo, "package.json", **ROOT)
    manifest(repo, "tests/fixtures/react/package.json", name="react", main="index.js")
    repo.write("tests/fixtures/react/index.js", CORE)
    assert resolved(repo, "react", "packages/app/main.ts") == (None, "external")


@pytest.mark.parametrize("fields, target", [
    ({"exports": {".": "./src/index.ts"}}, "packages/core/src/index.ts"),
    ({"main": "src/index.ts"}, None),
], ids=["with exports", "without exports"])
def test_a_package_imports_itself_by_name_only_through_exports(repo, fields, target):
    manifest(repo, "packages/core/package.json", name="core", **fields)
    repo.write("packages/core/src/index.ts", CORE)
    assert resolved(repo, "core", "packages/core/src/use.ts") == (target, "file" if target else "external")


@pytest.mark.parametrize("specifier", ["node:fs", "@scope", "@/x"])
def test_what_names_no_package(workspace, specifier):
    assert resolved(workspace, specifier) == (None, "external")


def test_tsconfig_paths_come_before_workspaces(workspace):
    manifest(workspace, "packages/core/package.json", name="core", main="src/index.ts")
    workspace.write("tsconfig.json", '{"compilerOptions": {"baseUrl": ".", "paths": {"core": ["packages/core/src/extra.ts"]}}}')
    assert resolved(workspace, "core") == ("packages/core/src/extra.ts", "file")


@pytest.mark.parametrize("edit", [
    lambda r: manifest(r, "packages/core/package.json", name="renamed", main="src/index.ts"),
    lambda r: manifest(r, "packages/core/package.json", name="core", main="src/extra.ts"),
    lambda r: manifest(r, "packages/core/package.json", name="core", main="src/index.ts",
                       version="2.0.0"),
    lambda r: r.remove("packages/core/package.json"),
    lambda r: manifest(r, "package.json", name="root"),
    lambda r: r.remove("package.json"),
    lambda r: manifest(r, "packages/fork/package.json", name="core"),
    lambda r: manifest(r, "packages/app/package.json", name="app", workspaces=[]),
], ids=["renamed", "main changed", "version bumped", "manifest deleted", "workspaces dropped",
        "root deleted", "a second package of the name", "a workspace root nearer"])
def test_package_json_edits_relink_exactly(workspace, edit):
    manifest(workspace, "packages/core/package.json", name="core", main="src/index.ts")
    workspace.write("packages/app/src/main.ts", 'import { make } from "core";\nmake();\n')
    workspace.commit()
    workspace.aud("index")
    assert workspace.call_links("packages/app/src/main.ts") == {
        "make": ("packages/core/src/index.ts", "make")}
    edit(workspace)
    workspace.aud("index", "--incremental")
    workspace.assert_exact()
