from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aud_git.link.probes import js_candidates, module_stems, probe_bases, python_candidates


def test_relative_specifiers_probe_extensions_and_index(repo):
    repo.write("src/util.ts", "export function u() {}\n")
    repo.write("src/comp/index.tsx", "export const C = () => null;\n")
    repo.write("src/plain.js", "module.exports = {};\n")
    repo.write("src/data.json", "{}\n")
    repo.write("src/esm.ts", "export const e = 1;\n")
    repo.write("src/main.ts", (
        'import { u } from "./util";\n'
        'import { C } from "./comp";\n'
        'const p = require("./plain.js");\n'
        'import data from "./data.json";\n'
        'import { e } from "./esm.js";\n'
        'import { gone } from "./missing";\n'
        'import React from "react";\n'
        'import("../outside/x");\n'
    ))
    repo.aud("index")
    assert repo.import_links("src/main.ts") == {
        ("./util", "u"): ("src/util.ts", "file"),
        ("./comp", "C"): ("src/comp/index.tsx", "file"),
        ("./plain.js", None): ("src/plain.js", "file"),
        ("./data.json", "default"): ("src/data.json", "file"),
        ("./esm.js", "e"): ("src/esm.ts", "file"),
        ("./missing", "gone"): (None, "unresolved"),
        ("react", "default"): (None, "external"),
        ("../outside/x", None): (None, "unresolved"),
    }


def test_tsconfig_base_url_paths_and_extends(repo):
    repo.write("tsconfig.base.json", '{ "compilerOptions": { "baseUrl": ".", "paths": { "@lib/*": ["libs/*/src"] } } }\n')
    repo.write("app/tsconfig.json", '{ "extends": "../tsconfig.base.json" }\n')
    repo.write("libs/core/src/index.ts", "export function boot() {}\n")
    repo.write("shared/helpers.ts", "export function help() {}\n")
    repo.write("app/main.ts", 'import { boot } from "@lib/core";\nimport { help } from "shared/helpers";\nboot(); help();\n')
    repo.aud("index")
    assert repo.import_links("app/main.ts") == {
        ("@lib/core", "boot"): ("libs/core/src/index.ts", "file"),
        ("shared/helpers", "help"): ("shared/helpers.ts", "file"),
    }
    assert repo.call_links("app/main.ts") == {
        "boot": ("libs/core/src/index.ts", "boot"),
        "help": ("shared/helpers.ts", "help"),
    }


def test_calls_through_named_default_namespace_imports_and_reexports(repo):
    repo.write("core.ts", (
        "export function named() {}\n"
        "export default class Service { run() { this.step(); } step() {} }\n"
        "function hidden() {}\n"
        "export { hidden as revealed };\n"
    ))
    repo.write("barrel.ts", 'export * from "./core";\nexport { default as Service } from "./core";\n')
    repo.write("deep.ts", 'export * as ns from "./barrel";\n')
    repo.write("cjs.js", 'const { named } = require("./core");\nconst core = require("./core");\nnamed(); core.named();\n')
    repo.write("main.ts", (
        'import Svc, { named as n } from "./core";\n'
        'import * as all from "./barrel";\n'
        'import { Service, revealed } from "./barrel";\n'
        'import { ns } from "./deep";\n'
        "n(); new Svc(); all.named(); new Service(); revealed(); ns.named(); all.missing();\n"
    ))
    repo.aud("index")
    assert repo.call_links("main.ts") == {
        "n": ("core.ts", "named"),
        "Svc": ("core.ts", "Service"),
        "all.named": ("core.ts", "named"),
        "Service": ("core.ts", "Service"),
        "revealed": ("core.ts", "hidden"),
        "ns.named": ("core.ts", "named"),
    }
    assert repo.call_links("core.ts") == {"this.step": ("core.ts", "Service.step")}
    assert repo.call_links("cjs.js") == {"named": ("core.ts", "named"), "core.named": ("core.ts", "named")}


@given(st.lists(st.sampled_from(["a", "b", "index", "x.js", "y.ts", "z.d", "..", "src"]), min_size=1, max_size=4),
       st.sampled_from(["", ".js", ".ts", ".tsx", ".d.ts", ".json", ".mjs", ".cjs", ".jsx"]))
def test_probe_bases_inverts_candidates(parts, suffix):
    base = "/".join(parts) + suffix
    for candidate in js_candidates(base):
        assert base in probe_bases(candidate)
    if all(part.isidentifier() for part in parts):  # Python probes stem dotted identifiers
        stem = "/".join(parts)
        for candidate in python_candidates(stem):
            assert stem in module_stems(candidate)


@pytest.mark.parametrize("declarations, callee", [
    ("export interface $constructor<T> { new(): T }\nexport function $constructor() {}\n",
     "core.$constructor"),
    ("export type Shape = { a: number };\nexport const Shape = (x: number) => x;\n", "core.Shape"),
    ("export namespace Shape { export const a = 1; }\nexport function Shape() {}\n", "core.Shape"),
])
def test_a_type_merged_with_a_value_means_the_value(repo, declarations, callee):
    repo.write("core.ts", declarations)
    repo.write("use.ts", f'import * as core from "./core";\n{callee}();\n')
    repo.aud("index")
    name = callee.split(".")[1]
    assert repo.query("SELECT target_qualname FROM call_links WHERE file = 'use.ts'") == [(name,)]


def test_two_values_of_one_name_stay_ambiguous(repo):
    repo.write("core.ts", "export function Shape() {}\nexport class Shape {}\n")
    repo.write("use.ts", 'import * as core from "./core";\ncore.Shape();\n')
    repo.aud("index")
    assert repo.query("SELECT * FROM call_links WHERE file = 'use.ts'") == []


def test_a_method_of_a_new_instance(repo):
    repo.write("box.ts", "export class Box { open() {} }\n")
    repo.write("use.ts", 'import { Box } from "./box";\nnew Box().open();\n')
    repo.aud("index")
    assert ("new Box().open", "Box.open") in repo.query(
        "SELECT callee, target_qualname FROM call_links WHERE file = 'use.ts'")
