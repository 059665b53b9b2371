"""Resolution through long chains of files is bounded, exact and independent of link order.

A chain deeper than MAX_RESOLUTION_DEPTH (star imports, `export *`) or MAX_EXTENDS (tsconfig)
resolves to nothing at its far end instead of exhausting the stack; what a file's links say
never depends on which files were linked before it."""
from __future__ import annotations

import random

import pytest

from aud_git.db import store
from aud_git.link import _link
from aud_git.link.lookups import MAX_RESOLUTION_DEPTH, FactReader


def chain(repo, length: int) -> None:
    for i in range(length):
        last = i + 1 == length
        repo.write(f"p{i}.py", "def deep():\n    pass\n" if last else f"from p{i + 1} import *\n")
        repo.write(f"w/e{i}.ts", "export function deep() {}\n" if last
                   else f'export * from "./e{i + 1}";\n')
        repo.write(f"c{i}.json", '{"compilerOptions": {"baseUrl": "w"}}' if last
                   else f'{{"extends": "./c{i + 1}.json"}}')
    repo.write("tsconfig.json", '{"extends": "./c0.json"}')
    repo.write("use.py", "from p0 import deep\ndeep()\n")
    repo.write("w/use.ts", 'import { deep } from "./e0";\nimport { x } from "e3";\ndeep();\n')


@pytest.mark.parametrize(("length", "resolves"), [(12, True), (300, False)])
def test_long_chains_index_exactly_and_resolve_only_within_the_bound(repo, length, resolves):
    chain(repo, length)
    summary = repo.run_aud("index", "--json")
    assert summary.returncode == 0 and '"internal_errors": []' in summary.stdout
    found = {file: target for file, target in repo.query(
        "SELECT file, target_file FROM call_links WHERE file IN ('use.py', 'w/use.ts')")}
    expected = {"use.py": f"p{length - 1}.py", "w/use.ts": f"w/e{length - 1}.ts"}
    assert found == (expected if resolves else {})
    repo.write(f"p{length - 1}.py", "def deep():\n    pass\ndef more():\n    pass\n")
    repo.aud("index", "--incremental", "-q")
    repo.assert_exact()


def test_links_do_not_depend_on_the_order_files_are_linked_in(repo):
    chain(repo, MAX_RESOLUTION_DEPTH + 20)
    repo.aud("index", "-q")
    conn = store.connect(str(repo.path / ".pf" / "repo_index.db"), readonly=True)
    files = sorted(path for (path,) in conn.execute(
        "SELECT path FROM files WHERE lang IN ('python', 'typescript')"))
    results = []
    for seed in range(4):
        order = files[:] if seed == 0 else random.Random(seed).sample(files, len(files))
        reader = FactReader.from_db(conn)
        reader.preload(files)
        out = _link(reader, ("",), order)
        results.append({table: sorted(out[table])
                        for table in ("import_links", "call_links", "link_deps")})
    conn.close()
    assert all(result == results[0] for result in results[1:])
