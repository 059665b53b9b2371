"""Versions of installed distributions, read from their `.dist-info` directory names.

Every update checks them (they are part of the index identity), and the hooks' detached
updates and the command line start a new process each time: `importlib.metadata` costs such a
process 20-35 ms of imports and METADATA parsing, where listing the `sys.path` directories
costs 1 ms. The directory is named `{name}-{version}.dist-info`, the name normalized with `_`
(the binary distribution format, PEP 427, and the recording of installed projects); the first
match along `sys.path` wins, as in `importlib.metadata`, which answers wherever no directory
is found (an egg, a zip).
"""
from __future__ import annotations

import os
import re
import sys

_SUFFIX = ".dist-info"
_listed: dict[str, dict[str, str]] = {}  # sys.path entry -> normalized name -> version


def _normalized(name: str) -> str:
    return re.sub(r"[-_.]+", "_", name).lower()


def _versions_in(directory: str) -> dict[str, str]:
    if directory not in _listed:
        found: dict[str, str] = {}
        try:
            names = os.listdir(directory or ".")
        except OSError:
            names = []
        for entry in sorted(names):  # a stale second directory: the same answer every time
            if entry.endswith(_SUFFIX):
                name, _, version = entry[:-len(_SUFFIX)].partition("-")
                if version:
                    found.setdefault(_normalized(name), version)
        _listed[directory] = found
    return _listed[directory]


def version(distribution: str) -> str | None:
    """The installed version of `distribution`, or None when it is not installed."""
    wanted = _normalized(distribution)
    for directory in sys.path:
        found = _versions_in(directory).get(wanted)
        if found is not None:
            return found
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as metadata_version

    try:
        return metadata_version(distribution)
    except PackageNotFoundError:
        return None
