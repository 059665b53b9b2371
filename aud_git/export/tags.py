"""Tags files from the index: universal-ctags' format for Vim and every ctags reader, Emacs'
etags format with `-e`.

Written by hand: the formats are a few lines of text, and running ctags would parse the tree a
second time with another parser than the index's. ctags lines are sorted byte-wise
(`!_TAG_FILE_SORTED 1`, so readers binary-search them) and address tags by line number; kinds
are universal-ctags' letters for each language. A name or path holding a tab, a newline or a
carriage return cannot stand in a tags file: it is left out and counted. Paths are relative to
the tags file's directory, as ctags writes them.

A file is rewritten only when its bytes would change (editors reload a tags file whose mtime
moves), through a new file renamed over the old one, never through a link.
"""
from __future__ import annotations

import contextlib
import itertools
import operator
import os
import re
import sqlite3
from dataclasses import dataclass
from typing import NamedTuple

from aud_git import __version__
from aud_git.paths import real_path

# universal-ctags' kind letters and names, by language (`ctags --list-kinds-full`).
KINDS = {
    "python": {"class": ("c", "class"), "function": ("f", "function"), "method": ("m", "member"),
               "variable": ("v", "variable"), "module": ("i", "module")},
    "javascript": {"class": ("c", "class"), "function": ("f", "function"),
                   "method": ("m", "method"), "variable": ("v", "variable")},
    "typescript": {"class": ("c", "class"), "function": ("f", "function"),
                   "method": ("m", "method"), "variable": ("v", "variable"),
                   "interface": ("i", "interface"), "type": ("a", "alias"),
                   "enum": ("g", "enum"), "namespace": ("n", "namespace")},
}
LANGUAGE_NAMES = {"python": "Python", "javascript": "JavaScript", "typescript": "TypeScript"}
LANGS = {"python": "python", "javascript": "javascript", "typescript": "typescript", "tsx": "typescript"}
_UNFIT = re.compile(rb"[\t\n\r]")  # what a tags line cannot carry in a name or a path


class Tag(NamedTuple):
    name: bytes
    path: bytes  # relative to the tags file's directory
    line: int
    col: int
    lang: str  # python, javascript or typescript (tsx files are TypeScript)
    kind: str
    scope: bytes | None  # `KIND:QUALNAME` of the enclosing definition


@dataclass(frozen=True)
class TagsFile:
    content: bytes
    tags: int
    left_out: int


def _encoded(text: str) -> bytes:
    return text.encode("utf-8", "surrogateescape")


def collect_tags(conn: sqlite3.Connection, root: str, directory: str) -> tuple[list[Tag], int]:
    """Every symbol the index holds that a tags file can carry, and how many it cannot."""
    prefix = os.path.relpath(root, directory)
    rows = conn.execute(
        "SELECT s.file, s.name, s.qualname, s.kind, s.parent, s.line, s.col, f.lang"
        " FROM symbols s JOIN files f ON f.path = s.file"
        " WHERE f.lang IN ('python', 'javascript', 'typescript', 'tsx') ORDER BY s.file")
    tags: list[Tag] = []
    left_out = 0
    for file, group in itertools.groupby(rows, key=operator.itemgetter(0)):
        path = os.fsencode(os.path.normpath(os.path.join(prefix, real_path(file))))
        fit, unfit = _file_tags(path, list(group))
        tags += fit
        left_out += unfit
    tags.sort()
    return tags, left_out


def _file_tags(path: bytes, symbols: list[tuple]) -> tuple[list[Tag], int]:
    """One file's tags, and how many of its definitions a tags line cannot carry; a scope is
    the enclosing definition's kind and qualname."""
    lang = LANGS[symbols[0][7]]
    kinds = KINDS[lang]
    enclosing: dict[str, str] = {}
    for _, _, qualname, kind, *_ in symbols:
        if kind != "module" and kind in kinds:
            enclosing.setdefault(qualname, kinds[kind][1])
    tags, unfit = [], 0
    for _, name, qualname, kind, parent, line, col, _ in symbols:
        if kind not in kinds:
            continue
        tag_name = _encoded(qualname if kind == "module" else name)
        if _UNFIT.search(tag_name) or _UNFIT.search(path):
            unfit += 1
            continue
        scope_kind = enclosing.get(parent) if parent is not None else None
        scope = f"{scope_kind}:".encode() + _encoded(parent) if scope_kind and parent else None
        tags.append(Tag(tag_name, path, line, col, lang, kind, scope))
    return tags, unfit


def ctags_content(tags: list[Tag]) -> bytes:
    header = [
        b"!_TAG_FILE_FORMAT\t2\t/extended format; --format=1 will not append ;\" to lines/",
        b"!_TAG_FILE_SORTED\t1\t/0=unsorted, 1=sorted, 2=foldcase/",
        b"!_TAG_OUTPUT_EXCMD\tnumber\t/number, pattern, mixed, or combineV2/",
        b"!_TAG_OUTPUT_FILESEP\tslash\t/slash or backslash/",
        b"!_TAG_PROGRAM_NAME\taud-git\t//",
        b"!_TAG_PROGRAM_VERSION\t" + __version__.encode() + b"\t//",
    ]
    for lang, kinds in sorted(KINDS.items()):
        for letter, kind_name in sorted(set(kinds.values())):
            header.append(f"!_TAG_KIND_DESCRIPTION!{LANGUAGE_NAMES[lang]}\t{letter},{kind_name}"
                          f"\t/{kind_name}/".encode())
    header.sort()
    return b"".join(line + b"\n" for line in [*header, *map(_ctags_line, tags)])


def _ctags_line(tag: Tag) -> bytes:
    letter = KINDS[tag.lang][tag.kind][0]
    fields = [tag.name, tag.path, f'{tag.line};"'.encode(), letter.encode(),
              f"line:{tag.line}".encode(), f"language:{LANGUAGE_NAMES[tag.lang]}".encode()]
    if tag.scope is not None:
        fields.append(tag.scope)
    return b"\t".join(fields)


def etags_content(tags: list[Tag], directory: str) -> bytes:
    """Emacs' format: a section per file (`\\f`, `path,size`), a line per tag holding the text
    Emacs searches for (the source line up to the name), the name, its line and byte offset."""
    by_path: dict[bytes, list[Tag]] = {}
    for tag in tags:
        by_path.setdefault(tag.path, []).append(tag)
    out = []
    for path, file_tags in sorted(by_path.items()):
        lines = _source_lines(os.path.join(os.fsencode(directory), path))
        body = b"".join(_etags_line(tag, lines) for tag in sorted(file_tags, key=lambda t: (t.line, t.col)))
        out.append(b"\x0c\n" + path + b"," + str(len(body)).encode() + b"\n" + body)
    return b"".join(out)


def _source_lines(path: bytes) -> list[tuple[int, bytes]]:
    """(byte offset, text) of each line of the file as it is on disk."""
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError:
        return []
    found, offset = [], 0
    for line in data.split(b"\n"):
        found.append((offset, line.rstrip(b"\r")))
        offset += len(line) + 1
    return found


def _etags_line(tag: Tag, lines: list[tuple[int, bytes]]) -> bytes:
    """The pattern is the line up to the end of the name; where the line does not hold the name
    (a module's tag), it is empty, and Emacs goes to the line's start."""
    offset, text = lines[tag.line - 1] if 0 < tag.line <= len(lines) else (0, b"")
    short = tag.name.rsplit(b".", 1)[-1]
    end = text.find(short, tag.col) if tag.col < len(text) else -1
    pattern = text[:end + len(short)] if end >= 0 else b""
    pattern = pattern.replace(b"\x7f", b" ").replace(b"\x01", b" ")
    return pattern + b"\x7f" + tag.name + b"\x01" + f"{tag.line},{offset}\n".encode()


def render(conn: sqlite3.Connection, root: str, output: str, etags: bool) -> TagsFile:
    directory = os.path.dirname(os.path.abspath(output))
    tags, left_out = collect_tags(conn, root, directory)
    content = etags_content(tags, directory) if etags else ctags_content(tags)
    return TagsFile(content, len(tags), left_out)


def write_if_changed(output: str, content: bytes) -> bool:
    """Replace `output` by `content` unless it holds it already; True when written."""
    try:
        with open(output, "rb") as handle:
            if handle.read(len(content) + 1) == content:
                return False
    except OSError:
        pass
    temporary = f"{output}.aud-{os.getpid()}.tmp"
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
        os.replace(temporary, output)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    return True
