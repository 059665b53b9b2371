"""The text of a Python type or value in the few shapes the linker follows.

An annotation becomes the dotted name of the class it declares (`Optional["m.C"]`, `m.C | None`
and `ClassVar[m.C]` are all `m.C`; `List[C]` is `List`, which the linker will not find among
the repository's classes); a value becomes a chain of names and calls (`m.make().build()`).
Any other shape is `?`, which the linker takes for "unknown", never for "nothing". String
annotations are parsed by the same pinned grammar as the file, one level deep. The node
helpers `bare`, `named` and `names_in` serve python.py too.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aud_git.extract.facts import Facts, type_fact

UNKNOWN = "?"
NONE = "None"
MAX_CHAIN = 200  # characters of a chain; longer is unknown
# Wrappers whose first argument is the type itself.
_TRANSPARENT = frozenset({"Optional", "ClassVar", "Final", "Annotated", "Required",
                          "NotRequired", "ReadOnly"})


def bare(node):
    """`node` without grouping parentheses (a one-element `(x)` target included)."""
    while True:
        kind = node.type
        if kind == "parenthesized_expression" or (
            kind == "tuple_pattern" and not any(c.type == "," for c in node.children)
        ):
            inner = named(node)
            if len(inner) != 1:
                return node
            node = inner[0]
        elif kind == "type" and node.named_child_count == 1:
            node = node.named_children[0]
        else:
            return node


def named(node) -> list:
    """Named children but comments and line continuations."""
    return [c for c in node.named_children if not c.is_extra]


def _args(node) -> list:
    """The arguments of `X[...]` (a subscript, or the grammar's `generic_type` in annotations)."""
    if node.type == "subscript":
        return [c for c in node.children_by_field_name("subscript") if not c.is_extra]
    parameters = next((c for c in node.named_children if c.type == "type_parameter"), None)
    return [] if parameters is None else [c for c in parameters.named_children if not c.is_extra]


class TypeText:
    """Normalizes annotation and value nodes of one source; `ident` reads an identifier as
    Python does, `parse` parses a string annotation's text."""

    def __init__(self, ident: Callable, parse: Callable) -> None:
        self.ident = ident
        self.parse = parse

    def dotted(self, node) -> str | None:
        parts = []
        node = bare(node)
        while node.type == "attribute":
            parts.append(self.ident(node.child_by_field_name("attribute")))
            node = bare(node.child_by_field_name("object"))
        if node.type != "identifier":
            return None
        parts.append(self.ident(node))
        return ".".join(reversed(parts))

    def annotation(self, node, strings: int = 1) -> str:
        node = bare(node)
        kind = node.type
        if kind == "none":
            return NONE
        if kind in ("identifier", "attribute"):
            return self.dotted(node) or UNKNOWN
        if kind == "string" and strings:
            inner = self.parse(node)
            return self.annotation(inner, strings - 1) if inner is not None else UNKNOWN
        if kind == "binary_operator" and node.child_by_field_name("operator").type == "|":
            return self.union([node.child_by_field_name("left"),
                               node.child_by_field_name("right")], strings)
        if kind == "union_type":
            return self.union(node.named_children, strings)
        if kind in ("subscript", "generic_type"):
            return self.generic(node, strings)
        return UNKNOWN

    def generic(self, node, strings: int) -> str:
        head = node.child_by_field_name("value") if node.type == "subscript" else node.named_children[0]
        name = self.dotted(head)
        if name is None:
            return UNKNOWN
        last = name.rpartition(".")[2]
        args = _args(node)
        if last in _TRANSPARENT and args:
            return self.annotation(args[0], strings)
        if last == "Union":
            return self.union(args, strings)
        return name  # a generic class: `Repo[T]` is a `Repo`; `List[T]` is not ours

    def union(self, members: list, strings: int) -> str:
        kinds = {self.annotation(m, strings) for m in members} - {NONE}
        return kinds.pop() if len(kinds) == 1 else UNKNOWN

    def value(self, node) -> str:
        """`a.b`, `C()`, `m.make().build` ...: names, attributes and calls (arguments left out)."""
        node = bare(node)
        if node.type == "none":
            return NONE
        parts: list[str] = []
        while True:
            if node.type == "attribute":
                parts.append("." + self.ident(node.child_by_field_name("attribute")))
                node = bare(node.child_by_field_name("object"))
            elif node.type == "call" and node.child_by_field_name("arguments").type == "argument_list":
                parts.append("()")
                node = bare(node.child_by_field_name("function"))
            elif node.type == "identifier":
                parts.append(self.ident(node))
                text = "".join(reversed(parts))
                return text if len(text) <= MAX_CHAIN else UNKNOWN
            else:
                return UNKNOWN


def names_in(target, patterns: frozenset[str]) -> list:
    """The identifiers a binding target binds (`a`, `(a, [b, *c])`), looking into the
    `patterns` node types."""
    names, stack = [], [target]
    while stack:
        node = bare(stack.pop())
        if node.type == "identifier":
            names.append(node)
        elif node.type in patterns:
            stack.extend(named(node))
    return names


# Binding targets: assignments' patterns, and the expression forms `for`, `with` and `except`
# targets take.
_PATTERNS = frozenset({"pattern_list", "tuple_pattern", "list_pattern", "list_splat_pattern",
                       "tuple", "list", "list_splat", "as_pattern_target", "expression_list"})
_STATIC = frozenset({"staticmethod"})
_CLASS_RECEIVERS = frozenset({"classmethod"})


class TypeRecorder:
    """The `types` rows of the Python walker (python.py), which supplies `scope_at`, `ident`,
    `facts` and `text_of` (a `TypeText`). Every name a function binds gets a row, `?` when
    its value is not followed, so a local is never mistaken for the global of the same name."""

    facts: Facts
    text_of: TypeText
    scope_at: Callable[[int], Any]
    ident: Callable[[Any], str]

    def record(self, node, scope, name: str, origin: str, expr: str, owner: str | None = None) -> None:
        where = scope.qualname or "<module>"
        if owner is None:
            # `global x` in a function: what it assigns to `x` is the module's `x`.
            owner = "" if name in scope.globals and origin != "global" else scope.qualname
        point = node.start_point
        self.facts.types.append(type_fact(point.row + 1, point.column, where,
                                         f"{owner}.{name}" if owner else name, origin, expr))

    def bind_unknown(self, node, targets) -> None:
        """Names bound by a loop, `with`, `except`, a pattern, a lambda: values not followed."""
        scope = self.scope_at(node.start_byte)
        for target in targets:
            for name in names_in(target, _PATTERNS):
                self.record(name, scope, self.ident(name), "assign", UNKNOWN)

    def bind_value(self, scope, target, origin: str, expr: str) -> None:
        target = bare(target)
        if target.type == "identifier":
            self.record(target, scope, self.ident(target), origin, expr)
        elif target.type == "attribute" and scope.receiver is not None:
            obj = bare(target.child_by_field_name("object"))
            if obj.type == "identifier" and self.ident(obj) == scope.receiver:
                attribute = target.child_by_field_name("attribute")
                self.record(attribute, scope, self.ident(attribute), origin, expr,
                            owner=scope.qualname.rpartition(".")[0])
        elif target.type != "attribute" and target.type != "subscript":
            for name in names_in(target, _PATTERNS):
                self.record(name, scope, self.ident(name), "assign", UNKNOWN)

    def assignment_types(self, node, scope, targets: list, value, annotation) -> None:
        expr = self.text_of.value(value) if value is not None else None
        for target in targets:
            if annotation is not None:
                self.bind_value(scope, target, "annotation", self.text_of.annotation(annotation))
            if expr is not None:
                if bare(target).type in _PATTERNS:
                    expr = UNKNOWN  # unpacking: which element is which is not followed
                self.bind_value(scope, target, "assign", expr)

    def walrus(self, node) -> None:
        name = node.child_by_field_name("name")
        self.bind_value(self.scope_at(node.start_byte), name, "assign",
                        self.text_of.value(node.child_by_field_name("value")))

    def declared_outside(self, node) -> None:
        scope = self.scope_at(node.start_byte)
        origin = "global" if node.type == "global_statement" else "nonlocal"
        for name in node.named_children:
            if name.type == "identifier":
                self.record(name, scope, self.ident(name), origin, "")
                if origin == "global" and scope.kind == "function":
                    scope.globals.add(self.ident(name))

    def loop(self, node) -> None:
        self.bind_unknown(node, [node.child_by_field_name("left")])

    def alias(self, node) -> None:
        alias = node.child_by_field_name("alias")
        if alias is None and node.named_child_count:
            alias = node.named_children[-1]
        if alias is not None:
            self.bind_unknown(node, [alias])

    def lambda_params(self, node) -> None:
        parameters = node.child_by_field_name("parameters")
        if parameters is not None:
            self.bind_unknown(node, [_param_name(p) for p in parameters.named_children
                                     if _param_name(p) is not None])

    def decorators(self, node) -> list[str]:
        parent = node.parent
        if parent is None or parent.type != "decorated_definition":
            return []
        return [self.text_of.value(d.named_children[0]) for d in parent.named_children
                if d.type == "decorator" and d.named_child_count]

    def function_types(self, node, scope, qualname: str, method: bool) -> str | None:
        """Rows of a definition's decorators, parameters and return; its receiver's name."""
        decorators = self.decorators(node)
        for decorator in decorators:
            self.record(node, scope, qualname.rpartition(".")[2], "decorator", decorator)
        returns = node.child_by_field_name("return_type")
        if returns is not None:
            self.record(returns, scope, qualname.rpartition(".")[2], "returns",
                        self.text_of.annotation(returns))
        parameters = node.child_by_field_name("parameters")
        params = [] if parameters is None else [
            (p, name) for p in parameters.named_children if (name := _param_name(p)) is not None]
        last_parts = {d.rpartition(".")[2] for d in decorators}
        receiver = None
        if method and params and not last_parts & _STATIC:
            first = params.pop(0)[1]
            receiver = self.ident(first)
            kind = "class" if last_parts & _CLASS_RECEIVERS or qualname.endswith(".__new__") else "instance"
            self.facts.types.append(self.param_row(first, scope, qualname, receiver, "receiver", kind))
        rows = self.facts.types
        for param, name in params:
            kind = param.type
            annotation = None if kind == "identifier" else param.child_by_field_name("type")
            if annotation is None or _starred(param):  # `*args: C` holds a tuple of C
                expr = UNKNOWN
            else:
                expr = self.text_of.annotation(annotation)
            # A parameter without a default may be a pytest fixture's value.
            origin = "param_default" if "default" in kind else "param"
            rows.append(self.param_row(name, scope, qualname, self.ident(name), origin, expr))
        return receiver

    def param_row(self, node, scope, qualname: str, name: str, origin: str, expr: str):
        """A parameter of `qualname`; its annotation is evaluated where the `def` is."""
        point = node.start_point
        return type_fact(point.row + 1, point.column, scope.qualname or "<module>",
                        f"{qualname}.{name}", origin, expr)

    def returned(self, node) -> None:
        """`return x` and `yield x`: what a function gives (a generator, a pytest fixture)."""
        scope = self.scope_at(node.start_byte)
        if scope.kind != "function":
            return
        values = [c for c in node.named_children if not c.is_extra]
        if node.type == "yield" and any(c.type == "from" for c in node.children):
            expr = UNKNOWN
        elif values:
            expr = self.text_of.value(values[0]) if len(values) == 1 else UNKNOWN
        else:
            expr = NONE
        point = node.start_point
        origin = "return" if node.type == "return_statement" else "yield"
        self.facts.types.append(type_fact(point.row + 1, point.column, scope.qualname,
                                         scope.qualname, origin, expr))

    def super_arguments(self, node, scope, arguments) -> None:
        """`super(C, self)`: which class's MRO it reads (`super()` needs no row)."""
        first = next((a for a in arguments.named_children if not a.is_extra), None)
        if first is not None:
            self.record(node, scope, "super", "super", self.text_of.value(first))

    def class_types(self, node, scope, name: str) -> None:
        for decorator in self.decorators(node):
            self.record(node, scope, name, "decorator", decorator)
        bases = node.child_by_field_name("superclasses")
        for base in [] if bases is None else bases.named_children:
            if base.type not in ("keyword_argument", "dictionary_splat") and not base.is_extra:
                value = bare(base)
                if value.type in ("subscript", "generic_type"):  # `Generic[T]`, `Base[int]`
                    value = bare(value.child_by_field_name("value") or value.named_children[0])
                self.record(base, scope, name, "base", self.text_of.dotted(value) or UNKNOWN)


def _starred(param) -> bool:
    if param.type in ("list_splat_pattern", "dictionary_splat_pattern"):
        return True
    return param.type == "typed_parameter" and param.named_children[0].type != "identifier"


def _param_name(param):
    """The identifier a parameter binds, or None (`*`, `/`)."""
    if param.type == "identifier":
        return param
    if param.type in ("default_parameter", "typed_default_parameter"):
        name = param.child_by_field_name("name")
        return name if name is not None and name.type == "identifier" else None
    if param.type in ("list_splat_pattern", "dictionary_splat_pattern", "typed_parameter"):
        inner = next((c for c in param.named_children if c.type != "type" and not c.is_extra), None)
        if inner is None:
            return None
        return inner if inner.type == "identifier" else _param_name(inner)
    return None
