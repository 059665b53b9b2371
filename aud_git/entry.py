"""The `aud` program's door: the console script and `python -m aud_git` both start here.

What must start fast is routed before click loads (click and the command table cost ~25 ms):
the hooks (`hooks/entry.py`, every commit and checkout) and an `aud index --incremental` that
a running `aud watch` answers (`watch/client.py`). Everything else is the command line
(`commands/`)."""
from __future__ import annotations

import sys

HOOK_COMMANDS = ("hook-impl", "hook")  # `hook`: the shims and snippets of aud 0.1


def main() -> None:
    argv = sys.argv[1:]
    if argv[:1] and argv[0] in HOOK_COMMANDS:
        from aud_git.hooks.entry import main as hook_main

        hook_main(argv[1:])
    if "index" in argv[:3]:  # `[-C DIR] index …`: other commands never load the client
        from aud_git.watch.client import served_index

        status = served_index(argv)
        if status is not None:
            sys.exit(status)
    from aud_git.commands import main as command_line

    command_line()
