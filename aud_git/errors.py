from __future__ import annotations


class AudError(Exception):
    """A user-facing error: printed as one line on stderr, exit status 2."""
