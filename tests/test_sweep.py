"""Sweeps over code nobody here wrote (marked `sweep`: minutes, and the package registries).

- the running interpreter's standard library and site-packages, as one repository;
- npm packages: a TypeScript-heavy one with `.d.ts` files and a large CommonJS one;
- release histories from PyPI turned into git repositories, replayed release by release with
  `aud index --incremental` checked against a full build at every step;
- the same commit indexed under two Python interpreters gives the same digest.

Everywhere: no internal error, and no `parse_errors` row for a Python file that `compile()`
accepts, except the named grammar gaps below, which must still fail (so that a fixed grammar
says to drop them).
"""
from __future__ import annotations

import glob
import json
import os
import shutil
import subprocess
import sys
import sysconfig
import tarfile
import zipfile
from pathlib import Path

import pytest

from conftest import GIT_ENV, Repo, compiles, run_aud

pytestmark = pytest.mark.sweep
PROJECT = Path(__file__).resolve().parent.parent

# Valid Python that tree-sitter-python 0.25 cannot parse: relative path -> the construct.
KNOWN_GRAMMAR_GAPS = {
    # test_weird_attribute_position_regressions: `(bar.` then `baz)` less indented than its block
    "stdlib/test/test_compile.py": "a bracketed line ending in `.` continued less indented",
}

# Release histories (wheels hold the sources as released); the failing releases included.
HISTORIES = {
    "click": ["8.0.0", "8.0.4", "8.1.0", "8.1.3", "8.1.7"],
    "httpx": ["0.15.0", "0.18.2", "0.21.3", "0.23.3", "0.25.2", "0.26.0"],
    "requests": ["2.31.0", "2.32.5"],
    "flask": ["2.0.0", "2.0.3"],
    "mitmproxy": ["10.4.2"],
}
NPM_PACKAGES = ["rxjs@7.8.1", "lodash@4.17.21"]


def index_and_check(repo: Repo) -> dict:
    """`aud index` in a process of its own; no internal error, no false parse error."""
    result = repo.run_aud("index", "--json")
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["internal_errors"] == [], (repo.path / ".pf" / "aud.log").read_text()
    flagged = {path for (path,) in repo.query(
        "SELECT DISTINCT p.file FROM parse_errors p JOIN files f ON f.path = p.file"
        " WHERE f.lang = 'python'")}
    false_errors = sorted(p for p in flagged - KNOWN_GRAMMAR_GAPS.keys()
                          if compiles((repo.path / p).read_bytes()))
    assert false_errors == [], repo.query(
        "SELECT * FROM parse_errors WHERE file = ?", false_errors[0])
    return summary


def copy_python_files(source: Path, destination: Path) -> int:
    count = 0
    for path in source.rglob("*.py*"):
        relative = path.relative_to(source)
        if path.suffix not in (".py", ".pyi") or "site-packages" in relative.parts[:1] \
                or "__pycache__" in relative.parts or not path.is_file():
            continue
        target = destination / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
        count += 1
    return count


def test_the_interpreters_library_indexes_without_internal_or_false_errors(tmp_path):
    repo = Repo(tmp_path / "library")
    stdlib = copy_python_files(Path(sysconfig.get_paths()["stdlib"]), repo.path / "stdlib")
    packages = copy_python_files(Path(sysconfig.get_paths()["purelib"]), repo.path / "site-packages")
    repo.commit("the interpreter's library")
    summary = index_and_check(repo)
    assert summary["files"] == stdlib + packages
    rows = sum(summary["rows"].values())
    print(f"library sweep: {stdlib} stdlib + {packages} site-packages files, {rows} rows,"
          f" {summary['seconds']} s")
    for path in KNOWN_GRAMMAR_GAPS:
        if (repo.path / path).exists():
            assert repo.query("SELECT 1 FROM parse_errors WHERE file = ?", path), (
                f"{path} parses now: drop it from KNOWN_GRAMMAR_GAPS")


def download(command: list[str], cwd: Path) -> None:
    result = subprocess.run(command, cwd=cwd, capture_output=True, text=True)
    if result.returncode != 0:
        pytest.skip(f"the package registry did not answer: {result.stderr.strip()[-200:]}")


def wheel_sources(name: str, version: str, downloads: Path) -> Path:
    download([sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--only-binary", ":all:",
              "--python-version", "3.12", "-d", str(downloads), f"{name}=={version}"], downloads)
    prefix = f"{name}-{version}-".lower()  # a wheel's name keeps the project's capitals
    (wheel,) = [p for p in downloads.iterdir() if p.name.lower().startswith(prefix)]
    return wheel


def replace_tree(repo: Repo, wheel: Path) -> None:
    for child in repo.path.iterdir():
        if child.name not in (".git", ".pf"):
            shutil.rmtree(child) if child.is_dir() else child.unlink()
    with zipfile.ZipFile(wheel) as archive:
        for member in archive.namelist():
            if member.endswith((".py", ".pyi", ".ts", ".js")) and ".dist-info/" not in member:
                archive.extract(member, repo.path)


@pytest.mark.parametrize("name", sorted(HISTORIES))
def test_a_release_history_replayed_stays_exact(tmp_path, name):
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    repo = Repo(tmp_path / name)
    for version in HISTORIES[name]:
        replace_tree(repo, wheel_sources(name, version, downloads))
        repo.commit(f"{name} {version}")
    repo.git("checkout", "-q", "HEAD~" + str(len(HISTORIES[name]) - 1))
    index_and_check(repo)
    for steps_back in range(len(HISTORIES[name]) - 2, -1, -1):
        repo.git("checkout", "-q", "main" + (f"~{steps_back}" if steps_back else ""))
        assert repo.run_aud("index", "--incremental", "-q").returncode == 0
        repo.assert_exact()
    index_and_check(repo)


def test_npm_packages_index_without_internal_errors(tmp_path):
    if shutil.which("npm") is None:
        pytest.skip("no npm to fetch packages with")
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    download(["npm", "pack", "-q", *NPM_PACKAGES], downloads)
    repo = Repo(tmp_path / "npm")
    for tarball in sorted(downloads.glob("*.tgz")):
        with tarfile.open(tarball) as archive:
            archive.extractall(repo.path / tarball.stem, filter="data")
    repo.commit("npm packages")
    summary = index_and_check(repo)
    print(f"npm sweep: {summary['by_lang']}, {sum(summary['rows'].values())} rows,"
          f" {summary['rows']['parse_errors']} parse errors, {summary['seconds']} s")
    declarations = repo.query("SELECT count(*) FROM files WHERE path LIKE '%.d.ts'")[0][0]
    assert declarations > 100 and summary["by_lang"]["javascript"] > 500
    assert repo.query("SELECT count(*) FROM symbols WHERE kind = 'interface'")[0][0] > 0


def other_interpreters() -> list[str]:
    """Python interpreters of another minor version than this one, 3.11 or newer."""
    found = []
    candidates = [shutil.which(f"python3.{minor}") for minor in range(11, 16)]
    candidates += sorted(glob.glob(os.path.expanduser("~/.pyenv/versions/3.1*/bin/python3")))
    for candidate in filter(None, candidates):
        probe = subprocess.run([candidate, "-c", "import sys; print(sys.version_info[:2])"],
                               capture_output=True, text=True)
        minor = probe.stdout.strip()
        if probe.returncode == 0 and minor != str(sys.version_info[:2]) and minor >= "(3, 11)" \
                and minor not in {m for _, m in found}:
            found.append((candidate, minor))
    return [path for path, _ in found]


def test_the_same_commit_gives_the_same_digest_under_two_interpreters(tmp_path):
    others = other_interpreters()
    if not others:
        pytest.skip("only one Python interpreter (3.11 or newer) is installed")
    other = others[-1]
    venv = tmp_path / "venv"
    subprocess.run([other, "-m", "venv", str(venv)], check=True)
    download([str(venv / "bin" / "python"), "-m", "pip", "install", "-q", str(PROJECT)], tmp_path)
    repo = Repo(tmp_path / "corpus")
    replace_tree(repo, wheel_sources("httpx", "0.26.0", tmp_path))
    repo.write("modern.py", "type Alias = list[int]\ndef first[T](xs: list[T]) -> T:\n"
                            "    return xs[0]\nx = f\"{'a' + f\"{first([1])}\"}\"\n")
    repo.commit("corpus")
    digests = {}
    for python in (sys.executable, str(venv / "bin" / "python")):
        shutil.rmtree(repo.path / ".pf", ignore_errors=True)
        built = subprocess.run([python, "-m", "aud_git", "index", "-q"], cwd=repo.path,
                               capture_output=True, text=True, env={**os.environ, **GIT_ENV})
        assert built.returncode == 0, built.stderr
        digests[python] = run_aud(repo.path, "db", "digest").stdout.strip()
        versions = subprocess.run([python, "-c", "import sys; print(sys.version.split()[0])"],
                                  capture_output=True, text=True).stdout.strip()
        print(f"digest under Python {versions}: {digests[python]}")
    assert len(set(digests.values())) == 1, digests
    assert repo.query("SELECT count(*) FROM parse_errors WHERE file = 'modern.py'") == [(0,)]
