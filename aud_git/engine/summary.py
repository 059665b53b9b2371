"""What an update did, as data: `Summary` (its one-line text and its JSON shape, which hooks'
logs, `aud watch` and `aud index --json` share) and the full build's `BuildReport`."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import NamedTuple, TypedDict


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


class WorksetCounts(TypedDict):
    changed: int
    dependents: int


class Dependent(TypedDict):
    path: str
    depth: int


class Workset(TypedDict):
    """`aud index --since REF --json`'s `workset`, and the `--workset-out` file."""
    base: str
    head: str | None
    changed: list[str]
    dependents: list[Dependent]
    counts: WorksetCounts


class SummaryJson(TypedDict, total=False):
    """`aud index --json` (README "JSON output"); `by_lang`, `by_status` after a full build,
    `workset` with --since, `rows` added by the command."""
    mode: str
    reason: str | None
    added: list[str]
    modified: list[str]
    deleted: list[str]
    renamed: list[list[str]]
    hinted: list[str]
    relinked: int
    files: int
    read: int
    cached: int
    links_reused: int
    seconds: float
    notes: list[str]
    internal_errors: list[str]
    by_lang: dict[str, int]
    by_status: dict[str, int]
    workset: Workset
    rows: dict[str, int]


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
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)
    build: BuildReport | None = None
    workset: Workset | None = None
    failures: list[Failure] = field(default_factory=list)

    @property
    def internal_errors(self) -> list[str]:
        """The files an internal error hit in this update (each recorded in the index)."""
        return sorted({failure.path for failure in self.failures})

    def line(self) -> str:
        if self.mode == "full":
            text = f"aud: full: {self.files} files, {self.relinked} linked in {self.seconds:.2f} s"
        else:
            text = (
                f"aud: incremental: {len(self.added)} added, {len(self.modified)} modified,"
                f" {len(self.deleted)} deleted, {self.relinked} re-linked in {self.seconds:.2f} s"
            )
        extras = [*([self.reason] if self.reason else []), *self.notes]
        if self.failures:
            count = len(self.internal_errors)
            extras.append(f"{count} file{'s' if count != 1 else ''} with internal errors,"
                          " see .pf/aud.log")
        if self.workset is not None:
            counts = self.workset["counts"]
            extras.append(f"workset {counts['changed']} changed + {counts['dependents']} dependents")
        return text + (f" ({'; '.join(extras)})" if extras else "")

    def as_json(self) -> SummaryJson:
        data = SummaryJson(
            mode=self.mode, reason=self.reason, added=self.added, modified=self.modified,
            deleted=self.deleted, renamed=self.renamed, hinted=self.hinted,
            relinked=self.relinked, files=self.files, read=self.read, cached=self.cached,
            links_reused=self.links_reused, seconds=round(self.seconds, 3), notes=self.notes,
            internal_errors=self.internal_errors,
        )
        if self.build is not None:
            data["by_lang"] = dict(sorted(self.build.by_lang.items()))
            data["by_status"] = dict(sorted(self.build.by_status.items()))
        if self.workset is not None:
            data["workset"] = self.workset
        return data
