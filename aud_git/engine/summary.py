"""What an update did, as data: `Summary` (its one-line text and its JSON shape, which hooks'
logs, `aud watch` and `aud index --json` share) and the full build's `BuildReport`."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import NamedTuple

from aud_git.contract import OUTPUT_VERSION, IndexSummary, Workset


class Failure(NamedTuple):
    """An internal error that cost one file its facts or links (the traceback goes to the log)."""
    path: str
    stage: str  # "extracting" or "linking"
    traceback: str


@dataclass
class BuildReport:
    files: int = 0
    by_lang: Counter = field(default_factory=Counter)
    by_status: Counter = field(default_factory=Counter)
    relinked: int = 0
    seconds: float = 0.0
    extraction: Counter = field(default_factory=Counter)  # "read" and "cached"
    failures: list[Failure] = field(default_factory=list)


@dataclass
class Summary:
    mode: str
    reason: str | None = None
    added: list[str] = field(default_factory=list)
    modified: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    renamed: list[list[str]] = field(default_factory=list)
    hinted: list[str] = field(default_factory=list)
    relinked: int = 0
    files: int = 0
    read: int = 0
    cached: int = 0
    links_reused: int = 0
    syntax_errors: int = 0  # files read anew with status parse_error
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)
    build: BuildReport | None = None
    workset: Workset | None = None
    failures: list[Failure] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        """Did this update change the index's files (a full rebuild counts)?"""
        return self.mode == "full" or bool(self.added or self.modified or self.deleted)

    @property
    def internal_errors(self) -> list[str]:
        """The files an internal error hit in this update (each recorded in the index)."""
        return sorted({failure.path for failure in self.failures})

    def line(self) -> str:
        """One line for a person: files looked at, source files (re-)linked (their imports and
        calls resolved across files), parse errors among the files read."""
        if self.mode == "full":
            text = (f"aud: full: {self.files} files indexed, {self.relinked} source files linked"
                    f" in {self.seconds:.2f} s")
        else:
            text = (
                f"aud: incremental: {len(self.added)} added, {len(self.modified)} modified,"
                f" {len(self.deleted)} deleted, {self.relinked} source files re-linked"
                f" in {self.seconds:.2f} s"
            )
        extras = [*([self.reason] if self.reason else []), *self.notes]
        if self.syntax_errors:
            extras.append(f"{self.syntax_errors} file{'s' if self.syntax_errors != 1 else ''}"
                          " with parse errors: the facts around them kept, the errors in table"
                          " parse_errors")
        if self.failures:
            count = len(self.internal_errors)
            extras.append(f"{count} file{'s' if count != 1 else ''} with internal errors,"
                          " see .pf/aud.log")
        if self.workset is not None:
            counts = self.workset["counts"]
            extras.append(f"workset {counts['changed']} changed + {counts['dependents']} dependents")
        return text + (f" ({'; '.join(extras)})" if extras else "")

    def as_json(self) -> IndexSummary:
        data = IndexSummary(
            version=OUTPUT_VERSION, mode=self.mode, reason=self.reason, added=self.added, modified=self.modified,
            deleted=self.deleted, renamed=self.renamed, hinted=self.hinted,
            relinked=self.relinked, files=self.files, read=self.read, cached=self.cached,
            links_reused=self.links_reused, seconds=round(self.seconds, 3), notes=self.notes,
            internal_errors=self.internal_errors, syntax_errors=self.syntax_errors,
        )
        if self.build is not None:
            data["by_lang"] = dict(sorted(self.build.by_lang.items()))
            data["by_status"] = dict(sorted(self.build.by_status.items()))
        if self.workset is not None:
            data["workset"] = self.workset
        return data

    def index_output(self, db_path: str) -> IndexSummary:
        """What `aud index --json` prints: the summary and the index's rows per table."""
        from aud_git.db import store

        conn = store.connect(db_path, must_exist=True, readonly=True)
        try:
            return {**self.as_json(), "rows": store.row_counts(conn)}
        finally:
            conn.close()
