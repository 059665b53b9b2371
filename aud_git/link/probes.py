"""Module probes: the candidate paths one probe tries, and their inverses.

A Python probe of stem `a/b` tries the package and the module, stub files included; a JS/TS probe
of base `x/y` tries the path itself, TypeScript sources for a `.js` specifier, every extension
and `index.*`. A probe is one lookup (`pymod` or `jsmod`) whose value is the first candidate
present. The inverses give, for a path that appeared or vanished, every stem or base whose probe
could see it: together they make invalidation exact (and are property-tested).
"""
from __future__ import annotations

import posixpath

JS_EXTENSIONS = (".ts", ".tsx", ".d.ts", ".js", ".jsx", ".mjs", ".cjs", ".mts", ".cts", ".json")
_TS_FOR_JS = {".js": (".ts", ".tsx"), ".jsx": (".tsx",), ".mjs": (".mts",), ".cjs": (".cts",)}


def python_candidates(stem: str) -> tuple[str, ...]:
    return (stem + "/__init__.py", stem + "/__init__.pyi", stem + ".py", stem + ".pyi")


def module_stems(path: str) -> list[str]:
    """Every stem whose Python probe can find `path`."""
    stem, ext = posixpath.splitext(path)
    if ext not in (".py", ".pyi"):
        return []
    stems = [stem]
    if posixpath.basename(stem) == "__init__" and posixpath.dirname(stem):
        stems.append(posixpath.dirname(stem))
    return stems


def js_candidates(base: str) -> list[str]:
    stem, suffix = posixpath.splitext(base)
    candidates = [base] if base else []
    candidates += [stem + ext for ext in _TS_FOR_JS.get(suffix, ())]
    candidates += [base + ext for ext in JS_EXTENSIONS]
    candidates += [posixpath.join(base, "index" + ext) for ext in JS_EXTENSIONS]
    return candidates


def probe_bases(path: str) -> set[str]:
    """Every base whose JS/TS probe can find `path`."""
    bases = {path}
    for ext in JS_EXTENSIONS:
        if path.endswith(ext):
            bases.add(path[: -len(ext)])
            if posixpath.basename(path) == "index" + ext:
                bases.add(posixpath.dirname(path))
    stem, suffix = posixpath.splitext(path)
    for js_suffix, ts_suffixes in _TS_FOR_JS.items():
        if suffix in ts_suffixes:
            bases.add(stem + js_suffix)
    return bases
