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
MAX_VALUES = 8  # values one expression may give (`a if c else b or d`); more is unknown
# What a name bound to a list, tuple or set display (a dict display: MAPPING) holds: a
# container, whose elements
# are the rows of the name followed by ELEMENTS (`handlers[]`): the display's values, and
# what `handlers[k] = v`, `.append(v)`, `.add(v)`, `.insert(i, v)`, `.setdefault(k, v)` put
# in (`.extend`, `.update` and the like: `?`).
CONTAINER = "[]"  # a list, tuple or set display
MAPPING = "{:}"  # a dict display
ELEMENTS = "[]"
ITERATE = "__iter__()"  # what a loop over a chain takes from it: `handlers.__iter__()`
_PUTS = {"append": 0, "add": 0, "appendleft": 0, "insert": 1, "setdefault": 1}
_FILLS = frozenset({"extend", "update", "extendleft", "__setitem__", "__ior__", "__iadd__"})
_CHANGES = _FILLS | set(_PUTS)
# Rows that bind a name in a scope: where an element written in a function belongs.
_BINDING = frozenset({"assign", "param", "param_default", "annotation", "receiver"})
MAX_STEPS = 64  # nodes of `if`/`else`, `or` and `and` walked for them
_COLLECTIONS = frozenset({"tuple", "list", "set", "expression_list"})
_CHOICES = frozenset({"conditional_expression", "boolean_operator"})
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

    def values(self, node) -> list[str]:
        """Every value an expression may give, distinct: each branch of `a if c else b`, each
        operand of `a or b` (and of `and`), else its one value; more than MAX_VALUES (or a
        walk longer than MAX_STEPS) is unknown."""
        node = bare(node)
        if node.type not in _CHOICES:
            return [self.value(node)]
        found: list[str] = []
        stack = [node]
        for _ in range(MAX_STEPS):
            if not stack:
                return list(dict.fromkeys(found))
            current = bare(stack.pop())
            if current.type == "conditional_expression" and len(named(current)) == 3:
                body, _, orelse = named(current)
                stack += [orelse, body]
            elif current.type == "boolean_operator":
                stack += [current.child_by_field_name("right"), current.child_by_field_name("left")]
            else:
                found.append(self.value(current))
                if len(found) > MAX_VALUES:
                    break
        return [UNKNOWN]

    def elements(self, node) -> list[str] | None:
        """The values a literal tuple, list or set holds (`(f, g)`), or None for anything else."""
        node = bare(node)
        if node.type not in _COLLECTIONS:
            return None
        found: list[str] = []
        for element in named(node):
            if element.type in ("list_splat", "parenthesized_list_splat"):
                return None
            found += self.values(element)
        return list(dict.fromkeys(found)) if len(found) <= MAX_VALUES else [UNKNOWN]

    def container(self, node) -> list[str] | None:
        """The values a list, tuple, set or dict display holds (a dict: its values), or None
        for any other expression, and where one of them (or an unpacking, `*a`, `**d`) is not
        followed."""
        node = bare(node)
        if node.type == "dictionary":
            items = [c.child_by_field_name("value") if c.type == "pair" else None
                     for c in named(node)]
        elif node.type in ("list", "tuple", "set"):
            items = [None if c.type in ("list_splat", "parenthesized_list_splat") else c
                     for c in named(node)]
        else:
            return None
        found: list[str] = []
        for item in items:
            found += self.values(item) if item is not None else [UNKNOWN]
            if UNKNOWN in found or len(found) > MAX_VALUES:
                # Elements not followed (strings, numbers, ...): the name holds a value not
                # followed either, and no element rows are needed (most displays are data).
                return None
        return list(dict.fromkeys(found))

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
    enclosing: Callable[[Any], list[str]]  # a scope and the functions around it, innermost first
    ident: Callable[[Any], str]
    puts: list[tuple[Any, list[str], str, list[str]]]  # (node, enclosing, name, values)

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

    def bind_value(self, scope, target, origin: str, expr: str, suffix: str = "") -> None:
        target = bare(target)
        if target.type == "identifier":
            self.record(target, scope, self.ident(target) + suffix, origin, expr)
        elif target.type == "attribute" and scope.receiver is not None:
            attribute = self.own_attribute(scope, target)
            if attribute is not None:
                self.record(attribute, scope, self.ident(attribute) + suffix, origin, expr,
                            owner=scope.qualname.rpartition(".")[0])
        elif target.type == "subscript" and origin == "assign" and not suffix:
            is_slice = any(c.type == "slice" for c in target.children_by_field_name("subscript"))
            self.put(scope, target.child_by_field_name("value"), [UNKNOWN if is_slice else expr])
        elif target.type != "attribute":
            for name in names_in(target, _PATTERNS):
                self.record(name, scope, self.ident(name), "assign", UNKNOWN)

    def own_attribute(self, scope, target):
        """The attribute node of `self.x` in a method (its receiver), else None."""
        obj = bare(target.child_by_field_name("object"))
        if obj.type == "identifier" and self.ident(obj) == scope.receiver:
            return target.child_by_field_name("attribute")
        return None

    def put(self, scope, container, exprs: list[str]) -> None:
        """Elements put into the container a name or `self.x` holds. A name's are kept until
        finish_elements knows which scope binds it (a function may fill a module's dict)."""
        container = bare(container)
        if container.type == "attribute" and scope.receiver is not None:
            for expr in exprs:
                self.bind_value(scope, container, "assign", expr, ELEMENTS)
        elif container.type == "identifier":
            self.puts.append((container, self.enclosing(scope), self.ident(container), exprs))

    def mutation(self, node, scope, callee: str) -> None:
        """`h.append(v)`, `h.update(...)` and the like: elements put into a container."""
        if callee.rpartition(".")[2] not in _CHANGES:
            return
        function = bare(node.child_by_field_name("function"))
        arguments = node.child_by_field_name("arguments")
        if function.type != "attribute" or arguments is None:
            return
        method = self.ident(function.child_by_field_name("attribute"))
        if method in _PUTS:
            values = [a for a in named(arguments)]
            position = _PUTS[method]
            plain = len(values) == position + 1 and values[position].type not in (
                "keyword_argument", "list_splat", "dictionary_splat")
            exprs = self.text_of.values(values[position]) if plain else [UNKNOWN]
        elif method in _FILLS:
            exprs = [UNKNOWN]
        else:
            return
        self.put(scope, function.child_by_field_name("object"), exprs)

    def finish_elements(self) -> None:
        """Each element put into a name's container goes to the scope that binds the name: the
        innermost of the enclosing ones whose rows bind it, else the module."""
        if not self.puts:
            return
        bound = {row.target for row in self.facts.types if row.origin in _BINDING}
        containers = {row.target for row in self.facts.types if row.expr in (CONTAINER, MAPPING)}
        for node, chain, name, exprs in self.puts:
            owner = next((q for q in chain if f"{q}.{name}" in bound), "")
            holder = f"{owner}.{name}" if owner else name
            if holder not in containers:
                continue  # `errors.append(e)`: the name holds no container display
            target = holder + ELEMENTS
            point = node.start_point
            for expr in exprs:
                self.facts.types.append(type_fact(point.row + 1, point.column, chain[0] if chain
                                                  else "<module>", target, "assign", expr))

    def assignment_types(self, node, scope, targets: list, value, annotation) -> None:
        elements = self.text_of.container(value) if value is not None else None
        if elements is not None:
            exprs = [MAPPING if bare(value).type == "dictionary" else CONTAINER]
        else:
            exprs = self.text_of.values(value) if value is not None else []
        for target in targets:
            if annotation is not None:
                self.bind_value(scope, target, "annotation", self.text_of.annotation(annotation))
            if exprs and bare(target).type in _PATTERNS:
                self.bind_value(scope, target, "assign", UNKNOWN)  # which element is which
                continue
            for expr in exprs:
                self.bind_value(scope, target, "assign", expr)
            if elements is not None and bare(target).type in ("identifier", "attribute"):
                for expr in elements:
                    self.bind_value(scope, target, "assign", expr, ELEMENTS)

    def walrus(self, node) -> None:
        name = node.child_by_field_name("name")
        scope = self.scope_at(node.start_byte)
        for expr in self.text_of.values(node.child_by_field_name("value")):
            self.bind_value(scope, name, "assign", expr)

    def declared_outside(self, node) -> None:
        scope = self.scope_at(node.start_byte)
        origin = "global" if node.type == "global_statement" else "nonlocal"
        for name in node.named_children:
            if name.type == "identifier":
                self.record(name, scope, self.ident(name), origin, "")
                if origin == "global" and scope.kind == "function":
                    scope.globals.add(self.ident(name))

    def loop(self, node) -> None:
        """`for x in (f, g)`: x holds each element; `for x in chain`: what iterating the chain
        gives (`chain.__iter__()`: a container's elements, a generator's values); over
        anything else, or into a pattern, values not followed."""
        target, iterable = node.child_by_field_name("left"), node.child_by_field_name("right")
        if iterable is None or bare(target).type != "identifier":
            self.bind_unknown(node, [target])
            return
        elements = self.text_of.elements(iterable)
        if elements is None:
            chain = self.text_of.value(iterable)
            elements = [f"{chain}.{ITERATE}" if chain not in (UNKNOWN, NONE) else UNKNOWN]
        scope = self.scope_at(node.start_byte)
        for expr in elements:
            self.bind_value(scope, target, "assign", expr)

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
            exprs = [UNKNOWN]
        elif values:
            exprs = self.text_of.values(values[0]) if len(values) == 1 else [UNKNOWN]
        else:
            exprs = [NONE]
        point = node.start_point
        origin = "return" if node.type == "return_statement" else "yield"
        for expr in exprs:
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
