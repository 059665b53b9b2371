"""aud-git: a code index of a git repository that git keeps exact by itself."""
from __future__ import annotations

from functools import cache


@cache
def _version() -> str:
    from importlib.metadata import version  # read once, and only by whoever asks

    return version("aud-git")


def __getattr__(name: str) -> str:
    """`aud_git.__version__`, from the installed package's metadata (pyproject.toml is the one
    place the version is written)."""
    if name == "__version__":
        return _version()
    raise AttributeError(name)
