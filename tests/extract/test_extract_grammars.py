from __future__ import annotations

import re
import tomllib
from importlib.metadata import version
from pathlib import Path

import pytest

from aud_git.extract import extract_facts, extractor_key
from aud_git.extract.grammars import (
    PARSING_DISTRIBUTIONS,
    parser,
    parser_versions,
    syntax_error_rows,
)

PYPROJECT = Path(__file__).resolve().parents[2] / "pyproject.toml"


def pinned() -> dict[str, str]:
    dependencies = tomllib.loads(PYPROJECT.read_text())["project"]["dependencies"]
    return {m[1]: m[2] for d in dependencies if (m := re.fullmatch(r"([\w-]+)==([\w.]+)", d))}


@pytest.mark.parametrize("distribution", PARSING_DISTRIBUTIONS)
def test_every_parser_is_pinned_and_the_pinned_version_is_installed(distribution):
    assert pinned()[distribution] == version(distribution)


def test_parser_versions_are_part_of_the_extraction_cache_key():
    for distribution in PARSING_DISTRIBUTIONS:
        assert f"{distribution}={version(distribution)}" in parser_versions().split(",")
    assert parser_versions() in extractor_key()


@pytest.mark.parametrize(("lang", "source", "rows"), [
    ("python", b"def f(:\n    pass\n", [(1, 6, "missing )")]),
    ("python", b"x = = 1\ny = 2\n", [(1, 4, "syntax error")]),
    ("typescript", b"let a = f(1;\n", [(1, 11, "missing )")]),
    ("javascript", b"if (x {\n}\nlet b = (;\n", [(1, 5, "missing )"), (3, 6, "syntax error")]),
    ("python", b"ok = 1\n", []),
])
def test_syntax_error_rows_are_error_and_missing_nodes_in_document_order(lang, source, rows):
    assert syntax_error_rows(parser(lang).parse(source).root_node) == rows
    assert extract_facts(lang, source).parse_errors == rows


def test_syntax_error_rows_stop_at_one_hundred():
    source = b"".join(b"def f%d(:\n    pass\n" % i for i in range(150))
    rows = syntax_error_rows(parser("python").parse(source).root_node)
    assert len(rows) == 100 and rows[0].line == 1 and rows == sorted(rows)
