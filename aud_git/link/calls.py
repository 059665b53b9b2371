"""Resolving a call's callee text, `a.b.c` or `m.C().method`, to the definitions it calls.

Each link says how it was found (`resolution`, weakest first): `direct` (a definition of the
same file), `import`, `self` (the enclosing class, through `self`, `cls` or `this`),
`inherited` (a base class's member), `annotated` (through a declared type: a parameter,
variable or return annotation), `inferred` (through a value assigned); a class call also links
its `__init__` with resolution `init`. Shared by both linkers: JS/TS resolves names, members
and `this`; Python (python_calls.py) follows types as well.
"""
from __future__ import annotations

import functools
from typing import NamedTuple

from aud_git.link.bindings import Binding, Definition, ModuleRef
from aud_git.link.lookups import Lookups

CALLABLE_KINDS = frozenset({"class", "function", "method"})
RESOLUTIONS = ("direct", "import", "self", "inherited", "annotated", "inferred", "init")


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


def instance_of(binding: Binding | None) -> Definition | None:
    """What calling `binding` gives, as far as we follow it: an instance of a class."""
    if isinstance(binding, Definition) and binding.kind == "class":
        return Definition(binding.path, binding.qualname, "instance")
    return None


class CallResolver:
    receiver_names: frozenset[str] = frozenset()
    lk: Lookups

    def head(self, path: str, name: str) -> Binding | None:
        """What a bare name used in `path` resolves to, or None (unbound, ambiguous, external)."""
        raise NotImplementedError

    def member(self, current: Binding | None, name: str) -> Binding | None:
        """A member of a module, or of a class, instance or namespace definition."""
        if isinstance(current, ModuleRef):
            return self.module_member(current, name)
        if isinstance(current, Definition) and current.kind in ("class", "instance", "namespace"):
            qualname = f"{current.qualname}.{name}"
            kind = self.lk.member(current.path, qualname)
            return Definition(current.path, qualname, kind) if kind is not None else None
        return None

    def module_member(self, module: ModuleRef, name: str) -> Binding | None:
        raise NotImplementedError

    def call_links(self, file: str, calls: list[tuple]) -> list[tuple]:
        own = self.lk.own_symbols()
        rows = []
        for line, col, caller, callee in calls:
            for target, how in self.resolve_call(file, own, caller, callee):
                assert isinstance(target, Definition)  # resolve_call returns definitions only
                rows.append((line, col, callee, target.path, target.qualname, how))
        return rows

    def base_links(self, file: str) -> list[tuple]:
        """(class, position, base as written, target file, target qualname) of each base class
        that resolves to a class in the repository."""
        return []

    def resolve_call(self, file: str, own: dict[str, str], caller: str,
                     callee: str) -> list[Resolved]:
        # `new X().m` (JS) calls `m` of an instance of `X`, as `X().m` does.
        tokens = tokens_of(callee[4:] if callee.startswith("new ") else callee)
        if tokens is None:
            return []
        (head, head_called), rest = tokens[0], tokens[1:]
        if head in self.receiver_names and not head_called and rest:
            owner = caller.rpartition(".")[0]
            if own.get(owner) != "class":
                return []
            current: Binding | None = Definition(file, owner, "instance")
            how = "self"
        else:
            current = self.head(file, head)
            how = "direct" if isinstance(current, Definition) and current.path == file else "import"
        for index, (name, called) in enumerate([(head, head_called), *rest]):
            if index:
                current = self.member(current, name)
            if called:
                current = instance_of(current)
            if current is None:
                return []
        if isinstance(current, Definition) and current.kind in CALLABLE_KINDS:
            return [Resolved(current, how)]
        return []
