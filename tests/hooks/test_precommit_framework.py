"""The same flows through the real pre-commit framework, with this project as the hook repository."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from test_hooks import assert_exact_after_hooks, wait_for_background

PROJECT = Path(__file__).resolve().parents[2]
STAGES = ["pre-commit", "post-commit", "post-checkout", "post-merge", "post-rewrite"]


@pytest.fixture(scope="session")
def pre_commit_home(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("pre-commit-home")


@pytest.fixture
def framework_repo(repo, pre_commit_home, monkeypatch):
    monkeypatch.setenv("PRE_COMMIT_HOME", str(pre_commit_home))
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=PROJECT, capture_output=True,
                          text=True, check=True).stdout.strip()
    repo.write(".pre-commit-config.yaml", (
        "repos:\n"
        f"  - repo: {PROJECT}\n"
        f"    rev: {head}\n"
        "    hooks:\n"
        "      - id: aud-index\n"
    ))
    repo.write("lib.py", "def helper():\n    pass\n")
    repo.write("web/a.ts", "export function a() {}\n")
    repo.git("add", "-A")
    install = [sys.executable, "-m", "pre_commit", "install"]
    for stage in STAGES:
        install += ["--hook-type", stage]
    subprocess.run(install, cwd=repo.path, check=True, capture_output=True)
    subprocess.run([sys.executable, "-m", "pre_commit", "install-hooks"], cwd=repo.path,
                   check=True, capture_output=True)
    repo.git("commit", "-q", "-m", "root")
    return repo


def test_framework_keeps_the_index_exact(framework_repo):
    repo = framework_repo
    assert_exact_after_hooks(repo)
    repo.git("checkout", "-q", "-b", "feature")
    repo.write("use.py", "from lib import helper\nhelper()\n")
    repo.write("lib.py", "def helper():\n    pass\ndef more():\n    pass\n")
    repo.git("add", "use.py")
    repo.git("commit", "-q", "-m", "feature")
    # The framework stashes unstaged changes around every commit-time stage, post-commit
    # included; the detached update may run before or after they are back, and the next
    # update sees them either way.
    wait_for_background(repo)
    repo.aud("index", "--incremental", "-q")
    repo.assert_exact()
    repo.git("add", "-A")
    repo.git("commit", "-q", "-m", "lib")
    assert_exact_after_hooks(repo)
    repo.git("checkout", "-q", "main")
    assert_exact_after_hooks(repo)
    repo.git("merge", "-q", "--no-edit", "feature")
    assert_exact_after_hooks(repo)
    repo.write("late.py", "import use\n")
    repo.git("add", "late.py")
    repo.git("commit", "-q", "--amend", "--no-edit")
    assert_exact_after_hooks(repo)
    repo.git("checkout", "-q", "-b", "topic", "HEAD~1")
    repo.write("t.py", "x = 1\n")
    repo.commit("topic")
    repo.git("rebase", "-q", "main")
    assert_exact_after_hooks(repo)
    log = (repo.path / ".pf" / "hooks.log").read_text()
    for stage in STAGES[1:]:  # pre-commit leaves the update to post-commit: test_strict_...
        assert f"{stage} (background): " in log, f"{stage} never ran through the framework"


def test_the_strict_hook_refuses_a_commit_only_at_the_pre_commit_stage(framework_repo):
    """The framework tells pre-commit from post-commit only on its command line: a broken
    file is refused before the commit, and the commit after the fix is indexed."""
    repo = framework_repo
    config = (repo.path / ".pre-commit-config.yaml").read_text()
    repo.write(".pre-commit-config.yaml", config.replace("id: aud-index", "id: aud-index-strict"))
    subprocess.run([sys.executable, "-m", "pre_commit", "install-hooks"], cwd=repo.path,
                   check=True, capture_output=True)
    repo.write("bad.py", "def broken(:\n    pass\n")
    repo.git("add", "-A")
    refused = repo.git("commit", "-q", "-m", "bad", check=False)
    assert refused.returncode != 0 and "bad.py:1:" in refused.stdout + refused.stderr
    repo.write("bad.py", "def fine():\n    pass\n")
    repo.git("add", "-A")
    repo.git("commit", "-q", "-m", "good")
    assert_exact_after_hooks(repo)
    assert ("fine",) in repo.query("SELECT qualname FROM symbols WHERE file = 'bad.py'")


def test_the_printed_local_snippet_works_with_a_plain_install(repo, pre_commit_home, monkeypatch):
    """Where the framework is installed, `aud hooks install` prints a `repo: local` snippet;
    pasted as it is, a plain `pre-commit install` serves every stage, the log names each update,
    and `aud status` counts the framework's hooks as installed."""
    monkeypatch.setenv("PRE_COMMIT_HOME", str(pre_commit_home))
    framework = [sys.executable, "-m", "pre_commit", "install"]
    repo.write(".pre-commit-config.yaml", "repos: []\n")
    subprocess.run(framework, cwd=repo.path, check=True, capture_output=True)
    refused = repo.run_aud("hooks", "install")
    assert refused.returncode == 1 and "pre-commit" in refused.stderr
    repo.write(".pre-commit-config.yaml", refused.stdout.split("# then")[0])
    subprocess.run(framework, cwd=repo.path, check=True, capture_output=True)
    repo.write("lib.py", "def helper():\n    pass\n")
    repo.git("add", "-A")
    repo.git("commit", "-q", "-m", "root")
    repo.git("checkout", "-q", "-b", "feature")
    assert_exact_after_hooks(repo)
    log = (repo.path / ".pf" / "hooks.log").read_text()
    assert "post-commit (background): " in log and "post-checkout (background): " in log
    status = json.loads(repo.run_aud("status", "--json").stdout)
    assert status["hooks_installed"] is True
    assert {h["state"] for h in status["hooks"]} == {"framework"}
    assert "hooks: pre-commit (pre-commit framework)" in repo.run_aud("status").stdout
