#!/bin/sh
# aud-git hook shim, written by `aud hooks install` (`aud hooks uninstall` restores what it chained).
# It runs a chained hook first and keeps its exit status, then brings the index up to date.
hook=${0##*/}
python=@PYTHON@
status=0
if [ -x "$0.aud-chained" ]; then
    "$0.aud-chained" "$@" || status=$?
    if [ "$hook" = pre-commit ] && [ "$status" -ne 0 ]; then
        exit "$status"
    fi
fi
if [ ! -x "$python" ]; then
    echo "aud: hook skipped: $python is gone (run 'aud hooks install' again)" >&2
    exit "$status"
fi
# -I: nothing is imported from the repository (the working directory) or from PYTHON* variables.
"$python" -I -c '
import sys
try:
    from aud_git.commands import main
except ImportError as exc:
    print(f"aud: hook skipped: {sys.executable} cannot import aud-git ({exc}); run aud hooks install again", file=sys.stderr)
    sys.exit(0)
sys.argv[0] = "aud"
main()' hook-impl @FLAGS@ "$hook" "$@" </dev/null
aud_status=$?
if [ "$hook" = pre-commit ] && [ "$aud_status" -ne 0 ]; then
    exit "$aud_status"
fi
exit "$status"
