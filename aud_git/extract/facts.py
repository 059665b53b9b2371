"""The rows one file contributes to the fact tables, without the leading `file` column."""
from __future__ import annotations

from aud_git.db.schema import FACT_TABLE_NAMES


class Facts:
    __slots__ = FACT_TABLE_NAMES

    def __init__(self) -> None:
        for name in FACT_TABLE_NAMES:
            setattr(self, name, [])

    def tables(self) -> dict[str, list[tuple]]:
        return {name: getattr(self, name) for name in FACT_TABLE_NAMES}

    @classmethod
    def from_tables(cls, tables: dict[str, list[tuple]]) -> Facts:
        facts = cls()
        for name, rows in tables.items():
            setattr(facts, name, [tuple(row) for row in rows])
        return facts
