from __future__ import annotations

import os

import pytest

from aud_git.extract import extract_facts
from conftest import Repo

BAD_INPUT: dict[str, str | bytes] = {
    "good.py": "def ok():\n    pass\n",
    "syntax.py": "def broken(:\n    pass\ndef after_the_error():\n    pass\n",
    "bad_utf8.py": b"x = '\xff\xfe'\n",
    "bad_utf8.js": b"const s = '\xff';\nfunction stillHere() {}\n",
    "bom.py": b"\xef\xbb\xbfdef with_bom():\n    pass\n",
    "bom.ts": b"\xef\xbb\xbfexport function withBom() {}\n",
    "crlf.py": b"def crlf():\r\n    return 1\r\n",
    "nul.py": b"def a():\n    pass\n\x00\x00",
    "image.png": bytes(range(40)),
    "empty.py": "",
    "dir with space/naïve file.py": "def unicode_name():\n    pass\n",
    "aud.toml": "max_file_size = 64\n",
    "big.py": "x = 1\n" * 100,
}


@pytest.fixture(scope="module")
def bad(tmp_path_factory) -> Repo:
    """One repository holding every kind of bad input, indexed once."""
    repo = Repo(tmp_path_factory.mktemp("bad") / "repo")
    for path, content in BAD_INPUT.items():
        repo.write(path, content)
    os.symlink("good.py", repo.path / "link.py")
    repo.aud("index")
    return repo


def size_of(path: str) -> int:
    """Bytes on disk: the content written, or the target's name for the link."""
    if path == "link.py":
        return len("good.py")
    content = BAD_INPUT[path]
    return len(content.encode() if isinstance(content, str) else content)


@pytest.mark.parametrize("path, lang, lines, status", [
    ("good.py", "python", 2, "ok"),
    ("syntax.py", "python", 4, "parse_error"),
    ("bad_utf8.py", "python", 1, "parse_error"),
    ("bad_utf8.js", "javascript", 2, "parse_error"),
    ("bom.py", "python", 2, "ok"),
    ("bom.ts", "typescript", 1, "ok"),
    ("crlf.py", "python", 2, "ok"),
    ("nul.py", "python", None, "binary"),
    ("image.png", None, None, "binary"),
    ("empty.py", "python", 0, "ok"),
    ("dir with space/naïve file.py", "python", 2, "ok"),
    ("big.py", "python", None, "too_large"),
    ("link.py", "python", None, "symlink"),
])
def test_a_bad_file_gets_a_files_row_with_a_status(bad, path, lang, lines, status):
    assert bad.query("SELECT lang, size, lines, status FROM files WHERE path = ?", path) == [
        (lang, size_of(path), lines, status)]


def test_the_facts_around_bad_input_are_kept(bad):
    symbols = {r[0] for r in bad.query("SELECT qualname FROM symbols WHERE kind != 'module'")}
    assert {"ok", "with_bom", "withBom", "crlf", "unicode_name", "stillHere",
            "after_the_error"} <= symbols


@pytest.mark.parametrize("path, error", [
    ("syntax.py", (1, 11, "missing )")),
    ("bad_utf8.js", (1, 11, "invalid UTF-8")),
])
def test_a_syntax_or_encoding_error_is_a_parse_errors_row(bad, path, error):
    assert error in bad.query("SELECT line, col, message FROM parse_errors WHERE file = ?", path)


def test_crlf_line_ends_count_as_one_line_break(bad):
    assert bad.query("SELECT line, end_line FROM symbols WHERE qualname = 'crlf'"
                     " AND kind = 'function'") == [(1, 2)]


def test_sha256_and_blob_oid_describe_the_bytes_parsed(repo):
    import hashlib

    import pygit2

    data = b"def f():\n    return 1\n"
    repo.write("f.py", data)
    repo.commit()
    repo.aud("index")
    assert repo.query("SELECT sha256, blob_oid FROM files WHERE path = 'f.py'") == [
        (hashlib.sha256(data).hexdigest(), str(pygit2.hash(data)))
    ]


def test_deep_nesting_is_walked_without_recursion():
    deep = b"x = " + b"(" * 5000 + b"f()" + b")" * 5000 + b"\ndef after():\n    pass\n"
    f = extract_facts("python", deep)
    assert f.parse_errors == []
    assert [c.callee for c in f.calls] == ["f"]
    assert {s.qualname for s in f.symbols} == {"x", "after"}


def test_long_operator_chain_keeps_every_other_symbol():
    chain = "value = " + " + ".join(f"f{i}()" for i in range(8000)) + "\n"
    source = f"def before():\n    pass\n{chain}def after():\n    pass\n"
    f = extract_facts("python", source.encode())
    assert f.parse_errors == []
    assert {s.qualname for s in f.symbols} == {"before", "value", "after"}
    assert len(f.calls) == 8000


def test_deeply_nested_javascript_is_walked_iteratively():
    source = "const x = " + "[" * 20000 + "]" * 20000 + ";\nfunction after() {}\n"
    f = extract_facts("javascript", source.encode())
    assert "after" in {s.qualname for s in f.symbols}


def test_deeply_nested_definitions_keep_qualnames_bounded():
    from aud_git.extract.text import MAX_QUALNAME

    source = "function f() {" * 30_000 + "g();" + "}" * 30_000 + "\nfunction after() {}\n"
    f = extract_facts("javascript", source.encode())
    assert max(len(s.qualname) for s in f.symbols) <= MAX_QUALNAME + 2
    assert "after" in {s.qualname for s in f.symbols} and [c.callee for c in f.calls] == ["g"]
    python = "".join(" " * i + f"def f{i}():\n" for i in range(400)) + " " * 400 + "g()\n"
    f = extract_facts("python", python.encode())
    assert max(len(s.qualname) for s in f.symbols) <= MAX_QUALNAME + 5 and len(f.calls) == 1


def test_long_call_chains_cost_what_their_length_costs():
    chain = b"f" + b"()" * 40_000 + b"\n"
    f = extract_facts("python", chain)
    assert len(f.calls) == 40_000 and {len(c.callee) for c in f.calls} <= set(range(201))
    f = extract_facts("javascript", chain)
    assert len(f.calls) == 40_000


def test_a_tree_deeper_than_the_query_engine_handles_is_a_parse_error():
    from aud_git.extract.python import MAX_DEPTH

    f = extract_facts("python", b"f" + b"()" * (MAX_DEPTH + 10) + b"\n")
    assert f.parse_errors == [(1, 0, f"nested more than {MAX_DEPTH} levels deep:"
                                     " no facts extracted")]
    assert f.calls == [] and f.symbols == []


def test_a_file_of_more_lines_than_the_memory_budget_is_a_parse_error_not_a_blowup():
    from aud_git.extract import MAX_LINES

    f = extract_facts("python", b"x\n" * (MAX_LINES + 1))
    assert f.parse_errors == [(1, 0, f"{MAX_LINES + 1} lines: more than the {MAX_LINES} a file"
                                     " may have to be parsed (the memory budget)")]
    assert extract_facts("javascript", b"f();\n" * MAX_LINES).parse_errors == []
