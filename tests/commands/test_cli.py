from __future__ import annotations

import json
import os
import subprocess
import sys

from aud_git import __version__

AUD = [sys.executable, "-m", "aud_git"]


def one_clear_line(result: subprocess.CompletedProcess, fragment: str) -> None:
    assert result.returncode == 2, result
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and fragment in lines[0], result.stderr
    assert "Traceback" not in result.stderr


def test_version_and_help(repo):
    result = repo.run_aud("--version")
    assert result.returncode == 0 and __version__ in result.stdout
    result = repo.run_aud("index", "--help")
    assert result.returncode == 0 and "--incremental" in result.stdout


def test_not_a_git_repository(tmp_path):
    from conftest import run_aud

    outside = tmp_path / "plain"
    outside.mkdir()
    one_clear_line(run_aud(outside, "index"), "not a git repository")


def test_bare_repository(tmp_path, repo):
    bare = tmp_path / "bare.git"
    subprocess.run(["git", "init", "-q", "--bare", str(bare)], check=True)
    one_clear_line(repo.run_aud("-C", str(bare), "index"), "bare repository")


def test_a_corrupt_database_is_refused_by_readers_and_rebuilt_by_aud_index(repo):
    repo.write("a.py", "x = 1\n")
    (repo.path / ".pf").mkdir()
    (repo.path / ".pf" / "repo_index.db").write_bytes(b"this is not sqlite" * 100)
    one_clear_line(repo.run_aud("db", "digest"), "corrupt")
    one_clear_line(repo.run_aud("query", "def", "x"), "corrupt")
    result = repo.run_aud("index", "--incremental")
    assert result.returncode == 0, result.stderr
    assert "unreadable or corrupt" in result.stdout and "rebuilt from scratch" in result.stdout
    repo.assert_exact()


def test_missing_database_for_readers(repo):
    one_clear_line(repo.run_aud("db", "digest"), "aud index")


def test_json_summary_and_pf_excluded(repo):
    repo.write("a.py", "import b\n")
    repo.write("b.ts", "export const x = 1;\n")
    repo.write("notes.txt", "hello\n")
    repo.commit()
    result = repo.run_aud("index", "--json")
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["mode"] == "full"
    assert summary["by_lang"] == {"other": 1, "python": 1, "typescript": 1}
    assert summary["by_status"] == {"ok": 3}
    assert summary["rows"]["files"] == 3
    status = repo.git("status", "--porcelain").stdout
    assert ".pf" not in status
    exclude = (repo.path / ".git" / "info" / "exclude").read_text()
    assert exclude.count("/.pf/") == 1
    repo.run_aud("index")
    assert (repo.path / ".git" / "info" / "exclude").read_text().count("/.pf/") == 1


def test_quiet_and_human_line(repo):
    repo.write("a.py", "x = 1\n")
    quiet = repo.run_aud("index", "-q")
    assert quiet.returncode == 0 and quiet.stdout == "" and quiet.stderr == ""
    human = repo.run_aud("index")
    assert human.stdout.startswith("aud: full: 1 files")


def test_ignored_untracked_submodule_and_excluded_paths(repo, tmp_path):
    from conftest import Repo

    repo.write(".gitignore", "build/\n*.log\n")
    repo.write("build/gen.py", "x = 1\n")
    repo.write("debug.log", "x\n")
    repo.write("tracked.py", "x = 1\n")
    repo.write("vendor/skip.py", "x = 1\n")
    repo.write("pyproject.toml", "[tool.aud]\nexclude = ['vendor/']\n")
    repo.commit()
    repo.write("untracked.py", "y = 2\n")
    sub = Repo(tmp_path / "sub")
    sub.write("inner.py", "z = 3\n")
    sub.commit()
    repo.git("-c", "protocol.file.allow=always", "submodule", "add", "-q", str(sub.path), "third")
    repo.aud("index")
    paths = {r[0] for r in repo.query("SELECT path FROM files")}
    assert paths == {".gitignore", ".gitmodules", "tracked.py", "untracked.py", "pyproject.toml"}


def test_unknown_setting_is_one_clear_line(repo):
    repo.write("aud.toml", "no_such_setting = 1\n")
    one_clear_line(repo.run_aud("index"), "unknown [tool.aud] setting")


def test_lock_held_is_one_clear_line(repo):
    import fcntl

    repo.write("aud.toml", "lock_timeout = 0.3\n")
    repo.write("a.py", "x = 1\n")
    (repo.path / ".pf").mkdir()
    fd = os.open(repo.path / ".pf" / "lock", os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        one_clear_line(repo.run_aud("index"), "another aud update holds")
    finally:
        os.close(fd)
    assert repo.run_aud("index").returncode == 0


def test_repository_configuration_is_bounded(repo):
    from aud_git.config import load_config

    repo.write("aud.toml", "max_file_size = 100000000\nlock_timeout = 1e9\nfull_rebuild_every = 0\n")
    config = load_config(str(repo.path))
    assert (config.max_file_size, config.lock_timeout, config.full_rebuild_every) == (
        8 * 1024 * 1024, 600.0, 1)
    repo.write("aud.toml", "lock_timeout = nan\n")
    one_clear_line(repo.run_aud("index"), "lock_timeout must be a finite number")
    repo.write("aud.toml", f"exclude = {['x'] * 1001!r}\n")
    one_clear_line(repo.run_aud("index"), "more than 1000 entries")


def test_files_takes_many_paths_and_stdin(repo):
    repo.write("a.py", "x = 1\n")
    repo.write("dir with space/b.py", "y = 1\n")
    repo.commit()
    repo.aud("index")
    repo.write("a.py", "x = 2\n")
    repo.write("dir with space/b.py", "y = 2\n")
    summary = json.loads(repo.run_aud("index", "--json", "--files", "a.py", "dir with space/b.py").stdout)
    assert summary["mode"] == "incremental"
    assert summary["hinted"] == ["a.py", "dir with space/b.py"]
    for separator in (b"\0", b"\n"):
        repo.write("a.py", f"x = {separator!r}\n")
        stdin = separator.join([b"a.py", b"dir with space/b.py"]) + separator
        result = subprocess.run([*AUD, "index", "--json", "--files", "-"], cwd=repo.path,
                                input=stdin, capture_output=True, check=True)
        summary = json.loads(result.stdout)
        assert (summary["hinted"], summary["modified"]) == (["a.py", "dir with space/b.py"], ["a.py"])
    repo.assert_exact()


def test_files_outside_the_repository_or_nowhere_are_refused(repo, tmp_path):
    repo.write("a.py", "x = 1\n")
    repo.commit()
    repo.aud("index")
    outside = tmp_path / "elsewhere.py"
    outside.write_text("z = 1\n")
    one_clear_line(repo.run_aud("index", "--files", str(outside)), "outside the repository")
    one_clear_line(repo.run_aud("index", "--files", "no/such.py"), "no such file, and not in the index")
    repo.remove("a.py")  # a deleted file the index holds is a fine hint
    summary = json.loads(repo.run_aud("index", "--json", "--files", "a.py").stdout)
    assert summary["deleted"] == ["a.py"]
    misuse = repo.run_aud("index", "a.py")  # click's usage error: the usage, then the reason
    assert misuse.returncode == 2 and misuse.stderr.endswith("Error: PATHS go with --files\n")


def test_a_missing_directory_and_an_unknown_kind_are_said_plainly(repo):
    one_clear_line(repo.run_aud("-C", "/nonexistent/dir", "status"), "-C /nonexistent/dir: no such directory")
    repo.write("a.py", "x = 1\n")
    repo.commit()
    repo.aud("index")
    result = repo.run_aud("query", "def", "x", "--kind", "klass")
    assert result.returncode == 2 and "'klass' is not one of" in result.stderr


def test_the_summary_line_explains_itself(repo):
    repo.write("a.py", "def f(:\n")
    repo.write("b.py", "import a\n")
    repo.commit()
    line = repo.run_aud("index").stdout
    assert line.startswith("aud: full: 2 files indexed, 2 source files linked in ")
    assert "(1 file with parse errors: the facts around them kept, the errors in table parse_errors)" in line
    assert json.loads(repo.run_aud("index", "--json").stdout)["syntax_errors"] == 1
