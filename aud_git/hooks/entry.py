"""The hooks' door, `aud hook-impl [OPTIONS] NAME [ARGS]...`, parsed without click.

Every commit and checkout runs it. The detached update (the default) leaves the hook itself
almost nothing to do, so what it imports is what it costs: click and the command table take
~25 ms, more than everything else the hook does, so this door parses its own few options with
argparse and imports only what the chosen action needs. `aud hook-impl` (the console script,
shims of aud 0.1) and `python -m aud_git hook-impl` (the shims and the managers' snippets) both
come here.
"""
from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="aud hook-impl",
        description="What the git hook shims run: NAME is the hook (or `auto` under the "
                    "pre-commit framework). post-* hooks always exit 0; pre-commit fails only "
                    "with --strict.")
    parser.add_argument("--foreground", action="store_true",
                        help="Update inside the hook (git waits) unless the operation changed"
                             " more than `background_threshold` files.")
    parser.add_argument("--strict", action="store_true",
                        help="pre-commit: fail when a staged file does not parse.")
    parser.add_argument("--opt-in", action="store_true", help=argparse.SUPPRESS)
    # Shims written by aud 0.1 pass --background; detaching is now what every hook does.
    parser.add_argument("--background", action="store_true", help=argparse.SUPPRESS)
    # The detached processes a hook starts (see run.py).
    parser.add_argument("--deferred", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--lock-fd", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--background-update", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--queue-fd", type=int, help=argparse.SUPPRESS)
    parser.add_argument("name")
    parser.add_argument("args", nargs="*")  # git's arguments (none starts with "-")
    return parser


def main(argv: Sequence[str]) -> None:
    from aud_git.hooks import run

    # Intermixed: the framework appends a configuration's `args:` after the hook's name.
    options = _parser().parse_intermixed_args(argv)
    if options.opt_in and not run.opted_in():
        sys.exit(0)  # a shared hooks directory, and this repository did not opt in
    call = (run.from_framework(tuple(options.args)) if options.name == "auto"
            else run.HookCall(options.name, tuple(options.args)))
    if options.deferred:
        action = lambda: run.run_deferred(call.name, options.lock_fd)
    elif options.background_update:
        action = lambda: run.run_background_update(call.name, options.queue_fd)
    else:
        action = lambda: run.run_hook(call, options.foreground, options.strict)
    sys.exit(run.guarded(call, action))
