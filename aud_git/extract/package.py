"""Facts of a `package.json`: what resolving a bare specifier (`@scope/pkg/sub`) reads.

`entries` maps each subpath a package offers to the targets that may hold it, in the order
they are tried: with `exports`, every condition's target in the order written (which
conditions a build activates is not known here: the linker takes the first target that is an
indexed file); without, `.` is `types`, `typings`, `module`, `main` and `source`, and any other
subpath is the path itself. `workspaces` is npm's and yarn's list of workspace patterns.
"""
from __future__ import annotations

import json

from aud_git.extract.facts import Facts, Package
from aud_git.extract.tsconfig import json_object

MAIN_FIELDS = ("types", "typings", "module", "main", "source")
MAX_TARGETS = 64  # targets kept for one subpath (conditions nest)
MAX_DEPTH = 16  # how deep conditions may nest


def extract_package(data: bytes, facts: Facts) -> None:
    document = json_object(data, facts, "package.json")
    if document is None:
        return
    name = document.get("name")
    workspaces = _workspaces(document.get("workspaces"))
    exports = document.get("exports")
    if exports is not None:
        entries, sealed = _exports(exports), 1
    else:
        main = [document[f] for f in MAIN_FIELDS if isinstance(document.get(f), str)]
        entries, sealed = ({".": main} if main else {}), 0
    facts.packages.append(Package(
        name if isinstance(name, str) else None,
        json.dumps(workspaces) if workspaces is not None else None,
        json.dumps(entries, sort_keys=True), sealed))


def _workspaces(value: object) -> list[str] | None:
    """`"workspaces": ["packages/*"]`, or yarn's `{"packages": [...]}`."""
    if isinstance(value, dict):
        value = value.get("packages")
    if not isinstance(value, list):
        return None
    return [p for p in value if isinstance(p, str)]


def _exports(value: object) -> dict[str, list[str]]:
    """subpath -> targets: `"exports": "./i.js"` and a conditions object are the `.` entry; an
    object whose keys start with `.` maps subpaths (patterns with one `*` too)."""
    if isinstance(value, dict) and value and all(isinstance(k, str) and k.startswith(".")
                                                 for k in value):
        return {key: _targets(target, 0) for key, target in value.items()}
    return {".": _targets(value, 0)}


def _targets(value: object, depth: int) -> list[str]:
    """The string targets of an exports value in the order written: conditions objects and
    fallback arrays flattened; `null` (nothing may be imported there) gives none."""
    if isinstance(value, str):
        return [value]
    if depth >= MAX_DEPTH:
        return []
    nested = value.values() if isinstance(value, dict) else value if isinstance(value, list) else ()
    found: list[str] = []
    for item in nested:
        for target in _targets(item, depth + 1):
            if target not in found and len(found) < MAX_TARGETS:
                found.append(target)
    return found
