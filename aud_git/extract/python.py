"""Python facts from the standard library `ast`, in one iterative walk.

The walk keeps its own stack: generated code with thousands of chained operators parses fine but
would overflow a recursive visitor. Text is sliced from the source by position, never rebuilt with
`ast.unparse`, which recurses too.
"""
from __future__ import annotations

import ast
import io
import sys
import threading
import tokenize

from aud_git.extract.facts import Facts
from aud_git.extract.text import Segments, clip

MODULE_SCOPE = "<module>"
# Fields that never hold a node that can contain a call or a definition.
_LEAF_FIELDS = frozenset({
    "ctx", "op", "ops", "id", "attr", "name", "asname", "module", "level", "arg", "conversion",
    "is_async", "simple", "tag", "rest", "kwd_attrs", "type_comment", "kind", "names",
})
_CHILD_FIELDS: dict[type, tuple[str, ...]] = {ast.MatchSingleton: ()}
# Nodes with nothing of interest below them (None stands for an absent optional child).
_LEAVES = frozenset({ast.Name, ast.Constant, ast.Pass, ast.Break, ast.Continue, type(None)})


def _child_fields(node_type: type) -> tuple[str, ...]:
    return tuple(f for f in node_type._fields if f not in _LEAF_FIELDS)


class _Scope:
    __slots__ = ("scope", "kind")

    def __init__(self, scope: str | None, kind: str) -> None:
        self.scope = scope
        self.kind = kind


_ROLES: dict[type, object] = {
    _Scope: _Scope, ast.FunctionDef: "function", ast.AsyncFunctionDef: "function",
    ast.ClassDef: "class", ast.Import: "import", ast.ImportFrom: "import", ast.Call: "call",
    ast.Assign: "assignment", ast.AnnAssign: "assignment", ast.AugAssign: "assignment",
}


def _decode(data: bytes) -> bytes:
    """The source as UTF-8 without BOM: the encoding `ast` column offsets count in."""
    encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    if encoding in ("utf-8", "utf-8-sig"):
        return data[3:] if data.startswith(b"\xef\xbb\xbf") else data
    return data.decode(encoding).encode("utf-8")


def _dotted(node: ast.expr, allow_call: bool = True) -> str | None:
    """`a.b.c`, or `m.C().method` (one call deep): the callee forms the linker resolves."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    if allow_call and isinstance(node, ast.Call) and parts:
        inner = _dotted(node.func, allow_call=False)
        if inner is not None:
            parts.append(inner + "()")
            return ".".join(reversed(parts))
    return None


def _names_bound(target: ast.expr) -> list[ast.Name]:
    names, stack = [], [target]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Name):
            names.append(node)
        elif isinstance(node, (ast.Tuple, ast.List)):
            stack.extend(node.elts)
        elif isinstance(node, ast.Starred):
            stack.append(node.value)
    return names


def _literal_names(value: ast.expr) -> set[str] | None:
    if isinstance(value, (ast.List, ast.Tuple)) and all(
        isinstance(e, ast.Constant) and isinstance(e.value, str) for e in value.elts
    ):
        return {e.value for e in value.elts}
    return None


class _Walker:
    def __init__(self, source: Segments, facts: Facts) -> None:
        self.seg = source
        self.facts = facts
        self.symbols: list[list] = []
        self.declared: set[tuple[str | None, str]] = set()
        self.all_names: set[str] | None = None

    def text(self, node: ast.AST, limit: int = 300) -> str:
        return clip(
            self.seg.between(node.lineno, node.col_offset, node.end_lineno, node.end_col_offset),
            limit,
        )

    def add_symbol(self, name, scope, kind, node, signature=None) -> str:
        qualname = f"{scope}.{name}" if scope else name
        self.symbols.append([
            name, qualname, kind, scope, node.lineno, node.col_offset, node.end_lineno,
            node.end_col_offset, signature, 0,
        ])
        return qualname

    def param(self, arg: ast.arg, default: ast.expr | None, prefix: str = "") -> str:
        text = prefix + arg.arg
        if arg.annotation is not None:
            text += ": " + self.text(arg.annotation, 100)
        if default is not None:
            text += (" = " if arg.annotation is not None else "=") + self.text(default, 100)
        return text

    def signature(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> str:
        args = node.args
        positional = args.posonlyargs + args.args
        defaults = [None] * (len(positional) - len(args.defaults)) + list(args.defaults)
        parts = []
        for index, (arg, default) in enumerate(zip(positional, defaults)):
            parts.append(self.param(arg, default))
            if index == len(args.posonlyargs) - 1:
                parts.append("/")
        if args.vararg is not None:
            parts.append(self.param(args.vararg, None, "*"))
        elif args.kwonlyargs:
            parts.append("*")
        parts.extend(self.param(a, d) for a, d in zip(args.kwonlyargs, args.kw_defaults))
        if args.kwarg is not None:
            parts.append(self.param(args.kwarg, None, "**"))
        text = "(" + ", ".join(parts) + ")"
        if node.returns is not None:
            text += " -> " + self.text(node.returns, 100)
        return clip(text)

    def variable(self, name: ast.Name, scope: str | None, scope_kind: str) -> None:
        if scope_kind == "function" or (scope, name.id) in self.declared:
            return
        self.declared.add((scope, name.id))
        self.add_symbol(name.id, scope, "variable", name)

    def assignment(self, node: ast.AST, scope: str | None, scope_kind: str) -> None:
        scope_name = scope or MODULE_SCOPE
        rows = self.facts.assignments
        if isinstance(node, ast.Assign):
            value = self.text(node.value)
            for target in node.targets:
                rows.append((target.lineno, target.col_offset, scope_name, self.text(target), value))
                for name in _names_bound(target):
                    self.variable(name, scope, scope_kind)
                if scope is None and isinstance(target, ast.Name) and target.id == "__all__":
                    self.all_names = _literal_names(node.value)
        elif isinstance(node, ast.AnnAssign):
            if node.value is not None:
                rows.append((node.target.lineno, node.target.col_offset, scope_name,
                             self.text(node.target), self.text(node.value)))
            if isinstance(node.target, ast.Name):
                self.variable(node.target, scope, scope_kind)
        else:
            operator = _AUGMENTED.get(type(node.op), "?=")
            rows.append((node.target.lineno, node.target.col_offset, scope_name,
                         self.text(node.target), f"{operator} {self.text(node.value)}"))

    def call(self, node: ast.Call, scope: str | None) -> None:
        callee = _dotted(node.func) or self.text(node.func, 200)
        positional, keywords = node.args, node.keywords
        if positional or keywords:
            # Keywords follow positional arguments except after a starred one: compare ends.
            first = positional[0] if positional else keywords[0]
            if keywords and positional and (keywords[0].lineno, keywords[0].col_offset) < (first.lineno, first.col_offset):
                first = keywords[0]
            last = keywords[-1] if keywords else positional[-1]
            if keywords and positional and (positional[-1].end_lineno, positional[-1].end_col_offset) > (last.end_lineno, last.end_col_offset):
                last = positional[-1]
            args = clip(self.seg.between(first.lineno, first.col_offset, last.end_lineno,
                                         last.end_col_offset))
        else:
            args = ""
        self.facts.calls.append((node.lineno, node.col_offset, scope or MODULE_SCOPE, callee, args))

    def imports(self, node: ast.Import | ast.ImportFrom) -> None:
        rows = self.facts.imports
        if isinstance(node, ast.Import):
            for alias in node.names:
                rows.append((alias.lineno, alias.col_offset, "import", alias.name, None,
                             alias.asname, 0))
        else:
            for alias in node.names:
                rows.append((alias.lineno, alias.col_offset, "from", node.module, alias.name,
                             alias.asname, node.level))

    def walk(self, tree: ast.Module) -> None:
        """Depth-first over the tree; scope changes ride on the stack as `_Scope` markers."""
        scope: str | None = None
        scope_kind = "module"
        stack: list = list(tree.body)
        child_fields = _CHILD_FIELDS
        leaves = _LEAVES
        roles = _ROLES
        while stack:
            node = stack.pop()
            node_type = type(node)
            role = roles.get(node_type)
            if role is _Scope:
                scope, scope_kind = node.scope, node.kind
                continue
            if role == "function":
                kind = "method" if scope_kind == "class" else "function"
                qualname = self.add_symbol(node.name, scope, kind, node, self.signature(node))
                self.declared.add((scope, node.name))
                stack.append(_Scope(scope, scope_kind))
                stack.extend(node.body)
                stack.append(_Scope(qualname, "function"))
                stack.extend(node.decorator_list)
                stack.append(node.args)
                if node.returns is not None:
                    stack.append(node.returns)
                continue
            if role == "class":
                heritage = [*node.bases, *node.keywords]
                signature = (
                    "(" + ", ".join(self.text(b, 100) for b in heritage) + ")" if heritage else None
                )
                qualname = self.add_symbol(node.name, scope, "class", node, signature)
                self.declared.add((scope, node.name))
                stack.append(_Scope(scope, scope_kind))
                stack.extend(node.body)
                stack.append(_Scope(qualname, "class"))
                stack.extend(node.decorator_list)
                stack.extend(heritage)
                continue
            if role == "import":
                self.imports(node)
                continue
            if role == "call":
                self.call(node, scope)
            elif role == "assignment":
                self.assignment(node, scope, scope_kind)
            fields = child_fields.get(node_type)
            if fields is None:
                fields = child_fields[node_type] = _child_fields(node_type)
            for name in fields:
                value = getattr(node, name)
                if type(value) is list:
                    for item in value:
                        if type(item) not in leaves:
                            stack.append(item)
                elif type(value) not in leaves:
                    stack.append(value)

    def finish(self) -> None:
        exported: dict[str, bool] = {}
        for symbol in sorted(self.symbols, key=lambda s: s[1].count(".")):
            name, qualname, _, parent = symbol[0], symbol[1], symbol[2], symbol[3]
            if parent is None:
                public = name in self.all_names if self.all_names is not None else not name.startswith("_")
            else:
                public = exported.get(parent, False) and not name.startswith("_")
            exported[qualname] = public
            symbol[9] = int(public)
        self.facts.symbols.extend(tuple(s) for s in self.symbols)


_AUGMENTED = {
    ast.Add: "+=", ast.Sub: "-=", ast.Mult: "*=", ast.MatMult: "@=", ast.Div: "/=",
    ast.Mod: "%=", ast.Pow: "**=", ast.LShift: "<<=", ast.RShift: ">>=", ast.BitOr: "|=",
    ast.BitXor: "^=", ast.BitAnd: "&=", ast.FloorDiv: "//=",
}


_DEEP_STACK_BYTES = 512 * 1024 * 1024
_DEEP_RECURSION_LIMIT = 200_000


def _parse_on_deep_stack(data: bytes) -> ast.Module:
    """`ast.parse` on a thread with a large stack: the AST conversion of a long operator chain
    recurses once per operand and overflows the default recursion limit."""
    outcome: dict[str, object] = {}

    def parse() -> None:
        previous = sys.getrecursionlimit()
        sys.setrecursionlimit(_DEEP_RECURSION_LIMIT)
        try:
            outcome["tree"] = ast.parse(data)
        except BaseException as exc:  # handed to the calling thread
            outcome["error"] = exc
        finally:
            sys.setrecursionlimit(previous)

    previous_size = threading.stack_size(_DEEP_STACK_BYTES)
    try:
        thread = threading.Thread(target=parse)
        thread.start()
        thread.join()
    finally:
        threading.stack_size(previous_size)
    if "error" in outcome:
        raise outcome["error"]
    return outcome["tree"]


def _parse(data: bytes) -> ast.Module:
    try:
        return ast.parse(data)
    except RecursionError:
        return _parse_on_deep_stack(data)


def extract_python(data: bytes, facts: Facts) -> None:
    try:
        tree = _parse(data)
        source = Segments(_decode(data))
    except SyntaxError as exc:
        line = exc.lineno or 1
        col = max((exc.offset or 1) - 1, 0)
        facts.parse_errors.append((line, col, f"SyntaxError: {exc.msg}"))
        return
    except (RecursionError, MemoryError) as exc:
        facts.parse_errors.append((1, 0, f"{type(exc).__name__}: too deeply nested to parse"))
        return
    except (ValueError, UnicodeDecodeError, LookupError) as exc:
        facts.parse_errors.append((1, 0, f"{type(exc).__name__}: {exc}"))
        return
    walker = _Walker(source, facts)
    try:
        walker.walk(tree)
    except RecursionError:
        facts.parse_errors.append((1, 0, "RecursionError: too deeply nested to walk"))
    walker.finish()
