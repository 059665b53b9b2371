"""The rows one file contributes to the fact tables, without the leading `file` column.

Each table's row is a NamedTuple whose fields are the table's columns (db/schema.py; checked by
tests/extract/test_facts.py). Across a boundary rows travel as plain tuples, and
`Facts.from_tables` names them again: the extraction cache (marshal takes no NamedTuple) and
worker processes (pickle, which would spell out the class for every row).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial
from typing import NamedTuple


class Symbol(NamedTuple):
    name: str
    qualname: str
    kind: str  # module, class, function, method, variable, interface, type, enum, namespace
    parent: str | None  # the enclosing qualname; None at module level
    line: int
    col: int
    end_line: int
    end_col: int
    signature: str | None
    exported: int  # 0 or 1


class Import(NamedTuple):
    line: int
    col: int
    kind: str  # import, from, require, dynamic_import, export_from
    module: str | None
    name: str | None
    alias: str | None
    level: int  # Python relative import dots


# The export a whole-module assignment makes (`module.exports = X`, TypeScript's `export = X`):
# what `require()` of the module gives, and a default import of it.
WHOLE_MODULE = "export="


class Export(NamedTuple):
    line: int
    col: int
    name: str
    local: str | None


class Call(NamedTuple):
    line: int
    col: int
    caller: str
    callee: str
    args: str


class Assignment(NamedTuple):
    line: int
    col: int
    scope: str
    target: str
    value: str


class TypeFact(NamedTuple):
    """What the code says a name holds: evidence the linker follows to resolve `x.m()`.

    `target` is the qualname of what is bound (`f.x` a local of `f`, `C.x` an attribute of
    class `C`, `x` a module global, or a function or class itself); `scope` is where `expr` is
    evaluated. `expr` is a dotted chain with `()` for calls (`m.C()`, `make().build()`), a
    normalized annotation (`Optional["m.C"]` is `m.C`), `None`, or `?` for anything else.
    Origins: `param`, `param_default` (a parameter without, with a default: its annotation
    or `?`) and `annotation` (a declared type), `assign` (a value), `receiver` (`self` or
    `cls`: expr `instance` or `class`), `returns` (the return annotation), `return` and
    `yield` (a value a function gives; `None` for a bare `return`), `base` (in order),
    `decorator`, `super` (the class `super(C, self)` names), `global` and `nonlocal` (the
    name lives outside); JS/TS `argument` (a callback's parameter, expr `callee#i.j`) and
    `callback_param` (target `f#i.j`: the type `f` declares for it)."""
    line: int
    col: int
    scope: str
    target: str
    origin: str
    expr: str


class TsConfig(NamedTuple):
    base_url: str | None
    paths: str | None  # JSON text
    extends: str | None


class Package(NamedTuple):
    """What module resolution reads from a `package.json`."""
    name: str | None
    workspaces: str | None  # JSON text: the workspace patterns, or NULL
    entries: str  # JSON text: subpath (`.`, `./x`, `./x/*`) -> targets, in the order to try
    sealed: int  # 1 when `exports` lists what may be imported: other subpaths resolve to nothing


class ParseError(NamedTuple):
    line: int
    col: int
    message: str


def type_fact(line: int, col: int, scope: str, target: str, origin: str, expr: str) -> TypeFact:
    """A `TypeFact` made by `tuple.__new__`: NamedTuple's own constructor costs twice as much,
    and an extractor makes one for every name a file binds."""
    return tuple.__new__(TypeFact, (line, col, scope, target, origin, expr))


ROW_TYPES: dict[str, type[tuple]] = {
    "symbols": Symbol, "imports": Import, "exports": Export, "calls": Call,
    "assignments": Assignment, "types": TypeFact, "ts_configs": TsConfig, "packages": Package,
    "parse_errors": ParseError,
}


@dataclass(slots=True)
class Facts:
    symbols: list[Symbol] = field(default_factory=list)
    imports: list[Import] = field(default_factory=list)
    exports: list[Export] = field(default_factory=list)
    calls: list[Call] = field(default_factory=list)
    assignments: list[Assignment] = field(default_factory=list)
    types: list[TypeFact] = field(default_factory=list)
    ts_configs: list[TsConfig] = field(default_factory=list)
    packages: list[Package] = field(default_factory=list)
    parse_errors: list[ParseError] = field(default_factory=list)

    def tables(self) -> dict[str, list]:
        return {name: getattr(self, name) for name in ROW_TYPES}

    def plain_tables(self) -> dict[str, list[tuple]]:
        """The rows as plain tuples, for marshal (the extraction cache)."""
        return {name: [tuple(row) for row in rows] for name, rows in self.tables().items()}

    def __reduce__(self):
        """Pickled (to and from worker processes) as plain tuples: a NamedTuple row pickles as a
        call of its class, several times slower."""
        return Facts.from_tables, (self.plain_tables(),)

    def copy(self) -> Facts:
        """New lists of the same (immutable) rows."""
        return Facts(*(list(rows) for rows in self.tables().values()))

    @classmethod
    def from_tables(cls, tables: dict[str, list]) -> Facts:
        """Facts from plain tuples (the cache's), named again."""
        facts = cls()
        for name, rows in tables.items():
            # tuple.__new__ straight: NamedTuple's own constructor costs twice as much, per row.
            setattr(facts, name, list(map(partial(tuple.__new__, ROW_TYPES[name]), rows)))
        return facts
