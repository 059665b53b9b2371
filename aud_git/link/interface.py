"""A file's interface: the part of its facts that other files' links can depend on.

Resolution in another file reads only these tables, one key at a time, and records the key it
read (`name`, `member`, `export`, `stars` or `types` lookups). When a file's content changes,
the keys whose values differ between its old and new interface say exactly which dependents to
re-link: editing a function body re-links only the files that read what it binds or returns,
and adding a name nobody uses re-links nobody.
"""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Interface:
    names: dict[str, frozenset] = field(default_factory=dict)  # module-level name -> candidates
    members: dict[str, str] = field(default_factory=dict)  # dotted qualname -> kind
    exports: dict[str, tuple] = field(default_factory=dict)  # JS export name -> first entry
    stars: tuple = ()  # star import (Python) or star export (JS) sources
    types: dict[str, tuple] = field(default_factory=dict)  # target -> ((origin, scope, expr), ...)
    package: str | None = None  # a package.json's `name` (see invalidation.py)

    def values(self) -> dict[tuple[str, str], object]:
        flat: dict[tuple[str, str], object] = {("stars", ""): self.stars,
                                               ("package", ""): self.package}
        flat.update((("types", k), v) for k, v in self.types.items())
        flat.update((("name", k), v) for k, v in self.names.items())
        flat.update((("member", k), v) for k, v in self.members.items())
        flat.update((("export", k), v) for k, v in self.exports.items())
        return flat


def _members(kinds: dict[str, str], types: dict[str, tuple] | None = None) -> dict[str, str]:
    """Dotted qualname -> kind; an attribute that only `self.x = ...` (or `this.x = ...`)
    assigns is a `variable` member of its class too, so a lookup along the MRO is one key."""
    members = {q: k for q, k in kinds.items() if "." in q}
    for target, evidence in (types or {}).items():
        owner = target.rpartition(".")[0]
        if owner and target not in members and kinds.get(owner) == "class" and any(
                origin in _ATTRIBUTE_ORIGINS for origin, _, _ in evidence):
            members[target] = "variable"
    return members


_ATTRIBUTE_ORIGINS = frozenset({"assign", "annotation"})


def _top_level(kinds: dict[str, str]) -> dict[str, set]:
    """The names a module binds itself. A top-level `method` is an object literal's (JS): no
    name binds it."""
    return {q: {("symbol", q, k)} for q, k in kinds.items() if "." not in q and k != "method"}


def python_interface(kinds: dict[str, str], imports: list[tuple],
                     types: dict[str, tuple] | None = None) -> Interface:
    """`kinds`: qualname -> kind; `imports`: (line, col, kind, module, name, alias, level) rows;
    `types`: target -> its `types` evidence, (origin, scope, expr) in document order."""
    names = _top_level(kinds)
    stars = set()
    for _line, _col, kind, module, name, alias, level in imports:
        if kind == "import":
            bound = alias or module.split(".", 1)[0]
            names.setdefault(bound, set()).add(("import", module if alias else bound))
        elif name == "*":
            stars.add((module, level))
        else:
            names.setdefault(alias or name, set()).add(("from", module, level, name))
    return Interface({k: frozenset(v) for k, v in names.items()}, _members(kinds, types), {},
                     tuple(sorted(stars, key=repr)), types or {})


def js_interface(kinds: dict[str, str], imports: list[tuple], exports: list[tuple],
                 types: dict[str, tuple] | None = None) -> Interface:
    """`exports`: (name, local) rows, sorted; `imports` sorted as the reader returns them;
    `types` as for python_interface."""
    names = _top_level(kinds)
    table: dict[str, tuple] = {}
    for exported, local in exports:
        table.setdefault(exported, ("local", local))
    stars = []
    for _line, _col, kind, module, name, alias, _level in imports:
        local = alias or name
        if kind in ("import", "require") and module is not None and local is not None:
            names.setdefault(local, set()).add(("import", module, name))
            if kind == "require":  # `const x = require(...)` declares x by importing it
                names[local].discard(("symbol", local, "variable"))
        elif kind == "export_from" and module is not None:
            if name == "*" and alias is None:
                stars.append(module)
            else:
                table.setdefault(alias or name, ("from", module, name))
    return Interface({k: frozenset(v) for k, v in names.items()}, _members(kinds, types), table,
                     tuple(stars), types or {})


def changed_keys(old: Interface, new: Interface) -> set[tuple[str, str]]:
    before, after = old.values(), new.values()
    return {key for key in before.keys() | after.keys() if before.get(key) != after.get(key)}
