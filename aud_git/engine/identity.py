"""What the index's content depends on besides the working tree: the tool's versions and the
configuration. Written to `meta`; a mismatch means a full rebuild, and it keys remembered link
results."""
from __future__ import annotations

import json
import time
from collections.abc import Iterable
from dataclasses import dataclass

from aud_git.config import Config
from aud_git.db.schema import LINKER_VERSION, SCHEMA_VERSION
from aud_git.extract import EXTRACTOR_VERSION
from aud_git.extract.grammars import parser_versions


@dataclass(frozen=True)
class Identity:
    config: Config
    source_roots: tuple[str, ...]

    @classmethod
    def of(cls, config: Config, paths: Iterable[str]) -> Identity:
        """The identity of a tree holding `paths` (Python source roots are detected from them)."""
        return cls(config, config.resolve_source_roots(p for p in paths if p.endswith((".py", ".pyi"))))

    def meta(self) -> dict[str, str]:
        from aud_git import __version__

        return {
            "schema_version": SCHEMA_VERSION,
            "tool_version": __version__,
            "extractor_version": EXTRACTOR_VERSION,
            "parser_versions": parser_versions(),
            "linker_version": LINKER_VERSION,
            "config_fingerprint": self.config.fingerprint(self.source_roots),
            "source_roots": json.dumps(list(self.source_roots)),
        }

    def link_context(self) -> str:
        """The key of remembered link results: what they depend on besides the files."""
        meta = self.meta()
        return "|".join(meta[key] for key in sorted(meta))

    def why_full(self, meta: dict[str, str]) -> str | None:
        """Why an index with this `meta` cannot be updated incrementally, or None when it can."""
        if not meta:
            return "no index yet"
        for key, value in self.meta().items():
            if meta.get(key) != value:
                return f"{key.replace('_', ' ')} changed"
        if meta.get("needs_full"):
            return f"full rebuild requested: {meta['needs_full']}"
        return self._periodic(meta)

    def _periodic(self, meta: dict[str, str]) -> str | None:
        config = self.config
        if int(meta.get("updates_since_full", "0")) >= config.full_rebuild_every:
            return f"periodic full rebuild after {config.full_rebuild_every} updates"
        last_full = float(meta.get("last_full", "0") or 0)
        if time.time() - last_full >= config.full_rebuild_hours * 3600:
            return f"periodic full rebuild after {config.full_rebuild_hours:g} h"
        return None
