"""Which language a path is, by its name alone (so the answer never depends on content)."""
from __future__ import annotations

import posixpath

_BY_SUFFIX = {
    ".py": "python",
    ".pyi": "python",
    ".js": "javascript",
    ".mjs": "javascript",
    ".cjs": "javascript",
    ".jsx": "javascript",
    ".ts": "typescript",
    ".mts": "typescript",
    ".cts": "typescript",
    ".tsx": "tsx",
}

SOURCE_LANGS = frozenset({"python", "javascript", "typescript", "tsx"})
JS_LANGS = frozenset({"javascript", "typescript", "tsx"})


def is_ts_config(path: str) -> bool:
    name = posixpath.basename(path)
    return name in ("tsconfig.json", "jsconfig.json") or (
        name.startswith("tsconfig.") and name.endswith(".json")
    )


def language_of(path: str) -> str | None:
    if is_ts_config(path):
        return "tsconfig"
    if posixpath.basename(path) == "package.json":
        return "package"
    return _BY_SUFFIX.get(posixpath.splitext(path)[1].lower())
