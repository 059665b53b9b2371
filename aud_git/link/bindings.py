"""What a name resolves to while linking: a module, or a definition in the repository.

Bindings live in memory only (memoised by `Lookups.shared`); the lookups recorded in `link_deps`
and the link cache keep their plain JSON-able values.
"""
from __future__ import annotations

from typing import NamedTuple


class ModuleRef(NamedTuple):
    """A module: a file, or (Python) a namespace package directory."""
    path: str
    kind: str = "file"  # "file" or "namespace"


class Definition(NamedTuple):
    """A definition; kind "instance" stands for an instance of the class `qualname`."""
    path: str
    qualname: str
    kind: str


class Choice(NamedTuple):
    """One of several bindings, each certain to be possible and no other (`x = A()` in one
    place, `x = B()` in another; `f if c else g`): `options` are `Resolved`, sorted, distinct,
    at least two (see link/typed_calls.py)."""
    options: tuple


Binding = ModuleRef | Definition | Choice
