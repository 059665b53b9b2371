"""A bug of ours in one file never stops a run, and never reaches the user as a traceback."""
from __future__ import annotations

import sys

import pytest

from aud_git import commands
from aud_git.extract import python as python_extractor
from aud_git.hooks import run as hooks_run
from aud_git.link.python import PythonLinker


@pytest.fixture
def failing_extractor(monkeypatch):
    """The Python extractor raises on files that start with `# BOOM`."""
    real = python_extractor.extract_python

    def extract(data, facts):
        if data.startswith(b"# BOOM"):
            raise RuntimeError("boom")
        real(data, facts)

    monkeypatch.setattr(python_extractor, "extract_python", extract)


def test_an_extractor_exception_is_recorded_and_the_run_goes_on(repo, failing_extractor):
    repo.write("bad.py", "# BOOM\nBOOM = 1\n")
    repo.write("good.py", "from bad import BOOM\ndef fine():\n    pass\n")
    summary = repo.aud("index", "--json")
    assert summary["internal_errors"] == ["bad.py"]
    assert repo.query("SELECT status FROM files WHERE path = 'bad.py'") == [("internal_error",)]
    assert repo.query("SELECT line, col, message FROM parse_errors WHERE file = 'bad.py'") == [
        (1, 0, "internal error: RuntimeError: boom")]
    assert ("fine",) in repo.query("SELECT qualname FROM symbols WHERE file = 'good.py'")
    assert repo.import_links("good.py") == {("bad", "BOOM"): ("bad.py", "file")}
    log = (repo.path / ".pf" / "aud.log").read_text()
    assert "internal error while extracting 'bad.py'" in log
    assert "tree-sitter-python=" in log and 'raise RuntimeError("boom")' in log


def test_the_summary_line_counts_files_with_internal_errors(repo, failing_extractor):
    repo.write("bad.py", "# BOOM\nBOOM = 1\n")
    line = repo.aud("index")
    assert "1 file with internal errors, see .pf/aud.log" in line


def test_a_file_with_an_internal_error_stays_exact_under_incremental_updates(
        repo, failing_extractor):
    repo.write("bad.py", "# BOOM\nBOOM = 1\n")
    repo.write("good.py", "import bad\n")
    repo.aud("index", "-q")
    repo.write("bad.py", "# BOOM\nBOOM = 2\ndef more(): pass\n")
    repo.write("good.py", "import bad\nbad.more()\n")
    assert repo.aud("index", "--incremental", "--json")["internal_errors"] == ["bad.py"]
    repo.assert_exact()
    repo.write("bad.py", "def more(): pass\n")
    assert repo.aud("index", "--incremental", "--json")["internal_errors"] == []
    assert repo.call_links("good.py") == {"bad.more": ("bad.py", "more")}
    repo.assert_exact()


def test_a_linker_exception_is_a_link_errors_row_and_the_run_goes_on(repo, monkeypatch):
    real = PythonLinker.call_links

    def call_links(self, file, calls):
        if file == "bad.py":
            raise KeyError("boom")
        return real(self, file, calls)

    monkeypatch.setattr(PythonLinker, "call_links", call_links)
    repo.write("lib.py", "def f():\n    pass\n")
    repo.write("bad.py", "from lib import f\nf()\n")
    repo.write("good.py", "from lib import f\nf()\n")
    summary = repo.aud("index", "--json")
    assert summary["internal_errors"] == ["bad.py"]
    assert repo.query("SELECT * FROM link_errors") == [("bad.py", "internal error: KeyError: 'boom'")]
    assert repo.call_links("good.py") == {"f": ("lib.py", "f")}
    # The lookups made before the failure are recorded: a change to them links bad.py again.
    assert ("bad.py", "name", "lib.py", "f") not in repo.query("SELECT * FROM link_deps")
    assert repo.query("SELECT kind, path FROM link_deps WHERE file = 'bad.py'")
    log = (repo.path / ".pf" / "aud.log").read_text()
    assert "internal error while linking 'bad.py'" in log
    repo.write("lib.py", "def f():\n    pass\ndef g():\n    pass\n")
    repo.aud("index", "--incremental", "-q")
    repo.assert_exact()


def test_an_internal_error_is_one_line_exit_3_and_a_logged_traceback(repo, monkeypatch, capsys):
    repo.write("a.py", "x = 1\n")
    repo.aud("index", "-q")

    def digest(conn):
        raise RuntimeError("boom")

    monkeypatch.setattr("aud_git.db.dump.digest", digest)
    monkeypatch.setattr(sys, "argv", ["aud", "-C", str(repo.path), "db", "digest"])
    with pytest.raises(SystemExit) as stopped:
        commands.main()
    assert stopped.value.code == 3
    err = capsys.readouterr().err
    log_path = repo.path / ".pf" / "aud.log"
    assert err == f"aud: internal error: RuntimeError: boom (traceback in {log_path})\n"
    log = log_path.read_text()
    assert "Traceback (most recent call last)" in log and "db digest" in log


def test_a_hook_failure_is_one_line_and_a_traceback_in_hooks_log(repo, monkeypatch, capsys):
    monkeypatch.chdir(repo.path)

    def action():
        raise ValueError("broken")

    status = hooks_run.guarded(hooks_run.HookCall("post-commit", ()), action)
    assert status == 0
    assert capsys.readouterr().err.count("\n") == 1
    log = (repo.path / ".pf" / "hooks.log").read_text()
    assert "post-commit : failed" in log and 'raise ValueError("broken")' in log


def test_a_worker_killed_while_extracting_costs_one_file_not_the_run(repo, monkeypatch):
    import os
    import signal

    real = python_extractor.extract_python

    def extract(data, facts):
        if data.startswith(b"# CRASH"):
            os.kill(os.getpid(), signal.SIGKILL)  # a segfault in a parser, the OOM killer
        real(data, facts)

    monkeypatch.setattr(python_extractor, "extract_python", extract)
    for i in range(80):
        repo.write(f"m{i}.py", f"def f{i}():\n    pass\n")
    repo.write("m40.py", "# CRASH\ndef f40():\n    pass\n")
    summary = repo.aud("index", "--json", "-j", "2")
    assert summary["internal_errors"] == ["m40.py"]
    assert repo.query("SELECT status FROM files WHERE path = 'm40.py'") == [("internal_error",)]
    assert repo.query("SELECT count(*) FROM symbols WHERE kind = 'function'") == [(79,)]
    assert "the worker process extracting this file died" in (
        repo.path / ".pf" / "aud.log").read_text()


def test_a_file_whose_extraction_failed_is_tried_again_by_the_next_update(repo, monkeypatch):
    failing = {"on": True}
    real = python_extractor.extract_python

    def extract(data, facts):
        if failing["on"] and data.startswith(b"# FLAKY"):
            raise MemoryError()  # a transient failure: the machine was short of memory
        real(data, facts)

    monkeypatch.setattr(python_extractor, "extract_python", extract)
    repo.write("flaky.py", "# FLAKY\ndef kept():\n    pass\n")
    repo.aud("index", "-q")
    assert repo.query("SELECT status FROM files WHERE path = 'flaky.py'") == [("internal_error",)]
    failing["on"] = False
    summary = repo.aud("index", "--incremental", "--json")
    assert summary["modified"] == ["flaky.py"]
    assert repo.query("SELECT status FROM files WHERE path = 'flaky.py'") == [("ok",)]
    repo.assert_exact()
    assert repo.aud("index", "--incremental", "--json")["modified"] == []
