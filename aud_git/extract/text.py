"""Source text as facts hold it: one line, folded, clipped."""
from __future__ import annotations

from aud_git.extract.facts import ParseError

MAX_TEXT = 300
# A definition nested so deep that its enclosing qualname is longer than this is not a symbol
# of its own (what it holds belongs to the enclosing one): qualnames would otherwise grow with
# the square of the nesting (30,000 nested functions in 420 KB of JavaScript).
MAX_QUALNAME = 1000


def clip(text: str, limit: int = MAX_TEXT) -> str:
    """One line, runs of white space folded, at most `limit` characters."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def count_lines(data: bytes) -> int:
    return data.count(b"\n") + (1 if data and not data.endswith(b"\n") else 0)


def clip_span(source: bytes, start: int, end: int, limit: int = MAX_TEXT) -> str:
    """`clip` of source[start:end], decoding only as much as the clipped text needs: a huge
    node (a long call chain, a generated literal) costs what its first lines cost."""
    size = 4 * limit + 64
    if end - start <= size:
        return clip(source[start:end].decode("utf-8", "replace"), limit)
    while True:
        stop = min(end, start + size)
        while stop < end and source[stop] & 0xC0 == 0x80:
            stop -= 1  # never cut a character in two
        text = clip(source[start:stop].decode("utf-8", "replace"), limit)
        # Folding a prefix gives a prefix of the folded whole: once it is clipped, so is the whole.
        if stop == end or text.endswith("…"):
            return text
        size *= 4


def invalid_utf8(data: bytes) -> ParseError | None:
    """The `parse_errors` row of the first byte that is not UTF-8, or None."""
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        col = exc.start - (data.rfind(b"\n", 0, exc.start) + 1)
        return ParseError(line, col, "invalid UTF-8")
    return None
