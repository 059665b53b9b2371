"""Resolving a call's callee text, `a.b.c` or `m.C().method`, through a module's bindings.

Shared by the Python and JS/TS linkers, which supply what a name and a member mean.
"""
from __future__ import annotations

from aud_git.link.lookups import Lookups

CALLABLE_KINDS = frozenset({"class", "function", "method"})


def instance_of(binding):
    if binding is not None and binding[0] == "symbol" and binding[3] == "class":
        return ("symbol", binding[1], binding[2], "instance")
    return None


class CallResolver:
    receiver_names: frozenset[str] = frozenset()
    lk: Lookups

    def head(self, path: str, name: str):
        """What a bare name used in `path` resolves to, or None (unbound, ambiguous, external)."""
        raise NotImplementedError

    def member(self, current, name: str):
        """A member of a module, or of a class, instance or namespace definition."""
        if current is None:
            return None
        if current[0] == "module":
            return self.module_member(current, name)
        if current[0] == "symbol" and current[3] in ("class", "instance", "namespace"):
            qualname = f"{current[2]}.{name}"
            kind = self.lk.member(current[1], qualname)
            return ("symbol", current[1], qualname, kind) if kind is not None else None
        return None

    def module_member(self, module, name: str):
        raise NotImplementedError

    def call_links(self, file: str, calls: list[tuple]) -> list[tuple]:
        own = self.lk.own_symbols()
        rows = []
        for line, col, caller, callee in calls:
            target = self.resolve_call(file, own, caller, callee)
            if target is not None:
                rows.append((line, col, callee, target[1], target[2]))
        return rows

    def resolve_call(self, file, own, caller, callee):
        tokens = []
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
            current = ("symbol", file, owner, "instance")
        else:
            current = self.head(file, head)
        for index, (name, called) in enumerate([(head, head_called), *rest]):
            if index:
                current = self.member(current, name)
            if called:
                current = instance_of(current)
            if current is None:
                return None
        if current[0] == "symbol" and current[3] in CALLABLE_KINDS:
            return current
        return None
