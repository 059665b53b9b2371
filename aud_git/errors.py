from __future__ import annotations

import click


class AudError(click.ClickException):
    """A user-facing error: one line `aud: ...` on stderr, exit status 2."""

    exit_code = 2

    def show(self, file=None) -> None:
        click.echo(f"aud: {self.format_message()}", err=True, file=file)
