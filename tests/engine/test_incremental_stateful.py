"""The invariant, proved by search: after any sequence of edits and git operations,
`aud index --incremental` gives exactly the database a full rebuild gives."""
from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)

import aud_git.link as link
from aud_git.extract import index_file as real_index_file
from aud_git.serve.fresh import FreshIndex
from conftest import Repo

PY_PATHS = ["a.py", "b.py", "pkg/__init__.py", "pkg/c.py", "pkg/d.py", "pkg/sub/e.py",
            "pkg/sub/__init__.py", "src/lib/f.py",
            "pkg/odd\udcff.py", '"quoted.py']  # names in any bytes: stored losslessly
TS_PATHS = ["w/x.ts", "w/y.ts", "w/index.ts", "w/z/index.ts", "w/z.js", "w/pk/index.ts",
            "w/pk/x.ts", "tsconfig.json"]
PACKAGE_PATHS = ["package.json", "w/pk/package.json"]
ALL_PATHS = PY_PATHS + TS_PATHS + PACKAGE_PATHS
PY_LINES = [
    "import a", "import pkg.c", "from pkg import c", "from pkg import d as dd", "from . import d",
    "from .c import fn_x", "from pkg.sub import e", "from a import *", "from lib import f",
    "import b", "from pkg.c import K", "import pkg.sub", "import w",
    "def fn_x():\n    return fn_y()", "def fn_y():\n    pass", "def fn_z(a=fn_x()):\n    pass",
    "class K:\n    def m(self):\n        self.n()\n    def n(self):\n        pass",
    "class K:\n    def n(self):\n        pass", "a.K().n()", "K.m(None)",
    "fn_x()", "c.fn_y()", "a.K().m()", "dd.fn_z()", "e.fn_x()", "K()", "f.fn_y()",
    "VALUE = fn_y()", "def broken(:", "__all__ = ['fn_x']",
    "def fn_s() -> \"K\":\n    return K()", "type Alias = K", "<<<<<<< HEAD",
    "def fn_g[T](x: T) -> T:\n    return fn_x()", "type(obj).attr = fn_y()", "items = [*fn_x()]",
    # class hierarchies, annotations, attributes and values read across files
    "class L(K):\n    def go(self):\n        self.n()\n        super().m()",
    "class L(a.K, K):\n    pass", "from pkg.c import K as Base\nclass L(Base):\n    def n(self):\n        pass",
    "def fn_t(k: K) -> 'K':\n    k.n()\n    return k", "fn_s().n()", "obj = fn_s()\nobj.m()",
    "obj = K()", "obj.n()", "inst = a.K()", "a.inst.n()", "b.obj.m()", "L().n()", "a.L().go()",
    "class H:\n    def __init__(self):\n        self.k = K()\n    def go(self):\n        self.k.n()",
    "class H:\n    k: 'a.K'\n    def go(self):\n        self.k.m()", "H().go()", "a.H().k.n()",
    "def fn_s() -> 'a.K':\n    ...", "from typing import Optional\ndef fn_o(x: Optional['K'] = None):\n    x.m()",
    "def setk():\n    global obj\n    obj = a.K()", "fn_t(None).m()",
    # values that flow: choices, loops over literals, containers filled here and elsewhere
    "H = {'x': fn_x, 'y': fn_y}", "H = {'k': K()}", "H['x']()", "a.H['k'].n()", "H.get('y')()",
    "def fill():\n    H['z'] = fn_z", "L = [fn_x]\nL.append(K)\nL[0]()", "b.L[0]().m()",
    "pick = fn_x if VALUE else fn_y\npick()", "for g in (fn_x, a.fn_y):\n    g()",
    "obj = K() or a.L()", "from a import H\nH['y']()",
    "def gen():\n    yield K()", "for k in gen():\n    k.n()", "for k in a.gen():\n    k.m()",
    "for f in L:\n    f()", "for f in H.values():\n    f()",
]
TS_LINES = [
    'import { t1 } from "./x";', 'import * as ns from "./y";', 'import d from "./z";',
    'export * from "./x";', 'export { t2 as renamed } from "./y";', 'import { t1 } from "@/x";',
    "export function t1() { return t2(); }", "export function t2() {}",
    "export default class D { run() { this.stop(); } stop() {} }", "t1();", "ns.t2();",
    "export default class D { static make() {} }", "export class E { static make() {} }",
    "export class E { static other() {} }", 'import { E } from "./x"; E.make();', "d.make();",
    "new d();", "const req = require('./x'); req.t1();", "export const broken = (;",
    "export interface t1 { x: number }", "export type E = { y: string };", "ns.t1();",
    # classes, annotations and values across files
    'import { E } from "./x"; export class F extends E { go() { this.other(); super.other(); } }',
    "export class E { other() {} static make(): E { return new E(); } }",
    'import { F } from "./y"; new F().other();', "export function mk(): E { return new E(); }",
    "mk().other();", "const e = new E(); e.other();", "export const inst = new E();",
    'import { inst } from "./x"; inst.other();', "class G { constructor(private e: E) {} go() { this.e.other(); } }",
    "module.exports = { t1, renamed: t2 };", "exports.t2 = t2;", "const zz = require('./z'); zz.t1(); zz.renamed();",
    "export function op(init: (e: E) => void) {}", 'import { op } from "./x"; op((e) => e.other());',
    # interfaces, whole-module assignments, destructuring, packages of the repository
    "export interface I { other(): void; e: E }", "export interface I extends E { more(): void }",
    'import { I } from "./x"; function use(i: I) { i.other(); i.e.other(); i.more(); }',
    "class C2 implements I { other() {} }", "module.exports = E;", "export = E;",
    "const E2 = require('./x'); new E2().other();", 'import E3 from "./y"; new E3().other();',
    "class B2 { e = new E(); go() { const { e } = this; e.other(); } }",
    'import { t1 } from "pk"; t1();', 'import { E } from "pk/x"; new E().other();',
    "const pick = Math.random() ? t1 : t2; pick();", "for (const f of [t1, t2]) { f(); }",
    "let e2 = new E(); e2 = inst ?? new E(); e2.other();",
    "export const api = { t1, go() { t2(); }, e: new E() };", "api.t1 = t2;",
    'import { api } from "./x"; api.go(); api.t1(); api.e.other();',
]
PACKAGES = [
    '{"workspaces": ["w/*"]}', '{"workspaces": ["w/pk"]}', '{"name": "root"}', "{ broken",
    '{"name": "pk", "main": "index.ts"}', '{"name": "pk", "exports": {".": "./index.ts", "./x": "./x.ts"}}',
    '{"name": "other", "main": "x.ts"}', '{"name": "pk", "exports": "./gone.js", "source": "x.ts"}',
]
TS_CONFIGS = [
    '{"compilerOptions": {"baseUrl": ".", "paths": {"@/*": ["w/*"]}}}',
    '{"compilerOptions": {"baseUrl": "w"}}', '{"compilerOptions": {"paths": {"@/*": ["w/z/*"]}}}',
    "{ broken",
]
BRANCHES = ["main", "topic", "other"]
EXCLUDES = ["", "exclude = ['w/']\n", "exclude = ['*.ts', '!w/x.ts']\n", "exclude = ['/a.py']\n"]
ATTRIBUTES = ["", "*.py ident\n", "*.ts text eol=crlf\n", "* text=auto\n"]

settings.register_profile(
    "default-suite", max_examples=40, stateful_step_count=25, deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
settings.register_profile(
    "soak", max_examples=1000, stateful_step_count=50, deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


class IndexMachine(RuleBasedStateMachine):
    @initialize()
    def start(self) -> None:
        self.scratch = tempfile.mkdtemp(prefix="aud-machine-")
        self.repo = Repo(Path(self.scratch) / "repo")
        self.repo.write("a.py", "def fn_x():\n    pass\n")
        self.repo.write("w/x.ts", "export function t1() {}\n")
        self.repo.commit("root")
        for branch in BRANCHES[1:]:
            self.repo.git("branch", branch)
        self.repo.aud("index")
        # An `aud mcp` server that stays up through every step: it decides from stat data
        # whether to update before it answers (serve/fresh.py).
        self.server = FreshIndex(str(self.repo.path))
        self.checks = 0
        # Every full build from here (the reference builds included) links in runs of two
        # files and forgets what it read past six files' facts: no row may depend on either.
        self.link_bounds = (link._SLICE, link._FORGET_ABOVE)
        link._SLICE, link._FORGET_ABOVE = 2, 6

    def teardown(self) -> None:
        if hasattr(self, "link_bounds"):
            link._SLICE, link._FORGET_ABOVE = self.link_bounds
        if hasattr(self, "server") and self.server.conn is not None:
            self.server.conn.close()
        if hasattr(self, "scratch"):
            shutil.rmtree(self.scratch, ignore_errors=True)

    def pick(self, data, paths: list[str]) -> str | None:
        """One of `paths`, if it exists. Drawn from the fixed list, never from what is on disk:
        hypothesis replays the same draws only when they do not depend on the outcome of
        earlier git steps (whose results may hang on the clock)."""
        path = data.draw(st.sampled_from(paths))
        return path if (self.repo.path / path).exists() else None

    @rule(path=st.sampled_from(PY_PATHS), lines=st.lists(st.sampled_from(PY_LINES), max_size=6))
    def write_python(self, path, lines):
        self.repo.write(path, "\n".join(lines) + "\n")

    @rule(path=st.sampled_from(TS_PATHS[:-1]), lines=st.lists(st.sampled_from(TS_LINES), max_size=5))
    def write_script(self, path, lines):
        self.repo.write(path, "\n".join(lines) + "\n")

    @rule(text=st.sampled_from(TS_CONFIGS))
    def write_tsconfig(self, text):
        self.repo.write("tsconfig.json", text)

    @rule(path=st.sampled_from(PACKAGE_PATHS), text=st.sampled_from(PACKAGES))
    def write_package(self, path, text):
        self.repo.write(path, text)

    @rule(data=st.data())
    def delete(self, data):
        path = self.pick(data, ALL_PATHS)
        if path is not None:
            self.repo.remove(path)

    @rule(data=st.data(), destination=st.sampled_from(PY_PATHS + TS_PATHS[:-1]))
    def rename(self, data, destination):
        source = self.pick(data, ALL_PATHS)
        if source is not None:
            (self.repo.path / destination).parent.mkdir(parents=True, exist_ok=True)
            os.replace(self.repo.path / source, self.repo.path / destination)

    @rule(text=st.sampled_from(EXCLUDES))
    def configure_exclude(self, text):
        self.repo.write("aud.toml", text)

    @rule(text=st.sampled_from(ATTRIBUTES))
    def write_attributes(self, text):
        self.repo.write(".gitattributes", text)

    @rule(data=st.data())
    def checkout_again(self, data):
        """git writes a file anew (its conversions apply) and still calls it clean."""
        path = self.pick(data, ALL_PATHS)
        if path is not None:
            (self.repo.path / path).unlink()
            self.repo.git("checkout", "--", path, check=False)

    @rule(data=st.data(), lines=st.lists(st.sampled_from(PY_LINES), min_size=1, max_size=4))
    def save_during_update(self, data, lines):
        """A file saved after the snapshot and before the update reads it."""
        path = self.pick(data, PY_PATHS)
        if path is None:
            return
        self.repo.write(path, "# about to change\n" + (self.repo.path / path).read_text())

        def saved_meanwhile(rel, abs_path, *args):
            if rel == path:
                self.repo.write(path, "\n".join(lines) + "\n")
            return real_index_file(rel, abs_path, *args)

        with pytest.MonkeyPatch.context() as patch:
            patch.setattr("aud_git.engine.extraction.index_file", saved_meanwhile)
            self.repo.aud("index", "--incremental", "-q")

    @rule(data=st.data(), flag=st.sampled_from(["--assume-unchanged", "--skip-worktree",
                                                "--no-assume-unchanged", "--no-skip-worktree"]))
    def tell_git_not_to_look(self, data, flag):
        """Edits to such a file are invisible to `git status`; later rules edit it."""
        path = data.draw(st.sampled_from(ALL_PATHS + ["aud.toml", ".gitattributes"]))
        self.repo.git("update-index", flag, path, check=False)  # git refuses untracked paths

    @rule(split=st.booleans())
    def split_index(self, split):
        """core.splitIndex: libgit2 cannot read such an index; git itself answers."""
        self.repo.git("update-index", "--split-index" if split else "--no-split-index")

    @rule(patterns=st.sampled_from([None, ["w"], ["/a.py", "/*.ts"]]))
    def sparse_checkout(self, patterns):
        if patterns is None:
            self.repo.git("sparse-checkout", "disable", check=False)
        else:
            self.repo.git("sparse-checkout", "set", "--no-cone", *patterns, check=False)

    @rule()
    def full_from_cache(self):
        """A full build that takes what it can from the extraction cache."""
        self.repo.aud("index", "--full", "-q")

    @rule(all_files=st.booleans())
    def commit(self, all_files):
        # check=False: in a sparse checkout git refuses paths outside the patterns
        self.repo.git("add", "-A" if all_files else "-u", check=False)
        self.repo.git("commit", "-q", "--allow-empty", "--no-verify", "-m", "step", check=False)

    @rule(branch=st.sampled_from(BRANCHES), force=st.booleans())
    def checkout(self, branch, force):
        self.repo.git("checkout", "-q", *(["-f"] if force else []), branch, check=False)

    @rule(branch=st.sampled_from(BRANCHES), then=st.sampled_from(["resolve", "abort", "leave"]))
    def merge(self, branch, then):
        result = self.repo.git("merge", "-q", "--no-edit", branch, check=False)
        if result.returncode != 0:
            if then == "resolve":
                self.repo.git("add", "-A", check=False)
                self.repo.git("commit", "-q", "--no-verify", "-m", "resolved", check=False)
            elif then == "abort":
                self.repo.git("merge", "--abort", check=False)
            # "leave": the conflict stays unresolved, markers and stages and all

    @rule()
    def reset_hard(self):
        self.repo.git("reset", "-q", "--hard", "HEAD~1", check=False)

    @rule(pop=st.booleans())
    def stash(self, pop):
        self.repo.git("stash", "pop" if pop else "push", "-q", "--include-untracked", check=False)

    @invariant()
    def incremental_equals_full(self):
        """Every other step, the server answers first: what it answers from is exact."""
        if hasattr(self, "repo"):
            self.checks += 1
            if self.checks % 2 == 0:
                self.server.ensure_fresh()
                self.repo.assert_exact()
            self.repo.aud("index", "--incremental", "-q")
            self.repo.assert_exact()


def test_incremental_equals_full_after_any_sequence():
    run_state_machine_as_test(IndexMachine, settings=settings.get_profile("default-suite"))


@pytest.mark.soak
def test_incremental_equals_full_soak():
    run_state_machine_as_test(IndexMachine, settings=settings.get_profile("soak"))
