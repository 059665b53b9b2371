"""Resolving a call's callee text, `a.b.c` or `m.C().method`, through a module's bindings.

Shared by the Python and JS/TS linkers, which supply what a name and a member mean.
"""
from __future__ import annotations

from aud_git.link.bindings import Binding, Definition, ModuleRef
from aud_git.link.lookups import Lookups

CALLABLE_KINDS = frozenset({"class", "function", "method"})


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
            target = self.resolve_call(file, own, caller, callee)
            if target is not None:
                rows.append((line, col, callee, target.path, target.qualname))
        return rows

    def resolve_call(self, file: str, own: dict[str, str], caller: str, callee: str) -> Definition | None:
        tokens: list[tuple[str, bool]] = []
        for token in callee.split("."):
            called = token.endswith("()")
            name = token[:-2] if called else token
            if not name.isidentifier():
                return None
            tokens.append((name, called))
        (head, head_called), rest = tokens[0], tokens[1:]
        if head in self.receiver_names and not head_called and rest:
            owner = caller.rpartition(".")[0]
            if own.get(owner) != "class":
                return None
            current: Binding | None = Definition(file, owner, "instance")
        else:
            current = self.head(file, head)
        for index, (name, called) in enumerate([(head, head_called), *rest]):
            if index:
                current = self.member(current, name)
            if called:
                current = instance_of(current)
            if current is None:
                return None
        if isinstance(current, Definition) and current.kind in CALLABLE_KINDS:
            return current
        return None
