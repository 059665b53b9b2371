"""The hooks' door, `aud hook-impl [OPTIONS] NAME [ARGS]...`, parsed by hand.

Every commit and checkout runs it. The detached update (the default) leaves the hook itself
almost nothing to do, so what it imports is what it costs git: click and the command table
take ~25 ms and argparse ~7 ms, as much as everything else the hook does, for four flags and
git's arguments. `aud hook-impl` (the console script, shims of aud 0.1) and
`python -m aud_git hook-impl` (the shims and the managers' snippets) both come here.
"""
from __future__ import annotations

import sys

USAGE = """\
usage: aud hook-impl [--foreground] [--strict] NAME [ARGS]...

What the git hook shims run: NAME is the hook (or `auto` under the pre-commit framework) and
ARGS are git's. post-* hooks always exit 0; pre-commit fails only with --strict.

  --foreground  update while git waits, unless the operation changed more than
                `background_threshold` files (default: the update runs detached)
  --strict      pre-commit: fail when a staged file does not parse
"""
# --opt-in: the shims of a shared hooks directory; --background: shims of aud 0.1 (detaching
# is now what every hook does).
FLAGS = ("--foreground", "--strict", "--opt-in", "--background")


def parse(argv: list[str]) -> tuple[set[str], str | None, tuple[str, ...]]:
    """(the flags given, NAME, git's arguments). Flags may follow NAME (the pre-commit framework
    appends a configuration's `args:`); git's arguments never start with `-`. An unknown flag
    is named on stderr and ignored: a hook must not break git over it."""
    flags, words = set(), []
    for word in argv:
        if word in FLAGS:
            flags.add(word)
        elif word.startswith("-") and word != "-":
            print(f"aud: hook-impl: unknown option {word} (ignored)", file=sys.stderr)
        else:
            words.append(word)
    return flags, (words[0] if words else None), tuple(words[1:])


def main(argv: list[str]) -> None:
    if "-h" in argv or "--help" in argv:
        print(USAGE, end="")
        sys.exit(0)
    flags, name, args = parse(argv)
    if name is None:
        print(USAGE, end="", file=sys.stderr)
        sys.exit(2)
    from aud_git.hooks import run

    if "--opt-in" in flags and not run.opted_in():
        sys.exit(0)  # a shared hooks directory, and this repository did not opt in
    call = run.from_framework(args) if name == "auto" else run.HookCall(name, args)
    sys.exit(run.guarded(call, lambda: run.run_hook(call, "--foreground" in flags,
                                                     "--strict" in flags)))
