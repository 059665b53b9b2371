"""One file in, one `files` row and its facts out: a pure function of (path, content, tool version).

Whatever a file holds (binary data, invalid UTF-8, a syntax error, a symlink, a huge size), the
answer is a row with a status, never an exception; an exception from an extractor itself becomes
status `internal_error` with a `parse_errors` row saying what it was.

Never imports the database, the linker, the engine or anything above them: facts depend on the
file alone (git/ is used only for blob ids).
"""
from __future__ import annotations

import hashlib
import os
import posixpath
import stat
import traceback
from dataclasses import dataclass

from aud_git.extract.facts import Facts, ParseError, Symbol
from aud_git.extract.text import clip, count_lines
from aud_git.git.objects import blob_id, file_blob_id
from aud_git.languages import SOURCE_LANGS, language_of

# Bump when an extractor's output changes: it is part of the cache key and of `meta`.
EXTRACTOR_VERSION = "9"
MAX_LINES = 200_000  # per source file: what parsing one file may cost in memory is bounded
_BINARY_PROBE = 8000


@dataclass(slots=True)
class FileRecord:
    path: str
    lang: str | None
    size: int | None
    lines: int | None
    sha256: str | None
    blob_oid: str | None
    status: str
    facts: Facts
    # The traceback of an internal error while extracting: logged, never stored in a table.
    failure: str | None = None

    def files_row(self) -> tuple:
        return (self.path, self.lang, self.size, self.lines, self.sha256, self.blob_oid, self.status)


def extractor_key() -> str:
    """What facts depend on besides the bytes: our extractors and the parsers they drive."""
    from aud_git.extract.grammars import parser_versions

    return f"{EXTRACTOR_VERSION}|{parser_versions()}"


def extract_facts(lang: str, data: bytes) -> Facts:
    """The facts of one file's content: depends on nothing else, so it can be cached by hash."""
    facts = Facts()
    lines = count_lines(data)
    if lines > MAX_LINES and lang in SOURCE_LANGS:
        # A syntax tree costs a few hundred bytes a node: 2 MB of one-token lines took 0.6 GB.
        facts.parse_errors.append(ParseError(1, 0, f"{lines} lines: more than the {MAX_LINES}"
                                                   " a file may have to be parsed (the memory budget)"))
        return facts
    if lang == "python":
        from aud_git.extract.python import extract_python

        extract_python(data, facts)
    elif lang == "tsconfig":
        from aud_git.extract.tsconfig import extract_tsconfig

        extract_tsconfig(data, facts)
    elif lang == "package":
        from aud_git.extract.package import extract_package

        extract_package(data, facts)
    else:
        from aud_git.extract.javascript import extract_javascript

        extract_javascript(data, lang, facts)
    return facts


def module_symbol(path: str, lang: str, lines: int, source_roots: tuple[str, ...]) -> Symbol:
    """The `module` symbol row of a source file; its qualname is the dotted module path."""
    stem = posixpath.splitext(path)[0]
    if lang == "python":
        for root in sorted(source_roots, key=len, reverse=True):
            if root and stem.startswith(root + "/"):
                stem = stem[len(root) + 1:]
                break
        if stem.endswith("/__init__"):
            stem = stem[: -len("/__init__")]
    qualname = stem.replace("/", ".")
    return Symbol(qualname.rsplit(".", 1)[-1], qualname, "module", None, 1, 0, max(lines, 1), 0, None, 1)


def is_binary(data: bytes) -> bool:
    return b"\0" in data[:_BINARY_PROBE]


def _hash_large(abs_path: str) -> str:
    digest = hashlib.sha256()
    with open(abs_path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def read_file(path: str, abs_path: str, max_size: int) -> tuple[FileRecord, bytes | None]:
    """The `files` row of a path and, for a parsable file, the bytes to parse.

    Its identity (sha256, and the blob id git would give them) is always computed from the
    bytes read here, never taken from what git said earlier: a file saved in between must
    not pair one content's id with another's facts."""
    lang = language_of(path)
    record = FileRecord(path, lang, None, None, None, None, "ok", Facts())
    try:
        info = os.lstat(abs_path)
        if stat.S_ISLNK(info.st_mode):
            target = os.readlink(os.fsencode(abs_path))
            record.size, record.status = len(target), "symlink"
            record.sha256 = hashlib.sha256(target).hexdigest()
            record.blob_oid = blob_id(target)
            return record, None
        if not stat.S_ISREG(info.st_mode):
            record.status = "unreadable"
            return record, None
        record.size = info.st_size
        if info.st_size > max_size:
            record.status = "too_large"
            record.sha256 = _hash_large(abs_path)
            record.blob_oid = file_blob_id(abs_path)
            return record, None
        with open(abs_path, "rb") as handle:
            data = handle.read()
    except OSError:  # no identity either: the next update must try again
        record.status = "unreadable"
        return record, None
    record.size = len(data)
    record.sha256 = hashlib.sha256(data).hexdigest()
    record.blob_oid = blob_id(data)
    if is_binary(data):
        record.status = "binary"
        return record, None
    record.lines = count_lines(data)
    return record, (data if lang is not None else None)


def finish_record(record: FileRecord, facts: Facts, source_roots: tuple[str, ...]) -> FileRecord:
    """Attach content facts (fresh or cached) plus the path-derived module symbol."""
    record.facts = facts.copy()
    if facts.parse_errors:
        record.status = "parse_error"
    if record.lang in SOURCE_LANGS:
        record.facts.symbols.append(module_symbol(record.path, record.lang, record.lines or 0, source_roots))
    return record


def index_file(path: str, abs_path: str, max_size: int,
               source_roots: tuple[str, ...]) -> FileRecord:
    record, data = read_file(path, abs_path, max_size)
    if data is None or record.lang is None:
        return record
    try:
        facts = extract_facts(record.lang, data)
    except Exception as exc:  # a bug of ours or a parser's: this file says so, the run goes on
        return failed_record(record, internal_error_message(exc), traceback.format_exc(),
                             source_roots)
    return finish_record(record, facts, source_roots)


def failed_record(record: FileRecord, message: str, failure: str,
                  source_roots: tuple[str, ...]) -> FileRecord:
    """The record of a file whose extraction failed: status `internal_error`, one
    `parse_errors` row saying why, and the traceback (`failure`) for the log."""
    facts = Facts()
    facts.parse_errors.append(ParseError(1, 0, message))
    record = finish_record(record, facts, source_roots)
    record.status = "internal_error"
    record.failure = failure
    return record


def internal_error_message(exc: BaseException) -> str:
    return clip(f"internal error: {type(exc).__name__}: {exc}")
