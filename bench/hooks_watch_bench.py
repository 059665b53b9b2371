"""Hook overhead, release-switch latency with hooks, and `aud watch` latency and footprint.

    python bench/hooks_watch_bench.py hooks [--runs 5]
    python bench/hooks_watch_bench.py watch [--updates 1000] [--soak-seconds 600]
"""
from __future__ import annotations

import argparse
import contextlib
import json
import os
import queue
import random
import signal
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from corpus import GIT_ENV, WORK, django_repo  # noqa: E402

AUD = str(Path(sys.executable).parent / "aud")
EDITED = ["django/utils/text.py", "django/utils/html.py", "django/core/paginator.py",
          "django/db/models/query.py", "django/forms/fields.py"]
ENV = {**os.environ, **GIT_ENV}


def _edit(repo: Path, tag: str, paths=EDITED) -> None:
    for index, rel in enumerate(paths):
        with open(repo / rel, "a", encoding="utf-8") as handle:
            handle.write(f"\n\ndef _bench_{tag}_{index}():\n    return 0\n")


def _timed(command, cwd, **kwargs) -> float:
    started = time.perf_counter()
    subprocess.run(command, cwd=cwd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   env=ENV, **kwargs)
    return time.perf_counter() - started


def _wait_idle(repo: Path) -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from aud_git.activity import background_state

    while any(background_state(str(repo / ".pf")).values()):
        time.sleep(0.02)


def _install(repo: Path, mode: str) -> None:
    """`none`: no hooks; `detached`: the default; `foreground`: `--foreground`."""
    subprocess.run([AUD, "hooks", "uninstall"], cwd=repo, check=True, capture_output=True)
    if mode != "none":
        subprocess.run([AUD, "hooks", "install", *(["--foreground"] if mode == "foreground" else [])],
                       cwd=repo, check=True, capture_output=True)


def _git_timed(repo: Path, *args: str) -> tuple[float, float]:
    """(seconds until git returned, seconds until the index was idle again)."""
    started = time.perf_counter()
    subprocess.run(["git", *args], cwd=repo, check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, env=ENV)
    returned = time.perf_counter() - started
    _wait_idle(repo)
    return returned, time.perf_counter() - started


@contextlib.contextmanager
def _watcher_if(wanted: bool, repo: Path):
    """`aud watch` running (serving the hooks' detached updates) while the block runs."""
    if not wanted:
        yield
        return
    watcher = subprocess.Popen([AUD, "watch"], cwd=repo, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, env=ENV)
    try:
        while not (repo / ".pf" / "watch.sock").exists():
            time.sleep(0.05)
        time.sleep(1)  # its reconcile at start
        yield
    finally:
        watcher.terminate()
        watcher.wait(timeout=30)


def _rounds(repo: Path, runs: int, mode: str) -> dict[str, list[tuple[float, float]]]:
    """`git commit` of 5 edited files, `git checkout` between commits 5 files apart, and the
    switch between Django 5.1.4 and 5.0.10 (508 files), with the hooks in `mode` (`watched`:
    detached, with `aud watch` running)."""
    _install(repo, "detached" if mode == "watched" else mode)
    with _watcher_if(mode == "watched", repo):
        return _timings(repo, runs, mode)


def _timings(repo: Path, runs: int, mode: str) -> dict[str, list[tuple[float, float]]]:
    timings: dict[str, list[tuple[float, float]]] = {"commit": [], "checkout": [], "switch": []}
    for round_number in range(runs):
        _edit(repo, f"{mode}{round_number}")
        subprocess.run(["git", "add", *EDITED], cwd=repo, check=True, env=ENV)
        timings["commit"].append(_git_timed(repo, "commit", "-q", "-m", f"bench {mode}"))
        timings["checkout"].append(_git_timed(repo, "checkout", "-q", "HEAD~1"))
        timings["checkout"].append(_git_timed(repo, "checkout", "-q", "bench-hooks"))
    for _ in range(max(2, runs // 2)):
        for branch in ("django-5.0", "bench-hooks"):
            timings["switch"].append(_git_timed(repo, "checkout", "-q", branch))
    return timings


def bench_hooks(runs: int) -> tuple[str, dict]:
    repo = django_repo()
    _install(repo, "none")
    subprocess.run(["git", "checkout", "-q", "-B", "bench-hooks", "main"], cwd=repo, check=True)
    subprocess.run([AUD, "index", "-q"], cwd=repo, check=True)
    try:
        by_mode = {mode: _rounds(repo, runs, mode)
                   for mode in ("none", "detached", "foreground", "watched")}
    finally:
        _install(repo, "none")
        subprocess.run(["git", "checkout", "-q", "-f", "main"], cwd=repo, check=True)
        subprocess.run(["git", "branch", "-q", "-D", "bench-hooks"], cwd=repo, check=True)
        subprocess.run([AUD, "index", "--incremental", "-q"], cwd=repo, check=True)
    results: dict = {}
    rows = []
    labels = {"commit": "`git commit` of 5 edited files", "checkout": "`git checkout` 5 files apart",
              "switch": "`git checkout` 5.1.4 <-> 5.0.10 (508 files)"}
    for what, label in labels.items():
        plain = statistics.median(t for t, _ in by_mode["none"][what])
        cells = [f"{plain * 1000:.0f}"]
        results[what] = {"none": plain}
        for mode in ("detached", "foreground", "watched"):
            returned = statistics.median(t for t, _ in by_mode[mode][what])
            fresh = statistics.median(f for _, f in by_mode[mode][what])
            results[what][mode] = {"returned": returned, "fresh": fresh}
            cells.append(f"{(returned - plain) * 1000:+.0f} / {fresh * 1000:.0f}")
        rows.append(f"| {label} | {' | '.join(cells)} |")
    text = "\n".join([
        "### Hooks on Django 5.1.4", "",
        "Medians in ms. Hook columns: what the hooks add to git's own time / when the index was"
        " fresh again (from the start of the git command).", "",
        "| git operation | no hooks | default (detached) | `--foreground` | detached, `aud watch` running |",
        "|---|---:|---:|---:|---:|",
        *rows,
    ]) + "\n"
    return text, results


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


class _Watcher:
    def __init__(self, repo: Path, debounce: float) -> None:
        self.process = subprocess.Popen(
            [AUD, "watch", "--json", "--debounce", str(debounce)], cwd=repo, env=ENV,
            stdout=subprocess.PIPE, stderr=open(WORK / "watch-bench.err", "a"), text=True)
        self.lines: queue.Queue = queue.Queue()
        self.full_rebuilds = 0
        threading.Thread(target=self._read, daemon=True).start()
        self.lines.get(timeout=120)

    def _read(self) -> None:
        for line in self.process.stdout:
            update = json.loads(line)
            if "error" in update:
                print(f"watch reported: {update['error']}", file=sys.stderr)
                continue
            self.lines.put((time.perf_counter(), update))

    def until_modified(self, rel: str, timeout: float = 60) -> float:
        """When an update covering `rel` arrived (a periodic full rebuild covers everything)."""
        deadline = time.perf_counter() + timeout
        while True:
            stamp, update = self.lines.get(timeout=max(0.1, deadline - time.perf_counter()))
            if update["mode"] == "full":
                self.full_rebuilds += 1
                return stamp
            if rel in update["modified"] or rel in update["added"]:
                return stamp

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(timeout=60)

    def __enter__(self) -> _Watcher:
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()


def bench_watch(updates: int, soak_seconds: float) -> tuple[str, dict]:
    repo = django_repo()
    subprocess.run([AUD, "index", "-q"], cwd=repo, check=True)
    py_files = sorted(str(p.relative_to(repo)) for p in (repo / "django" / "utils").glob("*.py"))
    debounce = 0.3
    latencies = []
    with _Watcher(repo, debounce) as watcher:
        for round_number in range(10):
            rel = py_files[round_number % len(py_files)]
            _edit(repo, f"w{round_number}", [rel])
            written = time.perf_counter()
            latencies.append(watcher.until_modified(rel) - written - debounce)
            time.sleep(0.5)
        cpu_before = _cpu_seconds(watcher.process.pid)
        time.sleep(10)
        idle_cpu = _cpu_seconds(watcher.process.pid) - cpu_before
    subprocess.run(["git", "checkout", "-q", "--", "."], cwd=repo, check=True)

    rss, soak = [], []
    with _Watcher(repo, 0.02) as watcher:
        for round_number in range(updates):
            rel = py_files[round_number % len(py_files)]
            _edit(repo, f"r{round_number}", [rel])
            watcher.until_modified(rel)
            if round_number % 100 == 99:
                rss.append(round(_rss_mb(watcher.process.pid), 1))
        rng = random.Random(1)
        started = time.perf_counter()
        while time.perf_counter() - started < soak_seconds:
            rel = rng.choice(py_files)
            _edit(repo, f"s{int((time.perf_counter() - started) * 1000)}", [rel])
            watcher.until_modified(rel)
            if not soak or time.perf_counter() - started > 60 * len(soak):
                soak.append(round(_rss_mb(watcher.process.pid), 1))
        full_rebuilds = watcher.full_rebuilds
    subprocess.run(["git", "checkout", "-q", "--", "."], cwd=repo, check=True)
    subprocess.run([AUD, "index", "--incremental", "-q"], cwd=repo, check=True)
    results = {"latency_beyond_debounce_median": statistics.median(latencies),
               "latency_beyond_debounce_max": max(latencies), "idle_cpu_seconds_per_10s": idle_cpu,
               "rss_mb_every_100_updates": rss, "soak_rss_mb_per_minute": soak,
               "periodic_full_rebuilds": full_rebuilds}
    text = "\n".join([
        "### `aud watch` on Django 5.1.4", "",
        f"- a saved edit is in the database {statistics.median(latencies) * 1000:.0f} ms (median;"
        f" max {max(latencies) * 1000:.0f} ms) after the 0.3 s debounce",
        f"- idle CPU: {idle_cpu:.2f} s of CPU over 10 s",
        f"- RSS every 100 updates over {updates} updates (MB): {rss}",
        f"- soak, {soak_seconds / 60:.0f} min of random edits, RSS per minute (MB): {soak}",
        f"- periodic full rebuilds during the RSS and soak runs: {full_rebuilds}",
    ]) + "\n"
    return text, results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("what", choices=["hooks", "watch"])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--updates", type=int, default=1000)
    parser.add_argument("--soak-seconds", type=float, default=600)
    args = parser.parse_args()
    if args.what == "hooks":
        text, results = bench_hooks(args.runs)
    else:
        text, results = bench_watch(args.updates, args.soak_seconds)
    (WORK / f"results-{args.what}.json").write_text(json.dumps(results, indent=2) + "\n")
    print(text)


if __name__ == "__main__":
    main()
