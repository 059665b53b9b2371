from __future__ import annotations

import textwrap

from aud_git.extract import extract_facts


def facts(source: str):
    return extract_facts("python", textwrap.dedent(source).encode())


def test_definitions_with_qualnames_kinds_parents_and_positions():
    f = facts('''\
        class Base:
            limit: int = 3

            def save(self, force=False, *args, key: str = "k", **kw) -> bool:
                def inner():
                    pass

            async def fetch(self, /, x):
                pass

        def helper(a, b=1):
            return a
    ''')
    rows = {(s[1], s[2], s[3]): s for s in f.symbols}
    assert set(rows) == {
        ("Base", "class", None),
        ("Base.limit", "variable", "Base"),
        ("Base.save", "method", "Base"),
        ("Base.save.inner", "function", "Base.save"),
        ("Base.fetch", "method", "Base"),
        ("helper", "function", None),
    }
    save = rows[("Base.save", "method", "Base")]
    assert save[4:8] == (4, 4, 6, 16)
    assert save[8] == '(self, force=False, *args, key: str = "k", **kw) -> bool'
    assert rows[("Base.fetch", "method", "Base")][8] == "(self, /, x)"
    assert rows[("helper", "function", None)][8] == "(a, b=1)"


def test_class_signature_and_module_level_variables_once_each():
    f = facts('''\
        import abc
        X = 1
        X = 2
        a, (b, *c) = 1, (2, 3)
        class C(abc.ABC, metaclass=abc.ABCMeta):
            pass
        def f():
            local = 1
    ''')
    variables = sorted(s[1] for s in f.symbols if s[2] == "variable")
    assert variables == ["X", "a", "b", "c"]
    (cls,) = [s for s in f.symbols if s[2] == "class"]
    assert cls[8] == "(abc.ABC, metaclass=abc.ABCMeta)"


def test_exported_follows_all_or_underscore_rule():
    plain = facts("def public(): pass\ndef _private(): pass\nclass K:\n    def m(self): pass\n    def _h(self): pass\n")
    exported = {s[1]: s[9] for s in plain.symbols}
    assert exported == {"public": 1, "_private": 0, "K": 1, "K.m": 1, "K._h": 0}
    with_all = facts("__all__ = ['b']\ndef a(): pass\ndef b(): pass\n")
    exported = {s[1]: s[9] for s in with_all.symbols}
    assert exported["a"] == 0 and exported["b"] == 1


def test_imports_one_row_per_binding():
    f = facts('''\
        import os
        import os.path as osp, sys
        from . import sibling
        from ..pkg.mod import a, b as c
        from m import *
    ''')
    assert sorted(f.imports) == sorted([
        (1, 7, "import", "os", None, None, 0),
        (2, 7, "import", "os.path", None, "osp", 0),
        (2, 23, "import", "sys", None, None, 0),
        (3, 14, "from", None, "sibling", None, 1),
        (4, 22, "from", "pkg.mod", "a", None, 2),
        (4, 25, "from", "pkg.mod", "b", "c", 2),
        (5, 14, "from", "m", "*", None, 0),
    ])


def test_calls_callee_as_written_caller_and_args():
    f = facts('''\
        import os
        os.path.join("a", b=2)
        class C:
            x = make()
            def run(self):
                self.save(1)
                m.C().method()
                funcs[0]()
    ''')
    calls = {(c[3], c[2]): c for c in f.calls}
    assert calls[("os.path.join", "<module>")][4] == '"a", b=2'
    assert ("make", "C") in calls
    assert calls[("self.save", "C.run")][4] == "1"
    assert ("m.C().method", "C.run") in calls
    assert ("m.C", "C.run") in calls
    assert ("funcs[0]", "C.run") in calls


def test_call_in_decorator_and_default_belongs_to_enclosing_scope():
    f = facts('''\
        class C:
            @register(1)
            def m(self, x=default()):
                body()
    ''')
    callers = {c[3]: c[2] for c in f.calls}
    assert callers == {"register": "C", "default": "C", "body": "C.m"}


def test_assignments_plain_annotated_augmented():
    f = facts('''\
        x = y = compute(1)
        z: int = 5
        w: int
        def f():
            x += 2
    ''')
    assert sorted(f.assignments) == sorted([
        (1, 0, "<module>", "x", "compute(1)"),
        (1, 4, "<module>", "y", "compute(1)"),
        (2, 0, "<module>", "z", "5"),
        (5, 4, "f", "x", "+= 2"),
    ])


def test_non_ascii_columns_are_utf8_byte_offsets():
    f = facts('s = "é"; call("ü")\n')
    (call,) = f.calls
    assert call[:2] == (1, 10)
    assert call[4] == '"ü"'


def test_latin1_coding_cookie_is_decoded():
    data = '# -*- coding: latin-1 -*-\nname = "caf\xe9"\n'.encode("latin-1")
    f = extract_facts("python", data)
    assert f.parse_errors == []
    assert f.assignments == [(2, 0, "<module>", "name", '"café"')]
