"""Python's own parts of call resolution (the rest is typed_calls.py): pytest fixtures and
the bases that hide nothing.

A test's or fixture's plain parameter in a test module or conftest.py is the fixture of that
name: the module's own, else the nearest conftest.py's up the directory tree (each probed path
a recorded lookup). Fixtures from plugins, `pytest_plugins`, class-level fixtures and
`@pytest.fixture(name=...)` are not followed.
"""
from __future__ import annotations

import posixpath
import re

from aud_git.link.bindings import Definition
from aud_git.link.calls import Resolved
from aud_git.link.typed_calls import TypedCalls

_TEST_FILE = re.compile(r"(?:test_[^/]*|[^/]*_test|conftest)\.py")


class PythonCalls(TypedCalls):
    transparent_bases = frozenset({"object", "Generic", "Protocol", "ABC"})
    super_is_called = True
    constructor = "__init__"

    def parameter_value(self, path: str, target: str) -> Resolved | None:
        function, _, name = target.rpartition(".")
        return self.fixture(path, name) if self.takes_fixtures(path, function) else None

    def takes_fixtures(self, path: str, function: str) -> bool:
        """Are `function`'s plain parameters pytest fixtures? A test or a fixture of a test
        module or conftest.py."""
        if not _TEST_FILE.fullmatch(posixpath.basename(path)):
            return False
        owner, _, name = function.rpartition(".")
        if name.startswith("test") and (not owner or owner.rpartition(".")[2].startswith("Test")):
            return True
        return not owner and self.is_fixture(path, function)

    def is_fixture(self, path: str, qualname: str) -> bool:
        evidence = self.lk.types(path, qualname) or ()
        return any(origin == "decorator" and expr.removesuffix("()").rpartition(".")[2] == "fixture"
                   for origin, _, expr in evidence)

    def fixture(self, path: str, name: str) -> Resolved | None:
        """The value of fixture `name` as seen from `path`: its module's own fixture, else the
        nearest conftest.py's up the directory tree."""
        directory = posixpath.dirname(path)
        candidates = [path]
        while True:
            candidates.append(posixpath.join(directory, "conftest.py"))
            if not directory:
                break
            directory = posixpath.dirname(directory)
        for candidate in candidates:
            if candidate != path and not self.lk.exists(candidate):
                continue
            if self.kind_of(candidate, name) == "function" and self.is_fixture(candidate, name):
                return self.given(Definition(candidate, name, "function"), fixture=True)
        return None
