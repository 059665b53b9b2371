"""A running `aud watch` answers `aud index --incremental` and the hooks' detached updates over
`.pf/watch.sock`; without one (or with a socket nobody serves) everything updates by itself."""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time

import pytest

from conftest import GIT_ENV, Repo, Watcher, indexed, loaded_by

HEAVY = ("click", "pygit2", "tree_sitter", "aud_git.engine", "aud_git.link", "aud_git.commands")


def socket_of(repo) -> str:
    return str(repo.path / ".pf" / "watch.sock")


def incremental_json(repo) -> dict:
    result = repo.run_aud("index", "--incremental", "--json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_the_watcher_answers_with_an_update_that_saw_the_change(watched):
    repo, _watcher = watched
    repo.write("main.py", "from pkg.a import a\na()\na()\n")
    summary = incremental_json(repo)  # asked at once: before the watcher's own debounce ends
    assert summary["mode"] == "incremental"
    assert summary["rows"]["calls"] == 2  # the answer comes from an index that holds the edit
    repo.assert_exact()


def test_a_served_command_loads_neither_click_nor_pygit2_nor_the_engine(watched):
    repo, _watcher = watched
    loaded = loaded_by("index", "--incremental", "-q", cwd=repo.path)
    assert "aud_git.watch.client" in loaded  # the probe saw the command run
    assert {m for m in loaded if m.startswith(HEAVY)} == set()


def test_text_quiet_and_json_outputs_are_the_commands_own(watched):
    repo, watcher = watched
    text = repo.run_aud("index", "--incremental")
    assert text.returncode == 0 and text.stdout.startswith("aud: incremental: ")
    quiet = repo.run_aud("index", "--incremental", "-q")
    assert quiet.returncode == 0 and quiet.stdout == ""
    served = incremental_json(repo)
    assert watcher.stop() == 0
    assert not os.path.lexists(socket_of(repo))  # the socket goes with its watcher
    own = incremental_json(repo)
    assert set(served) == set(own)
    assert served["rows"] == own["rows"]


def test_a_socket_nobody_serves_is_passed_over_and_then_replaced(repo):
    indexed(repo)
    stale = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    stale.bind(socket_of(repo))
    stale.close()  # a watcher killed with SIGKILL leaves this behind
    assert incremental_json(repo)["mode"] == "incremental"
    watcher = Watcher(repo)
    try:
        assert "aud_git.watch.client" in loaded_by("index", "--incremental", "-q", cwd=repo.path)
        assert not {m for m in loaded_by("index", "--incremental", "-q", cwd=repo.path)
                    if m.startswith(HEAVY)}
    finally:
        watcher.stop()


def test_a_socket_path_that_is_not_a_socket_of_ours_is_never_touched(repo):
    indexed(repo)
    (repo.path / ".pf" / "watch.sock").write_text("not a socket")
    watcher = Watcher(repo)
    try:
        assert incremental_json(repo)["mode"] == "incremental"  # updated by the command itself
        assert {m for m in loaded_by("index", "--incremental", "-q", cwd=repo.path)
                if m.startswith("aud_git.engine")}
    finally:
        watcher.stop()
    assert (repo.path / ".pf" / "watch.sock").read_text() == "not a socket"


def ask_raw(repo, payload: bytes) -> list[bytes]:
    """The reply's NUL-separated fields (client.py's wire format)."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
        conn.settimeout(30)
        conn.connect(socket_of(repo))
        conn.sendall(payload)
        conn.shutdown(socket.SHUT_WR)
        return b"".join(iter(lambda: conn.recv(65536), b"")).split(b"\0", 2)


@pytest.mark.parametrize("payload", [
    b"not a request",
    b"aud-watch/1\0full\0text",
    b"aud-watch/1\0incremental\0text\0main.py",  # a relative path
    b"aud-watch/1\0incremental\0text\0/etc/passwd",  # outside the tree
    b"aud-watch/1\0incremental\0html",
    b"aud-watch/9\0incremental\0text",
])
def test_a_request_it_does_not_understand_is_refused_and_serving_goes_on(watched, payload):
    repo, _watcher = watched
    assert ask_raw(repo, payload)[:2] == [b"aud-watch/1", b"error"]
    main = str(repo.path / "main.py").encode()
    magic, status, text = ask_raw(repo, b"aud-watch/1\0incremental\0text\0" + main)
    assert (magic, status) == (b"aud-watch/1", b"ok") and text.startswith(b"aud: incremental: ")


def test_a_detached_hook_hands_its_update_to_the_watcher(watched):
    repo, _watcher = watched
    assert repo.run_aud("hooks", "install").returncode == 0
    repo.write("pkg/b.py", "def b():\n    pass\n")
    repo.commit("add b")
    log = repo.path / ".pf" / "hooks.log"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and "by aud watch" not in (
            log.read_text() if log.exists() else ""):
        time.sleep(0.05)
    assert "post-commit (background, by aud watch): aud: incremental:" in log.read_text()
    while (repo.path / ".pf" / "background.pid").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not (repo.path / ".pf" / "background.pid").exists()
    repo.assert_exact()


@pytest.mark.skipif(sys.platform != "linux", reason="reached through /proc/self/fd")
def test_a_tree_too_deep_for_a_socket_path_is_served_all_the_same(tmp_path):
    deep = Repo(tmp_path / ("d" * 60) / ("e" * 60))
    indexed(deep)
    assert len(socket_of(deep)) > 108
    watcher = Watcher(deep)
    try:
        assert os.path.lexists(socket_of(deep))
        assert not {m for m in loaded_by("index", "--incremental", "-q", cwd=deep.path)
                    if m.startswith(HEAVY)}
    finally:
        watcher.stop()


def test_files_an_editor_names_are_served_and_checked_as_the_command_checks_them(watched):
    repo, _watcher = watched
    repo.write("pkg/a.py", "def a():\n    pass\ndef b():\n    pass\n")
    assert not {m for m in loaded_by("index", "-q", "--files", "pkg/a.py", cwd=repo.path)
                if m.startswith(HEAVY)}
    assert repo.query("SELECT count(*) FROM symbols WHERE file = 'pkg/a.py'") == [(3,)]
    piped = subprocess.run([sys.executable, "-m", "aud_git", "index", "--json", "--files", "-"],
                           cwd=repo.path, input=b"main.py\0", capture_output=True, timeout=60,
                           env={**os.environ, **GIT_ENV})
    assert piped.returncode == 0 and json.loads(piped.stdout)["mode"] == "incremental"
    # Turned down by the watcher, the command checks for itself and says why (stdin included).
    outside = subprocess.run([sys.executable, "-m", "aud_git", "index", "--files", "-"],
                             cwd=repo.path, input=b"/etc/passwd\0", capture_output=True,
                             timeout=60, env={**os.environ, **GIT_ENV})
    assert outside.returncode == 2
    assert b"--files: /etc/passwd is outside the repository" in outside.stderr
    repo.assert_exact()


def test_a_second_watcher_leaves_the_socket_to_the_first(repo):
    indexed(repo)
    first = Watcher(repo)
    second = Watcher(repo)
    try:
        assert second.stop() == 0  # it watched all the same
        assert "another aud watch serves updates of this tree" in second.process.stderr.read()
        assert os.path.lexists(socket_of(repo))  # the first one's, still served
        assert not {m for m in loaded_by("index", "--incremental", "-q", cwd=repo.path)
                    if m.startswith(HEAVY)}
    finally:
        first.stop()
