from __future__ import annotations

import marshal

from aud_git.db.schema import FACT_TABLES
from aud_git.extract import extract_facts
from aud_git.extract.facts import ROW_TYPES, Facts


def test_each_row_type_names_its_tables_columns():
    assert {t.name: t.columns[1:] for t in FACT_TABLES} == {
        name: row_type._fields for name, row_type in ROW_TYPES.items()}


def test_facts_survive_the_cache_as_plain_tuples_and_come_back_named():
    facts = extract_facts("python", b"import os\ndef f(x):\n    os.path.join(x)\n")
    plain = marshal.loads(marshal.dumps(facts.plain_tables()))
    again = Facts.from_tables(plain)
    assert again == facts and again.calls[0].callee == "os.path.join"
