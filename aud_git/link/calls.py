"""Call resolution's common parts: a callee's tokens, how a link was found, the rows.

Each link says how it was found (`resolution`, weakest first): `direct` (a definition of the
same file), `import`, `self` (the enclosing class, through `self`, `cls` or `this`),
`inherited` (a base class's member), `annotated` (through a declared type: a parameter,
variable or return annotation), `inferred` (through a value assigned or returned); a class
call also links its `__init__` (JS/TS: `constructor`) with resolution `init`. The resolution itself is
typed_calls.py, shared by both linkers, which supply what a name and a module's member mean.
"""
from __future__ import annotations

import functools
from typing import NamedTuple

from aud_git.contract import RESOLUTIONS
from aud_git.link.bindings import Binding, Definition, ModuleRef
from aud_git.link.lookups import Lookups

CALLABLE_KINDS = frozenset({"class", "function", "method"})


class Resolved(NamedTuple):
    """A binding and how it was reached: the least certain step on the way."""
    binding: Binding
    how: str

    def via(self, how: str) -> Resolved:
        return self if RESOLUTIONS.index(self.how) >= RESOLUTIONS.index(how) else Resolved(self.binding, how)


Token = tuple[str, bool]  # a name, and whether it is called (`b()` in `a.b().c`)


@functools.lru_cache(maxsize=65536)
def tokens_of(chain: str) -> tuple[Token, ...] | None:
    """`a.b().c` -> [("a", False), ("b", True), ("c", False)]; None for any other shape."""
    out: list[Token] = []
    for token in chain.split("."):
        called = token.endswith("()")
        name = token[:-2] if called else token
        if not name.replace("$", "_").isidentifier():  # `$` is a letter in JS names
            return None
        out.append((name, called))
    return tuple(out)


class CallResolver:
    """What a linker supplies to call resolution (typed_calls.py) and the rows it makes."""

    lk: Lookups

    def head(self, path: str, name: str) -> Binding | None:
        """What a bare name used in `path` resolves to, or None (unbound, ambiguous, external)."""
        raise NotImplementedError

    def module_member(self, module: ModuleRef, name: str) -> Binding | None:
        raise NotImplementedError

    def resolve_call(self, file: str, caller: str, callee: str) -> list[Resolved]:
        raise NotImplementedError

    def call_links(self, file: str, calls: list[tuple]) -> list[tuple]:
        rows = []
        for line, col, caller, callee in calls:
            for target, how in self.resolve_call(file, caller, callee):
                assert isinstance(target, Definition)  # resolve_call returns definitions only
                rows.append((line, col, callee, target.path, target.qualname, how))
        return rows
