"""Python import and call resolution over the recorded lookups.

A module probe for the dotted path `a.b` below base `r` is one `pymod` lookup of stem `r/a/b`
(see probes.py). A namespace package is a directory (`dir` lookup).

Names resolve to bindings (bindings.py): a `ModuleRef` (a module file or a namespace package
directory) or a `Definition` (kind "instance" for `C()`). A name bound more than once in a
module (a definition and an import, two imports) is ambiguous and stays unresolved: no
guessing. Names are resolved one at a time, when used, so a file depends only on the lookups
behind the names it uses.
"""
from __future__ import annotations

import posixpath

from aud_git.link.bindings import Binding, Definition, ModuleRef
from aud_git.link.lookups import Lookups
from aud_git.link.python_calls import PythonCalls

_INIT_NAMES = ("__init__.py", "__init__.pyi")


def _probe(lk: Lookups, bases: tuple[str, ...], parts: list[str]) -> ModuleRef | None:
    """A module below one of `bases`: packages and modules first, then namespace directories."""
    for base in bases:
        found = lk.probe("pymod", posixpath.join(base, *parts))
        if found is not None:
            return ModuleRef(found, "file")
    for base in bases:
        stem = posixpath.join(base, *parts)
        if lk.is_dir(stem):
            return ModuleRef(stem, "namespace")
    return None


class PythonLinker(PythonCalls):

    def __init__(self, lk: Lookups, source_roots: tuple[str, ...]) -> None:
        self.lk = lk
        self.roots = source_roots

    # -- modules ---------------------------------------------------------------------------
    def absolute(self, dotted: str) -> ModuleRef | None:
        return self.lk.shared(("py-abs", dotted), lambda: _probe(self.lk, self.roots, dotted.split(".")))

    def relative(self, file: str, level: int, module: str | None) -> ModuleRef | None:
        directory = posixpath.dirname(file)
        return self.lk.shared(
            ("py-rel", directory, level, module),
            lambda: self._relative(directory, level, module),
        )

    def _relative(self, package: str, level: int, module: str | None) -> ModuleRef | None:
        for _ in range(level - 1):
            if not package:
                return None
            package = posixpath.dirname(package)
        if not module:
            if not package:
                return ModuleRef("", "namespace")
            return _probe(self.lk, ("",), package.split("/"))
        return _probe(self.lk, (package,), module.split("."))

    def module_of(self, file: str, module: str | None, level: int) -> ModuleRef | None:
        return self.relative(file, level, module) if level else self.absolute(module or "")

    def submodule(self, module: ModuleRef, name: str) -> ModuleRef | None:
        path, kind = module
        if kind == "namespace":
            package = path
        elif posixpath.basename(path) in _INIT_NAMES:
            package = posixpath.dirname(path)
        else:
            return None
        return self.lk.shared(("py-sub", package, name), lambda: _probe(self.lk, (package,), [name]))

    # -- import links ----------------------------------------------------------------------
    def import_links(self, file: str) -> list[tuple]:
        rows: list[tuple] = []
        for line, col, kind, module, name, _alias, level in self.lk.own_imports():
            text = module if kind == "import" else "." * level + (module or "")
            resolved = self.absolute(module) if kind == "import" else self.module_of(file, module, level)
            if resolved is not None and kind == "from" and name != "*":
                submodule = self.submodule(resolved, name)
                if submodule is not None:
                    resolved = submodule
                elif resolved.kind == "namespace":
                    rows.append((line, col, text, name, None, "unresolved"))
                    continue
            if resolved is not None:
                rows.append((line, col, text, name, resolved.path, resolved.kind))
            elif level or (module and self.absolute(module.split(".", 1)[0]) is not None):
                rows.append((line, col, text, name, None, "unresolved"))
            else:
                rows.append((line, col, text, name, None, "external"))
        return rows

    # -- names -----------------------------------------------------------------------------
    def bound(self, path: str, name: str) -> tuple[bool, Binding | None]:
        """(True, binding) when `path` binds `name` itself, else (False, None)."""
        candidates = self.lk.name(path, name)
        if not candidates:
            return False, None
        if len(candidates) != 1:
            return True, None
        (candidate,) = candidates
        if candidate[0] == "symbol":
            return True, Definition(path, candidate[1], candidate[2])
        if candidate[0] == "import":
            module = self.absolute(candidate[1])
            return True, module
        _, module_name, level, imported = candidate
        module = self.module_of(path, module_name, level)
        if module is None:
            return True, None
        submodule = self.submodule(module, imported)
        if submodule is not None:
            return True, submodule
        return True, self.member_of_module(module, imported)

    def from_stars(self, path: str, name: str) -> Binding | None:
        results: set[Binding | None] = set()
        for module_name, level in self.lk.stars(path):
            module = self.module_of(path, module_name, level)
            if module is not None and module.kind == "file":
                results.add(self.member_of_module(module, name))
        results.discard(None)
        return results.pop() if len(results) == 1 else None

    def head(self, path: str, name: str) -> Binding | None:
        found, binding = self.bound(path, name)
        return binding if found else self.from_stars(path, name)

    def member_of_module(self, module: ModuleRef, name: str) -> Binding | None:
        return self.lk.shared(("py-member", module.path, name), lambda: self._member(module, name))

    def _member(self, module: ModuleRef, name: str) -> Binding | None:
        if module.kind != "namespace":
            found, binding = self.bound(module.path, name)
            if found:
                return binding
        submodule = self.submodule(module, name)
        if submodule is not None:
            return submodule
        return None if module.kind == "namespace" else self.from_stars(module.path, name)

    def module_member(self, module: ModuleRef, name: str) -> Binding | None:
        return self.member_of_module(module, name)
