"""The `types` rows of JavaScript and TypeScript: what names hold, for the call resolver.

The same shapes as Python's (extract/python_types.py): a TypeScript annotation becomes the
dotted name it declares (`Helper | null` is `Helper`, `ns.Box<T>` is `ns.Box`), a value a chain
of names and calls (`new Box()` is `Box()`, `make().build`), anything else `?`. `this` is a
parameter like Python's `self`: a method's is a `receiver` row (`class` in a static method); a
function's own `this` (a `function`, not an arrow function) is unknown.
"""
from __future__ import annotations

from typing import Any

from aud_git.extract.facts import Facts, type_fact

UNKNOWN = "?"
NONE = "None"
OBJECT = "{}"  # what a name bound to an object literal holds: its members are the name's
MAX_CHAIN = 200
MAX_STEPS = 32  # names, members and calls of one chain followed, at most
MAX_VALUES = 8  # values one expression may give (`c ? a : b || d`); more is unknown
_EITHER = frozenset({"||", "??", "&&"})
MODULE_SCOPE = "<module>"
_NOTHING = frozenset({"null", "undefined"})
_WRAPPERS = frozenset({"parenthesized_expression", "non_null_expression"})
_CHAIN_NAMES = frozenset({"identifier", "this", "property_identifier"})
_PATTERN_NAMES = frozenset({"identifier", "shorthand_property_identifier_pattern"})
# Functions with a `this` of their own (an arrow function sees its scope's).
_OWN_THIS = frozenset({"function_declaration", "generator_function_declaration",
                       "function_expression", "function", "generator_function"})
_FUNCTIONS = _OWN_THIS | {"arrow_function", "method_definition"}
_DECLARING = frozenset({"param", "param_default", "assign", "annotation"})


def _text(node) -> str:
    return node.text.decode("utf-8", "replace")


def value_text(node) -> str:
    """`a.b`, `f()`, `new m.C()` (as `m.C()`), `x!`: names, members and calls; else `?`."""
    parts: list[str] = []
    for _ in range(MAX_STEPS):  # bounded: every call of a long chain asks for its callee
        kind = node.type
        if kind in _WRAPPERS and node.named_child_count:
            node = node.named_children[0]
        elif kind in ("null", "undefined") and not parts:
            return NONE
        elif kind == "member_expression":
            prop = node.child_by_field_name("property")
            if prop is None or prop.type != "property_identifier":
                return UNKNOWN
            parts.append("." + _text(prop))
            node = node.child_by_field_name("object")
        elif kind in ("call_expression", "new_expression"):
            parts.append("()")
            node = node.child_by_field_name("function" if kind == "call_expression" else "constructor")
            if node is None:
                return UNKNOWN
        elif kind in ("identifier", "this"):
            text = _text(node) + "".join(reversed(parts))
            return text if len(text) <= MAX_CHAIN else UNKNOWN
        else:
            return UNKNOWN
    return UNKNOWN


def value_texts(node) -> list[str]:
    """Every value an expression may give, distinct: each branch of `c ? a : b`, each operand
    of `a || b`, `a ?? b` and `a && b`, else its one value; more than MAX_VALUES (or a walk
    longer than MAX_STEPS) is unknown."""
    found: list[str] = []
    stack = [node]
    for _ in range(MAX_STEPS):
        if not stack:
            return list(dict.fromkeys(found))
        current = stack.pop()
        while current.type in _WRAPPERS and current.named_child_count:
            current = current.named_children[0]
        operator = current.child_by_field_name("operator") if current.type == "binary_expression" else None
        if current.type == "ternary_expression":
            stack += [current.child_by_field_name("alternative"),
                      current.child_by_field_name("consequence")]
        elif operator is not None and operator.type in _EITHER:
            stack += [current.child_by_field_name("right"), current.child_by_field_name("left")]
        else:
            found.append(value_text(current))
            if len(found) > MAX_VALUES:
                break
    return [UNKNOWN]


def _array_elements(loop) -> list[str] | None:
    """The values of the array literal a `for ... of` loop walks, or None."""
    operator = loop.child_by_field_name("operator")
    array = loop.child_by_field_name("right")
    if operator is None or operator.type != "of" or array is None or array.type != "array":
        return None
    found: list[str] = []
    for element in array.named_children:
        if element.type == "spread_element":
            return None
        if not element.is_extra:
            found += value_texts(element)
    return list(dict.fromkeys(found)) if len(found) <= MAX_VALUES else [UNKNOWN]


def type_text(node) -> str:
    """A TypeScript type as the class it names: `a.B`, `B<T>` -> `B`, `B | null` -> `B`."""
    kind = node.type
    if kind in ("type_annotation", "parenthesized_type") and node.named_child_count:
        return type_text(node.named_children[-1])
    if kind in ("type_identifier", "identifier"):
        return _text(node)
    if kind == "nested_type_identifier":
        return _text(node).replace(" ", "")
    if kind == "generic_type":
        name = node.child_by_field_name("name")
        return type_text(name) if name is not None else UNKNOWN
    if kind == "union_type":
        members = {type_text(m) for m in node.named_children} - {NONE}
        return members.pop() if len(members) == 1 else UNKNOWN
    if kind in ("literal_type", "predefined_type") and _text(node) in _NOTHING:
        return NONE
    return UNKNOWN


def _is_require(value) -> bool:
    function = value.child_by_field_name("function") if value.type == "call_expression" else None
    return function is not None and function.type == "identifier" and function.text == b"require"


_SIGNATURES = frozenset({"function_signature", "method_signature", "abstract_method_signature"})


def _runtime_parameters(parameters) -> list:
    """The parameters a call passes arguments to (not a TypeScript `this: T` parameter)."""
    found = []
    for param in parameters.named_children:
        pattern = param.child_by_field_name("pattern") if "parameter" in param.type else param
        if pattern is not None and pattern.type == "this":
            continue
        found.append(param)
    return found


def _argument_of(function) -> str | None:
    """`callee#i` when the function is the i-th argument of a call (`new X(...)`: its
    `X.constructor`), else None."""
    arguments = function.parent
    if arguments is None or arguments.type != "arguments" or arguments.parent is None:
        return None
    call = arguments.parent
    if call.type == "call_expression":
        callee = value_text(call.child_by_field_name("function"))
    elif call.type == "new_expression":
        callee = value_text(call.child_by_field_name("constructor")) + ".constructor"
    else:
        return None
    if callee.startswith(UNKNOWN):
        return None
    index = [c.start_byte for c in arguments.named_children].index(function.start_byte)
    return f"{callee}#{index}"


def _names(pattern) -> list:
    """The identifiers a binding pattern binds (`{a, b: [c, ...d]}`)."""
    found, stack = [], [pattern]
    while stack:
        node = stack.pop()
        if node.type in _PATTERN_NAMES:
            found.append(node)
        elif node.type in ("pair_pattern",):
            value = node.child_by_field_name("value")
            if value is not None:
                stack.append(value)
        elif node.type == "assignment_pattern":
            left = node.child_by_field_name("left")
            if left is not None:
                stack.append(left)
        else:
            stack.extend(node.named_children)
    return found


class JsTypeRecorder:
    """Mixed into the JS walker (javascript.py), which supplies `facts`, `methods` (method
    qualname -> its class) and `scope_nodes` (where each function with a scope of its own
    starts)."""

    facts: Facts
    methods: dict[str, str]
    scope_nodes: set[int]
    classes: set[str]  # class qualnames: a class body binds no name its methods see
    declarations: set[tuple[str | None, str]]  # (scope, name) that declare a binding
    reassignments: list[tuple[Any, str | None, str, str]]  # (node, scope, name, expr)
    objects: dict[str, str]  # qualnames bound to an object literal -> their scope's kind
    member_writes: list[tuple[Any, str | None, str, str, str]]  # (node, scope, name, key, expr)

    def row(self, node, scope: str | None, target: str, origin: str, expr: str) -> None:
        name = target.rpartition(".")[2]
        if origin in _DECLARING and target == self.target(scope, name):
            self.declarations.add((scope, name))
        point = node.start_point
        self.facts.types.append(type_fact(point.row + 1, point.column, scope or MODULE_SCOPE,
                                         target, origin, expr))

    @staticmethod
    def target(scope: str | None, name: str) -> str:
        return f"{scope}.{name}" if scope else name

    def object_literal(self, name, scope: str | None, scope_kind: str) -> str:
        """`const p = { ... }`: p holds an object whose members are p's (see on_member); what
        `p.x = v` assigns anywhere p is in sight counts too (finish_types)."""
        target = self.target(scope, _text(name))
        self.row(name, scope, target, "assign", OBJECT)
        self.objects[target] = scope_kind
        return target

    def bind_unknown(self, pattern, scope: str | None) -> None:
        for name in _names(pattern):
            self.row(name, scope, self.target(scope, _text(name)), "assign", UNKNOWN)

    def bases(self, heritage, scope: str | None, qualname: str) -> None:
        """A class's bases in order: what it `extends`, then the interfaces it `implements`
        (last in its method resolution order: the class declares their members itself)."""
        for clause in heritage.named_children:
            if clause.type == "extends_clause":
                value = clause.child_by_field_name("value")
            elif clause.type == "implements_clause":
                for interface in clause.named_children:
                    self.row(interface, scope, qualname, "base", type_text(interface))
                continue
            elif heritage.type == "class_heritage":
                value = clause  # JavaScript: the expression itself
            else:
                continue
            if value is not None:  # `extends mixin(Base)` is not followed
                self.row(value, scope, qualname, "base",
                         value_text(value) if value.type != "call_expression" else UNKNOWN)

    def shape(self, declaration, scope: str | None, qualname: str) -> None:
        """An interface or object type: an `interface` row (its name, as a type, has members,
        whatever value the name also declares) and the interfaces it extends, as bases."""
        self.row(declaration, scope, qualname, "interface", UNKNOWN)
        for clause in declaration.named_children:
            if clause.type == "extends_type_clause":
                for base in clause.named_children:
                    self.row(base, scope, qualname, "base", type_text(base))

    def function_types(self, node, scope: str | None, qualname: str, method_of: str | None,
                       static: bool = False) -> None:
        """A function's receiver (`this`), return annotation and value; its parameters come
        with its `formal_parameters` (see `parameters`)."""
        self.scope_nodes.add(node.start_byte)
        self.declarations.add((qualname.rpartition(".")[0] or None, qualname.rpartition(".")[2]))
        if method_of is not None:
            self.methods[qualname] = method_of
            self.row(node, scope, f"{qualname}.this", "receiver", "class" if static else "instance")
        elif node.type in _OWN_THIS or node.type == "method_definition":
            self.row(node, scope, f"{qualname}.this", "assign", UNKNOWN)
        returns = node.child_by_field_name("return_type")
        if returns is not None:
            self.row(returns, scope, qualname, "returns", type_text(returns))
        body = node.child_by_field_name("body")
        if node.type == "arrow_function" and body is not None and body.type != "statement_block":
            for expr in value_texts(body):
                self.row(body, qualname, qualname, "return", expr)

    def parameters(self, node, scope: str | None) -> None:
        """Each parameter: its annotation (`param`, `param_default` with a default) or `?`;
        a TypeScript parameter property (`constructor(private h: Helper)`) is an attribute too;
        a parameter of a callback passed to a call, what the callee declares for it (see
        `argument_of`); a parameter typed as a function, the types of that function's own
        parameters (`callback_param`). The parameters of a function type are not bindings."""
        function = node.parent
        if function is None or function.type not in _FUNCTIONS and function.type not in _SIGNATURES:
            return
        argument = _argument_of(function) if function.start_byte not in self.scope_nodes else None
        for index, param in enumerate(_runtime_parameters(node)):
            pattern = param.child_by_field_name("pattern") if "parameter" in param.type else param
            annotation = param.child_by_field_name("type")
            if pattern is None or pattern.type != "identifier":
                if pattern is not None:
                    self.bind_unknown(pattern, scope)
                continue
            name = _text(pattern)
            if argument is not None and annotation is None:
                self.row(pattern, scope, self.target(scope, name), "argument", f"{argument}.{index}")
                continue
            default = param.child_by_field_name("value") is not None or param.type == "optional_parameter"
            expr = type_text(annotation) if annotation is not None else UNKNOWN
            self.row(pattern, scope, self.target(scope, name),
                     "param_default" if default else "param", expr)
            if annotation is not None and function.start_byte in self.scope_nodes:
                self.callback_types(annotation, scope, f"{scope}#{index}")
            owner = self.methods.get(scope or "")
            if owner is not None and any(c.type in ("accessibility_modifier", "readonly")
                                         for c in param.children):
                self.row(pattern, scope, f"{owner}.{name}", "annotation", expr)

    def callback_types(self, annotation, scope: str | None, key: str) -> None:
        """`init: (source: Observable<T>, subscriber: Subscriber<R>) => void`: a row for each
        parameter a callback passed here gets (`operate#0.1` is `Subscriber`)."""
        function_type = annotation.named_children[-1] if annotation.named_child_count else None
        if function_type is None or function_type.type != "function_type":
            return
        parameters = function_type.child_by_field_name("parameters")
        for index, param in enumerate(_runtime_parameters(parameters) if parameters else ()):
            annotation = param.child_by_field_name("type")
            if annotation is not None:
                self.row(param, scope, f"{key}.{index}", "callback_param", type_text(annotation))

    def single_parameter(self, function, scope: str | None) -> None:
        """`x => ...`: the parameter of an arrow function written without parentheses."""
        param = function.child_by_field_name("parameter")
        if param is None or param.type != "identifier":
            return
        argument = _argument_of(function)
        name = _text(param)
        if argument is not None:
            self.row(param, scope, self.target(scope, name), "argument", f"{argument}.0")
        else:
            self.row(param, scope, self.target(scope, name), "param", UNKNOWN)

    def declared(self, declarator, scope: str | None) -> None:
        """`const x: T = value`: the annotation, the value (a type assertion `v as T` is T).
        `const x = require(...)` is an import (the `imports` rows say what it binds)."""
        name = declarator.child_by_field_name("name")
        value = declarator.child_by_field_name("value")
        if name is None or (value is not None and _is_require(value)):
            return
        if name.type == "object_pattern" and value is not None:
            self.destructured(name, scope, value_text(value))
        elif name.type != "identifier":
            self.bind_unknown(name, scope)
        else:
            self.holds(name, scope, self.target(scope, _text(name)),
                       declarator.child_by_field_name("type"), value)

    def destructured(self, pattern, scope: str | None, source: str) -> None:
        """`const { a, b: c } = this`: `a` holds `this.a`, `c` holds `this.b`; a default
        value, a nested pattern or the rest holds what is not followed."""
        for member in pattern.named_children:
            key = member.child_by_field_name("key") if member.type == "pair_pattern" else member
            bound = member.child_by_field_name("value") if member.type == "pair_pattern" else member
            followed = source != UNKNOWN and key is not None and bound is not None \
                and key.type in ("shorthand_property_identifier_pattern", "property_identifier") \
                and bound.type in ("shorthand_property_identifier_pattern", "identifier")
            if followed:
                self.row(bound, scope, self.target(scope, _text(bound)), "assign",
                         f"{source}.{_text(key)}")
            else:
                self.bind_unknown(member, scope)

    def holds(self, at, scope: str | None, target: str, annotation, value) -> None:
        if annotation is not None:
            self.row(at, scope, target, "annotation", type_text(annotation))
        if value is None:
            return
        if value.type in ("as_expression", "satisfies_expression") and value.named_child_count == 2:
            if value.type == "as_expression":
                self.row(at, scope, target, "annotation", type_text(value.named_children[1]))
            value = value.named_children[0]
        for expr in value_texts(value):
            self.row(at, scope, target, "assign", expr)

    def field(self, node, scope: str | None, name_node, is_function: bool) -> None:
        """A class field: an attribute of the class, or (a function value) a method."""
        name = _text(name_node)
        value = node.child_by_field_name("value")
        if is_function:
            static = any(c.type == "static" for c in node.children)
            self.function_types(value, scope, self.target(scope, name), scope, static)
            return
        self.holds(name_node, scope, self.target(scope, name), node.child_by_field_name("type"),
                   value)

    def assigned(self, node, scope: str | None) -> None:
        """`x = value` and `this.x = value` in a method."""
        left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
        if left is None or right is None:
            return
        exprs = value_texts(right) if node.type == "assignment_expression" else [UNKNOWN]
        if left.type == "identifier":  # assigns the binding in sight: known in finish_types
            self.reassignments += [(left, scope, _text(left), expr) for expr in exprs]
        elif left.type == "member_expression":
            obj, prop = left.child_by_field_name("object"), left.child_by_field_name("property")
            owner = self.methods.get(scope or "")
            if obj is not None and obj.type == "this" and owner and prop is not None:
                for expr in exprs:
                    self.row(prop, scope, f"{owner}.{_text(prop)}", "assign", expr)
            elif obj is not None and obj.type == "identifier" and prop is not None:
                self.member_writes += [(prop, scope, _text(obj), _text(prop), expr) for expr in exprs]
        elif left.type in ("object_pattern", "array_pattern"):
            self.bind_unknown(left, scope)

    def returned(self, node, scope: str | None) -> None:
        """`return value` of the function whose scope this is (not of a callback inside it)."""
        function = node.parent
        while function is not None and function.type not in _FUNCTIONS:
            function = function.parent
        if function is None or function.start_byte not in self.scope_nodes or not scope:
            return
        values = [c for c in node.named_children if not c.is_extra]
        for expr in value_texts(values[0]) if values else [NONE]:
            self.row(node, scope, scope, "return", expr)

    def anonymous_function(self, node, scope: str | None) -> None:
        """A `function` expression inside a scope has its own `this`: calls through `this` in
        it are attributed to the scope, so the scope's `this` can no longer be known."""
        if node.type in _OWN_THIS and scope:
            self.row(node, scope, f"{scope}.this", "assign", UNKNOWN)

    def finish_types(self) -> None:
        """`x = value` assigns the nearest enclosing declaration of `x` (the module's, or an
        implicit global, when none declares it): JS assignments declare nothing. `p.x = value`
        assigns a member of the object literal p holds there, if it holds one."""
        for node, scope, name, expr in self.reassignments:
            point = node.start_point
            self.facts.types.append(type_fact(point.row + 1, point.column, scope or MODULE_SCOPE,
                                             self.target(self.declaring(scope, name), name),
                                             "assign", expr))
        for node, scope, name, key, expr in self.member_writes:
            holder = self.target(self.declaring(scope, name), name)
            if holder in self.objects:
                point = node.start_point
                self.facts.types.append(type_fact(point.row + 1, point.column,
                                                 scope or MODULE_SCOPE, f"{holder}.{key}",
                                                 "assign", expr))

    def declaring(self, scope: str | None, name: str) -> str | None:
        """The nearest scope around `scope` that declares `name` (None: the module)."""
        owner = scope
        while owner and ((owner, name) not in self.declarations or owner in self.classes):
            owner = owner.rpartition(".")[0] or None
        return owner

    def loop_or_catch(self, node, scope: str | None) -> None:
        """`for (const x of [f, g])`: x holds each element; a loop over anything else, and a
        `catch` parameter, hold values not followed."""
        bound = node.child_by_field_name("left" if node.type == "for_in_statement" else "parameter")
        if bound is None:
            return
        elements = _array_elements(node) if bound.type == "identifier" else None
        if elements is None:
            self.bind_unknown(bound, scope)
            return
        for expr in elements:
            self.row(bound, scope, self.target(scope, _text(bound)), "assign", expr)

