from __future__ import annotations

import os

from aud_git.extract import extract_facts


def index_status(repo) -> dict[str, tuple]:
    repo.aud("index")
    return {r[0]: r[1:] for r in repo.query("SELECT path, lang, size, lines, status FROM files")}


def test_every_kind_of_bad_input_is_recorded_and_nothing_else_is_lost(repo):
    repo.write("good.py", "def ok():\n    pass\n")
    repo.write("syntax.py", "def broken(:\n    pass\ndef after_the_error():\n    pass\n")
    repo.write("bad_utf8.py", b"x = '\xff\xfe'\n")
    repo.write("bad_utf8.js", b"const s = '\xff';\nfunction stillHere() {}\n")
    repo.write("bom.py", b"\xef\xbb\xbfdef with_bom():\n    pass\n")
    repo.write("bom.ts", b"\xef\xbb\xbfexport function withBom() {}\n")
    repo.write("crlf.py", b"def crlf():\r\n    return 1\r\n")
    repo.write("nul.py", b"def a():\n    pass\n\x00\x00")
    repo.write("image.png", bytes(range(40)))
    repo.write("empty.py", "")
    repo.write("dir with space/naïve file.py", "def unicode_name():\n    pass\n")
    repo.write("aud.toml", "max_file_size = 64\n")
    repo.write("big.py", "x = 1\n" * 100)
    os.symlink("good.py", repo.path / "link.py")
    rows = index_status(repo)
    assert rows["good.py"] == ("python", 19, 2, "ok")
    assert rows["syntax.py"][3] == "parse_error"
    assert rows["bad_utf8.py"][3] == "parse_error"
    assert rows["bad_utf8.js"][3] == "parse_error"
    assert rows["bom.py"][3] == "ok"
    assert rows["bom.ts"][3] == "ok"
    assert rows["crlf.py"] == ("python", 27, 2, "ok")
    assert rows["nul.py"][3] == "binary"
    assert rows["image.png"] == (None, 40, None, "binary")
    assert rows["empty.py"] == ("python", 0, 0, "ok")
    assert rows["dir with space/naïve file.py"][3] == "ok"
    assert rows["big.py"] == ("python", 600, None, "too_large")
    assert rows["link.py"] == ("python", 7, None, "symlink")
    symbols = {r[0] for r in repo.query("SELECT qualname FROM symbols WHERE kind != 'module'")}
    assert {"ok", "with_bom", "withBom", "crlf", "unicode_name", "stillHere",
            "after_the_error"} <= symbols
    errors = {r[0]: r[1:] for r in repo.query("SELECT file, line, col, message FROM parse_errors")}
    assert errors["syntax.py"] == (1, 11, "missing )")
    assert errors["bad_utf8.js"] == (1, 11, "invalid UTF-8")
    crlf = repo.query("SELECT line, end_line FROM symbols WHERE qualname = 'crlf' AND kind = 'function'")
    assert crlf == [(1, 2)]


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
    assert [c[3] for c in f.calls] == ["f"]
    assert {s[1] for s in f.symbols} == {"x", "after"}


def test_long_operator_chain_keeps_every_other_symbol():
    chain = "value = " + " + ".join(f"f{i}()" for i in range(8000)) + "\n"
    source = f"def before():\n    pass\n{chain}def after():\n    pass\n"
    f = extract_facts("python", source.encode())
    assert f.parse_errors == []
    assert {s[1] for s in f.symbols} == {"before", "value", "after"}
    assert len(f.calls) == 8000


def test_deeply_nested_javascript_is_walked_iteratively():
    source = "const x = " + "[" * 20000 + "]" * 20000 + ";\nfunction after() {}\n"
    f = extract_facts("javascript", source.encode())
    assert "after" in {s[1] for s in f.symbols}


def test_deeply_nested_definitions_keep_qualnames_bounded():
    from aud_git.extract.text import MAX_QUALNAME

    source = "function f() {" * 30_000 + "g();" + "}" * 30_000 + "\nfunction after() {}\n"
    f = extract_facts("javascript", source.encode())
    assert max(len(s[1]) for s in f.symbols) <= MAX_QUALNAME + 2
    assert "after" in {s[1] for s in f.symbols} and [c[3] for c in f.calls] == ["g"]
    python = "".join(" " * i + f"def f{i}():\n" for i in range(400)) + " " * 400 + "g()\n"
    f = extract_facts("python", python.encode())
    assert max(len(s[1]) for s in f.symbols) <= MAX_QUALNAME + 5 and len(f.calls) == 1


def test_long_call_chains_cost_what_their_length_costs():
    chain = b"f" + b"()" * 40_000 + b"\n"
    f = extract_facts("python", chain)
    assert len(f.calls) == 40_000 and {len(c[3]) for c in f.calls} <= set(range(201))
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
