"""The exceptions the engine raises for the user; `commands/error_handler.py` maps them to exit
statuses. Nothing here knows about the command line."""
from __future__ import annotations


class AudError(Exception):
    """A user-facing error: shown as one line `aud: MESSAGE`, exit status 2. The message says
    what is wrong and, where there is one, what to do."""

    exit_code = 2

    @property
    def message(self) -> str:
        return str(self)
