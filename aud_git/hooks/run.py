"""What a git hook does: start an update that reconciles everything, with git's arguments only
as hints, and return.

Hooks never break the git command that fired them: post-* hooks always exit 0 and print at most
one line. By default a post-* hook detaches the update and git returns at once (`--foreground`
runs updates of up to `background_threshold` files inside the hook instead). Detached updates
queue: while one is waiting for the updaters' lock, a new hook needs none of its own, since
that one takes its snapshot after the hook's git operation. While a multi-step operation is
under way (rebase, sequencer) the update is deferred to one detached waiter, which reconciles
once git has finished, whichever hook (if any) git fires last.

The path of a detached hook imports nothing beyond the standard library's process and file
primitives: it is what every commit and checkout pays for.
"""
from __future__ import annotations

import fcntl
import os
import sys
import time

from aud_git.errors import AudError
from aud_git.paths import BACKGROUND_PID, HOOKS_LOG, PF_DIR, QUEUE_LOCK, WAITER_LOCK, open_in_pf

POST_HOOKS = ("post-checkout", "post-merge", "post-rewrite", "post-commit")
HOOK_NAMES = ("pre-commit", *POST_HOOKS)
NULL_OID = "0" * 40
# Shims in a hooks directory shared by many repositories act only where this is true.
OPT_IN = "aud.hooks"
_IN_PROGRESS = ("rebase-merge", "rebase-apply", "sequencer")
_WAIT_LIMIT_SECONDS = 2 * 3600


class HookCall:
    """A hook as git (or a hook manager) fired it. (Not a NamedTuple: `typing` costs each hook
    ~9 ms.)"""
    __slots__ = ("name", "args")

    def __init__(self, name: str, args: tuple[str, ...]) -> None:
        self.name, self.args = name, args


def from_framework(args: tuple[str, ...]) -> HookCall:
    """The pre-commit framework passes no git arguments; its environment tells the stage."""
    env = os.environ
    if "PRE_COMMIT_CHECKOUT_TYPE" in env:
        return HookCall("post-checkout", (env.get("PRE_COMMIT_FROM_REF", ""),
                                          env.get("PRE_COMMIT_TO_REF", ""),
                                          env["PRE_COMMIT_CHECKOUT_TYPE"]))
    if "PRE_COMMIT_IS_SQUASH_MERGE" in env:
        return HookCall("post-merge", (env["PRE_COMMIT_IS_SQUASH_MERGE"],))
    if "PRE_COMMIT_REWRITE_COMMAND" in env:
        return HookCall("post-rewrite", (env["PRE_COMMIT_REWRITE_COMMAND"],))
    # pre-commit and post-commit set nothing apart: the framework process that started this
    # one names the stage on its command line (`hook-impl --hook-type=post-commit`).
    return HookCall(_framework_commit_stage(os.getppid()), args)


def _framework_commit_stage(framework_pid: int) -> str:
    """`post-commit` when the framework process says so, else `pre-commit`; both reconcile, and
    the strict parse check only ever finds staged files before a commit."""
    try:
        with open(f"/proc/{framework_pid}/cmdline", "rb") as handle:
            words = handle.read(65536).split(b"\0")
    except OSError:  # no /proc (macOS): ask ps
        import subprocess

        try:
            words = subprocess.run(["ps", "-o", "command=", "-p", str(framework_pid)],
                                   capture_output=True, check=False).stdout.split()
        except OSError:
            words = []
    stage = b"post-commit" in words and words[words.index(b"post-commit") - 1] == b"--hook-type"
    return "post-commit" if stage or b"--hook-type=post-commit" in words else "pre-commit"


def operation_in_progress(git_dir: str) -> str | None:
    for name in _IN_PROGRESS:
        if os.path.exists(os.path.join(git_dir, name)):
            return name
    return None


def _log(pf_dir: str, line: str) -> None:
    from aud_git.logbook import log_line

    log_line(pf_dir, line, HOOKS_LOG)


def _forked_off(pf_dir: str) -> int:
    """fork(): the child's pid in the parent; 0 in the child, detached from git by then (a
    session of its own, stdin from /dev/null, output appended to hooks.log, git's GIT_*
    variables dropped: `GIT_INDEX_FILE` may name a commit's temporary index). The hook's
    interpreter is already running, isolated (`-I`): forking it costs git ~1 ms, where starting
    a second interpreter for the update cost ~25 ms."""
    log_fd = open_in_pf(pf_dir, HOOKS_LOG, os.O_WRONLY | os.O_APPEND | os.O_CREAT)
    null_fd = os.open(os.devnull, os.O_RDONLY)
    pid = os.fork()
    if pid == 0:
        os.setsid()
        os.dup2(null_fd, 0)
        os.dup2(log_fd, 1)
        os.dup2(log_fd, 2)
        for key in [key for key in os.environ if key.startswith("GIT_")]:
            del os.environ[key]
    os.close(log_fd)
    os.close(null_fd)
    return pid


def _live_detached(call: HookCall, work) -> None:
    """The forked child's whole life: `work`, guarded like any hook, then exit (never back into
    the hook's caller)."""
    try:
        guarded(call, work)
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0)


def _locked_or_none(pf_dir: str, name: str) -> int | None:
    """`.pf/NAME` opened and locked by this process (its forked child keeps the lock); None
    when another process holds it."""
    fd = open_in_pf(pf_dir, name, os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None
    return fd


def queue_update(workdir: str, call: HookCall) -> bool:
    """A detached update, marked pending (its pid in `.pf/background.pid`) before git returns;
    False when a queued one, which has not taken its snapshot yet, will see this change too.

    The queue lock is taken here and kept by the child, which lets go of it only once it holds
    the updaters' lock and before it takes its snapshot: a hook that finds the queue lock held
    knows that snapshot comes after its own git operation."""
    pf_dir = os.path.join(workdir, PF_DIR)
    fd = _locked_or_none(pf_dir, QUEUE_LOCK)
    if fd is None:
        return False
    pid = _forked_off(pf_dir)
    if pid == 0:
        _live_detached(call, lambda: run_background_update(call.name, _QueuePlace(fd)))
    os.close(fd)
    marker = open_in_pf(pf_dir, BACKGROUND_PID, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
    with os.fdopen(marker, "w", encoding="utf-8") as handle:
        handle.write(f"{pid}\n")
    return True


def detach_waiter(workdir: str, call: HookCall) -> bool:
    """One waiter at a time, holding the waiter lock while it waits."""
    pf_dir = os.path.join(workdir, PF_DIR)
    fd = _locked_or_none(pf_dir, WAITER_LOCK)
    if fd is None:
        return False  # a waiter is already on it
    if _forked_off(pf_dir) == 0:
        _live_detached(call, lambda: run_deferred(call.name))
    os.close(fd)
    return True


def _size_estimate(workspace, call: HookCall) -> int | None:
    """How many files the operation that fired the hook changed, when git's arguments say."""
    from aud_git.git.history import changed_file_count

    if call.name == "post-checkout" and len(call.args) >= 2 and call.args[0] not in ("", NULL_OID):
        return changed_file_count(workspace, call.args[0], call.args[1])
    if call.name in ("post-merge", "post-rewrite"):
        return changed_file_count(workspace, "ORIG_HEAD", "HEAD")
    return None


def strict_parse_failures(workspace) -> list[str]:
    """Staged Python/JS/TS files that do not parse, as `path:line:col: message`."""
    from aud_git.extract import extract_facts, is_binary
    from aud_git.git.objects import staged_changes
    from aud_git.languages import SOURCE_LANGS, language_of

    failures = []
    for staged in staged_changes(workspace):
        lang = language_of(staged.path)
        if lang not in SOURCE_LANGS or is_binary(staged.data):
            continue
        for line, col, message in extract_facts(lang, staged.data).parse_errors[:1]:
            failures.append(f"{staged.path}:{line}:{col + 1}: {message}")  # 1-based for editors
    return sorted(failures)


def opted_in() -> bool:
    """Has this repository opted in to a shared hooks directory's shims?"""
    from aud_git.git.workspace import open_workspace

    try:
        return open_workspace(".").config_flag(OPT_IN)
    except AudError:
        return False


def run_hook(call: HookCall, foreground: bool, strict: bool) -> int:
    from aud_git.git.layout import find_root, git_dir_of

    status = _strict_check() if strict and call.name == "pre-commit" else 0
    if call.name == "pre-commit" and not foreground:
        return status  # post-commit updates once the commit exists
    root = find_root(".")
    final_rewrite = call.name == "post-rewrite" and call.args[:1] == ("rebase",)
    state = operation_in_progress(git_dir_of(root))
    if state and not final_rewrite:
        started = detach_waiter(root, call)
        _log(os.path.join(root, PF_DIR), f"{call.name}: deferred while {state} exists"
                                         + ("" if started else " (a waiter is already on it)"))
        return status
    if foreground:
        _update_in_hook(call)
    else:
        queue_update(root, call)
    return status


def _strict_check() -> int:
    from aud_git.git.workspace import open_workspace

    failures = strict_parse_failures(open_workspace("."))
    for failure in failures:
        print(f"aud: {failure}", file=sys.stderr)
    return 1 if failures else 0


def _update_in_hook(call: HookCall) -> None:
    """`--foreground`: the update runs while git waits, unless the operation changed more than
    `background_threshold` files or another updater holds the lock."""
    from aud_git.activity import lock_holder
    from aud_git.config import load_config
    from aud_git.engine.lock import LockBusy
    from aud_git.engine.update import run_update
    from aud_git.git.workspace import open_workspace

    workspace = open_workspace(".")
    pf_dir = workspace.pf_dir
    size = _size_estimate(workspace, call) if call.name in POST_HOOKS else None
    if size is not None and size > load_config(workspace.workdir).background_threshold:
        queue_update(workspace.workdir, call)
        _log(pf_dir, f"{call.name}: update detached ({size} changed files)")
        return
    try:  # no hook ever waits for another updater: git would wait with it
        if lock_holder(pf_dir) is not None:
            raise LockBusy("held")
        summary = run_update(workspace, mode="incremental", wait_for_lock=False)
    except LockBusy:
        queue_update(workspace.workdir, call)
        _log(pf_dir, f"{call.name}: update detached (another update holds the lock)")
        if call.name == "pre-commit":
            print("aud: another update is running; this commit's update continues in the"
                  " background", file=sys.stderr)
        return
    _log(pf_dir, f"{call.name} {' '.join(call.args)}: {_reported(workspace, summary)}")


def _reported(workspace, summary) -> str:
    """The update's line for the log, after refreshing a kept tags file (`aud tags --keep`)."""
    from aud_git.export import refresh_note

    note = refresh_note(workspace, summary.changed)
    return summary.line() + (f" [{note}]" if note else "")


def update_whatever_the_wait(workspace, on_locked=None):
    """A detached or deferred update: nobody waits on it, so it waits for the lock as long as
    another updater holds it (a long full rebuild may outlast `lock_timeout`), and the update
    a hook asked for is never lost."""
    from aud_git.engine.lock import LockBusy
    from aud_git.engine.update import run_update

    while True:
        try:
            return run_update(workspace, mode="incremental", on_locked=on_locked)
        except LockBusy:
            continue  # the holder is alive (a dead one's lock is released by the kernel)


class _QueuePlace:
    """The queue lock a detached update holds until it holds the updaters' lock."""

    def __init__(self, fd: int) -> None:
        self.fd: int | None = fd

    def leave(self) -> None:
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None


def run_background_update(name: str, place: _QueuePlace) -> int:
    """A detached update, handed to a running `aud watch` when there is one (it lets go of the
    queue once the request is sent: the watcher's snapshot comes after that); it clears its
    pending marker when done."""
    from aud_git.git.layout import find_root
    from aud_git.watch.client import ask

    pf_dir = os.path.join(find_root("."), PF_DIR)
    try:
        answer = ask(os.path.dirname(pf_dir), [], "text", on_sent=place.leave)
        if answer is not None:
            _log(pf_dir, f"{name} (background, by aud watch): {answer}")
        else:
            _update_here(name, place)
    finally:
        place.leave()
        _clear_marker(pf_dir)
    return 0


def _update_here(name: str, place: _QueuePlace) -> None:
    from aud_git.git.workspace import open_workspace

    workspace = open_workspace(".")
    summary = update_whatever_the_wait(workspace, on_locked=place.leave)
    _log(workspace.pf_dir, f"{name} (background): {_reported(workspace, summary)}")


def _clear_marker(pf_dir: str) -> None:
    """Remove `.pf/background.pid` if it names this process."""
    try:
        with os.fdopen(open_in_pf(pf_dir, BACKGROUND_PID, os.O_RDONLY),
                       encoding="utf-8") as handle:
            mine = handle.read().strip() == str(os.getpid())
        if mine:
            os.unlink(os.path.join(pf_dir, BACKGROUND_PID))
    except FileNotFoundError:
        pass


def run_deferred(name: str) -> int:
    """Until git's multi-step operation ends (the waiter lock held all along), then reconcile."""
    from aud_git.git.workspace import open_workspace

    workspace = open_workspace(".")
    deadline = time.monotonic() + _WAIT_LIMIT_SECONDS
    while operation_in_progress(workspace.git_dir) and time.monotonic() < deadline:
        time.sleep(0.2)
    summary = update_whatever_the_wait(workspace)
    _log(workspace.pf_dir, f"{name} (deferred): {_reported(workspace, summary)}")
    return 0


def _log_failure(call: HookCall, exc: Exception, with_traceback: bool = True) -> None:
    from aud_git.git.layout import find_root
    from aud_git.logbook import log_exception

    try:
        pf_dir = os.path.join(find_root("."), PF_DIR)
        what = f"{call.name} {' '.join(call.args)}: failed"
        if with_traceback:
            log_exception(pf_dir, what, exc, HOOKS_LOG)
        else:
            _log(pf_dir, f"{what}: {exc}")
    except Exception:  # nowhere to log: the line on stderr has said it
        pass


def guarded(call: HookCall, action) -> int:
    """Run a hook action so that no failure ever reaches git as anything but one line."""
    try:
        status = action()
    except AudError as exc:
        print(f"aud: {call.name}: {exc}", file=sys.stderr)
        _log_failure(call, exc, with_traceback=False)
        status = 0
    except Exception as exc:  # a hook must never break the git command that fired it
        print(f"aud: {call.name} failed ({type(exc).__name__}: {exc}); the index may be stale"
              " (traceback in .pf/hooks.log)", file=sys.stderr)
        _log_failure(call, exc)
        status = 0
    return status if call.name == "pre-commit" else 0
