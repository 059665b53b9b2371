"""aud-git: a code index of a git repository that git keeps exact by itself."""
from __future__ import annotations

__version__ = "0.1.0"
