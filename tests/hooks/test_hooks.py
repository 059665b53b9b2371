from __future__ import annotations

import fcntl
import json
import os
import re
import sys
import time

import pytest

from aud_git.activity import background_state
from conftest import wait_for_background


def assert_exact_after_hooks(repo) -> None:
    wait_for_background(repo)
    repo.assert_exact()


@pytest.fixture
def hooked(repo):
    repo.write("pkg/__init__.py", "")
    repo.write("pkg/core.py", "def run():\n    pass\n")
    repo.write("app.py", "from pkg.core import run\nrun()\n")
    repo.write("web/a.ts", "export function a() {}\n")
    repo.commit("root")
    result = repo.run_aud("hooks", "install")
    assert result.returncode == 0, result.stderr
    repo.aud("index")
    return repo


def test_install_is_idempotent_and_status_reports(hooked):
    assert hooked.run_aud("hooks", "install").returncode == 0
    status = json.loads(hooked.run_aud("hooks", "status", "--json").stdout)
    assert {h["name"]: h["state"] for h in status["hooks"]} == {
        "pre-commit": "ours", "post-checkout": "ours", "post-merge": "ours",
        "post-rewrite": "ours", "post-commit": "ours",
    }
    assert all(h["runs"] for h in status["hooks"])
    shim = (hooked.path / ".git" / "hooks" / "post-checkout").read_text()
    assert shim.count("aud-git hook shim") == 1


def test_branch_switch_file_checkout_commit_amend(hooked):
    hooked.git("checkout", "-q", "-b", "feature")
    hooked.write("pkg/core.py", "def run():\n    pass\ndef stop():\n    pass\n")
    hooked.write("pkg/extra.py", "from pkg.core import stop\nstop()\n")
    hooked.commit("feature")
    assert_exact_after_hooks(hooked)
    hooked.git("switch", "-q", "main")
    assert_exact_after_hooks(hooked)
    hooked.git("checkout", "-q", "feature", "--", "pkg/core.py")
    assert_exact_after_hooks(hooked)
    hooked.write("app.py", "import pkg\n")
    hooked.git("add", "app.py")
    hooked.git("commit", "-q", "--amend", "--no-edit")
    assert_exact_after_hooks(hooked)


def test_merges_fast_forward_three_way_squash(hooked):
    hooked.git("checkout", "-q", "-b", "ff")
    hooked.write("ff.py", "def f():\n    pass\n")
    hooked.commit("ff")
    hooked.git("checkout", "-q", "main")
    hooked.git("merge", "-q", "ff")
    assert_exact_after_hooks(hooked)
    hooked.git("checkout", "-q", "-b", "side")
    hooked.write("side.py", "from ff import f\nf()\n")
    hooked.commit("side")
    hooked.git("checkout", "-q", "main")
    hooked.write("main_only.py", "x = 1\n")
    hooked.commit("main")
    hooked.git("merge", "-q", "--no-edit", "side")
    assert_exact_after_hooks(hooked)
    hooked.git("checkout", "-q", "-b", "squashme", "HEAD~1")
    hooked.write("sq.py", "y = 2\n")
    hooked.commit("sq")
    hooked.git("checkout", "-q", "main")
    hooked.git("merge", "-q", "--squash", "squashme")
    assert_exact_after_hooks(hooked)


def test_pull_from_a_second_clone(hooked, tmp_path):
    from conftest import Repo

    clone = Repo.__new__(Repo)
    clone.path = tmp_path / "clone"
    hooked.git("clone", "-q", str(hooked.path), str(clone.path))
    clone.write("new.py", "from app import run\n")
    clone.commit("from the clone")
    hooked.git("pull", "-q", "--no-rebase", str(clone.path), "main")
    assert_exact_after_hooks(hooked)


def test_rebase_plain_and_interactive(hooked):
    hooked.git("checkout", "-q", "-b", "topic")
    for i in range(3):
        hooked.write(f"t{i}.py", f"from pkg.core import run\ndef t{i}():\n    run()\n")
        hooked.commit(f"t{i}")
    hooked.git("checkout", "-q", "main")
    hooked.write("pkg/core.py", "def run():\n    return 1\n")
    hooked.commit("main moves")
    hooked.git("checkout", "-q", "topic")
    hooked.git("rebase", "-q", "main")
    assert_exact_after_hooks(hooked)
    editor = "sed -i -e '2s/^pick/squash/' -e '3s/^pick/drop/'"
    hooked.git("rebase", "-q", "-i", "HEAD~3", env={"GIT_SEQUENCE_EDITOR": editor, "GIT_EDITOR": "true"})
    assert_exact_after_hooks(hooked)
    hooked.git("checkout", "-q", "-b", "behind", "main~1")
    hooked.git("rebase", "-q", "main")  # a fast-forward: only post-checkout, inside the rebase
    assert_exact_after_hooks(hooked)


def test_cherry_pick_revert_and_worktree(hooked, tmp_path):
    hooked.git("checkout", "-q", "-b", "picks")
    hooked.write("p1.py", "def p1():\n    pass\n")
    hooked.commit("p1")
    hooked.write("p2.py", "from p1 import p1\np1()\n")
    hooked.commit("p2")
    hooked.git("checkout", "-q", "main")
    hooked.git("cherry-pick", "picks~1")
    assert_exact_after_hooks(hooked)
    hooked.git("cherry-pick", "picks")
    assert_exact_after_hooks(hooked)
    hooked.git("revert", "--no-edit", "HEAD")
    assert_exact_after_hooks(hooked)
    hooked.git("checkout", "-q", "picks")
    hooked.git("cherry-pick", "main~2", "main~1", check=False)  # a sequence (sequencer state)
    hooked.git("cherry-pick", "--abort", check=False)
    assert_exact_after_hooks(hooked)
    from conftest import Repo

    worktree = Repo.__new__(Repo)
    worktree.path = tmp_path / "wt"
    hooked.git("worktree", "add", "-q", str(worktree.path), "main")
    assert_exact_after_hooks(worktree)
    assert (worktree.path / ".pf" / "repo_index.db").exists()


def test_operations_without_hooks_are_repaired_by_the_next_hook(hooked):
    hooked.write("pkg/core.py", "def renamed():\n    pass\n")
    hooked.commit("rename")
    hooked.git("reset", "-q", "--hard", "HEAD~1")
    hooked.write("app.py", "x = 1\n")
    hooked.git("stash", "-q")
    hooked.write("web/a.ts", "export function b() {}\n")
    hooked.git("restore", "web/a.ts")
    hooked.write("unrelated.py", "z = 3\n")
    hooked.git("add", "unrelated.py")
    hooked.git("commit", "-q", "-m", "next commit runs the hooks")
    assert_exact_after_hooks(hooked)


def test_existing_hook_is_chained_its_status_counts_and_is_restored(repo):
    hook = repo.path / ".git" / "hooks" / "pre-commit"
    hook.write_text("#!/bin/sh\necho chained-ran >> chained.log\nexit 1\n")
    hook.chmod(0o755)
    repo.write("a.py", "x = 1\n")
    assert repo.run_aud("hooks", "install").returncode == 0
    status = json.loads(repo.run_aud("hooks", "status", "--json").stdout)
    assert {h["name"]: h["state"] for h in status["hooks"]}["pre-commit"] == "chained"
    repo.git("add", "a.py")
    assert repo.git("commit", "-q", "-m", "blocked", check=False).returncode != 0
    assert (repo.path / "chained.log").read_text() == "chained-ran\n"
    assert repo.run_aud("hooks", "uninstall").returncode == 0
    assert hook.read_text() == "#!/bin/sh\necho chained-ran >> chained.log\nexit 1\n"
    assert not (repo.path / ".git" / "hooks" / "post-commit").exists()


def test_hooks_path_and_manager_detection(repo):
    repo.git("config", "core.hooksPath", "githooks")
    assert repo.run_aud("hooks", "install").returncode == 0
    assert (repo.path / "githooks" / "post-merge").exists()
    repo.write("lefthook.yml", "pre-commit:\n")
    result = repo.run_aud("hooks", "install")
    assert result.returncode == 1 and "lefthook" in result.stderr and "hook-impl" in result.stdout
    assert repo.run_aud("hooks", "install", "--force").returncode == 0


def test_a_framework_config_alone_installs_the_shims(repo):
    """`.pre-commit-config.yaml` without `pre-commit install` has no hook in place: ours go in
    (tests/hooks/test_precommit_framework.py has the installed framework)."""
    repo.write(".pre-commit-config.yaml", "repos: []\n")
    result = repo.run_aud("hooks", "install")
    assert result.returncode == 0 and "post-merge: installed" in result.stdout


def test_missing_interpreter_is_one_line_and_exit_0(hooked):
    for name in ("post-commit", "pre-commit"):
        shim = hooked.path / ".git" / "hooks" / name
        text = re.sub(r"(?m)^python=.*$", "python=/nonexistent/python", shim.read_text())
        shim.write_text(text)
    hooked.write("b.py", "y = 1\n")
    hooked.git("add", "b.py")
    result = hooked.git("commit", "-q", "-m", "still works")
    assert result.returncode == 0
    # One line, from post-commit: pre-commit has nothing to do and never starts the interpreter.
    assert result.stderr.count("hook skipped") == 1
    status = json.loads(hooked.run_aud("hooks", "status", "--json").stdout)
    assert {h["name"]: h["runs"] for h in status["hooks"]}["post-commit"] is False


def test_hooks_never_import_from_the_repository(hooked, tmp_path):
    marker = tmp_path / "ran-repository-code"
    hooked.write("json.py", f"open({str(marker)!r}, 'w').close()\n")
    hooked.write("click/__init__.py", "raise ImportError('the repository shadows click')\n")
    hooked.write("aud_git/__init__.py", f"open({str(marker)!r}, 'w').close()\n")
    hooked.write("use.py", "import json\n")
    hooked.git("add", "-A")
    result = hooked.git("commit", "-q", "-m", "shadowing modules", check=False)
    assert result.returncode == 0, result.stderr
    hooked.git("checkout", "-q", "-b", "other")
    wait_for_background(hooked)
    assert not marker.exists()
    assert "json.py" in {p for (p,) in hooked.query("SELECT path FROM files")}
    hooked.assert_exact()


def _interpreter_at(directory, with_venv: bool) -> str:
    """This virtual environment's interpreter seen through `directory` (a link to the venv),
    or the bare base interpreter, which cannot import aud-git."""
    directory.mkdir(parents=True)
    if with_venv:
        (directory / "venv").symlink_to(sys.prefix, target_is_directory=True)
        return str(directory / "venv" / "bin" / os.path.basename(sys.executable))
    (directory / "python").symlink_to(os.path.realpath(sys.executable))
    return str(directory / "python")


@pytest.mark.parametrize("with_venv", [True, False], ids=["aud installed", "aud not installed"])
def test_the_interpreter_path_is_shell_quoted(repo, tmp_path, monkeypatch, with_venv):
    from aud_git.git.workspace import open_workspace
    from aud_git.hooks import install as hooks_install

    marker = tmp_path / "PWNED"
    python = _interpreter_at(tmp_path / f"it's $(touch {marker}) here", with_venv)
    monkeypatch.setattr(sys, "executable", python)
    repo.write("a.py", "x = 1\n")
    repo.commit("root")
    hooks_install.install(open_workspace(str(repo.path)), foreground=False, strict=False)
    repo.write("b.py", "y = 1\n")
    repo.git("add", "b.py")
    result = repo.git("commit", "-q", "-m", "quoted", check=False)
    assert result.returncode == 0 and not marker.exists()
    if with_venv:
        assert_exact_after_hooks(repo)
    else:  # an interpreter without aud-git: one line (post-commit's), and git goes on
        assert result.stderr.count("cannot import aud-git") == 1, result.stderr


def _commit_while_locked(repo):
    """`git commit` while another updater holds the lock: (seconds taken, git's result)."""
    fd = os.open(repo.path / ".pf" / "lock", os.O_RDWR)
    fcntl.flock(fd, fcntl.LOCK_EX)
    try:
        repo.write("b.py", "def later():\n    pass\n")
        repo.git("add", "b.py")
        started = time.monotonic()
        result = repo.git("commit", "-q", "-m", "while locked")
        return time.monotonic() - started, result
    finally:
        os.close(fd)


def test_a_busy_lock_never_makes_a_commit_wait(hooked):
    hooked.write("aud.toml", "lock_timeout = 60\n")
    hooked.commit("configure")
    assert_exact_after_hooks(hooked)
    seconds, result = _commit_while_locked(hooked)
    assert seconds < 20 and result.stderr == ""
    assert_exact_after_hooks(hooked)
    assert "post-commit (background): " in (hooked.path / ".pf" / "hooks.log").read_text()


def test_a_busy_lock_never_makes_a_foreground_commit_wait(hooked):
    assert hooked.run_aud("hooks", "install", "--foreground").returncode == 0
    hooked.write("aud.toml", "lock_timeout = 60\n")
    hooked.commit("configure")
    assert_exact_after_hooks(hooked)
    seconds, result = _commit_while_locked(hooked)
    assert seconds < 20
    assert "continues in the background" in result.stderr
    assert "update detached (another update holds the lock)" in (
        hooked.path / ".pf" / "hooks.log").read_text()
    assert_exact_after_hooks(hooked)


def test_commits_behind_a_queued_update_share_it(hooked):
    """A detached update waiting for the lock takes its snapshot after every later commit:
    those commits start no update of their own."""
    fd = os.open(hooked.path / ".pf" / "lock", os.O_RDWR)
    fcntl.flock(fd, fcntl.LOCK_EX)
    try:
        for i in range(3):
            hooked.write(f"queued{i}.py", f"def q{i}():\n    pass\n")
            hooked.commit(f"queued {i}")
        assert background_state(str(hooked.path / ".pf"))["pending"] is not None
    finally:
        os.close(fd)
    assert_exact_after_hooks(hooked)
    log = (hooked.path / ".pf" / "hooks.log").read_text()
    assert log.count("post-commit (background): ") == 1, log


def test_a_detached_update_outwaits_a_lock_held_past_lock_timeout(hooked):
    hooked.write("aud.toml", "lock_timeout = 0.2\n")
    hooked.commit("configure")
    assert_exact_after_hooks(hooked)
    fd = os.open(hooked.path / ".pf" / "lock", os.O_RDWR)
    fcntl.flock(fd, fcntl.LOCK_EX)  # a long full rebuild, say
    try:
        hooked.write("b.py", "def later():\n    pass\n")
        hooked.git("add", "b.py")
        hooked.git("commit", "-q", "-m", "while locked")
        time.sleep(1.5)  # several lock timeouts pass
    finally:
        os.close(fd)
    assert_exact_after_hooks(hooked)
    assert "failed" not in (hooked.path / ".pf" / "hooks.log").read_text()


def test_strict_pre_commit_names_file_and_line(repo):
    repo.write("ok.py", "x = 1\n")
    repo.commit()
    assert repo.run_aud("hooks", "install", "--strict").returncode == 0
    repo.write("bad.py", "def broken(:\n    pass\n")
    repo.git("add", "bad.py")
    result = repo.git("commit", "-q", "-m", "bad", check=False)
    assert result.returncode != 0 and "bad.py:1:" in result.stderr
    repo.write("bad.py", "def fine():\n    pass\n")
    repo.git("add", "bad.py")
    assert repo.git("commit", "-q", "-m", "good", check=False).returncode == 0
    assert_exact_after_hooks(repo)


def test_a_foreground_switch_above_the_threshold_detaches_and_ends_exact(hooked):
    hooked.write("aud.toml", "background_threshold = 2\n")
    hooked.commit("configure")
    hooked.git("checkout", "-q", "-b", "big")
    for i in range(20):
        hooked.write(f"gen/m{i}.py", f"def g{i}():\n    pass\n")
    hooked.commit("big")
    assert hooked.run_aud("hooks", "install", "--foreground").returncode == 0
    hooked.git("checkout", "-q", "main")
    log = (hooked.path / ".pf" / "hooks.log").read_text()
    assert "update detached (20 changed files)" in log
    assert_exact_after_hooks(hooked)


def test_husky_and_lefthook_get_their_snippet(repo):
    repo.git("config", "core.hooksPath", ".husky/_")
    result = repo.run_aud("hooks", "install")
    assert result.returncode == 1 and "husky" in result.stderr
    assert "-m aud_git hook-impl" in result.stdout
    repo.git("config", "--unset", "core.hooksPath")
    repo.write("lefthook.yml", "pre-commit:\n  commands: {}\n")
    result = repo.run_aud("hooks", "install")
    assert result.returncode == 1 and "lefthook" in result.stderr
    assert "post-rewrite:" in result.stdout and "aud_git hook-impl post-rewrite" in result.stdout
    assert not (repo.path / ".git" / "hooks" / "post-commit").exists()


def test_a_shared_hooks_directory_indexes_only_repositories_that_opt_in(tmp_path):
    from conftest import Repo

    shared = tmp_path / "shared-hooks"
    mine, other = Repo(tmp_path / "mine"), Repo(tmp_path / "other")
    for repo in (mine, other):
        repo.git("config", "core.hooksPath", str(shared))
        repo.write("a.py", "x = 1\n")
        repo.commit("root")
    result = mine.run_aud("hooks", "install")
    assert result.returncode == 0 and "is shared with other repositories" in result.stdout
    for repo in (mine, other):
        repo.write("b.py", "y = 1\n")
        repo.commit("more")
    assert_exact_after_hooks(mine)
    assert not (other.path / ".pf").exists()
    result = mine.run_aud("hooks", "uninstall")
    assert "no longer opts in" in result.stdout and (shared / "post-commit").exists()
    assert mine.git("config", "--get", "aud.hooks", check=False).stdout == ""
    assert mine.run_aud("hooks", "uninstall", "--everywhere").returncode == 0
    assert not (shared / "post-commit").exists()
