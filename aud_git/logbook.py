"""Append-only logs under `.pf/`: `hooks.log` (what hooks and detached updates did) and
`aud.log` (self-check failures)."""
from __future__ import annotations

import os
import time

HOOKS_LOG = "hooks.log"
EVENTS_LOG = "aud.log"


def log_line(pf_dir: str, line: str, name: str = EVENTS_LOG) -> None:
    os.makedirs(pf_dir, exist_ok=True)
    with open(os.path.join(pf_dir, name), "a", encoding="utf-8") as handle:
        handle.write(f"{time.strftime('%Y-%m-%dT%H:%M:%S')} {line}\n")
