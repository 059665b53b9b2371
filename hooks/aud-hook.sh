#!/bin/sh
# aud-git hook shim, written by `aud hooks install` (`aud hooks uninstall` restores what it chained).
# It runs a chained hook first and keeps its exit status, then brings the index up to date.
hook=${0##*/}
python=@PYTHON@
flags="@FLAGS@"
status=0
if [ -x "$0.aud-chained" ]; then
    "$0.aud-chained" "$@" || status=$?
    if [ "$hook" = pre-commit ] && [ "$status" -ne 0 ]; then
        exit "$status"
    fi
fi
# pre-commit has nothing to do unless it checks the staged files (--strict) or updates while git
# waits (--foreground): post-commit updates once the commit exists.
case " $flags " in
    *" --strict "* | *" --foreground "*) ;;
    *) if [ "$hook" = pre-commit ]; then exit "$status"; fi ;;
esac
if [ ! -x "$python" ]; then
    echo "aud: hook skipped: $python is gone (run 'aud hooks install' again)" >&2
    exit "$status"
fi
# -I: nothing is imported from the repository (the working directory) or from PYTHON* variables.
"$python" -I -c '
import sys
try:
    from aud_git.hooks.entry import main
except ImportError as exc:
    print(f"aud: hook skipped: {sys.executable} cannot import aud-git ({exc}); run aud hooks install again", file=sys.stderr)
    sys.exit(0)
main(sys.argv[1:])' $flags "$hook" "$@" </dev/null
aud_status=$?
if [ "$hook" = pre-commit ] && [ "$aud_status" -ne 0 ]; then
    exit "$aud_status"
fi
exit "$status"
