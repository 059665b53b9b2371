"""Whole-process benchmarks on the Django corpus, against GNU Global measured in the same run.

    python bench/bench.py full          # full index: aud -j1, aud -j2, gtags
    python bench/bench.py incremental   # 5 edited files, no change, release switches
    python bench/bench.py query         # aud query commands on the Django index
    python bench/bench.py scale         # full, 5 files, no-op at 1x, 3x and 10x Django, memory
    python bench/bench.py all           # all but scale
    python bench/bench.py full --baseline OTHER/bin/aud   # also a previous aud, same run

Reports medians of several runs and ratios; these machines are shared, so compare ratios.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from corpus import WORK, django_copies, django_repo  # noqa: E402

AUD = str(Path(sys.executable).parent / "aud")
GTAGS_FILES = ("GTAGS", "GRTAGS", "GPATH")
EDITED = [
    "django/db/models/query.py", "django/db/models/base.py", "django/http/request.py",
    "django/forms/forms.py", "django/utils/functional.py",
]


def timed(command: list[str], cwd: Path) -> float:
    started = time.perf_counter()
    subprocess.run(command, cwd=cwd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    return time.perf_counter() - started


def median_of(runs: int, command: list[str], cwd: Path, before=None) -> float:
    samples = []
    for _ in range(runs):
        if before is not None:
            before()
        samples.append(timed(command, cwd))
    return statistics.median(samples)


def remove_gtags(repo: Path) -> None:
    for name in GTAGS_FILES:
        (repo / name).unlink(missing_ok=True)


def table(title: str, rows: list[tuple[str, float, str]]) -> str:
    lines = [f"### {title}", "", "| what | median (s) | ratio |", "|---|---:|---|"]
    lines += [f"| {what} | {seconds:.3f} | {ratio} |" for what, seconds, ratio in rows]
    return "\n".join(lines) + "\n"


def bench_full(repo: Path, runs: int, baseline: str | None = None) -> tuple[str, dict]:
    fresh = lambda: shutil.rmtree(repo / ".pf", ignore_errors=True)  # noqa: E731
    fresh()
    aud1 = median_of(runs, [AUD, "index", "--full", "--no-cache", "-q", "-j", "1"], repo, fresh)
    aud2 = median_of(runs, [AUD, "index", "--full", "--no-cache", "-q", "-j", "2"], repo, fresh)
    warm = median_of(runs, [AUD, "index", "--full", "-q", "-j", "2"], repo)
    gtags = median_of(runs, ["gtags", "--gtagslabel=new-ctags"], repo, lambda: remove_gtags(repo))
    results = {"aud_j1": aud1, "aud_j2": aud2, "aud_j2_warm_cache": warm, "gtags": gtags}
    rows = [
        ("`gtags --gtagslabel=new-ctags`", gtags, "1.00×"),
        ("`aud index --full --no-cache -j 1`", aud1, f"{aud1 / gtags:.2f}× gtags"),
        ("`aud index --full --no-cache -j 2`", aud2, f"{aud2 / gtags:.2f}× gtags"),
        ("`aud index --full -j 2` (warm cache)", warm, f"{warm / gtags:.2f}× gtags"),
    ]
    if baseline is not None:
        base1 = median_of(runs, [baseline, "index", "--full", "--no-cache", "-q", "-j", "1"], repo, fresh)
        base2 = median_of(runs, [baseline, "index", "--full", "--no-cache", "-q", "-j", "2"], repo, fresh)
        fresh()
        results.update(baseline_j1=base1, baseline_j2=base2)
        rows += [
            ("baseline `-j 1`", base1, f"{base1 / gtags:.2f}× gtags; this aud {aud1 / base1:.2f}× of it"),
            ("baseline `-j 2`", base2, f"{base2 / gtags:.2f}× gtags; this aud {aud2 / base2:.2f}× of it"),
        ]
    return table("Full index of Django 5.1.4 (6,809 files, 2,788 Python)", rows), results


def _edit(repo: Path, round_number: int) -> None:
    for index, rel in enumerate(EDITED):
        with open(repo / rel, "a", encoding="utf-8") as handle:
            handle.write(f"\n\ndef _bench_{round_number}_{index}():\n    return {round_number}\n")


def bench_incremental(repo: Path, runs: int) -> tuple[str, dict]:
    shutil.rmtree(repo / ".pf", ignore_errors=True)
    remove_gtags(repo)
    subprocess.run([AUD, "index", "-q"], cwd=repo, check=True)
    subprocess.run(["gtags", "--gtagslabel=new-ctags"], cwd=repo, check=True)
    noop_aud = median_of(runs, [AUD, "index", "--incremental", "-q"], repo)
    noop_global = median_of(runs, ["global", "-u"], repo)
    edit_aud, edit_global = [], []
    for round_number in range(runs):
        _edit(repo, round_number)
        edit_aud.append(timed([AUD, "index", "--incremental", "-q"], repo))
        edit_global.append(timed(["global", "-u"], repo))
    edit_aud_s, edit_global_s = statistics.median(edit_aud), statistics.median(edit_global)
    served_edit, served_noop = _served_costs(repo, runs)
    full = median_of(3, [AUD, "index", "--full", "--no-cache", "-q"], repo)
    subprocess.run(["git", "checkout", "-q", "--", *EDITED], cwd=repo, check=True)
    subprocess.run([AUD, "index", "--incremental", "-q"], cwd=repo, check=True)

    cold, warm = [], []
    for _ in range(max(2, runs // 2)):
        (repo / ".pf" / "cache.db").unlink(missing_ok=True)
        subprocess.run([AUD, "index", "--full", "-q"], cwd=repo, check=True)  # caches main only
        subprocess.run(["git", "checkout", "-q", "django-5.0"], cwd=repo, check=True)
        cold.append(timed([AUD, "index", "--incremental", "-q"], repo))
        subprocess.run(["git", "checkout", "-q", "main"], cwd=repo, check=True)
        warm.append(timed([AUD, "index", "--incremental", "-q"], repo))
    cold_s, warm_s = statistics.median(cold), statistics.median(warm)
    results = {
        "noop_aud": noop_aud, "noop_global_u": noop_global, "edit5_aud": edit_aud_s,
        "edit5_global_u": edit_global_s, "full_no_cache": full, "switch_cold": cold_s,
        "switch_back_warm": warm_s, "edit5_served": served_edit, "noop_served": served_noop,
    }
    return table("Incremental updates on Django 5.1.4", [
        ("`aud index --full --no-cache`", full, "1.00×"),
        ("5 edited `.py` files: `global -u`", edit_global_s, f"{full / edit_global_s:.1f}× faster than full"),
        ("5 edited `.py` files: `aud index --incremental`", edit_aud_s,
         f"{full / edit_aud_s:.1f}× faster than full, {edit_global_s / edit_aud_s:.1f}× faster than `global -u`"),
        ("no change: `global -u`", noop_global, ""),
        ("no change: `aud index --incremental`", noop_aud, f"{noop_global / noop_aud:.1f}× faster than `global -u`"),
        ("5 edited `.py` files, `aud watch` running (served)", served_edit,
         f"{edit_global_s / served_edit:.1f}× faster than `global -u`"),
        ("no change, `aud watch` running (served)", served_noop,
         f"{noop_global / served_noop:.1f}× faster than `global -u`"),
        ("switch 5.1.4 → 5.0.10, cold cache", cold_s, f"{cold_s / full:.2f}× full"),
        ("switch back 5.0.10 → 5.1.4, warm cache", warm_s, f"{warm_s / full:.2f}× full"),
    ]), results


def _served_costs(repo: Path, runs: int) -> tuple[float, float]:
    """(5 edited files, no-op) with `aud watch` running: the command hands the update to it."""
    watcher = subprocess.Popen([AUD, "watch", "--debounce", "2"], cwd=repo,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while not (repo / ".pf" / "watch.sock").exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(1)  # its reconcile at start
        noop = median_of(runs, [AUD, "index", "--incremental", "-q"], repo)
        edits = []
        for round_number in range(runs):
            _edit(repo, 100 + round_number)
            edits.append(timed([AUD, "index", "--incremental", "-q"], repo))
        return statistics.median(edits), noop
    finally:
        watcher.terminate()
        watcher.wait(timeout=30)


def timed_with_memory(command: list[str], cwd: Path) -> tuple[float, float]:
    """(seconds, peak RSS in MB of the largest process of the run, as GNU time reports it)."""
    started = time.perf_counter()
    result = subprocess.run(["/usr/bin/time", "-f", "%M", *command], cwd=cwd, check=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    return time.perf_counter() - started, int(result.stderr.strip().splitlines()[-1]) / 1024


def _incremental_costs(repo: Path, runs: int, tag: str) -> tuple[float, float]:
    """(5 edited files, no-op): medians of `runs` updates; the edits are undone after."""
    subprocess.run([AUD, "index", "--incremental", "-q"], cwd=repo, check=True)
    noop = median_of(runs, [AUD, "index", "--incremental", "-q"], repo)
    edits = []
    for round_number in range(runs):
        for index, rel in enumerate(EDITED):
            with open(repo / "copy0" / rel, "a", encoding="utf-8") as handle:
                handle.write(f"\n\ndef _{tag}_{round_number}_{index}():\n    return 0\n")
        edits.append(timed([AUD, "index", "--incremental", "-q"], repo))
    subprocess.run(["git", "checkout", "-q", "--", "."], cwd=repo, check=True)
    subprocess.run([AUD, "index", "--incremental", "-q"], cwd=repo, check=True)
    return statistics.median(edits), noop


def bench_scale(runs: int, copies: tuple[int, ...] = (1, 3, 10)) -> tuple[str, dict]:
    """The cost growth table: each figure at N copies of Django against 1 copy; at the largest
    size also with git's untracked cache on (`core.untrackedCache`, which git's status uses)."""
    results: dict[str, dict[str, float]] = {}
    for count in copies:
        repo = django_copies(count)
        subprocess.run(["git", "config", "--unset", "core.untrackedCache"], cwd=repo)
        subprocess.run(["git", "update-index", "--no-untracked-cache"], cwd=repo, check=True)
        fulls = []
        for _ in range(2 if count >= 10 else 3):
            shutil.rmtree(repo / ".pf", ignore_errors=True)
            fulls.append(timed_with_memory([AUD, "index", "--full", "--no-cache", "-q"], repo))
        edit5, noop = _incremental_costs(repo, runs, "scale")
        files = subprocess.run(["git", "ls-files"], cwd=repo, capture_output=True, text=True)
        results[str(count)] = {
            "files": files.stdout.count("\n"), "full": statistics.median(s for s, _ in fulls),
            "full_peak_mb": max(m for _, m in fulls), "edit5": edit5, "noop": noop,
        }
        if count == copies[-1]:
            subprocess.run(["git", "config", "core.untrackedCache", "true"], cwd=repo, check=True)
            subprocess.run(["git", "status", "-s"], cwd=repo, check=True, capture_output=True)
            edit5, noop = _incremental_costs(repo, runs, "cached")
            results[f"{count}, untracked cache"] = {**results[str(count)], "edit5": edit5,
                                                    "noop": noop}
            subprocess.run(["git", "config", "--unset", "core.untrackedCache"], cwd=repo)
            subprocess.run(["git", "update-index", "--no-untracked-cache"], cwd=repo, check=True)
        subprocess.run([AUD, "verify"], cwd=repo, check=True,  # exact after the bench
                       stdout=subprocess.DEVNULL)
    return _scale_table(results), results


def _scaled(row: dict[str, float], one: dict[str, float], key: str, digits: int) -> str:
    """A figure, and its ratio to the one-copy figure."""
    ratio = "" if row is one else f" ({row[key] / one[key]:.1f}×)"
    return f"{row[key]:.{digits}f}{ratio}"


def _scale_table(results: dict[str, dict[str, float]]) -> str:
    one = next(iter(results.values()))
    lines = ["### Cost growth: N copies of Django 5.1.4 side by side", "",
             "| copies | files | full (s) | peak RSS (MB) | 5 edited files (s) | no-op (s) |",
             "|---|---:|---:|---:|---:|---:|"]
    for label, row in results.items():
        lines.append(f"| {label} | {row['files']:,.0f} | {_scaled(row, one, 'full', 2)} |"
                     f" {row['full_peak_mb']:.0f} | {_scaled(row, one, 'edit5', 3)} |"
                     f" {_scaled(row, one, 'noop', 3)} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("what", choices=["full", "incremental", "query", "scale", "all"])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--baseline", metavar="AUD",
                        help="full: also time this aud executable (a previous version), same run")
    args = parser.parse_args()
    if shutil.which("gtags") is None:
        sys.exit("bench: GNU Global is missing: apt-get install global universal-ctags")
    repo = django_repo()
    report, results = [], {}
    if args.what in ("full", "all"):
        text, results["full"] = bench_full(repo, args.runs, args.baseline)
        report.append(text)
    if args.what in ("incremental", "all"):
        text, results["incremental"] = bench_incremental(repo, args.runs)
        report.append(text)
    if args.what == "scale":
        text, results["scale"] = bench_scale(args.runs)
        report.append(text)
    if args.what in ("query", "all"):
        from query_bench import bench_queries

        text, results["query"] = bench_queries(repo, AUD, args.runs)
        report.append(text)
    results["machine"] = {"cpus": os.cpu_count(), "python": sys.version.split()[0]}
    (WORK / f"results-{args.what}.json").write_text(json.dumps(results, indent=2) + "\n")
    print("\n".join(report))


if __name__ == "__main__":
    main()
