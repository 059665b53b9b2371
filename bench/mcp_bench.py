"""An agent's round trip on the Django corpus: edit a file, then ask who calls a function, and
get an answer that includes the edit.

    python bench/mcp_bench.py [--runs N]

Three ways, same run: the `aud mcp` server (one process that stays up, the SDK's client over
stdio), and the command line (`aud index --files F` then `aud query callers`, two process
starts). Also the MCP answer with nothing edited, and a tags file rewrite. Medians; every
answer is checked to include the edit it follows.
"""
from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import NamedTuple

sys.path.insert(0, str(Path(__file__).resolve().parent))
from corpus import django_repo  # noqa: E402
from mcp.client.session import ClientSession  # noqa: E402
from mcp.client.stdio import StdioServerParameters, stdio_client  # noqa: E402

AUD = str(Path(sys.executable).parent / "aud")


class Edit(NamedTuple):
    """A file to edit, the function its new caller calls, and that function's qualname."""
    path: str
    called: str
    target: str


# a large file (2,484 lines) and a small one (69 lines)
EDITS = [Edit("django/db/models/base.py", "model_unpickle", "django.db.models.base.model_unpickle"),
         Edit("django/db/models/utils.py", "make_model_tuple", "django.db.models.utils.make_model_tuple")]


def edit(repo: Path, original: str, what: Edit, round_number: int) -> str:
    """Append a new caller of the target; its name is what the answer must include."""
    caller = f"_bench_caller_{round_number}"
    (repo / what.path).write_text(original + f"\n\ndef {caller}():\n    return {what.called}(None)\n")
    return caller


async def mcp_rounds(repo: Path, original: str, what: Edit, runs: int) -> tuple[list[float], list[float]]:
    params = StdioServerParameters(command=AUD, args=["-C", str(repo), "mcp"])
    edited, quiet = [], []
    with open(os.devnull, "w") as errlog:
        async with stdio_client(params, errlog=errlog) as (read, write):
            async with ClientSession(read, write) as session:
                await session.initialize()
                await session.call_tool("find_callers", {"qualname": what.target})  # warm
                for round_number in range(runs):
                    started = time.perf_counter()
                    caller = edit(repo, original, what, round_number)
                    answer = await session.call_tool("find_callers", {"qualname": what.target})
                    edited.append(time.perf_counter() - started)
                    callers = {r["caller"] for r in answer.structured_content["results"]}
                    assert caller in callers, (caller, callers)
                    started = time.perf_counter()
                    await session.call_tool("find_callers", {"qualname": what.target})
                    quiet.append(time.perf_counter() - started)
    return edited, quiet


def cli_rounds(repo: Path, original: str, what: Edit, runs: int) -> list[float]:
    samples = []
    for round_number in range(runs):
        started = time.perf_counter()
        caller = edit(repo, original, what, runs + round_number)
        subprocess.run([AUD, "index", "-q", "--files", what.path], cwd=repo, check=True)
        out = subprocess.run([AUD, "query", "callers", what.target], cwd=repo, check=True,
                             capture_output=True, text=True).stdout
        samples.append(time.perf_counter() - started)
        assert caller in out, out
    return samples


def tags_rounds(repo: Path, original: str, what: Edit, runs: int) -> list[float]:
    samples = []
    for round_number in range(runs):
        edit(repo, original, what, 2 * runs + round_number)
        subprocess.run([AUD, "index", "-q", "--incremental"], cwd=repo, check=True)
        started = time.perf_counter()
        subprocess.run([AUD, "tags", "-o", str(repo / ".pf" / "bench-tags")], cwd=repo, check=True,
                       capture_output=True)
        samples.append(time.perf_counter() - started)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=15)
    runs = parser.parse_args().runs
    repo = django_repo()
    subprocess.run(["git", "update-index", "--refresh", "-q"], cwd=repo, capture_output=True)
    subprocess.run([AUD, "index", "-q"], cwd=repo, check=True)
    ms = lambda samples: f"{statistics.median(samples) * 1000:.0f}"  # noqa: E731
    print("| what (Django 5.1.4) | median (ms) |")
    print("|---|---:|")
    tags: list[float] = []
    for what in EDITS:
        original = (repo / what.path).read_text()
        try:
            edited, quiet = asyncio.run(mcp_rounds(repo, original, what, runs))
            cli = cli_rounds(repo, original, what, runs)
            tags += tags_rounds(repo, original, what, max(3, runs // 3))
        finally:
            (repo / what.path).write_text(original)
            subprocess.run([AUD, "index", "-q", "--incremental"], cwd=repo, check=True)
        lines = original.count("\n")
        print(f"| MCP `find_callers` after an edit of a {lines}-line file (edit → answer with it) | {ms(edited)} |")
        print(f"| MCP `find_callers`, nothing edited since | {ms(quiet)} |")
        print(f"| `aud index --files F` + `aud query callers` after the same edit | {ms(cli)} |")
    print(f"| `aud tags` after an update (every definition; a whole process) | {ms(tags)} |")


if __name__ == "__main__":
    main()
