"""Extraction on code nobody here wrote: generated Python programs and mutated real files.

The property for every input is the same: extraction returns (never raises), is deterministic,
and a Python program that `compile()` accepts has no `parse_errors` row.
"""
from __future__ import annotations

import os
import re
import shutil
import sysconfig
from pathlib import Path

import hypothesmith
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from aud_git.extract import extract_facts
from conftest import compiles

# hypothesmith compiles what it generates; Python's warnings about the odd code are noise here.
pytestmark = pytest.mark.filterwarnings("ignore::SyntaxWarning")
SLOW_OK = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much]
# CI draws the same examples every run (a grammar gap found there must not make it flaky);
# local runs and the soak explore new ones.
settings.register_profile("generated-programs", max_examples=60, deadline=None,
                          suppress_health_check=SLOW_OK, derandomize=bool(os.environ.get("CI")))
settings.register_profile("generated-programs-soak", max_examples=3000, deadline=None,
                          suppress_health_check=SLOW_OK)

STDLIB = Path(sysconfig.get_paths()["stdlib"])
PYTHON_FILES = ["argparse.py", "dataclasses.py", "asyncio/base_events.py", "json/decoder.py",
                "typing.py", "email/_header_value_parser.py"]


def _npm_javascript() -> list[Path]:
    """npm's own JavaScript, wherever Node.js is installed (none without it)."""
    npm = shutil.which("npm")
    if npm is None:
        return []
    lib = Path(os.path.realpath(npm)).parent.parent / "lib"
    return sorted(lib.rglob("*.js"))[:40] if lib.is_dir() else []


JS_FILES = _npm_javascript()


# Valid Python that tree-sitter-python 0.25 rejects, each as a pattern of the source and a
# program that shows it (test_known_grammar_gaps_still_fail says when one is fixed).
KNOWN_GRAMMAR_GAPS = {
    # a star in a subscript before anything but a name, call, attribute or subscript (PEP 646),
    # whatever is subscripted (a name, a call, a display `{}`, a string)
    "x[*1]\n": re.compile(r"[\w.)\]}'\"]\s*\[[^\[\]]*\*\s*[^\sA-Za-z_]"),
    # a starred element of an expression list before anything but a name, call, attribute or
    # subscript (`*0, b`, `x = *'a', b`): valid syntax, a TypeError when run
    "*0, b\n": re.compile(r"(?:^|[,=;\n])\s*\*\s*(?:[^\sA-Za-z_]|(?:None|True|False)\b)"),
    # a bracketed line ending in an operator, continued less indented than its block
    "def f():\n    x = (a +\nb)\n": re.compile(r"[-+*/%&|^<>=.]\s*\n(?=\S)"),
}


def assert_facts_of_valid_program(source: str) -> None:
    data = source.encode("utf-8", "surrogatepass")
    first = extract_facts("python", data)
    assert extract_facts("python", data).tables() == first.tables()
    if compiles(source) and not any(gap.search(source) for gap in KNOWN_GRAMMAR_GAPS.values()):
        assert first.parse_errors == [], source


@pytest.mark.parametrize("program", sorted(KNOWN_GRAMMAR_GAPS))
def test_known_grammar_gaps_still_fail(program):
    assert compiles(program) and KNOWN_GRAMMAR_GAPS[program].search(program)
    assert extract_facts("python", program.encode()).parse_errors, "fixed: drop the gap"


@settings(settings.get_profile("generated-programs"))
@given(hypothesmith.from_grammar())
def test_programs_from_the_grammar(source):
    assert_facts_of_valid_program(source)


@settings(settings.get_profile("generated-programs"))
@given(hypothesmith.from_node())
@example("if 0.[*0.]: pass\n")
def test_programs_from_syntax_trees(source):
    assert_facts_of_valid_program(source)


@pytest.mark.soak
@settings(settings.get_profile("generated-programs-soak"))
@given(st.one_of(hypothesmith.from_grammar(), hypothesmith.from_node()))
def test_many_generated_programs(source):
    assert_facts_of_valid_program(source)


# Bytes that make syntax interesting, and any byte at all.
_INTERESTING = [ord(c) for c in "()[]{}:;,.'\"`\\#@=*\n\t /<>$"] + [0xC3, 0xA9, 0xFF, 0x00]


@st.composite
def mutations(draw, files: list[Path]) -> bytes:
    data = bytearray(draw(st.sampled_from(files)).read_bytes())
    for _ in range(draw(st.integers(1, 8))):
        at = draw(st.integers(0, len(data)))
        byte = draw(st.sampled_from(_INTERESTING) | st.integers(0, 255))
        action = draw(st.sampled_from(["insert", "replace", "delete", "cut"]))
        if action == "insert" or not data:
            data[at:at] = bytes([byte])
        elif action == "replace":
            data[min(at, len(data) - 1)] = byte
        elif action == "delete":
            del data[at:at + draw(st.integers(1, 64))]
        else:  # a block moved elsewhere, as a bad merge does
            size = draw(st.integers(1, 400))
            block = bytes(data[at:at + size])
            del data[at:at + size]
            where = draw(st.integers(0, len(data)))
            data[where:where] = block
    return bytes(data)


@settings(settings.get_profile("generated-programs"), max_examples=80)
@given(mutations([STDLIB / name for name in PYTHON_FILES]))
def test_mutated_python_never_raises(data):
    facts = extract_facts("python", data)
    assert extract_facts("python", data).tables() == facts.tables()


@pytest.mark.skipif(not JS_FILES, reason="no Node.js installation to take real JavaScript from")
@settings(settings.get_profile("generated-programs"), max_examples=80)
@given(mutations(JS_FILES), st.sampled_from(["javascript", "typescript", "tsx"]))
def test_mutated_javascript_never_raises(data, lang):
    facts = extract_facts(lang, data)
    assert extract_facts(lang, data).tables() == facts.tables()
