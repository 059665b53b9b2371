"""The `[tool.aud]` configuration of the indexed repository, and its fingerprint."""
from __future__ import annotations

import hashlib
import json
import math
import os
import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property

from aud_git.errors import AudError

DEFAULT_MAX_FILE_SIZE = 2 * 1024 * 1024
# A repository's configuration is untrusted input: values outside these ranges are clamped.
BOUNDS: dict[str, tuple[float, float]] = {
    "max_file_size": (0, 8 * 1024 * 1024),
    "lock_timeout": (0.0, 600.0),
    "full_rebuild_every": (1, 100_000),
    "full_rebuild_hours": (0.0, 24.0 * 365),
    "background_threshold": (0, 10_000_000),
}
MAX_PATTERNS = 1000
MAX_PATTERN_LENGTH = 1000
# Wildcards per `exclude` pattern. Patterns become backtracking regular expressions: five `*`
# in one pattern took 10 s to refuse one 250-character file name, three take 50 ms at worst.
MAX_WILDCARDS = 3
_STAR_RUN = re.compile(r"\*+")
_DOUBLE_STAR = re.compile(r"\*{2,}")


@dataclass(frozen=True)
class Config:
    exclude: tuple[str, ...] = ()
    max_file_size: int = DEFAULT_MAX_FILE_SIZE
    source_roots: tuple[str, ...] | None = None  # None: auto-detect
    lock_timeout: float = 30.0
    full_rebuild_every: int = 50
    full_rebuild_hours: float = 24.0
    background_threshold: int = 200

    def is_excluded(self, path: str) -> bool:
        return self._exclude_spec is not None and self._exclude_spec.match_file(path)

    @cached_property
    def _exclude_spec(self):
        """The `exclude` patterns with `.gitignore` semantics, by pathspec (anchoring with `/`,
        `*` within one path component, `**`, directories, `!` negation); None when empty."""
        if not self.exclude:
            return None
        import pathspec  # only for repositories that exclude something

        return pathspec.GitIgnoreSpec.from_lines(self.exclude)

    def resolve_source_roots(self, python_paths: Iterable[str]) -> tuple[str, ...]:
        """Python source roots; auto-detection adds `src` for a `src/` layout."""
        if self.source_roots is not None:
            return self.source_roots
        paths = set(python_paths)
        if "src/__init__.py" not in paths and any(p.startswith("src/") for p in paths):
            return ("", "src")
        return ("",)

    def source_roots_depend_on(self, path: str) -> bool:
        """Can `path` coming or going change what `resolve_source_roots` detects?"""
        return self.source_roots is None and path.startswith("src/") and path.endswith((".py", ".pyi"))

    def fingerprint(self, source_roots: tuple[str, ...]) -> str:
        """What the database content depends on; other settings leave it unchanged."""
        content = {
            "exclude": list(self.exclude),
            "max_file_size": self.max_file_size,
            "source_roots": list(source_roots),
        }
        return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()[:16]


def exclude_pattern(pattern: str, origin: str) -> str:
    """A pattern as `.gitignore` means it, with `**` kept only as a whole path segment (elsewhere
    git reads it as `*`), refused when it has more than MAX_WILDCARDS wildcards."""
    pattern = _DOUBLE_STAR.sub(lambda m: m.group() if _whole_segment(pattern, m) else "*", pattern)
    if len(_STAR_RUN.findall(pattern)) > MAX_WILDCARDS:
        raise AudError(f"{origin}: [tool.aud] exclude pattern {pattern[:60]!r} has more than"
                       f" {MAX_WILDCARDS} wildcards")
    return pattern


def _whole_segment(pattern: str, match: re.Match) -> bool:
    start, end = match.span()
    return (start == 0 or pattern[start - 1] == "/") and (end == len(pattern) or pattern[end] == "/")


def _table(path: str, key_path: tuple[str, ...]) -> dict | None:
    try:
        with open(path, "rb") as handle:
            data = tomllib.load(handle)
    except FileNotFoundError:
        return None
    except (tomllib.TOMLDecodeError, OSError) as exc:
        raise AudError(f"cannot read {os.path.basename(path)}: {exc}") from None
    for key in key_path:
        inner = data.get(key)
        if not isinstance(inner, dict):
            return None
        data = inner
    return data


def _check(values: dict, key: str, kind: type | tuple[type, ...], origin: str):
    value = values[key]
    if not isinstance(value, kind) or isinstance(value, bool):
        raise AudError(f"{origin}: [tool.aud] {key} has the wrong type")
    return value


_SETTINGS = frozenset({
    "exclude", "max_file_size", "source_roots", "lock_timeout", "full_rebuild_every",
    "full_rebuild_hours", "background_threshold",
})


def load_config(workdir: str) -> Config:
    """`aud.toml` (top level or `[tool.aud]`) wins over `pyproject.toml`'s `[tool.aud]`."""
    values, origin = _find_table(workdir)
    if not values:
        return Config()
    unknown = set(values) - _SETTINGS
    if unknown:
        raise AudError(f"{origin}: unknown [tool.aud] setting {sorted(unknown)[0]!r}")
    settings = {**_path_settings(values, origin), **_number_settings(values, origin)}
    for key in ("exclude", "source_roots"):
        if len(settings.get(key) or ()) > MAX_PATTERNS or any(
                len(p) > MAX_PATTERN_LENGTH for p in settings.get(key) or ()):
            raise AudError(f"{origin}: [tool.aud] {key} has more than {MAX_PATTERNS} entries"
                           f" or one longer than {MAX_PATTERN_LENGTH} characters")
    for key, (low, high) in BOUNDS.items():  # the repository may ask; these machines decide
        if key in settings:
            settings[key] = type(settings[key])(min(max(settings[key], low), high))
    return Config(**settings)


def _find_table(workdir: str) -> tuple[dict | None, str]:
    for origin, key_path in (("aud.toml", ("tool", "aud")), ("aud.toml", ()),
                             ("pyproject.toml", ("tool", "aud"))):
        values = _table(os.path.join(workdir, origin), key_path)
        if values is not None:
            return values, origin
    return None, "pyproject.toml"


def _path_settings(values: dict, origin: str) -> dict:
    settings: dict = {}
    if "exclude" in values:
        settings["exclude"] = tuple(exclude_pattern(str(p), origin)
                                    for p in _check(values, "exclude", list, origin))
    roots = values.get("source_roots", "auto")
    if roots != "auto":
        roots = (str(r).strip("/").removeprefix("./")
                 for r in _check(values, "source_roots", list, origin))
        settings["source_roots"] = tuple("" if r == "." else r for r in roots)
    return settings


def _number_settings(values: dict, origin: str) -> dict:
    settings: dict = {}
    for key in ("lock_timeout", "full_rebuild_hours"):
        if key in values:
            value = float(_check(values, key, (int, float), origin))
            if not math.isfinite(value):
                raise AudError(f"{origin}: [tool.aud] {key} must be a finite number")
            settings[key] = value
    for key in ("max_file_size", "full_rebuild_every", "background_threshold"):
        if key in values:
            settings[key] = _check(values, key, int, origin)
    return settings
