from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from pathlib import Path

import pytest
from click.testing import CliRunner

from aud_git.commands import cli
from aud_git.db import store
from aud_git.db.dump import digest
from aud_git.engine.verify import differences, fresh_build
from aud_git.git.workspace import open_workspace

GIT_ENV = {
    "GIT_AUTHOR_NAME": "Test", "GIT_AUTHOR_EMAIL": "test@example.com",
    "GIT_COMMITTER_NAME": "Test", "GIT_COMMITTER_EMAIL": "test@example.com",
    "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull,
}


def compiles(source: str | bytes) -> bool:
    """Does this interpreter's `compile()` accept the program?"""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            compile(source, "<test>", "exec")
        except (SyntaxError, ValueError):
            return False
    return True


# Every time aud prints: RFC 3339 with the offset (aud_git.contract.timestamp).
RFC3339 = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d"
AUD_TIMEOUT = 300  # seconds: a command that hangs fails its test instead of stalling the run


def run_aud(cwd: Path, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    """Run `aud` as a separate process, the way users and hooks do."""
    return subprocess.run(
        [sys.executable, "-m", "aud_git", *args], cwd=cwd, capture_output=True, text=True,
        env={**os.environ, **GIT_ENV, **(env or {})}, timeout=AUD_TIMEOUT,
    )


def loaded_by(*argv: str, cwd: Path) -> set[str]:
    """The modules a real `python -m aud_git ARGV` process (as shims and snippets run it) had
    loaded when it finished (listed outside the working tree: the tree stays as it was)."""
    listing = cwd.parent / f"modules-{os.getpid()}.txt"
    probe = ("import atexit, runpy, sys\n"
             f"atexit.register(lambda: print('\\n'.join(sys.modules), file=open({str(listing)!r}, 'w')))\n"
             f"sys.argv = ['aud', *{list(argv)!r}]\n"
             "runpy.run_module('aud_git', run_name='__main__')\n")
    subprocess.run([sys.executable, "-I", "-c", probe], cwd=cwd, capture_output=True, timeout=120,
                   env={**os.environ, **GIT_ENV})
    try:
        return set(listing.read_text().split())
    finally:
        listing.unlink()


class Repo:
    """A real git repository in a temporary directory, driven by real git commands."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.mkdir(parents=True, exist_ok=True)
        self.git("init", "-q", "-b", "main")

    def git(self, *args: str, check: bool = True, env: dict | None = None) -> subprocess.CompletedProcess:
        return subprocess.run(
            ["git", *args], cwd=self.path, check=check, capture_output=True, text=True,
            errors="surrogateescape",  # git prints names in any bytes
            env={**os.environ, **GIT_ENV, **(env or {})}, timeout=AUD_TIMEOUT,
        )

    def write(self, rel: str, text: str | bytes) -> Path:
        target = self.path / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            target.write_bytes(text)
        else:
            target.write_text(text, encoding="utf-8")
        return target

    def remove(self, rel: str) -> None:
        (self.path / rel).unlink()

    def commit(self, message: str = "change") -> None:
        self.git("add", "-A")
        self.git("commit", "-q", "--allow-empty", "-m", message)

    def aud(self, *args: str) -> dict | str:
        """Run `aud` in-process; `--json` output comes back parsed."""
        result = CliRunner().invoke(cli, ["-C", str(self.path), *args], catch_exceptions=False)
        assert result.exit_code == 0, result.output
        return json.loads(result.output) if "--json" in args else result.output

    def run_aud(self, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
        return run_aud(self.path, *args, env=env)

    def digest(self) -> str:
        conn = store.connect(str(self.path / ".pf" / "repo_index.db"), must_exist=True, readonly=True)
        try:
            return digest(conn)
        finally:
            conn.close()

    def fresh_digest(self) -> str:
        with tempfile.TemporaryDirectory() as scratch:
            conn = fresh_build(open_workspace(str(self.path)), os.path.join(scratch, "fresh.db"))
            try:
                return digest(conn)
            finally:
                conn.close()

    def assert_exact(self) -> None:
        """The live index equals a fresh full build; on failure, show the differing rows."""
        live_digest, fresh = self.digest(), self.fresh_digest()
        if live_digest != fresh:
            with tempfile.TemporaryDirectory() as scratch:
                fresh_conn = fresh_build(open_workspace(str(self.path)), os.path.join(scratch, "f.db"))
                diffs = list(differences(fresh_conn, str(self.path / ".pf" / "repo_index.db")))
            pytest.fail(f"incremental index differs from a full build: {diffs}")

    def import_links(self, file: str) -> dict[tuple, tuple]:
        """(module, name) -> (target, resolution) for one file's imports."""
        rows = self.query(
            "SELECT module, name, target, resolution FROM import_links WHERE file = ?", file)
        return {(module, name): (target, resolution) for module, name, target, resolution in rows}

    def call_links(self, file: str) -> dict[str, tuple]:
        """callee -> (target_file, target_qualname) for one file's resolved calls."""
        rows = self.query(
            "SELECT callee, target_file, target_qualname FROM call_links WHERE file = ?", file)
        return {callee: (target, qualname) for callee, target, qualname in rows}

    def query(self, sql: str, *params) -> list[tuple]:
        conn = store.connect(str(self.path / ".pf" / "repo_index.db"), readonly=True)
        try:
            return conn.execute(sql, params).fetchall()
        finally:
            conn.close()


def wait_for_background(repo: Repo, timeout: float = 60) -> None:
    """Until no update runs, waits or is pending in `repo` (detached hook work)."""
    from aud_git.activity import background_state

    deadline = time.monotonic() + timeout
    pf = str(repo.path / ".pf")
    while time.monotonic() < deadline:
        if not any(background_state(pf).values()):
            return
        time.sleep(0.05)
    pytest.fail(f"background work did not finish: {background_state(pf)}")


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    return Repo(tmp_path / "repo")


class Watcher:
    """A real `aud watch --json` process on `repo` (it also serves the tree's updates)."""

    def __init__(self, repo, env: dict | None = None) -> None:
        self.repo = repo
        self.lines: queue.Queue[dict] = queue.Queue()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "aud_git", "watch", "--json", "--debounce", "0.1",
             "--pidfile", str(repo.path.parent / "watch.pid")],
            cwd=repo.path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            env={**os.environ, **GIT_ENV, **(env or {})},
        )
        threading.Thread(target=self._read, daemon=True).start()
        self.next_update(timeout=30)  # the reconcile at start

    def _read(self) -> None:
        for line in self.process.stdout:
            self.lines.put(json.loads(line))

    def next_update(self, timeout: float = 10) -> dict:
        return self.lines.get(timeout=timeout)

    def settle(self, timeout: float = 15) -> None:
        """Wait until the index equals a full build of the tree as it now is."""
        deadline = time.monotonic() + timeout
        fresh = self.repo.fresh_digest()
        while time.monotonic() < deadline:
            if self.repo.digest() == fresh:
                return
            time.sleep(0.05)
        self.repo.assert_exact()

    def stop(self) -> int:
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=10)


def indexed(repo):
    """`repo` with a package, a caller and its index."""
    repo.write("pkg/__init__.py", "")
    repo.write("pkg/a.py", "def a():\n    pass\n")
    repo.write("main.py", "from pkg.a import a\na()\n")
    repo.commit()
    repo.aud("index")
    return repo


@pytest.fixture
def watched(repo):
    watcher = Watcher(indexed(repo))
    yield repo, watcher
    if watcher.process.poll() is None:
        watcher.stop()
