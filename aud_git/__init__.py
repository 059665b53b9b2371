"""aud-git: a code index of a git repository that git keeps exact by itself."""
from __future__ import annotations

_read_version: list[str] = []  # memo (functools would cost every hook its import)


def __getattr__(name: str) -> str:
    """`aud_git.__version__`, from the installed package's metadata (pyproject.toml is the one
    place the version is written), read once and only by whoever asks."""
    if name == "__version__":
        if not _read_version:
            from aud_git.installed import version

            _read_version.append(version("aud-git") or "unknown")
        return _read_version[0]
    raise AttributeError(name)
