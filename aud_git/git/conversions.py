"""When git's blob id is the id of the working tree's bytes.

git converts a file between the blob and the working tree when attributes or configuration say
so: end of lines (`text`, `eol`, `crlf`, `core.autocrlf`), `ident`, a `filter` driver,
`working-tree-encoding`. A clean `status` then vouches for the content git would commit, and
only from stat data: the bytes on disk may be the blob's, or what a conversion made of it under
the attributes of the day it was written. So a blob id stands for the bytes only when the file
is as large as the blob (line-end and ident conversions always change the size) and no
attribute that can keep the size (a filter driver, an encoding) applies now. Elsewhere the
snapshot says "read". Deliberately absent: a same-size filter that applied when git wrote a
file and applies no more, which git itself cannot see either.
"""
from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable

import pygit2

from aud_git.git.workspace import Workspace
from aud_git.paths import real_path

# Conversions that can leave the size as it was.
_SIZE_KEEPING = ("filter", "working-tree-encoding")
_MENTIONS = re.compile(rb"(?<![\w-])[-!]?(" + b"|".join(a.encode() for a in _SIZE_KEEPING) + rb")\b")


def blob_is_bytes(workspace: Workspace, paths: Iterable[str]) -> Callable[[str, str, int], bool]:
    """`same(path, blob_id, size on disk)`: whether the blob's bytes are provably the working
    tree's."""
    repo = workspace.repo
    size_keeping = _mentioned_attributes(workspace, paths)

    def same(path: str, blob_id: str, size_on_disk: int) -> bool:
        if any(repo.get_attr(real_path(path), a) not in (None, False) for a in size_keeping):
            return False
        try:
            _, size = repo.odb.read_header(blob_id)  # a header, never the blob: partial clones
        except (KeyError, ValueError, pygit2.GitError):
            return False
        return size_on_disk == size

    return same


def _mentioned_attributes(workspace: Workspace, paths: Iterable[str]) -> set[str]:
    """The size-keeping attributes any attributes file names (set, unset or in a macro)."""
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
