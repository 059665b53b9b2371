"""aud-git: a code index of a git repository that git keeps exact by itself."""
from __future__ import annotations


def __getattr__(name: str) -> str:
    """`aud_git.__version__`, from the installed package's metadata (pyproject.toml is the one
    place the version is written). Read only by whoever asks: every hook imports this package."""
    if name == "__version__":
        from importlib.metadata import version

        return version("aud-git")
    raise AttributeError(name)
