"""Call resolution's common parts: a callee's tokens, how a link was found, the rows.

Each link says how it was found (`resolution`, weakest first): `direct` (a definition of the
same file), `import`, `self` (the enclosing class, through `self`, `cls` or `this`),
`inherited` (a base class's member), `annotated` (through a declared type: a parameter,
variable or return annotation), `inferred` (through a value assigned or returned); a class
call also links its `__init__` (JS/TS: `constructor`) with resolution `init`; `possible` marks
each target of a call that reaches one of several, all known (see typed_calls.py). The resolution itself is
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
ELEMENT = "[]"  # the token of a subscript (`h[k]` is ("h", False), ("[]", False))
_CLOSING = {"(": ")", "[": "]"}


@functools.lru_cache(maxsize=65536)
def tokens_of(chain: str) -> tuple[Token, ...] | None:
    """`a.b().c` -> [("a", False), ("b", True), ("c", False)]; a subscript is an ELEMENT token
    (`h[k]()` -> [("h", False), ("[]", True)]); a call's arguments, as written or left out, do
    not matter (`h.get(k)` is `h.get()`); None for any other shape."""
    if "[" not in chain and "(" not in chain.replace("()", ""):  # most: `a.b().c`, as they stand
        out: list[Token] = []
        for token in chain.split("."):
            called = token.endswith("()")
            name = token[:-2] if called else token
            if not name.replace("$", "_").isidentifier():  # `$` is a letter in JS names
                return None
            out.append((name, called))
        return tuple(out)
    out = []
    for segment in _segments(chain):
        if segment is None:
            return None
        name, _, rest = segment.partition(" ")
        if not name.replace("$", "_").isidentifier():  # `$` is a letter in JS names
            return None
        out.append((name, False))
        for group in rest.split():
            if group == "(" and not out[-1][1]:
                out[-1] = (out[-1][0], True)
            elif group == "[":
                out.append((ELEMENT, False))
            else:
                return None  # `f(a)(b)`: what a call's result gives is called again
    return tuple(out)


def _segments(chain: str):
    """The dot-separated parts of a chain, each as `name ( [ (` (its calls and subscripts, their
    contents dropped), or None where brackets or quotes do not close."""
    current: list[str] = []
    closing: list[str] = []
    quote = ""
    for char in chain:
        if quote:
            quote = "" if char == quote else quote
        elif closing:
            if char in "'\"":
                quote = char
            elif char in _CLOSING:
                closing.append(_CLOSING[char])
            elif char == closing[-1]:
                closing.pop()
            elif char in ")]":
                yield None
                return
        elif char in _CLOSING:
            closing.append(_CLOSING[char])
            current.append(" " + char)
        elif char == ".":
            yield "".join(current)
            current = []
        else:
            current.append(char)
    yield "".join(current) if not closing and not quote else None


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
        return sorted(set(rows))  # two options may share an `__init__`
