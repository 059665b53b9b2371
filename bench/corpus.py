"""Benchmark corpora from package registries: sdists and npm tarballs turned into git repositories.

`main` holds Django 5.1.4; the branch `django-5.0` holds Django 5.0.10 (for release switches).
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

WORK = Path(__file__).resolve().parent / "work"
RELEASES = {"main": "5.1.4", "django-5.0": "5.0.10"}
GIT_ENV = {
    "GIT_AUTHOR_NAME": "bench", "GIT_AUTHOR_EMAIL": "bench@example.com",
    "GIT_COMMITTER_NAME": "bench", "GIT_COMMITTER_EMAIL": "bench@example.com",
    "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull,
}
# GNU Global's files live in the tree; keep them out of git's view (and so out of aud's).
EXCLUDES = "/GTAGS\n/GRTAGS\n/GPATH\n"


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True,
                   env={**os.environ, **GIT_ENV})


def _sdist(version: str, package: str = "django") -> Path:
    downloads = WORK / "downloads"
    candidates = [downloads / f"{name}-{version}.tar.gz"
                  for name in (package, package.capitalize(), package.lower())]
    for candidate in candidates:
        if candidate.exists():
            return candidate
    downloads.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:",
         "-d", str(downloads), f"{package}=={version}"],
        check=True, capture_output=True,
    )
    return next(p for p in candidates if p.exists())


def _unpack_into(repo: Path, version: str, package: str = "django") -> None:
    for child in repo.iterdir():
        if child.name != ".git":
            shutil.rmtree(child) if child.is_dir() and not child.is_symlink() else child.unlink()
    _extract(_sdist(version, package), repo)


def _extract(sdist: Path, target: Path) -> None:
    """The sdist's files under `target`, without the archive's top directory."""
    with tarfile.open(sdist) as archive:
        for member in archive.getmembers():
            parts = Path(member.name).parts[1:]
            if not parts:
                continue
            member.name = str(Path(*parts))
            archive.extract(member, target, filter="data")


def refresh_stat_cache(repo: Path) -> None:
    """git's stat data matched to the files as they are now: a copied or freshly checked out
    tree would otherwise have the first update time git's re-hashing, not aud."""
    subprocess.run(["git", "update-index", "-q", "--refresh"], cwd=repo, capture_output=True,
                   env={**os.environ, **GIT_ENV})


def django_repo(name: str = "django") -> Path:
    """The corpus repository, built once and reused (a fresh checkout of `main`)."""
    repo = WORK / name
    if (repo / ".git").exists():
        _git(repo, "checkout", "-q", "-f", "main")
        _git(repo, "clean", "-q", "-fdx", "-e", ".pf")
        refresh_stat_cache(repo)
        return repo
    repo.mkdir(parents=True)
    _git(repo, "init", "-q", "-b", "main")
    (repo / ".git" / "info").mkdir(exist_ok=True)
    (repo / ".git" / "info" / "exclude").write_text(EXCLUDES)
    _unpack_into(repo, RELEASES["main"])
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", f"Django {RELEASES['main']}")
    _git(repo, "checkout", "-q", "-b", "django-5.0")
    _unpack_into(repo, RELEASES["django-5.0"])
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", f"Django {RELEASES['django-5.0']}")
    _git(repo, "checkout", "-q", "main")
    return repo


def django_copies(copies: int) -> Path:
    """Django 5.1.4 `copies` times side by side (`copy0/`, `copy1/`, ...) in one commit: the
    corpus of the cost growth table."""
    repo = WORK / f"django-x{copies}"
    if (repo / ".git").exists():
        _git(repo, "checkout", "-q", "-f", "main")
        _git(repo, "clean", "-q", "-fdx", "-e", ".pf")
    else:
        repo.mkdir(parents=True)
        _git(repo, "init", "-q", "-b", "main")
        for index in range(copies):
            _extract(_sdist(RELEASES["main"]), repo / f"copy{index}")
        _git(repo, "add", "-A")
        _git(repo, "commit", "-q", "-m", f"Django {RELEASES['main']} x{copies}")
    refresh_stat_cache(repo)
    return repo


def sdist_repo(package: str, version: str) -> Path:
    """One release's sdist as a git repository of one commit, built once and reused."""
    repo = WORK / f"{package}-{version}"
    if (repo / ".git").exists():
        return repo
    repo.mkdir(parents=True)
    _git(repo, "init", "-q", "-b", "main")
    _unpack_into(repo, version, package)
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", f"{package} {version}")
    return repo


def _npm_tarball(package: str, version: str) -> Path:
    downloads = WORK / "downloads"
    downloads.mkdir(parents=True, exist_ok=True)
    archive = downloads / f"{package.replace('/', '-').lstrip('@')}-{version}.tgz"
    if not archive.exists():
        subprocess.run(["npm", "pack", "--silent", f"{package}@{version}"], cwd=downloads,
                       check=True, capture_output=True)
    return archive


def npm_tool(package: str, version: str) -> Path:
    """An npm package unpacked (for a tool such as `typescript`), built once and reused."""
    target = WORK / "tools" / f"{package}-{version}"
    if not target.exists():
        target.mkdir(parents=True)
        with tarfile.open(_npm_tarball(package, version)) as archive:
            archive.extractall(target, filter="data")
    return target / "package"


def npm_source_repo(package: str, version: str, subdir: str = "src") -> Path:
    """The TypeScript sources an npm tarball ships (`package/src`) as a git repository."""
    repo = WORK / f"{package}-{version}"
    if (repo / ".git").exists():
        return repo
    repo.mkdir(parents=True)
    _git(repo, "init", "-q", "-b", "main")
    with tarfile.open(_npm_tarball(package, version)) as archive:
        for member in archive.getmembers():
            parts = Path(member.name).parts
            if len(parts) > 2 and parts[1] == subdir:
                member.name = str(Path(*parts[1:]))
                archive.extract(member, repo, filter="data")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", f"{package} {version}")
    return repo


if __name__ == "__main__":
    print(django_repo())
