"""When git's blob id is not the id of the working tree's bytes.

git converts a file between the blob and the working tree when attributes or configuration say
so: end of lines (`text`, `eol`, `crlf`, `core.autocrlf`), `ident`, a `filter` driver, or
`working-tree-encoding`. A clean `status` then vouches for the content git would commit, not
for the bytes on disk, and the index's blob id may only stand for those bytes where no
conversion can apply. Elsewhere the snapshot says "read".
"""
from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable

import pygit2

from aud_git.git.workspace import Workspace

# Attributes that make git rewrite bytes at checkout or check-in.
_CONVERTING = ("text", "eol", "crlf", "ident", "filter", "working-tree-encoding")
# Of those, the ones that only change line ends: a conversion changes the size, so a file as
# large as its blob holds the blob's very bytes.
_LINE_ENDS = frozenset({"text", "eol", "crlf"})
_MENTIONS = re.compile(rb"(?<![\w-])-?!?(" + b"|".join(a.encode() for a in _CONVERTING) + rb")\b")


def blob_stands_for_bytes(workspace: Workspace,
                          paths: Iterable[str]) -> Callable[[str, str], bool] | None:
    """None when no conversion applies anywhere (the common case: nothing to check); else
    `same(path, blob_id)`: whether the blob's bytes are provably the working tree's."""
    repo = workspace.repo
    autocrlf = _config(repo, "core.autocrlf")
    mentioned = _mentioned_attributes(workspace, paths)
    if autocrlf in (None, "false") and not mentioned:
        return None
    if autocrlf not in (None, "false"):
        mentioned |= _LINE_ENDS  # every file git takes for text may have its line ends changed

    def same(path: str, blob_id: str) -> bool:
        attributes = {a for a in mentioned if repo.get_attr(path, a) not in (None, False)}
        if autocrlf not in (None, "false"):
            attributes.add("text")
        if not attributes:
            return True
        if attributes - _LINE_ENDS:
            return False  # ident, filters and encodings can keep the size: read the file
        return _same_size(workspace, path, repo, blob_id)

    return same


def _same_size(workspace: Workspace, path: str, repo: pygit2.Repository, blob_id: str) -> bool:
    try:
        _, size = repo.odb.read_header(blob_id)  # a header: never the blob (partial clones)
        return os.lstat(workspace.abspath(path)).st_size == size
    except (KeyError, ValueError, OSError, pygit2.GitError):
        return False


def _config(repo: pygit2.Repository, key: str) -> str | None:
    try:
        return str(repo.config[key]).lower()
    except (KeyError, pygit2.GitError):
        return None


def _mentioned_attributes(workspace: Workspace, paths: Iterable[str]) -> set[str]:
    """The converting attributes any attributes file names (set, unset or as a macro)."""
    found: set[str] = set()
    for source in _attribute_files(workspace, paths):
        try:
            with open(source, "rb") as handle:
                found.update(m.decode() for m in _MENTIONS.findall(handle.read(1 << 20)))
        except OSError:
            continue
    return found


def _attribute_files(workspace: Workspace, paths: Iterable[str]) -> list[str]:
    files = [workspace.abspath(p) for p in paths
             if p == ".gitattributes" or p.endswith("/.gitattributes")]
    files.append(os.path.join(workspace.common_dir, "info", "attributes"))
    try:
        configured = workspace.repo.config["core.attributesFile"]
    except (KeyError, pygit2.GitError):
        configured = None
    if configured:
        files.append(os.path.expanduser(configured))
    xdg = os.environ.get("XDG_CONFIG_HOME") or os.path.expanduser("~/.config")
    files.append(os.path.join(xdg, "git", "attributes"))
    files.append("/etc/gitattributes")
    return files
