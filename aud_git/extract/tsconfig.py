"""Facts of a `tsconfig.json`/`jsconfig.json`: the settings that module resolution reads."""
from __future__ import annotations

import json
import re

from aud_git.extract.facts import Facts

# Strings are matched first so that `//` inside a string is kept.
_JSONC_NOISE = re.compile(r'("(?:[^"\\]|\\.)*")|//[^\n]*|/\*.*?\*/|,(\s*[}\]])', re.S)


def _strip_jsonc(text: str) -> str:
    return _JSONC_NOISE.sub(lambda m: m.group(1) or m.group(2) or "", text)


def extract_tsconfig(data: bytes, facts: Facts) -> None:
    try:
        document = json.loads(_strip_jsonc(data.decode("utf-8-sig")))
    except (UnicodeDecodeError, ValueError) as exc:
        line, col = getattr(exc, "lineno", 1), getattr(exc, "colno", 1) - 1
        facts.parse_errors.append((line, col, f"invalid JSON: {getattr(exc, 'msg', exc)}"))
        return
    if not isinstance(document, dict):
        facts.parse_errors.append((1, 0, "a tsconfig must be a JSON object"))
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
    facts.ts_configs.append((base_url, paths_text, extends))
