"""Type-directed call resolution for TypeScript and JavaScript: one construct per case, each
with its negative twin. `use.ts` (or `use.js`) calls; `models.ts` defines."""
from __future__ import annotations

import pytest

MODELS = """\
export class Helper { run() {} }
export class Other { run() {} }
export class Base { save() {} check() {} }
export interface Runner { run(): void }
export function make(): Helper { return new Helper(); }
export const shared = new Helper();
"""
IMPORTS = 'import { Helper, Other, Base, Runner, make, shared } from "./models";\n'

CASES = {
    # name: (use.ts after the imports, callee, {(qualname, resolution)})
    "a constant from new": (
        "const h = new Helper();\nh.run();\n", "h.run", {("Helper.run", "inferred")}),
    "two different values: each is possible": (
        "let h = new Helper();\nh = new Other();\nh.run();\n", "h.run",
        {("Helper.run", "possible"), ("Other.run", "possible")}),
    "two values, one unknown": (
        "let h = new Helper();\nh = make2();\nh.run();\n", "h.run", set()),
    "two values whose member is one method": (
        "class A extends Base {}\nclass B extends Base {}\nlet h = new A();\nh = new B();\nh.save();\n",
        "h.save", {("Base.save", "inferred")}),
    "two values, one without the member": (
        "let h = new Helper();\nh = new Base();\nh.run();\n", "h.run", set()),
    "a conditional value": (
        "const h = Math.random() ? new Helper() : new Other();\nh.run();\n", "h.run",
        {("Helper.run", "possible"), ("Other.run", "possible")}),
    "a loop over classes": (
        "for (const K of [Helper, Other]) { new K().run(); }\n", "new K().run",
        {("Helper.run", "possible"), ("Other.run", "possible")}),
    "a loop over what is not a literal": (
        "const ks = [Helper];\nfor (const K of ks) { new K().run(); }\n", "new K().run", set()),
    "an object literal's method": (
        "const api = { get() {}, post: function () {} };\napi.get();\napi.post();\n", "api.get",
        {("api.get", "inferred")}),
    "an object literal's member holding a function": (
        "function t() {}\nconst api = { t, alias: t };\napi.alias();\n", "api.alias", {("t", "inferred")}),
    "an object literal's member holding an instance": (
        "const box = { h: new Helper() };\nbox.h.run();\n", "box.h.run", {("Helper.run", "inferred")}),
    "an object literal's member replaced": (
        "const api = { get() {} };\napi.get = other;\napi.get();\n", "api.get", set()),
    "an object literal's member added": (
        "const api = {};\napi.run = make;\napi.run();\n", "api.run", {("make", "inferred")}),
    "an object literal's unknown member": (
        "const api = { get() {} };\napi.put();\n", "api.put", set()),
    "a const object literal of a declared type": (
        "interface Api { get(): void }\nconst api: Api = { get() {} };\napi.get();\n", "api.get",
        {("api.get", "inferred")}),
    "a let object literal of a declared type": (
        "interface Api { get(): void }\nlet api: Api = { get() {} };\napi.get();\n", "api.get",
        {("Api.get", "annotated")}),
    "a method of an object literal binds no name": (
        "function run() { return { shared() {} }; }\nfunction use() { shared.run(); }\n"
        "function f() { const o = [{ shared() {} }]; shared.run(); }\n", "shared.run",
        {("Helper.run", "inferred")}),
    "an object literal spread": (
        "const api = { ...base, get() {} };\napi.get();\n", "api.get", set()),
    "a default value": (
        "function f(x?: Helper) { const h = x ?? new Helper(); h.run(); }\n", "h.run",
        {("Helper.run", "inferred")}),
    "a parameter's annotation": (
        "function f(h: Helper) { h.run(); }\n", "h.run", {("Helper.run", "annotated")}),
    "an unannotated parameter": (
        "function f(h) { h.run(); }\n", "h.run", set()),
    "T | null": (
        "function f(h: Helper | null) { h.run(); }\n", "h.run", {("Helper.run", "annotated")}),
    "a union of two classes": (
        "function f(h: Helper | Other) { h.run(); }\n", "h.run", set()),
    "an interface's method": (
        "function f(r: Runner) { r.run(); }\n", "r.run", {("Runner.run", "annotated")}),
    "an interface's unknown member": (
        "function f(r: Runner) { r.stop(); }\n", "r.stop", set()),
    "a method of an interface it extends": (
        "interface Named extends Runner { name(): string }\n"
        "function f(n: Named) { n.run(); }\n", "n.run", {("Runner.run", "annotated")}),
    "an interface extending one outside the repository": (
        "import { Ext } from 'ext';\ninterface Named extends Ext, Runner {}\n"
        "function f(n: Named) { n.run(); }\n", "n.run", set()),
    "an object type alias": (
        "type Shape = { run(): void };\nfunction f(s: Shape) { s.run(); }\n", "s.run",
        {("Shape.run", "annotated")}),
    "a type alias of no object type": (
        "type Shape = Helper | Other;\nfunction f(s: Shape) { s.run(); }\n", "s.run", set()),
    "an interface property typed by a class": (
        "interface Opts { h: Helper }\nfunction f(o: Opts) { o.h.run(); }\n", "o.h.run",
        {("Helper.run", "annotated")}),
    "an interface property of no known type": (
        "interface Opts { h: any }\nfunction f(o: Opts) { o.h.run(); }\n", "o.h.run", set()),
    "an interface property of a function type": (
        "interface Opts { done: (h: Helper) => void }\nfunction f(o: Opts) { o.done(); }\n",
        "o.done", {("Opts.done", "annotated")}),
    "an interface merged with a function": (
        "interface Ctor { init(): void }\n"
        "function Ctor(): Ctor { function init() {} return null as any; }\n"
        "const made: Ctor = Ctor();\nmade.init();\n", "made.init", {("Ctor.init", "annotated")}),
    "the function merged with an interface, called": (
        "interface Ctor { init(): void }\nfunction Ctor(): Ctor { return null as any; }\n"
        "Ctor();\n", "Ctor", {("Ctor", "direct")}),
    "a class's own method before its interface's": (
        "class Impl implements Runner { run() {} }\nnew Impl().run();\n", "new Impl().run",
        {("Impl.run", "direct")}),
    "an object type in an annotation binds no name": (
        "const h = new Helper();\nfunction f(o: { m(h: number): void }) { h.run(); }\n",
        "h.run", {("Helper.run", "inferred")}),
    "a member destructured from this": (
        "class Box { h = new Helper(); open() { const { h } = this; h.run(); } }\n", "h.run",
        {("Helper.run", "inferred")}),
    "a renamed member destructured": (
        "class Box { h = new Helper(); open() { const { h: x } = this; x.run(); } }\n", "x.run",
        {("Helper.run", "inferred")}),
    "a destructured member with a default": (
        "class Box { h = new Helper(); open() { const { h = shared } = this; h.run(); } }\n",
        "h.run", set()),
    "an overloaded method's signatures declare what it returns": (
        "class Maker { make(a: string): Helper; make(a: any) { return a; } }\n"
        "new Maker().make('').run();\n", "new Maker().make().run", {("Helper.run", "annotated")}),
    "a return annotation": (
        "make().run();\n", "make().run", {("Helper.run", "annotated")}),
    "a returned value": (
        "function mk() { return new Other(); }\nmk().run();\n", "mk().run", {("Other.run", "inferred")}),
    "a callback's return is not the function's": (
        "function mk() { [1].map(() => { return new Other(); }); }\nmk().run();\n", "mk().run", set()),
    "an arrow function's body is its value": (
        "const mk = () => new Other();\nmk().run();\n", "mk().run", {("Other.run", "inferred")}),
    "a method inherited across files": (
        "class Sub extends Base {}\nnew Sub().save();\n", "new Sub().save", {("Base.save", "inherited")}),
    "a mixin base is not followed": (
        "declare function mixin(b: any): any;\nclass Sub extends mixin(Base) {}\nnew Sub().save();\n",
        "new Sub().save", set()),
    "a base outside the repository": (
        'import { Component } from "react";\nclass Sub extends Component {}\nnew Sub().save();\n',
        "new Sub().save", set()),
    "this in a method": (
        "class C { a() { this.b(); } b() {} }\n", "this.b", {("C.b", "self")}),
    "this in an arrow function inside a method": (
        "class C { a() { [1].map(() => this.b()); } b() {} }\n", "this.b", {("C.b", "self")}),
    "this in a function expression inside a method": (
        "class C { a() { [1].map(function () { this.b(); }); } b() {} }\n", "this.b", set()),
    "super.m()": (
        "class Sub extends Base { save() { super.save(); } }\n", "super.save", {("Base.save", "inherited")}),
    "a field's value": (
        "class C { h = new Helper(); go() { this.h.run(); } }\n", "this.h.run", {("Helper.run", "inferred")}),
    "a parameter property": (
        "class C { constructor(private h: Helper) {} go() { this.h.run(); } }\n", "this.h.run",
        {("Helper.run", "annotated")}),
    "this.x assigned in the constructor": (
        "class C { h: any; constructor() { this.h = new Helper(); } go() { this.h.run(); } }\n",
        "this.h.run", set()),  # the field's declared `any` says nothing: not followed
    "this.x assigned in the constructor, undeclared": (
        "class C { constructor() { this.h = new Helper(); } go() { this.h.run(); } }\n",
        "this.h.run", {("Helper.run", "inferred")}),
    "this.x assigned an unknown value too": (
        "class C { constructor() { this.h = new Helper(); } reset(x) { this.h = x; }"
        " go() { this.h.run(); } }\n", "this.h.run", set()),
    "a module instance imported": (
        "shared.run();\n", "shared.run", {("Helper.run", "inferred")}),
    "a type assertion": (
        "declare const thing: unknown;\nconst h = thing as Helper;\nh.run();\n", "h.run",
        {("Helper.run", "annotated")}),
    "a parameter shadows the import": (
        "function f(shared) { shared.run(); }\n", "shared.run", set()),
    "a loop variable shadows the import": (
        "declare const xs: any[];\nfor (const shared of xs) { shared.run(); }\n", "shared.run", set()),
    "an assignment in a nested function assigns the enclosing variable": (
        "function f() { let h: Helper | null = null; function reset() { h = null; } h.run(); }\n",
        "h.run", {("Helper.run", "annotated")}),
    "a nested function assigns it another value": (
        "function f() { let h = new Helper(); function g() { h = new Other(); } h.run(); }\n",
        "h.run", {("Helper.run", "possible"), ("Other.run", "possible")}),
    "overloads that agree": (
        "function mk(x: number): Helper;\nfunction mk(x: string): Helper;\n"
        "function mk(x: any): Helper { return new Helper(); }\nmk(1).run();\n",
        "mk().run", {("Helper.run", "annotated")}),
    "overloads that differ": (
        "function mk(x: number): Helper;\nfunction mk(x: string): Other;\n"
        "function mk(x: any): any { return null; }\nmk(1).run();\n", "mk().run", set()),
    "a chain through a call with arguments": (
        "function mk(a: number): Helper { return new Helper(); }\nmk(1 + 2).run();\n",
        "mk().run", {("Helper.run", "annotated")}),
    "a callback's parameter typed by the callee": (
        "function operate(init: (a: number, h: Helper) => void) {}\n"
        "operate((n, h) => { h.run(); });\n", "h.run", {("Helper.run", "annotated")}),
    "a constructor's callback parameter": (
        "class Obs { constructor(subscribe?: (this: Obs, h: Helper) => void) {} }\n"
        "new Obs(function (h) { h.run(); });\n", "h.run", {("Helper.run", "annotated")}),
    "a callee that declares no function type": (
        "function operate(init: any) {}\noperate((h) => { h.run(); });\n", "h.run", set()),
    "two callbacks give one name two types": (
        "function a(f: (h: Helper) => void) {}\nfunction b(f: (h: Other) => void) {}\n"
        "a((h) => h.run());\nb((h) => h.run());\n", "h.run",
        {("Helper.run", "possible"), ("Other.run", "possible")}),
    "an arrow function's bare parameter shadows the import": (
        "[1].map(shared => shared.run());\n", "shared.run", set()),
    "a class call links its inherited constructor": (
        "class A { constructor() {} }\nclass B extends A {}\nnew B();\n", "B",
        {("B", "direct"), ("A.constructor", "init")}),
    "a static method": (
        "class C { static make() {} }\nC.make();\n", "C.make", {("C.make", "direct")}),
}


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_call_resolution(repo, case):
    source, callee, expected = CASES[case]
    repo.write("models.ts", MODELS)
    repo.write("use.ts", IMPORTS + source)
    repo.aud("index")
    found = set(repo.query(
        "SELECT target_qualname, resolution FROM call_links WHERE file = 'use.ts' AND callee = ?",
        callee))
    assert found == expected
    assert repo.query("SELECT 1 FROM calls WHERE file = 'use.ts' AND callee = ?", callee)


def test_commonjs_exports_require_and_plain_javascript_classes(repo):
    repo.write("lib.js", "class Box { open() {} }\nfunction make() { return new Box(); }\n"
                         "module.exports = { Box, make };\n")
    repo.write("use.js", 'const { make } = require("./lib");\nmake().open();\n')
    repo.write("direct.js", "class Box { open() { this.close(); } close() {} }\n"
                            "const b = new Box();\nb.open();\n")
    repo.write("props.js", "function helper() {}\nexports.helper = helper;\n"
                           "module.exports.other = function other() {};\n")
    repo.write("use2.js", 'const lib = require("./props");\nlib.helper();\nlib.other();\n')
    repo.aud("index")
    assert set(repo.query("SELECT callee, target_qualname FROM call_links WHERE file = 'direct.js'")) \
        == {("this.close", "Box.close"), ("Box", "Box"), ("b.open", "Box.open")}
    assert set(repo.query("SELECT callee, target_qualname FROM call_links WHERE file = 'use.js'")) \
        == {("make", "make"), ("make().open", "Box.open")}
    assert set(repo.query("SELECT callee, target_qualname FROM call_links WHERE file = 'use2.js'")) \
        == {("lib.helper", "helper"), ("lib.other", "other")}


@pytest.mark.parametrize("lib, use, expected", [
    ("class Box { open() {} }\nmodule.exports = Box;\n",
     'const Box = require("./lib");\nnew Box().open();\n', {("Box", "Box"), ("new Box().open", "Box.open")}),
    ("module.exports = function make() {};\n", 'const make = require("./lib");\nmake();\n',
     {("make", "make")}),
    ("class Box { open() {} }\nmodule.exports = Box;\n", 'import Box from "./lib";\nnew Box().open();\n',
     {("Box", "Box"), ("new Box().open", "Box.open")}),
    ("class Box { open() {} }\nexport = Box;\n", 'import Box = require("./lib");\nnew Box().open();\n',
     {("Box", "Box"), ("new Box().open", "Box.open")}),
    ("function helper() {}\nmodule.exports = make();\nmodule.exports.helper = helper;\n",
     'const lib = require("./lib");\nlib.helper();\n', set()),
    ("function helper() {}\nexports.helper = helper;\n", 'import lib from "./lib";\nlib.helper();\n',
     set()),
], ids=["a class", "a named function expression", "a default import of it", "TypeScript's export =",
        "a value not followed hides the members", "no whole-module assignment: no default"])
def test_a_whole_module_assignment_is_what_require_gives(repo, lib, use, expected):
    ext = ".ts" if "export =" in lib else ".js"
    repo.write("lib" + ext, lib)
    repo.write("use" + ext, use)
    repo.aud("index")
    assert set(repo.query("SELECT callee, target_qualname FROM call_links WHERE file = ?",
                          "use" + ext)) == expected


@pytest.mark.parametrize("path, text, expected", [
    ("base.ts", "export class Base { save() {} }\n", {("new Sub().save", "Base.save")}),
    ("sub.ts", 'import { Base } from "./base";\nexport class Sub extends Base { save() {} }\n',
     {("new Sub().save", "Sub.save")}),
    ("make.ts", 'import { Other } from "./kinds";\nexport function make(): Other { return null; }\n',
     {("make().run", "Other.run")}),
], ids=["a method added to a base class", "an override added", "a return annotation changed"])
def test_an_edit_relinks_the_callers_that_read_it(repo, path, text, expected):
    repo.write("base.ts", "export class Base {}\n")
    repo.write("sub.ts", 'import { Base } from "./base";\nexport class Sub extends Base {}\n')
    repo.write("kinds.ts", "export class Helper { run() {} }\nexport class Other { run() {} }\n")
    repo.write("make.ts", 'import { Helper } from "./kinds";\nexport function make(): Helper { return null; }\n')
    repo.write("use.ts", 'import { Sub } from "./sub";\nimport { make } from "./make";\n'
                         "new Sub().save();\nmake().run();\n")
    repo.commit()
    repo.aud("index")
    repo.write(path, text)
    repo.aud("index", "--incremental")
    found = set(repo.query("SELECT callee, target_qualname FROM call_links WHERE file = 'use.ts'"
                           " AND callee IN ('new Sub().save', 'make().run')"))
    assert found == expected | ({("make().run", "Helper.run")} if path != "make.ts" else set())
    repo.assert_exact()


@pytest.mark.parametrize("text, expected", [
    ("export interface Runner { stop(): void }\n", {("r.stop", "Runner.stop")}),
    ("export interface Runner extends Base {}\nexport interface Base { stop(): void }\n",
     {("r.stop", "Base.stop")}),
    ("export const api = { stop() {} };\nexport interface Runner {}\n", {("api.stop", "api.stop")}),
], ids=["a member added to an interface", "a base interface that declares it",
        "an object literal's method"])
def test_an_interface_or_object_edit_relinks_its_callers(repo, text, expected):
    repo.write("shapes.ts", "export interface Runner {}\nexport const api = {};\n")
    repo.write("use.ts", 'import { Runner, api } from "./shapes";\n'
                         "function f(r: Runner) { r.stop(); }\napi.stop();\n")
    repo.commit()
    repo.aud("index")
    assert repo.query("SELECT 1 FROM call_links WHERE file = 'use.ts'") == []
    repo.write("shapes.ts", text)
    repo.aud("index", "--incremental")
    assert set(repo.query("SELECT callee, target_qualname FROM call_links WHERE file = 'use.ts'")) \
        == expected
    repo.assert_exact()
