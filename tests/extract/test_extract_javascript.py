from __future__ import annotations

import textwrap

import pytest

from aud_git.extract import extract_facts


def facts(source: str, lang: str = "typescript"):
    return extract_facts(lang, textwrap.dedent(source).encode())


def test_es_imports_and_reexports_one_row_per_binding():
    f = facts('''\
        import def1, { a, b as c } from "./m";
        import * as ns from "./n";
        import "./side";
        export * from "./all";
        export * as grouped from "./g";
        export { x, y as z } from "./r";
        const r = require("./req");
        const { p, q: qq } = require("./pq");
        const lazy = import("./lazy");
    ''', "javascript")
    rows = sorted((row.kind, row.module, row.name, row.alias) for row in f.imports)
    assert rows == sorted([
        ("import", "./m", "default", "def1"),
        ("import", "./m", "a", None),
        ("import", "./m", "b", "c"),
        ("import", "./n", "*", "ns"),
        ("import", "./side", None, None),
        ("export_from", "./all", "*", None),
        ("export_from", "./g", "*", "grouped"),
        ("export_from", "./r", "x", None),
        ("export_from", "./r", "y", "z"),
        ("require", "./req", None, "r"),
        ("require", "./pq", "p", "p"),
        ("require", "./pq", "q", "qq"),
        ("dynamic_import", "./lazy", None, None),
    ])


def test_typescript_declarations_kinds_and_exported_flag():
    f = facts('''\
        export interface Shape { area(): number }
        type Id = string;
        export enum Color { Red }
        namespace Util { export const z = 1 }
        export abstract class Base<T> {
          size: number = 1;
          handler = (e: Event) => this.handle(e);
          static create(a: T): Base<T> { return null as any }
          handle(e: Event): void {}
        }
        export default function main(argv: string[]): number { return 0 }
        const arrow = async (x: number) => x;
        let counter = 0;
        function local() { function nested() {} }
        export { local as publicLocal };
    ''')
    kinds = {s.qualname: (s.kind, s.exported) for s in f.symbols}
    assert kinds == {
        "Shape": ("interface", 1),
        "Shape.area": ("method", 0),
        "Id": ("type", 0),
        "Color": ("enum", 1),
        "Util": ("namespace", 0),
        "Util.z": ("variable", 1),
        "Base": ("class", 1),
        "Base.size": ("variable", 0),
        "Base.handler": ("method", 0),
        "Base.create": ("method", 0),
        "Base.handle": ("method", 0),
        "main": ("function", 1),
        "arrow": ("function", 0),
        "counter": ("variable", 0),
        "local": ("function", 1),
        "local.nested": ("function", 0),
    }
    signatures = {s.qualname: s.signature for s in f.symbols}
    assert signatures["Base.create"] == "(a: T): Base<T>"
    assert signatures["arrow"] == "(x: number)"
    exports = sorted((e.name, e.local) for e in f.exports)
    assert exports == sorted([
        ("Shape", "Shape"), ("Color", "Color"), ("Base", "Base"), ("default", "main"),
        ("publicLocal", "local"),
    ])


def test_calls_with_callers_new_and_member_chains():
    f = facts('''\
        class Store {
          save(item) { this.validate(item); api.client.post("/x", item); }
        }
        function run() { const s = new Store(); helper(1, 2)(3); }
        top();
    ''', "javascript")
    calls = {(c.callee, c.caller) for c in f.calls}
    assert {
        ("this.validate", "Store.save"), ("api.client.post", "Store.save"), ("Store", "run"),
        ("helper(1, 2)", "run"), ("helper", "run"), ("top", "<module>"),
    } <= calls
    args = {c.callee: c.args for c in f.calls}
    assert args["api.client.post"] == '"/x", item'


def test_assignments_declarators_and_expressions():
    f = facts('''\
        const a = 1, b = f();
        function g() { a2 = 3; n += 1; }
    ''', "javascript")
    assert sorted(f.assignments) == sorted([
        (1, 6, "<module>", "a", "1"),
        (1, 13, "<module>", "b", "f()"),
        (2, 15, "g", "a2", "3"),
        (2, 23, "g", "n", "+= 1"),
    ])


def test_syntax_error_recovers_other_facts():
    f = facts('''\
        function good() { return 1 }
        function broken( {
        export const later = 2;
    ''', "javascript")
    assert f.parse_errors
    names = {s.qualname for s in f.symbols}
    assert "good" in names


def test_tsx_and_jsx_parse():
    tsx = facts("export const App = () => <div onClick={() => go()}>hi</div>;\n", "tsx")
    assert tsx.parse_errors == []
    assert ("App", "function") in {(s.qualname, s.kind) for s in tsx.symbols}
    jsx = facts("function C() { return <b>{render()}</b> }\n", "javascript")
    assert jsx.parse_errors == [] and {c.callee for c in jsx.calls} == {"render"}


def test_tsconfig_with_comments_and_trailing_commas():
    f = extract_facts("tsconfig", b'''{
      // comment
      "extends": "./base.json",
      "compilerOptions": { "baseUrl": "src", /* c */ "paths": { "@app/*": ["app/*",], }, },
    }''')
    assert f.parse_errors == []
    assert f.ts_configs == [("src", '{"@app/*": ["app/*"]}', "./base.json")]
    broken = extract_facts("tsconfig", b'{"compilerOptions": ')
    assert broken.parse_errors and broken.ts_configs == []


@pytest.mark.parametrize("adversarial", [
    b"/*" * 1_000_000,  # unterminated block comments: the old pattern rescanned to the end
    b"{" + b"," + b" " * 2_000_000 + b"x",  # a comma and a long run of spaces, not trailing
    b'{"a": "' + b"\\\\" * 1_000_000,  # an unterminated string of escapes
    b"[" * 100_000,  # nesting deeper than the JSON reader recurses
])
def test_tsconfig_reading_is_linear_on_adversarial_input(adversarial):
    f = extract_facts("tsconfig", adversarial)
    assert len(f.parse_errors) == 1 and f.ts_configs == []


def test_tsconfig_comment_markers_inside_strings_are_text():
    f = extract_facts("tsconfig", b'{"compilerOptions": {"baseUrl": "a//b/*c*/", "paths": {},},}')
    assert f.ts_configs == [("a//b/*c*/", "{}", None)]
