"""Slicing source text by (line, byte column) positions, as both `ast` and tree-sitter report them."""
from __future__ import annotations

import re

_NEWLINE = re.compile(rb"\r\n|\r|\n")
MAX_TEXT = 300


def clip(text: str, limit: int = MAX_TEXT) -> str:
    """One line, runs of white space folded, at most `limit` characters."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def count_lines(data: bytes) -> int:
    return data.count(b"\n") + (1 if data and not data.endswith(b"\n") else 0)


class Segments:
    """Text between two (1-based line, 0-based UTF-8 byte column) positions of `utf8`."""

    def __init__(self, utf8: bytes) -> None:
        self.utf8 = utf8
        self.line_starts = [0]
        self.line_starts.extend(m.end() for m in _NEWLINE.finditer(utf8))

    def offset(self, line: int, col: int) -> int:
        return self.line_starts[min(line, len(self.line_starts)) - 1] + col

    def between(self, line: int, col: int, end_line: int, end_col: int) -> str:
        start, end = self.offset(line, col), self.offset(end_line, end_col)
        return self.utf8[start:end].decode("utf-8", "replace")
