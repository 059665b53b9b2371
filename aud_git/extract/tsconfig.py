"""Facts of a `tsconfig.json`/`jsconfig.json`: the settings that module resolution reads; and
the JSON (with comments) both configuration files are read as."""
from __future__ import annotations

import json
import re

from aud_git.extract.facts import Facts, ParseError, TsConfig

_STRING = re.compile(r'"(?:[^"\\\n]|\\.)*"?')
_SPACE = re.compile(r"\s*")
_PLAIN = re.compile(r'[^"/,]*')


def _end(pattern: re.Pattern[str], text: str, position: int) -> int:
    """Where `pattern` (which matches the empty string too) stops matching from `position`."""
    match = pattern.match(text, position)
    return match.end() if match is not None else position


def _strip_jsonc(text: str) -> str:
    """JSON from JSONC (comments, trailing commas) in one left-to-right pass: linear time,
    whatever the input (a regular expression with backtracking took minutes on large ones)."""
    out: list[str] = []
    position, end = 0, len(text)
    while position < end:
        char = text[position]
        if char == '"':
            stop = _end(_STRING, text, position)
            out.append(text[position:stop])
            position = stop
        elif text.startswith("//", position):
            newline = text.find("\n", position)
            position = end if newline < 0 else newline
        elif text.startswith("/*", position):
            close = text.find("*/", position + 2)
            position = end if close < 0 else close + 2
        elif char == ",":
            after = _end(_SPACE, text, position + 1)
            if after < end and text[after] in "}]":
                position += 1  # a trailing comma
            else:
                out.append(char)
                position += 1
        else:
            stop = _end(_PLAIN, text, position + 1)
            out.append(text[position:stop])
            position = stop
    return "".join(out)


def json_object(data: bytes, facts: Facts, what: str) -> dict | None:
    """The JSON (or JSONC) object a configuration file holds; else a `parse_errors` row and
    None."""
    try:
        document = json.loads(_strip_jsonc(data.decode("utf-8-sig")))
    except RecursionError:
        facts.parse_errors.append(ParseError(1, 0, "invalid JSON: nested too deeply"))
        return None
    except (UnicodeDecodeError, ValueError) as exc:
        line, col = getattr(exc, "lineno", 1), getattr(exc, "colno", 1) - 1
        facts.parse_errors.append(ParseError(line, col, f"invalid JSON: {getattr(exc, 'msg', exc)}"))
        return None
    if not isinstance(document, dict):
        facts.parse_errors.append(ParseError(1, 0, f"a {what} must be a JSON object"))
        return None
    return document


def extract_tsconfig(data: bytes, facts: Facts) -> None:
    document = json_object(data, facts, "tsconfig")
    if document is None:
        return
    options = document.get("compilerOptions")
    options = options if isinstance(options, dict) else {}
    base_url = options.get("baseUrl") if isinstance(options.get("baseUrl"), str) else None
    paths = options.get("paths")
    if isinstance(paths, dict):
        paths = {
            str(k): [str(t) for t in v if isinstance(t, str)]
            for k, v in paths.items()
            if isinstance(v, list)
        }
        paths_text = json.dumps(paths, sort_keys=True)
    else:
        paths_text = None
    extends = document.get("extends")
    extends = extends if isinstance(extends, str) else None
    facts.ts_configs.append(TsConfig(base_url, paths_text, extends))
