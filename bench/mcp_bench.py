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

sys.path.insert(0, str(Path(__file__).resolve().parent))
from corpus import django_repo  # noqa: E402
from mcp.client.session import ClientSession  # noqa: E402
from mcp.client.stdio import StdioServerParameters, stdio_client  # noqa: E402

AUD = str(Path(sys.executable).parent / "aud")
EDITED = "django/db/models/base.py"
TARGET = "django.db.models.base.model_unpickle"


def edit(repo: Path, original: str, round_number: int) -> str:
    """Append a new caller of TARGET; its name is what the answer must include."""
    caller = f"_bench_caller_{round_number}"
    (repo / EDITED).write_text(original + f"\n\ndef {caller}():\n    return model_unpickle(None)\n")
    return caller


async def mcp_rounds(repo: Path, original: str, runs: int) -> tuple[list[float], list[float]]:
    params = StdioServerParameters(command=AUD, args=["-C", str(repo), "mcp"])
    edited, quiet = [], []
    with open(os.devnull, "w") as errlog:
        async with stdio_client(params, errlog=errlog) as (read, write):
            async with ClientSession(read, write) as session:
                await session.initialize()
                await session.call_tool("find_callers", {"qualname": TARGET})  # warm
                for round_number in range(runs):
                    started = time.perf_counter()
                    caller = edit(repo, original, round_number)
                    answer = await session.call_tool("find_callers", {"qualname": TARGET})
                    edited.append(time.perf_counter() - started)
                    callers = {r["caller"] for r in answer.structured_content["results"]}
                    assert caller in callers, (caller, callers)
                    started = time.perf_counter()
                    await session.call_tool("find_callers", {"qualname": TARGET})
                    quiet.append(time.perf_counter() - started)
    return edited, quiet


def cli_rounds(repo: Path, original: str, runs: int) -> list[float]:
    samples = []
    for round_number in range(runs):
        started = time.perf_counter()
        caller = edit(repo, original, runs + round_number)
        subprocess.run([AUD, "index", "-q", "--files", EDITED], cwd=repo, check=True)
        out = subprocess.run([AUD, "query", "callers", TARGET], cwd=repo, check=True,
                             capture_output=True, text=True).stdout
        samples.append(time.perf_counter() - started)
        assert caller in out, out
    return samples


def tags_rounds(repo: Path, original: str, runs: int) -> list[float]:
    samples = []
    for round_number in range(runs):
        edit(repo, original, 2 * runs + round_number)
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
    original = (repo / EDITED).read_text()
    try:
        edited, quiet = asyncio.run(mcp_rounds(repo, original, runs))
        cli = cli_rounds(repo, original, runs)
        tags = tags_rounds(repo, original, max(3, runs // 3))
    finally:
        (repo / EDITED).write_text(original)
        subprocess.run([AUD, "index", "-q", "--incremental"], cwd=repo, check=True)
    ms = lambda samples: f"{statistics.median(samples) * 1000:.0f}"  # noqa: E731
    print("| what (Django 5.1.4) | median (ms) |")
    print("|---|---:|")
    print(f"| MCP `find_callers` after a one-file edit (edit → answer with it) | {ms(edited)} |")
    print(f"| MCP `find_callers`, nothing edited | {ms(quiet)} |")
    print(f"| `aud index --files F` + `aud query callers` after the same edit | {ms(cli)} |")
    print(f"| `aud tags` (every definition, {EDITED} edited) | {ms(tags)} |")


if __name__ == "__main__":
    main()
