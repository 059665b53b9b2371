from __future__ import annotations

import textwrap

import pytest

from aud_git.extract import extract_facts
from aud_git.extract.facts import Symbol


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
    rows = {(s.qualname, s.kind, s.parent): s for s in f.symbols}
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
    assert save.signature == '(self, force=False, *args, key: str = "k", **kw) -> bool'
    assert rows[("Base.fetch", "method", "Base")].signature == "(self, /, x)"
    assert rows[("helper", "function", None)].signature == "(a, b=1)"


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
    variables = sorted(s.qualname for s in f.symbols if s.kind == "variable")
    assert variables == ["X", "a", "b", "c"]
    (cls,) = [s for s in f.symbols if s.kind == "class"]
    assert cls.signature == "(abc.ABC, metaclass=abc.ABCMeta)"


def test_exported_follows_all_or_underscore_rule():
    plain = facts("def public(): pass\ndef _private(): pass\nclass K:\n    def m(self): pass\n    def _h(self): pass\n")
    exported = {s.qualname: s.exported for s in plain.symbols}
    assert exported == {"public": 1, "_private": 0, "K": 1, "K.m": 1, "K._h": 0}
    with_all = facts("__all__ = ['b']\ndef a(): pass\ndef b(): pass\n")
    exported = {s.qualname: s.exported for s in with_all.symbols}
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
    calls = {(c.callee, c.caller): c for c in f.calls}
    assert calls[("os.path.join", "<module>")].args == '"a", b=2'
    assert ("make", "C") in calls
    assert calls[("self.save", "C.run")].args == "1"
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
    callers = {c.callee: c.caller for c in f.calls}
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
    assert call.args == '"ü"'


def test_latin1_coding_cookie_is_decoded():
    data = '# -*- coding: latin-1 -*-\nname = "caf\xe9"\n'.encode("latin-1")
    f = extract_facts("python", data)
    assert f.parse_errors == []
    assert f.assignments == [(2, 0, "<module>", "name", '"café"')]


def symbol(f, qualname: str) -> Symbol:
    (row,) = [s for s in f.symbols if s.qualname == qualname]
    return row


@pytest.mark.parametrize("annotation", ['"Response"', "1", "...", "'a' 'b'", "None"])
def test_constant_return_annotation_is_a_signature(annotation):
    f = facts(f"def f() -> {annotation}:\n    pass\n")
    assert f.parse_errors == []
    assert symbol(f, "f").signature == f"() -> {annotation}"


@pytest.mark.parametrize("source", [
    "type Alias = list[int]\n",
    "def first[T](items: list[T]) -> T:\n    return items[0]\n",
    "class Box[T: (int, str)]:\n    pass\n",
    "x = f\"{'a' + f\"{y['k']}\"}\"\n",
    "try:\n    pass\nexcept* ValueError:\n    pass\n",
    "match p:\n    case Point(x=0) | [1, *rest] if rest:\n        go()\n",
    "def f(*args: *Ts):\n    pass\n",
])
def test_syntax_of_any_python_version_parses_under_every_host(source):
    assert facts(source).parse_errors == []


def test_a_syntax_error_keeps_the_facts_around_it():
    f = facts('''\
        def before():
            helper()
        <<<<<<< HEAD
        x = 1
        =======
        x = 2
        >>>>>>> topic
        def after(a):
            return a
    ''')
    assert f.parse_errors and f.parse_errors[0].line == 3
    assert {"before", "after"} <= {s.qualname for s in f.symbols}
    assert ("helper", "before") in {(c.callee, c.caller) for c in f.calls}


def test_trailing_comments_and_continuations_do_not_extend_a_definition():
    f = facts("def f():\n    return 1 + \\\n        2\n    # trailing\n\n# after\n")
    assert symbol(f, "f")[4:8] == (1, 0, 3, 9)


def test_grouping_parentheses_are_looked_through():
    f = facts("(a.b)(c)\n((m.C)()).run()\n(w) = 3\nf((x), y)\n")
    calls = {c.callee: c for c in f.calls}
    assert calls["a.b"][:2] == (1, 0) and calls["a.b"].args == "c"
    assert "m.C().run" in calls
    assert calls["f"].args == "x), y"  # from the first argument to the last, as Python's tree has them
    assert symbol(f, "w")[4:6] == (3, 1)


def test_starred_calls_in_displays_call_the_operand():
    # tree-sitter-python parses `[*a.b()]` as a call of `(*a).b`
    f = facts("x = [*dict.fromkeys(keys)]\ny = {*g()[0].h()}\n")
    assert sorted((c.line, c.col, c.callee) for c in f.calls) == [
        (1, 6, "dict.fromkeys"), (2, 6, "g"), (2, 6, "g()[0].h"),
    ]


def test_attribute_of_type_call_is_an_assignment_not_a_type_alias():
    # tree-sitter-python parses `type(x).attr = v` as a type alias statement
    f = facts("def f(m):\n    type(m).foo = make()\ntype Alias = int\n")
    assert sorted((c.caller, c.callee, c.args) for c in f.calls) == [("f", "make", ""), ("f", "type", "m")]
    assert f.assignments == [(2, 4, "f", "type(m).foo", "make()")]


def test_chained_assignments_and_target_names():
    f = facts("a = b = c()\n(d, [e, *g]) = h = 1, 2\n")
    assert sorted(r.target for r in f.assignments) == ["(d, [e, *g])", "a", "b", "h"]
    assert sorted(s.qualname for s in f.symbols if s.kind == "variable") == ["a", "b", "d", "e", "g", "h"]


def test_a_name_is_recorded_at_its_last_binding_unless_a_definition_binds_it():
    f = facts("X = 1\nX = 2\ndef g(): pass\ng = wrap(g)\nh = 1\ndef h(): pass\n")
    assert symbol(f, "X").line == 2
    assert sorted((s.qualname, s.kind) for s in f.symbols) == [
        ("X", "variable"), ("g", "function"), ("g", "variable"), ("h", "function"),
    ]


def test_all_with_concatenated_and_escaped_strings():
    f = facts("__all__ = ('pu' 'blic', '\\x61')\ndef public(): pass\ndef a(): pass\ndef b(): pass\n")
    assert {s.qualname: s.exported for s in f.symbols} == {"__all__": 0, "public": 1, "a": 1, "b": 0}


def test_identifiers_are_nfkc_normalized_as_python_reads_them():
    f = facts("ｗｗｗ = 1\nµ()\n")
    assert [s.qualname for s in f.symbols] == ["www"]
    assert [c.callee for c in f.calls] == ["μ"]


def test_lone_carriage_returns_are_line_breaks():
    f = extract_facts("python", b"def a():\r    pass\rdef b():\r    pass\r")
    assert sorted((s.qualname, s.line) for s in f.symbols) == [("a", 1), ("b", 3)]


def test_an_undecodable_cookie_is_a_parse_error_with_facts_kept():
    f = extract_facts("python", b"# coding: no-such-codec\ndef kept(): pass\n")
    assert f.parse_errors == [(1, 0, "SyntaxError: unknown encoding: no-such-codec")]
    assert [s.qualname for s in f.symbols] == ["kept"]


def test_valid_code_the_grammar_cannot_parse_keeps_the_facts_around_it():
    # tree-sitter-python 0.25: a bracketed line ending in an operator, continued less indented
    # than its block (valid Python; see KNOWN_GRAMMAR_GAPS in test_sweep.py)
    f = facts("def before():\n    pass\ndef f():\n    x = (a +\nb)\ndef after():\n    pass\n")
    assert [row.line for row in f.parse_errors] == [4, 5]
    assert {"before", "f", "after"} <= {s.qualname for s in f.symbols}
