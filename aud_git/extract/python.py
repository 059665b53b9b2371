"""Python facts from tree-sitter: the same engine under every host interpreter.

One query captures the nodes that carry facts (definitions, calls, assignments, imports), in
document order; scopes come from byte ranges, so the walk never visits the other nodes. A scope
opens where a definition's body starts: decorators, defaults, annotations and base classes
belong to the enclosing scope, as Python evaluates them there.

Positions are (1-based line, 0-based UTF-8 byte column) of the source decoded per its coding
cookie, without BOM. Text is sliced from the source and clipped before it is decoded, and
grouping parentheses are looked through (`(a.b)()` calls `a.b`), as Python's own syntax tree
does. tree-sitter recovers around syntax errors: the facts it recovers are kept, and each ERROR
or MISSING node becomes a `parse_errors` row.
"""
from __future__ import annotations

import io
import operator
import re
import tokenize
import unicodedata
import warnings
from functools import cache
from typing import Any, NamedTuple

from aud_git.extract.facts import Assignment, Call, Facts, Import, ParseError, Symbol
from aud_git.extract.grammars import language, parser, syntax_error_rows
from aud_git.extract.python_types import TypeRecorder, TypeText, bare, named, names_in
from aud_git.extract.text import MAX_QUALNAME, MAX_TEXT, clip, clip_span, invalid_utf8

MODULE_SCOPE = "<module>"
MAX_DEPTH = 50_000
_FACT_NODES = (
    "function_definition", "class_definition", "call", "assignment", "augmented_assignment",
    "import_statement", "import_from_statement", "future_import_statement",
    "type_alias_statement", "for_statement", "for_in_clause", "as_pattern", "named_expression",
    "global_statement", "nonlocal_statement", "lambda", "return_statement", "yield",
)
_LONE_CR = re.compile(rb"\r(?!\n)")
_NAMES_IN_TARGET = frozenset({"pattern_list", "tuple_pattern", "list_pattern", "list_splat_pattern"})
_SEQUENCES = frozenset({"list", "tuple", "expression_list"})
_KEYWORD_BASES = frozenset({"keyword_argument", "dictionary_splat"})
# The left edge of an expression: attribute object, subscripted value, called function.
_TRAILERS = {"attribute": "object", "subscript": "value", "call": "function"}
_SIMPLE_CALLEE = re.compile(rb"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*")
_SPLAT_SEARCH = 32  # trailers between a callee and a misparsed star, at most
_START = operator.attrgetter("start_byte")
_END = operator.attrgetter("end_byte")


@cache
def _query():
    import tree_sitter

    pattern = "[" + " ".join(f"({name})" for name in _FACT_NODES) + "] @fact"
    return tree_sitter.Query(language("python"), pattern)


def _utf8_source(data: bytes, facts: Facts) -> bytes:
    """The bytes to parse: UTF-8 per the coding cookie, no BOM, and a lone CR (a line break
    for Python, not for the grammar) made LF, which keeps every offset."""
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as exc:  # an unknown or contradictory coding cookie
        facts.parse_errors.append(ParseError(1, 0, f"SyntaxError: {exc.msg}"))
        encoding = "utf-8"
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    if encoding not in ("utf-8", "utf-8-sig"):
        try:
            data = data.decode(encoding).encode("utf-8")
        except (UnicodeDecodeError, LookupError) as exc:
            facts.parse_errors.append(ParseError(1, 0, f"{type(exc).__name__}: {exc}"))
    elif (error := invalid_utf8(data)) is not None:
        facts.parse_errors.append(error)
    return _LONE_CR.sub(b"\n", data) if b"\r" in data else data


def identifier(node) -> str:
    """An identifier as Python reads it: NFKC-normalized (`ｗｗｗ` is `www`). Unicode never
    changes the normalization of an assigned character, so neither does the host."""
    text = node.text.decode("utf-8", "replace")
    return text if text.isascii() else unicodedata.normalize("NFKC", text)


def _last_token_end(node) -> tuple[int, int]:
    """Where a definition really ends: tree-sitter lets a block run on over trailing comments
    and line continuations."""
    while node.child_count:
        index = node.child_count - 1
        child = node.child(index)
        while child.is_extra and index:
            index -= 1
            child = node.child(index)
        if child.is_extra:
            break
        node = child
    point = node.end_point
    return point.row + 1, point.column


def _string_value(node) -> str | None:
    """The value of a plain string literal (not bytes, not an f-string), else None."""
    if node.type == "concatenated_string":
        parts = [_string_value(c) for c in named(node)]
        return "".join(p for p in parts if p is not None) if None not in parts else None
    if node.type != "string":
        return None
    opening = node.children[0].text.decode("utf-8", "replace")  # prefix and quotes
    prefix = opening.rstrip("'\"").lower()
    if "b" in prefix or "f" in prefix or "t" in prefix:
        return None
    text = node.text.decode("utf-8", "replace")
    if "\\" not in text:
        quote = len(opening) - len(prefix)
        return text[len(opening): len(text) - quote]
    import ast  # escapes only: a literal's value is the same in every Python; no parsing

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return ast.literal_eval(text)
        except (ValueError, SyntaxError):
            return None


def _literal_names(value) -> set[str] | None:
    """The names of an `__all__` list or tuple of string literals, else None."""
    value = bare(value)
    if value.type not in _SEQUENCES:
        return None
    names = set()
    for element in named(value):
        name = _string_value(bare(element))
        if name is None:
            return None
        names.add(name)
    return names


def _misparsed_splat(function):
    """The `*` that tree-sitter-python 0.25 puts inside a callee: it parses `[*a.b()]` as a
    call of `(*a).b`. Python calls `a.b` and stars the result."""
    node = function
    for _ in range(_SPLAT_SEARCH):  # a bounded walk: `f()()()...` must not cost its square
        if node.type not in _TRAILERS:
            return node if node.type == "list_splat" and named(node) else None
        node = node.child_by_field_name(_TRAILERS[node.type])
        if node is None:
            return None
    return None


class _Scope:
    __slots__ = ("qualname", "kind", "body_start", "end", "receiver", "globals")

    def __init__(self, qualname: str | None, kind: str, body_start: int, end: int,
                 receiver: str | None = None) -> None:
        self.qualname, self.kind, self.body_start, self.end = qualname, kind, body_start, end
        self.receiver = receiver  # a method's `self` (or `cls`): its attributes are the class's
        self.globals: set[str] = set()  # names a function declares `global`


# A symbol's fields but `exported`, which finish() decides once every binding is known.
_Unexported = tuple[str, str, str, str | None, int, int, int, int, str | None]


class _Binding(NamedTuple):
    """Something that binds a name, in document order; finish() turns them into symbols."""
    what: str  # "definition" (payload: its Symbol but `exported`), "variables" (name nodes)
    # or "__all__" (the names listed)
    scope: str | None
    payload: Any


class _Walker(TypeRecorder):
    def __init__(self, source: bytes, facts: Facts) -> None:
        self.src = source
        self.facts = facts
        # Plain functions, not bound methods: a walker must not be part of a reference cycle
        # (full builds pause the cycle collector, and a walker holds the whole tree).
        self.text_of = TypeText(identifier, _parse_string)
        self.scopes: list[_Scope] = [_Scope(None, "module", 0, len(source) + 1)]
        # Definitions and bound names in document order; resolved in finish().
        self.bindings: list[_Binding] = []
        self.chained: set[int] = set()  # where the inner assignments of `a = b = value` start
        self.puts = []  # elements put into containers bound by names (finish_elements)

    # -- text ------------------------------------------------------------------------------
    def text(self, node, limit: int = MAX_TEXT) -> str:
        node = bare(node)
        return clip_span(self.src, node.start_byte, node.end_byte, limit)

    def span(self, start: int, end: int, limit: int = MAX_TEXT) -> str:
        return clip_span(self.src, start, end, limit)

    ident = staticmethod(identifier)

    def dotted(self, node, allow_call: bool = True) -> str | None:
        """`a.b.c`, or `m.C().method` (one call deep): the callee forms the linker resolves."""
        parts = []
        node = bare(node)
        while node.type == "attribute":
            parts.append(self.ident(node.child_by_field_name("attribute")))
            node = bare(node.child_by_field_name("object"))
        if node.type == "list_splat":  # see _misparsed_splat
            node = bare(named(node)[0])
        if node.type == "identifier":
            parts.append(self.ident(node))
            return ".".join(reversed(parts))
        if allow_call and node.type == "call" and parts:
            inner = self.dotted(node.child_by_field_name("function"), allow_call=False)
            if inner is not None:
                parts.append(inner + "()")
                return ".".join(reversed(parts))
        return None

    # -- scopes ----------------------------------------------------------------------------
    def scope_at(self, offset: int) -> _Scope:
        scopes = self.scopes
        while offset >= scopes[-1].end:
            scopes.pop()
        for scope in reversed(scopes):
            if scope.body_start <= offset:
                return scope
        return scopes[0]

    def enclosing(self, scope: _Scope) -> list[str]:
        """`scope` and the functions around it, innermost first: the scopes whose names it sees
        (a class body's are not seen from the functions in it)."""
        index = next(i for i, s in enumerate(self.scopes) if s is scope)
        outer = [s.qualname for s in reversed(self.scopes[1:index])
                 if s.kind == "function" and s.qualname]
        return ([scope.qualname] if scope.qualname else []) + outer

    # -- facts -----------------------------------------------------------------------------
    def definition(self, node, kind: str, signature: str | None) -> None:
        scope = self.scope_at(node.start_byte)
        if kind == "function" and scope.kind == "class":
            kind = "method"
        name_node = node.child_by_field_name("name")
        if name_node is None or name_node.is_missing or len(scope.qualname or "") > MAX_QUALNAME:
            return  # `def (`, or nested past MAX_QUALNAME: its body stays in the enclosing scope
        name = self.ident(name_node)
        qualname = f"{scope.qualname}.{name}" if scope.qualname else name
        point = node.start_point
        self.bindings.append(_Binding("definition", scope.qualname, (
            name, qualname, kind, scope.qualname, point.row + 1, point.column,
            *_last_token_end(node), signature)))
        receiver = None
        if kind == "class":
            self.class_types(node, scope, name)
        else:
            receiver = self.function_types(node, scope, qualname, kind == "method")
        body = node.child_by_field_name("body")
        body_start = body.start_byte if body is not None else node.end_byte
        self.scopes.append(_Scope(qualname, "class" if kind == "class" else "function",
                                  body_start, node.end_byte, receiver))

    def param(self, node) -> str:
        """One parameter as the signature shows it; what a syntax error left of one, as written."""
        kind = node.type
        if kind == "identifier":
            return self.ident(node)
        if kind == "list_splat_pattern" or kind == "dictionary_splat_pattern":
            inner = named(node)
            prefix = "*" if kind == "list_splat_pattern" else "**"
            return prefix + (self.ident(inner[0]) if inner and inner[0].type == "identifier" else "")
        if kind == "keyword_separator":
            return "*"
        if kind == "positional_separator":
            return "/"
        name = node.child_by_field_name("name")
        annotation = node.child_by_field_name("type")
        if kind == "typed_parameter" and annotation is not None:
            head = next((c for c in named(node) if c.type != "type"), None)
            text = self.param(head) if head is not None else ""
            return text + ": " + self.text(annotation, 100)
        value = node.child_by_field_name("value")
        if kind not in ("default_parameter", "typed_default_parameter") or None in (name, value):
            return self.text(node, 100)
        if annotation is not None:
            return f"{self.param(name)}: {self.text(annotation, 100)} = {self.text(value, 100)}"
        return f"{self.param(name)}={self.text(value, 100)}"

    def signature(self, node) -> str:
        params = node.child_by_field_name("parameters")
        parts = [self.param(p) for p in named(params)] if params is not None else []
        text = "(" + ", ".join(parts) + ")"
        returns = node.child_by_field_name("return_type")
        if returns is not None:
            text += " -> " + self.text(returns, 100)
        return clip(text)

    def class_signature(self, node) -> str | None:
        bases = node.child_by_field_name("superclasses")
        if bases is None:
            return None
        heritage = named(bases)
        # Positional bases first, then keywords: the order Python's own tree lists them in.
        heritage.sort(key=lambda c: c.type in _KEYWORD_BASES)
        if not heritage:
            return None
        return "(" + ", ".join(self.text(b, 100) for b in heritage) + ")"

    def call(self, node) -> None:
        function = node.child_by_field_name("function")
        start, point = node.start_byte, node.start_point
        simple = function.end_byte - function.start_byte <= MAX_TEXT and _SIMPLE_CALLEE.fullmatch(
            self.src, function.start_byte, function.end_byte)
        if simple:  # most callees: `name` or `a.b.c` as written
            callee = simple.group().decode()
        else:
            splat = _misparsed_splat(function)
            if splat is not None:
                operand = named(splat)[0]
                start, point = operand.start_byte, operand.start_point
            callee = self.dotted(function) or self.span(
                start if splat is not None else bare(function).start_byte,
                bare(function).end_byte, 200)
        arguments = node.child_by_field_name("arguments")
        where = self.scope_at(start)
        if callee == "super" and arguments is not None and arguments.named_child_count:
            self.super_arguments(node, where, arguments)
        if function.type == "attribute":
            self.mutation(node, where, callee)
        self.facts.calls.append(Call(point.row + 1, point.column, where.qualname or MODULE_SCOPE,
                                     callee, self.arguments(arguments)))

    def arguments(self, node) -> str:
        """From the first argument's start to the last one's end, as Python's tree has them."""
        if node is None:
            return ""
        if node.type == "generator_expression":
            return self.text(node)
        count = node.named_child_count
        if not count:
            return ""
        first, last = node.named_child(0), node.named_child(count - 1)
        if first.is_extra or last.is_extra:
            inside = named(node)
            if not inside:
                return ""
            first, last = inside[0], inside[-1]
        return self.span(bare(first).start_byte, bare(last).end_byte)

    def type_statement(self, node) -> None:
        """`type X = ...` is a type alias; `type(x).attr = value` is an assignment that the
        grammar takes for one (tree-sitter-python 0.25): record its call and assignment."""
        left = bare(node.child_by_field_name("left"))
        if left.type in ("identifier", "generic_type"):
            return
        group = left
        while group.type in _TRAILERS:
            group = group.child_by_field_name(_TRAILERS[group.type])
        inside = named(group)
        if group.type == "parenthesized_expression":
            inside = [bare(group)]
        args = self.span(inside[0].start_byte, inside[-1].end_byte) if inside else ""
        point = node.start_point
        scope = self.scope_at(node.start_byte).qualname or MODULE_SCOPE
        self.facts.calls.append(Call(point.row + 1, point.column, scope, "type", args))
        value = node.child_by_field_name("right")
        self.facts.assignments.append(Assignment(point.row + 1, point.column, scope,
                                                 self.span(node.start_byte, left.end_byte),
                                                 self.text(value)))

    def assignment(self, node) -> None:
        if node.start_byte in self.chained:
            return  # the inner link of `a = b = value`: its outer assignment has it
        scope = self.scope_at(node.start_byte)
        scope_name = scope.qualname or MODULE_SCOPE
        rows = self.facts.assignments
        annotation = node.child_by_field_name("type")
        targets = [node.child_by_field_name("left")]
        value = node.child_by_field_name("right")
        if annotation is None:
            while value is not None and value.type == "assignment":
                self.chained.add(value.start_byte)
                targets.append(value.child_by_field_name("left"))
                value = value.child_by_field_name("right")
        value_text = self.text(value) if value is not None else None
        self.assignment_types(node, scope, targets, value, annotation)
        for target in targets:
            bound = bare(target)
            if value_text is not None:
                point = bound.start_point
                rows.append(Assignment(point.row + 1, point.column, scope_name, self.text(bound), value_text))
            if annotation is not None:
                names = [bound] if bound.type == "identifier" else []
            else:
                names = names_in(target, _NAMES_IN_TARGET)
            if scope.kind != "function":
                self.bindings.append(_Binding("variables", scope.qualname, names))
            if (scope.qualname is None and annotation is None and bound.type == "identifier"
                    and bound.text == b"__all__"):
                self.bindings.append(_Binding("__all__", None, _literal_names(value)))

    def augmented(self, node) -> None:
        target = bare(node.child_by_field_name("left"))
        operator = node.child_by_field_name("operator")
        value = node.child_by_field_name("right")
        point = target.start_point
        self.bind_value(self.scope_at(node.start_byte), target, "assign", "?")
        scope = self.scope_at(node.start_byte).qualname or MODULE_SCOPE
        self.facts.assignments.append(Assignment(
            point.row + 1, point.column, scope, self.text(target),
            f"{self.ident(operator) if operator is not None else '?='} {self.text(value)}",
        ))

    def imports(self, node) -> None:
        rows = self.facts.imports
        kind = node.type
        if kind == "import_statement":
            module, level, how = None, 0, "import"
        elif kind == "future_import_statement":
            module, level, how = "__future__", 0, "from"
        else:
            how = "from"
            source = node.child_by_field_name("module_name")
            module, level = None, 0
            if source is not None and source.type == "relative_import":
                for part in source.named_children:
                    if part.type == "import_prefix":
                        level = part.text.count(b".")
                    elif part.type == "dotted_name":
                        module = self.dotted_name(part)
            elif source is not None:
                module = self.dotted_name(source)
            wildcard = next((c for c in node.named_children if c.type == "wildcard_import"), None)
            if wildcard is not None:
                point = wildcard.start_point
                rows.append(Import(point.row + 1, point.column, "from", module, "*", None, level))
                return
        for alias in node.children_by_field_name("name"):
            name_node, alias_name = alias, None
            if alias.type == "aliased_import":
                name_node = alias.child_by_field_name("name")
                alias_name = self.ident(alias.child_by_field_name("alias"))
            point = alias.start_point
            name = self.dotted_name(name_node)
            if how == "import":
                rows.append(Import(point.row + 1, point.column, "import", name, None, alias_name, 0))
            else:
                rows.append(Import(point.row + 1, point.column, "from", module, name, alias_name, level))

    def dotted_name(self, node) -> str:
        return ".".join(self.ident(c) for c in node.named_children if c.type == "identifier")

    def walk(self, root) -> None:
        import tree_sitter

        captured = tree_sitter.QueryCursor(_query()).captures(root).get("fact", [])
        # Document order, outer nodes first (the cursor's own order is not stable).
        captured.sort(key=_END, reverse=True)
        captured.sort(key=_START)
        handlers = {
            "call": self.call, "assignment": self.assignment,
            "augmented_assignment": self.augmented, "type_alias_statement": self.type_statement,
            "function_definition": self.function, "class_definition": self.klass,
            "import_statement": self.imports, "import_from_statement": self.imports,
            "future_import_statement": self.imports,
            "for_statement": self.loop, "for_in_clause": self.loop, "as_pattern": self.alias,
            "named_expression": self.walrus, "lambda": self.lambda_params,
            "global_statement": self.declared_outside, "nonlocal_statement": self.declared_outside,
            "return_statement": self.returned, "yield": self.returned,
        }
        for node in captured:
            try:
                handlers[node.type](node)
            except (AttributeError, IndexError, TypeError):
                # Around a syntax error a node may lack what the grammar promises (a field, a
                # child): its fact is skipped. Anywhere else the same is a bug, and says so.
                if not node.has_error:
                    raise

    def function(self, node) -> None:
        self.definition(node, "function", self.signature(node))

    def klass(self, node) -> None:
        self.definition(node, "class", self.class_signature(node))

    def finish(self) -> None:
        """Which names are variables, and which symbols are exported.

        A name is recorded once per scope, at its last binding in the source, and not at all
        where a definition of the same scope binds it later (the value the module ends with);
        the first module-level `__all__ = [...]` decides what is exported."""
        declared: set[tuple[str | None, str]] = set()
        symbols: list[_Unexported] = []
        all_names: set[str] | None = None
        for what, scope, payload in reversed(self.bindings):
            if what == "definition":
                symbols.append(payload)
                declared.add((scope, payload[0]))
            elif what == "__all__":
                all_names = payload
            else:
                for name_node in payload:
                    name = self.ident(name_node)
                    if (scope, name) in declared:
                        continue
                    declared.add((scope, name))
                    start, end = name_node.start_point, name_node.end_point
                    symbols.append((
                        name, f"{scope}.{name}" if scope else name, "variable", scope,
                        start.row + 1, start.column, end.row + 1, end.column, None,
                    ))
        exported: dict[str, bool] = {}
        for name, qualname, _, parent, *_ in sorted(symbols, key=lambda s: s[1].count(".")):
            if parent is None:
                public = name in all_names if all_names is not None else not name.startswith("_")
            else:
                public = exported.get(parent, False) and not name.startswith("_")
            exported[qualname] = public
        self.facts.symbols.extend(Symbol(*s, int(exported[s[1]])) for s in symbols)
        self.finish_elements()


def _parse_string(node):
    """The expression a string annotation holds (`"m.C"`), parsed by the pinned grammar."""
    text = _string_value(node)
    if text is None or len(text) > MAX_TEXT:
        return None
    root = parser("python").parse(text.strip().encode("utf-8")).root_node
    if root.has_error or root.named_child_count != 1:
        return None
    statement = root.named_children[0]
    if statement.type != "expression_statement" or statement.named_child_count != 1:
        return None
    return statement.named_children[0]


def _deeper_than(root, limit: int) -> bool:
    """Does the tree nest more than `limit` levels? Only a tree with that many nodes can."""
    if root.descendant_count <= limit:
        return False
    cursor, depth = root.walk(), 0  # counted here: the cursor's own depth costs O(depth)
    while True:
        if cursor.goto_first_child():
            depth += 1
            if depth > limit:
                return True
            continue
        while not cursor.goto_next_sibling():
            if not cursor.goto_parent():
                return False
            depth -= 1


def extract_python(data: bytes, facts: Facts) -> None:
    source = _utf8_source(data, facts)
    tree = parser("python").parse(source)
    facts.parse_errors.extend(syntax_error_rows(tree.root_node))
    if _deeper_than(tree.root_node, MAX_DEPTH):
        # tree-sitter's queries lose nodes and slow down without bound past 65,535 levels.
        facts.parse_errors.append(ParseError(1, 0, f"nested more than {MAX_DEPTH} levels deep:"
                                                   " no facts extracted"))
        return
    walker = _Walker(source, facts)
    walker.walk(tree.root_node)
    walker.finish()
