"""The `[tool.aud]` configuration of the indexed repository, and its fingerprint."""
from __future__ import annotations

import fnmatch
import hashlib
import json
import math
import os
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass

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
        return any(_glob_matches(path, pattern) for pattern in self.exclude)

    def resolve_source_roots(self, python_paths: Iterable[str]) -> tuple[str, ...]:
        """Python source roots; auto-detection adds `src` for a `src/` layout."""
        if self.source_roots is not None:
            return self.source_roots
        paths = set(python_paths)
        if "src/__init__.py" not in paths and any(p.startswith("src/") for p in paths):
            return ("", "src")
        return ("",)

    def fingerprint(self, source_roots: tuple[str, ...]) -> str:
        """What the database content depends on; other settings leave it unchanged."""
        content = {
            "exclude": list(self.exclude),
            "max_file_size": self.max_file_size,
            "source_roots": list(source_roots),
        }
        return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()[:16]


def _glob_matches(path: str, pattern: str) -> bool:
    pattern = pattern.strip("/") if pattern.endswith("/") else pattern
    if fnmatch.fnmatchcase(path, pattern) or path.startswith(pattern.rstrip("/") + "/"):
        return True
    if "/" not in pattern:
        return any(fnmatch.fnmatchcase(part, pattern) for part in path.split("/"))
    return False


def _table(path: str, key_path: tuple[str, ...]) -> dict | None:
    try:
        with open(path, "rb") as handle:
            data = tomllib.load(handle)
    except FileNotFoundError:
        return None
    except (tomllib.TOMLDecodeError, OSError) as exc:
        raise AudError(f"cannot read {os.path.basename(path)}: {exc}") from None
    for key in key_path:
        data = data.get(key)
        if not isinstance(data, dict):
            return None
    return data


def _check(values: dict, key: str, kind: type | tuple[type, ...], origin: str):
    value = values[key]
    if not isinstance(value, kind) or isinstance(value, bool):
        raise AudError(f"{origin}: [tool.aud] {key} has the wrong type")
    return value


def load_config(workdir: str) -> Config:
    """`aud.toml` (top level or `[tool.aud]`) wins over `pyproject.toml`'s `[tool.aud]`."""
    origin = "aud.toml"
    values = _table(os.path.join(workdir, origin), ("tool", "aud"))
    if values is None:
        values = _table(os.path.join(workdir, origin), ())
    if values is None:
        origin = "pyproject.toml"
        values = _table(os.path.join(workdir, origin), ("tool", "aud"))
    if not values:
        return Config()
    unknown = set(values) - {
        "exclude", "max_file_size", "source_roots", "lock_timeout", "full_rebuild_every",
        "full_rebuild_hours", "background_threshold",
    }
    if unknown:
        raise AudError(f"{origin}: unknown [tool.aud] setting {sorted(unknown)[0]!r}")
    settings: dict = {}
    if "exclude" in values:
        settings["exclude"] = tuple(str(p) for p in _check(values, "exclude", list, origin))
    if "max_file_size" in values:
        settings["max_file_size"] = _check(values, "max_file_size", int, origin)
    if "source_roots" in values:
        roots = values["source_roots"]
        if roots != "auto":
            roots = _check(values, "source_roots", list, origin)
            settings["source_roots"] = tuple(str(r).strip("/").removeprefix("./") for r in roots)
            settings["source_roots"] = tuple("" if r == "." else r for r in settings["source_roots"])
    for key in ("lock_timeout", "full_rebuild_hours"):
        if key in values:
            value = float(_check(values, key, (int, float), origin))
            if not math.isfinite(value):
                raise AudError(f"{origin}: [tool.aud] {key} must be a finite number")
            settings[key] = value
    for key in ("full_rebuild_every", "background_threshold"):
        if key in values:
            settings[key] = _check(values, key, int, origin)
    for key in ("exclude", "source_roots"):
        if len(settings.get(key) or ()) > MAX_PATTERNS or any(
                len(p) > MAX_PATTERN_LENGTH for p in settings.get(key) or ()):
            raise AudError(f"{origin}: [tool.aud] {key} has more than {MAX_PATTERNS} entries"
                           f" or one longer than {MAX_PATTERN_LENGTH} characters")
    for key, (low, high) in BOUNDS.items():  # the repository may ask; these machines decide
        if key in settings:
            settings[key] = type(settings[key])(min(max(settings[key], low), high))
    return Config(**settings)
