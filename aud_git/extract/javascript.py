"""JavaScript and TypeScript facts from tree-sitter, in one iterative walk over the syntax tree.

tree-sitter recovers from syntax errors: what it recovers is kept, and each ERROR or MISSING node
becomes a `parse_errors` row.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aud_git.extract.facts import WHOLE_MODULE, Assignment, Call, Export, Facts, Import, Symbol
from aud_git.extract.grammars import parser, syntax_error_rows
from aud_git.extract.javascript_types import JsTypeRecorder, value_text, value_texts
from aud_git.extract.text import MAX_QUALNAME, MAX_TEXT, clip, clip_span, invalid_utf8

MODULE_SCOPE = "<module>"
_FUNCTION_VALUES = frozenset({
    "arrow_function", "function_expression", "function", "generator_function",
})
_CLASS_DECLARATIONS = frozenset({"class_declaration", "abstract_class_declaration", "class"})
_FUNCTION_DECLARATIONS = frozenset({
    "function_declaration", "generator_function_declaration", "function_signature",
})
_TYPE_DECLARATIONS = {
    "interface_declaration": "interface",
    "type_alias_declaration": "type",
    "enum_declaration": "enum",
}
_NAMESPACES = frozenset({"internal_module", "module"})


# A node to visit: (node, scope, scope_kind, exported). scope is the enclosing qualname (None at
# module level), scope_kind module, namespace, class or function, exported whether it sits under
# an `export`. Plain tuples: one is made per node, and a NamedTuple costs six times as much.
Frame = tuple[Any, str | None, str, bool]


def _pos(node) -> tuple[int, int]:
    point = node.start_point
    return point.row + 1, point.column


def _string_value(node) -> str | None:
    if node.type == "string":
        return node.text[1:-1].decode("utf-8", "replace")
    if node.type == "template_string" and not any(
        c.type == "template_substitution" for c in node.named_children
    ):
        return node.text[1:-1].decode("utf-8", "replace")
    return None


def _specifiers(clause, kind: str):
    """(node, name, alias) of each `{ name as alias }` specifier of an import/export clause."""
    for spec in clause.named_children:
        name_node = spec.child_by_field_name("name")
        if spec.type != kind or name_node is None:
            continue
        alias_node = spec.child_by_field_name("alias")
        alias = alias_node.text.decode("utf-8", "replace") if alias_node is not None else None
        yield spec, name_node.text.decode("utf-8", "replace"), alias


def _dotted(node) -> str | None:
    parts = []
    while node.type == "member_expression":
        prop = node.child_by_field_name("property")
        if prop is None or prop.type not in ("property_identifier", "private_property_identifier"):
            return None
        parts.append(prop.text.decode("utf-8", "replace"))
        node = node.child_by_field_name("object")
        if node is None:
            return None
    if node.type in ("identifier", "this", "super"):
        parts.append(node.text.decode("utf-8", "replace"))
        return ".".join(reversed(parts))
    return None


def _function_name(node) -> str | None:
    """The name a function or class expression defines (`function make() {}`), else None."""
    if node.type in _FUNCTION_VALUES or node.type in _CLASS_DECLARATIONS:
        name = node.child_by_field_name("name")
        return name.text.decode() if name is not None else None
    return None


def _object_type_of(declaration):
    """The members' node of an interface or of a type alias of an object type, else None."""
    if declaration.type == "interface_declaration":
        return declaration.child_by_field_name("body")
    value = declaration.child_by_field_name("value")
    return value if value is not None and value.type == "object_type" else None


def _is_const(declarator) -> bool:
    declaration = declarator.parent
    kind = declaration.child_by_field_name("kind") if declaration is not None else None
    return kind is not None and kind.type == "const"


def _plain_object(value) -> bool:
    """An object literal whose members are all named where it is written: methods, `key:
    value` with a name or string key, shorthand names (no spread, computed key or accessor)."""
    if value is None or value.type != "object":
        return False
    for member in value.named_children:
        if member.type == "method_definition":
            name = member.child_by_field_name("name")
            accessor = any(c.type in ("get", "set", "*") for c in member.children)
            if accessor or name is None or name.type != "property_identifier":
                return False
        elif member.type == "pair":
            key = member.child_by_field_name("key")
            if key is None or key.type not in ("property_identifier", "string") \
                    or (key.type == "string" and _string_value(key) is None):
                return False
        elif member.type != "shorthand_property_identifier" and not member.is_extra:
            return False
    return True


def _function_type(annotation):
    """The `function_type` an annotation (`: (a: A) => R`) consists of, else None."""
    while annotation is not None and annotation.type in ("type_annotation", "parenthesized_type"):
        annotation = annotation.named_children[-1] if annotation.named_child_count else None
    return annotation if annotation is not None and annotation.type == "function_type" else None


def _chain(node) -> str | None:
    """`make(a).run` as `make().run`, `f<T>(x).g` as `f().g`, `new X(a).m` as `new X().m`:
    the callee forms the linker follows (arguments and type arguments left out); None for any
    other shape."""
    if node.type != "member_expression":  # `f(a)(b)` stays as written, as in Python
        return None
    chain = value_text(node)
    if chain == "?" or "()" not in chain:
        return None
    innermost = node
    while innermost is not None and innermost.type in ("member_expression", "call_expression"):
        innermost = innermost.child_by_field_name(  # as long as value_text's walk, no longer
            "object" if innermost.type == "member_expression" else "function")
    # `new X(a).m` stays a `new`: value_text writes an instance as `X()`.
    return "new " + chain if innermost is not None and innermost.type == "new_expression" else chain


class _Walker(JsTypeRecorder):
    def __init__(self, source: bytes, facts: Facts) -> None:
        self.src = source
        self.facts = facts
        self.symbols: list[Symbol] = []
        self.exported_locals: set[str] = set()
        self.methods: dict[str, str] = {}  # method qualname -> its class
        self.scope_nodes: set[int] = set()  # where functions with a scope of their own start
        self.classes: set[str] = set()
        self.declarations: set[tuple[str | None, str]] = set()
        self.reassignments: list[tuple[Any, str | None, str, str]] = []
        self.objects: dict[str, str] = {}  # object literals names hold -> where (scope kind)
        self.member_writes: list[tuple[Any, str | None, str, str, str]] = []

    def text(self, node, limit: int = MAX_TEXT) -> str:
        return clip_span(self.src, node.start_byte, node.end_byte, limit)

    def symbol(self, name_node, scope, kind, node, exported, signature=None) -> str:
        """Record a definition; returns the scope its body belongs to (see MAX_QUALNAME)."""
        if scope is not None and len(scope) > MAX_QUALNAME:
            return scope
        name = name_node.text.decode("utf-8", "replace")
        qualname = f"{scope}.{name}" if scope else name
        line, col = _pos(node)
        end = node.end_point
        self.symbols.append(Symbol(
            name, qualname, kind, scope, line, col, end.row + 1, end.column, signature,
            int(exported),
        ))
        return qualname

    def signature(self, node) -> str | None:
        params = node.child_by_field_name("parameters")
        if params is None:
            return None
        text = self.text(params)  # clipped before decoding: parameters may hold whole functions
        returns = node.child_by_field_name("return_type")
        if returns is not None and not text.endswith("…"):
            text += self.text(returns)
        return clip(text)

    def import_statement(self, node) -> None:
        rows = self.facts.imports
        source = node.child_by_field_name("source")
        for child in node.named_children:
            if child.type == "import_require_clause":
                module_node = child.child_by_field_name("source")
                alias = child.named_children[0].text.decode()
                module = _string_value(module_node) if module_node is not None else None
                rows.append(Import(*_pos(child), "require", module, None, alias, 0))
                return
        module = _string_value(source) if source is not None else None
        clause = next((c for c in node.named_children if c.type == "import_clause"), None)
        if clause is None:
            rows.append(Import(*_pos(node), "import", module, None, None, 0))
            return
        for part in clause.named_children:
            if part.type == "identifier":
                rows.append(Import(*_pos(part), "import", module, "default", part.text.decode(), 0))
            elif part.type == "namespace_import":
                alias = part.named_children[0].text.decode() if part.named_children else None
                rows.append(Import(*_pos(part), "import", module, "*", alias, 0))
            elif part.type == "named_imports":
                for spec, name, alias in _specifiers(part, "import_specifier"):
                    rows.append(Import(*_pos(spec), "import", module, name, alias, 0))

    def export_statement(self, node, scope, scope_kind, stack) -> None:
        source = node.child_by_field_name("source")
        if source is not None:
            self.re_export(node, _string_value(source))
            return
        declaration = node.child_by_field_name("declaration")
        if declaration is not None:
            if scope is None:  # a namespace's exports are members, not the module's
                is_default = any(c.type == "default" for c in node.children)
                for name in self.declared_names(declaration):
                    self.facts.exports.append(
                        Export(*_pos(declaration), "default" if is_default else name, name))
            stack.append((declaration, scope, scope_kind, True))
            return
        value = node.child_by_field_name("value")
        if value is not None:
            self.export_default(value)
            stack.append((value, scope, scope_kind, True))
            return
        if any(c.type == "=" for c in node.children):  # TypeScript's `export = X`
            value = node.named_children[0] if node.named_child_count else None
            local = value.text.decode() if value is not None and value.type == "identifier" else None
            self.facts.exports.append(Export(*_pos(node), WHOLE_MODULE, local))
            return
        for child in node.named_children:
            if child.type == "export_clause":
                for spec, name, alias in _specifiers(child, "export_specifier"):
                    self.exported_locals.add(name)
                    self.facts.exports.append(Export(*_pos(spec), alias or name, name))

    def re_export(self, node, module: str | None) -> None:
        """`export {a as b} from "m"`, `export * as ns from "m"`, `export * from "m"`."""
        rows = self.facts.imports
        named = False
        for child in node.named_children:
            if child.type == "export_clause":
                named = True
                for spec, name, alias in _specifiers(child, "export_specifier"):
                    rows.append(Import(*_pos(spec), "export_from", module, name, alias, 0))
            elif child.type == "namespace_export":
                named = True
                alias = child.named_children[0].text.decode() if child.named_children else None
                rows.append(Import(*_pos(child), "export_from", module, "*", alias, 0))
        if not named:
            rows.append(Import(*_pos(node), "export_from", module, "*", None, 0))

    def export_default(self, value) -> None:
        """`export default VALUE`: the local name it exports, when it has one."""
        local = None
        if value.type == "identifier":
            local = value.text.decode()
            self.exported_locals.add(local)
        elif value.type in _CLASS_DECLARATIONS or value.type in _FUNCTION_VALUES:
            name_node = value.child_by_field_name("name")
            local = name_node.text.decode() if name_node is not None else None
        self.facts.exports.append(Export(*_pos(value), "default", local))

    @staticmethod
    def declared_names(declaration) -> list[str]:
        if declaration.type in ("lexical_declaration", "variable_declaration"):
            names = []
            for declarator in declaration.named_children:
                name = declarator.child_by_field_name("name")
                if declarator.type == "variable_declarator" and name is not None and name.type == "identifier":
                    names.append(name.text.decode())
            return names
        name = declaration.child_by_field_name("name")
        return [name.text.decode()] if name is not None else []

    def require_or_dynamic(self, node, function) -> None:
        arguments = node.child_by_field_name("arguments")
        first = arguments.named_children[0] if arguments is not None and arguments.named_children else None
        module = _string_value(first) if first is not None else None
        if function.type == "import":
            if module is not None:
                self.facts.imports.append(Import(*_pos(node), "dynamic_import", module, None, None, 0))
            return
        if module is None:
            return
        rows = self.facts.imports
        parent = node.parent
        target = parent.child_by_field_name("name") if parent.type == "variable_declarator" else None
        if target is not None and target.type == "identifier":
            rows.append(Import(*_pos(node), "require", module, None, target.text.decode(), 0))
        elif target is not None and target.type == "object_pattern":
            for prop in target.named_children:
                if prop.type == "shorthand_property_identifier_pattern":
                    name = prop.text.decode()
                    rows.append(Import(*_pos(prop), "require", module, name, name, 0))
                elif prop.type == "pair_pattern":
                    key, value = prop.child_by_field_name("key"), prop.child_by_field_name("value")
                    if value is not None and value.type == "identifier":
                        rows.append(Import(*_pos(prop), "require", module, key.text.decode(),
                                     value.text.decode(), 0))
        else:
            rows.append(Import(*_pos(node), "require", module, None, None, 0))

    def call(self, node, callee_node, scope) -> None:
        callee = _dotted(callee_node) or _chain(callee_node) or self.text(callee_node, 200)
        arguments = node.child_by_field_name("arguments")
        args = ""
        if arguments is not None and arguments.type == "arguments":
            args = clip_span(self.src, arguments.start_byte + 1, arguments.end_byte - 1)
        elif arguments is not None:
            args = self.text(arguments)
        self.facts.calls.append(Call(*_pos(node), scope or MODULE_SCOPE, callee, args))

    def declarator(self, node, scope, scope_kind, exported, stack) -> None:
        name = node.child_by_field_name("name")
        value = node.child_by_field_name("value")
        if name is None:
            return
        child_scope, child_kind = scope, scope_kind
        if value is not None:
            self.facts.assignments.append(
                Assignment(*_pos(name), scope or MODULE_SCOPE, self.text(name), self.text(value)))
        if name.type == "identifier":
            value_type = value.type if value is not None else None
            if value_type in _FUNCTION_VALUES:
                child_scope = self.symbol(name, scope, "function", node, exported,
                                          self.signature(value))
                child_kind = "function"
                self.function_types(value, scope, child_scope, None)
            elif value_type in _CLASS_DECLARATIONS:
                child_scope = self.symbol(name, scope, "class", node, exported)
                child_kind = "class"
            else:
                if scope_kind in ("module", "namespace"):
                    self.symbol(name, scope, "variable", node, exported)
                # A `const`'s object literal is what it holds, whatever type it declares.
                if _plain_object(value) and (node.child_by_field_name("type") is None
                                             or _is_const(node)):
                    child_scope, child_kind = self.object_literal(name, scope, scope_kind), "object"
                else:
                    self.declared(node, scope)
        else:
            self.declared(node, scope)  # a destructuring pattern
        if value is not None:
            if value.type in _FUNCTION_VALUES or value.type in _CLASS_DECLARATIONS \
                    or child_kind == "object":
                stack.extend((c, child_scope, child_kind, False) for c in value.named_children)
            else:
                stack.append((value, scope, scope_kind, False))

    def on_member(self, node, scope: str | None, scope_kind: str, exported: bool,
                  stack: list[Frame]) -> bool:
        """A member of an object literal a name holds (`const p = { n: f, g }`): a method when
        its value is a function, else what it holds, evaluated where the literal is."""
        if scope_kind != "object" or scope is None:
            return False
        outer = scope.rpartition(".")[0] or None
        if node.type == "shorthand_property_identifier":
            self.row(node, outer, f"{scope}.{node.text.decode()}", "assign", node.text.decode())
            return True
        key, value = node.child_by_field_name("key"), node.child_by_field_name("value")
        if key is None or value is None:
            return True
        name = key.text.decode() if key.type == "property_identifier" else _string_value(key)
        if value.type in _FUNCTION_VALUES and name is not None:
            qualname = self.symbol(key, scope, "method", node, False, self.signature(value))
            self.function_types(value, scope, qualname, None)
            stack.extend((c, qualname, "function", False) for c in value.named_children)
            return True
        for expr in value_texts(value):
            self.row(key, outer, f"{scope}.{name}", "assign", expr)
        stack.append((value, outer, self.objects[scope], False))
        return True

    def walk(self, root) -> None:
        """Iterative: a handler per node type (see `_HANDLERS`) records its facts and says
        whether it took care of the children; otherwise they are walked in the same scope."""
        stack: list[Frame] = [(root, None, "module", False)]
        handlers = _HANDLERS
        while stack:
            node, scope, scope_kind, exported = stack.pop()
            handler = handlers.get(node.type)
            if handler is not None and handler(self, node, scope, scope_kind, exported, stack):
                continue
            stack.extend((c, scope, scope_kind, False)
                         for c in node.children if c.is_named or c.is_missing)

    def on_import(self, node, scope: str | None, scope_kind: str, exported: bool,
                  stack: list[Frame]) -> bool:
        self.import_statement(node)
        return True

    def on_export(self, node, scope: str | None, scope_kind: str, exported: bool,
                  stack: list[Frame]) -> bool:
        self.export_statement(node, scope, scope_kind, stack)
        return True

    def on_function(self, node, scope: str | None, scope_kind: str, exported: bool,
                  stack: list[Frame]) -> bool:
        name = node.child_by_field_name("name")
        if name is None:
            return False
        kind = "method" if scope_kind == "class" else "function"
        qualname = self.symbol(name, scope, kind, node, exported, self.signature(node))
        self.function_types(node, scope, qualname, scope if kind == "method" else None)
        stack.extend((c, qualname, "function", False) for c in node.named_children)
        return True

    def on_function_value(self, node, scope: str | None, scope_kind: str, exported: bool,
                  stack: list[Frame]) -> bool:
        """A named function expression defines its name, except as a class field's value."""
        if node.child_by_field_name("name") is None:
            self.anonymous_function(node, scope)
            self.single_parameter(node, scope)
        return scope_kind != "class" and self.on_function(node, scope, scope_kind, exported, stack)

    def on_class(self, node, scope: str | None, scope_kind: str, exported: bool,
                  stack: list[Frame]) -> bool:
        name = node.child_by_field_name("name")
        if name is None:
            return False
        qualname = self.symbol(name, scope, "class", node, exported)
        self.classes.add(qualname)
        self.declarations.add((scope, qualname.rpartition(".")[2]))
        for child in node.named_children:
            if child.type == "class_heritage":
                self.bases(child, scope, qualname)
            if child.type == "class_body":
                stack.append((child, qualname, "class", False))
            else:  # heritage and decorators belong to the enclosing scope
                stack.append((child, scope, scope_kind, False))
        return True

    def on_method(self, node, scope: str | None, scope_kind: str, exported: bool,
                  stack: list[Frame]) -> bool:
        qualname = self.symbol(node.child_by_field_name("name"), scope, "method", node,
                               exported and scope_kind == "class", self.signature(node))
        static = any(c.type == "static" for c in node.children)
        self.function_types(node, scope, qualname, scope if scope_kind == "class" else None, static)
        stack.extend((c, qualname, "function", False) for c in node.named_children)
        return True

    def on_field(self, node, scope: str | None, scope_kind: str, exported: bool,
                  stack: list[Frame]) -> bool:
        name = node.child_by_field_name("name") or node.child_by_field_name("property")
        if scope_kind != "class" or name is None:
            return False
        value = node.child_by_field_name("value")
        is_function = value is not None and value.type in _FUNCTION_VALUES
        qualname = self.symbol(name, scope, "method" if is_function else "variable", node,
                               False, self.signature(value) if is_function else None)
        self.field(node, scope, name, is_function)
        if value is not None:
            self.facts.assignments.append(
                Assignment(*_pos(name), scope or MODULE_SCOPE, self.text(name), self.text(value)))
            stack.append((value, qualname if is_function else scope,
                          "function" if is_function else scope_kind, False))
        return True

    def on_type_declaration(self, node, scope: str | None, scope_kind: str, exported: bool,
                  stack: list[Frame]) -> bool:
        name = node.child_by_field_name("name")
        if name is None:
            return True
        qualname = self.symbol(name, scope, _TYPE_DECLARATIONS[node.type], node, exported)
        body = _object_type_of(node)
        if body is not None:  # an interface, or `type T = { ... }`: its members are typed
            self.shape(node, scope, qualname)
            stack.extend((c, qualname, "interface", False) for c in body.named_children)
        return True  # nothing else in a type is the module's facts

    def on_signature(self, node, scope: str | None, scope_kind: str, exported: bool,
                     stack: list[Frame]) -> bool:
        """A method declared without a body: an interface's, an abstract method, an overload
        signature in a class. Elsewhere (an object type in an annotation) it binds nothing."""
        name = node.child_by_field_name("name")
        if scope_kind not in ("class", "interface") or name is None \
                or name.type != "property_identifier":
            return True
        qualname = self.symbol(name, scope, "method", node, False, self.signature(node))
        self.function_types(node, scope, qualname, scope if scope_kind == "class" else None)
        stack.extend((c, qualname, "function", False) for c in node.named_children)
        return True

    def on_property_signature(self, node, scope: str | None, scope_kind: str, exported: bool,
                              stack: list[Frame]) -> bool:
        """An interface's property: a method when its type is a function type."""
        name = node.child_by_field_name("name")
        if scope_kind != "interface" or name is None or name.type != "property_identifier":
            return True
        annotation = node.child_by_field_name("type")
        function_type = _function_type(annotation)
        if function_type is None:
            self.symbol(name, scope, "variable", node, False)
            self.holds(name, scope, self.target(scope, name.text.decode()), annotation, None)
            return True
        qualname = self.symbol(name, scope, "method", node, False, clip(self.text(function_type)))
        self.function_types(function_type, scope, qualname, None)
        stack.extend((c, qualname, "function", False) for c in function_type.named_children)
        return True

    def on_namespace(self, node, scope: str | None, scope_kind: str, exported: bool,
                  stack: list[Frame]) -> bool:
        name = node.child_by_field_name("name")
        if name is None:
            return False
        qualname = self.symbol(name, scope, "namespace", node, exported)
        stack.extend((c, qualname, "namespace", False) for c in node.named_children)
        return True

    def on_declaration(self, node, scope: str | None, scope_kind: str, exported: bool,
                  stack: list[Frame]) -> bool:
        for child in node.named_children:
            if child.type == "variable_declarator":
                self.declarator(child, scope, scope_kind, exported, stack)
            else:
                stack.append((child, scope, scope_kind, False))
        return True

    def on_call(self, node, scope: str | None, scope_kind: str, exported: bool,
                  stack: list[Frame]) -> bool:
        field = "function" if node.type == "call_expression" else "constructor"
        function = node.child_by_field_name(field)
        if function is not None:
            if function.type == "import" or (function.type == "identifier" and function.text == b"require"):
                self.require_or_dynamic(node, function)
            self.call(node, function, scope)
        return False  # arguments and callee hold calls of their own

    def on_assignment(self, node, scope: str | None, scope_kind: str, exported: bool,
                  stack: list[Frame]) -> bool:
        left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
        self.assigned(node, scope)
        if left is not None and right is not None and node.type == "assignment_expression":
            self.commonjs_export(left, right)
        if left is not None and right is not None:
            value = self.text(right)
            if node.type == "augmented_assignment_expression":
                operator = node.child_by_field_name("operator")
                value = f"{operator.text.decode() if operator is not None else '?='} {value}"
            self.facts.assignments.append(
                Assignment(*_pos(left), scope or MODULE_SCOPE, self.text(left), value))
        return False

    def commonjs_export(self, left, right) -> None:
        """`module.exports = { a, b: c }`, `module.exports.x = y` and `exports.x = y`: the
        names a `require` of this module sees, as `exports` rows (the local they export, when
        it is a name)."""
        target = _dotted(left)
        if target == "module.exports" and right.type != "object":
            local = right.text.decode() if right.type == "identifier" else _function_name(right)
            self.facts.exports.append(Export(*_pos(left), WHOLE_MODULE, local))
        elif target == "module.exports":
            for member in right.named_children:
                if member.type == "shorthand_property_identifier":
                    name = member.text.decode()
                    self.facts.exports.append(Export(*_pos(member), name, name))
                elif member.type == "pair":
                    key, value = member.child_by_field_name("key"), member.child_by_field_name("value")
                    if key is not None and key.type == "property_identifier":
                        local = value.text.decode() if value is not None and value.type == "identifier" else None
                        self.facts.exports.append(Export(*_pos(member), key.text.decode(), local))
        elif target is not None and target.count(".") == (2 if target.startswith("module.") else 1) \
                and target.startswith(("module.exports.", "exports.")):
            local = right.text.decode() if right.type == "identifier" else _function_name(right)
            self.facts.exports.append(Export(*_pos(left), target.rpartition(".")[2], local))

    def on_parameters(self, node, scope: str | None, scope_kind: str, exported: bool,
                      stack: list[Frame]) -> bool:
        self.parameters(node, scope)
        return False  # defaults hold calls

    def on_return(self, node, scope: str | None, scope_kind: str, exported: bool,
                  stack: list[Frame]) -> bool:
        self.returned(node, scope)
        return False

    def on_loop_or_catch(self, node, scope: str | None, scope_kind: str, exported: bool,
                         stack: list[Frame]) -> bool:
        self.loop_or_catch(node, scope)
        return False

    def finish(self) -> None:
        self.finish_types()
        for symbol in self.symbols:
            if symbol.parent is None and symbol.name in self.exported_locals:
                symbol = symbol._replace(exported=1)
            self.facts.symbols.append(symbol)


def extract_javascript(data: bytes, lang: str, facts: Facts) -> None:
    if data.startswith(b"\xef\xbb\xbf"):
        data = b"   " + data[3:]  # same byte offsets, no BOM for the grammar to trip on
    error = invalid_utf8(data)
    if error is not None:
        facts.parse_errors.append(error)
    tree = parser(lang).parse(data)
    facts.parse_errors.extend(syntax_error_rows(tree.root_node))
    walker = _Walker(data, facts)
    walker.walk(tree.root_node)
    walker.finish()


# (walker, node, scope, scope_kind, exported, stack) -> whether the children were taken care of
_Handler = Callable[[_Walker, Any, str | None, str, bool, list[Frame]], bool]
_HANDLERS: dict[str, _Handler] = {
    "import_statement": _Walker.on_import,
    "export_statement": _Walker.on_export,
    **{kind: _Walker.on_function for kind in _FUNCTION_DECLARATIONS},
    **{kind: _Walker.on_function_value for kind in _FUNCTION_VALUES},
    **{kind: _Walker.on_class for kind in _CLASS_DECLARATIONS},
    "method_definition": _Walker.on_method,
    "public_field_definition": _Walker.on_field,
    "field_definition": _Walker.on_field,
    **{kind: _Walker.on_type_declaration for kind in _TYPE_DECLARATIONS},
    "pair": _Walker.on_member,
    "shorthand_property_identifier": _Walker.on_member,
    "method_signature": _Walker.on_signature,
    "abstract_method_signature": _Walker.on_signature,
    "property_signature": _Walker.on_property_signature,
    **{kind: _Walker.on_namespace for kind in _NAMESPACES},
    "lexical_declaration": _Walker.on_declaration,
    "variable_declaration": _Walker.on_declaration,
    "call_expression": _Walker.on_call,
    "new_expression": _Walker.on_call,
    "assignment_expression": _Walker.on_assignment,
    "augmented_assignment_expression": _Walker.on_assignment,
    "formal_parameters": _Walker.on_parameters,
    "return_statement": _Walker.on_return,
    "for_in_statement": _Walker.on_loop_or_catch,
    "catch_clause": _Walker.on_loop_or_catch,
}
