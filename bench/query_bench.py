"""`aud query` on the Django index: whole-process wall time beyond interpreter start."""
from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

QUERIES = [
    ("def Model.save", ["def", "Model.save"]),
    ("def 'get_*' --kind function", ["def", "get_*", "--kind", "function"]),
    ("callers QuerySet.filter --depth 2", ["callers", "django.db.models.query.QuerySet.filter", "--depth", "2"]),
    ("callees Model.save --depth 2", ["callees", "django.db.models.base.Model.save", "--depth", "2"]),
    ("importers django/db/models/base.py --depth 2", ["importers", "django/db/models/base.py", "--depth", "2"]),
    ("imports django/db/models/query.py", ["imports", "django/db/models/query.py"]),
    ("file django/db/models/query.py --json", ["file", "django/db/models/query.py", "--json"]),
    ("sql count of call_links", ["sql", "SELECT count(*) FROM call_links"]),
]


def _median(command: list[str], cwd: Path, runs: int) -> float:
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def bench_queries(repo: Path, aud: str, runs: int) -> tuple[str, dict]:
    subprocess.run([aud, "index", "--incremental", "-q"], cwd=repo, check=True)
    baseline = _median([sys.executable, "-c", "pass"], repo, runs * 2)
    rows, results = [], {"interpreter_start": baseline}
    for label, args in QUERIES:
        seconds = _median([aud, "query", *args], repo, runs)
        results[label] = seconds
        rows.append(f"| `aud query {label}` | {seconds * 1000:.0f} | {(seconds - baseline) * 1000:.0f} |")
    text = "\n".join([
        "### Queries on the Django index", "",
        f"Interpreter start (`python -c pass`): {baseline * 1000:.0f} ms.", "",
        "| query | median (ms) | beyond interpreter start (ms) |", "|---|---:|---:|", *rows,
    ]) + "\n"
    return text, results
