"""Call resolution measured against independent resolvers, in the same run.

    python bench/resolvers.py [--sample 600] [--baseline OTHER/bin/aud] [--corpus NAME]...

Python corpora (the Django and Flask sdists from PyPI, as git repositories) are put to jedi
(`Script.goto(follow_imports=True)` on the callee's last name, reading the repository's source
rather than the Django stubs jedi ships); TypeScript corpora (the sources the RxJS and zod npm
tarballs ship) to the TypeScript compiler's language service (`getDefinitionAtPosition`,
typescript from npm, through `tsc_definitions.js`). aud indexes the tree; a seeded sample of
its call sites is asked of the peer. Reported per corpus and aud:

- precision: of the sites aud links (class calls counted once, not their `__init__` row) where
  the peer names a definition, the share where aud's target is one the peer names;
- recall: of the sites where the peer names a function, method or class of the repository,
  the share aud links to one of them;
- linked: the share of all call sites (not only the sample) aud links to a definition;
- possible: the share of all call sites linked only with resolution `possible` (one of several
  targets), and of those in the sample where the peer names a definition of the repository,
  how often it is one of aud's targets. Precision and recall count certain links only.

The peer is not the truth: the disagreements and the sites aud misses are written out for
reading (`bench/work/resolvers-disagreements.txt`). Needs `pip install jedi` and node.
"""
from __future__ import annotations

import argparse
import ast
import json
import random
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from corpus import WORK, django_repo, npm_source_repo, npm_tool, sdist_repo  # noqa: E402

AUD = str(Path(sys.executable).parent / "aud")
# name -> (repository builder, the languages of its call sites asked)
CORPORA = {
    "django": (lambda: django_repo(), ("python",)),
    "flask": (lambda: sdist_repo("flask", "3.0.3"), ("python",)),
    "rxjs": (lambda: npm_source_repo("rxjs", "7.8.2"), ("typescript",)),
    "zod": (lambda: npm_source_repo("zod", "4.1.12"), ("typescript",)),
}
SOURCE_ROOTS = {"flask": ["src"]}
TYPESCRIPT = ("typescript", "5.9.3")
DEFINITIONS = ("function", "class")
# What tsc answers for a call through a local name (`const { f } = config; f()`): the name's
# declaration, not a definition (jedi's answers are kept to DEFINITIONS alike).
TS_VARIABLES = frozenset({"var", "local var", "let", "const", "parameter"})


def index(aud: str, repo: Path, langs: tuple[str, ...]) -> tuple[float, dict]:
    """Build the index with `aud`; the call sites, their links and the definitions' lines."""
    started = time.perf_counter()
    subprocess.run([aud, "index", "--full", "-q"], cwd=repo, check=True, capture_output=True)
    seconds = time.perf_counter() - started
    conn = sqlite3.connect(repo / ".pf" / "repo_index.db")
    columns = {row[1] for row in conn.execute("PRAGMA table_info(call_links)")}
    resolution = "resolution" if "resolution" in columns else "'direct'"
    links: dict[tuple, set] = {}
    possible: dict[tuple, set] = {}
    for file, line, col, callee, target_file, qualname, how in conn.execute(
            "SELECT file, line, col, callee, target_file, target_qualname, "
            f"{resolution} FROM call_links"):
        if how != "init":
            chosen = possible if how == "possible" else links
            chosen.setdefault((file, line, col, callee), set()).add((target_file, qualname))
    at_line: dict[tuple, set] = {}
    for f, q, line in conn.execute("SELECT file, qualname, line FROM symbols"
                                   " WHERE kind IN ('class', 'function', 'method')"):
        at_line.setdefault((f, line), set()).add(q)
    spans: dict[tuple, list] = {}
    for f, q, name, line, end in conn.execute(
            "SELECT file, qualname, name, line, end_line FROM symbols"
            " WHERE kind IN ('class', 'function', 'method')"):
        spans.setdefault((f, name), []).append((line, end, q))
    modules = dict(conn.execute("SELECT qualname, file FROM symbols WHERE kind = 'module'"))
    marks = ", ".join("?" * len(langs))
    calls = conn.execute(
        "SELECT c.file, c.line, c.col, c.callee FROM calls c JOIN files f ON f.path = c.file"
        f" WHERE f.lang IN ({marks}) ORDER BY 1, 2, 3, 4", langs).fetchall()
    conn.close()
    defined = {(f, q) for (f, _), names in at_line.items() for q in names}
    return seconds, {"links": links, "possible": possible, "at_line": at_line, "modules": modules,
                     "defined": defined, "spans": spans, "calls": calls}


def last_name_position(tree: ast.AST, line: int, col: int, callee: str) -> tuple[int, int] | None:
    """Where the callee's last name ends (line, column of its last character), by `ast`, whose
    columns are UTF-8 bytes like aud's; None when the site is not one call of that name."""
    last = callee.rpartition(".")[2].removesuffix("()")
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and node.lineno == line and node.col_offset == col:
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
            if name == last:
                found.append((func.end_lineno, func.end_col_offset - 1))
    return found[0] if len(set(found)) == 1 else None


class Jedi:
    def __init__(self, repo: Path, roots: list[str]) -> None:
        import jedi
        from jedi.inference.gradual import typeshed

        # jedi answers `django.*` from the Django stubs it ships, which differ from the source
        # (re-exports, mixins flattened): make it read the repository's source, as aud does.
        typeshed.DJANGO_INIT_PATH = repo / "no-bundled-django-stubs.pyi"
        self.jedi = jedi
        self.repo = repo.resolve()
        self.project = jedi.Project(path=str(self.repo),
                                    added_sys_path=[str(self.repo / r) for r in roots])
        self.trees: dict[str, tuple[str, ast.AST] | None] = {}

    def source(self, file: str):
        if file not in self.trees:
            try:
                text = (self.repo / file).read_text(encoding="utf-8")
                self.trees[file] = (text, ast.parse(text))
            except (SyntaxError, UnicodeDecodeError, ValueError):
                self.trees[file] = None
        return self.trees[file]

    def definitions(self, file: str, line: int, col: int, callee: str) -> set | None:
        """Each function or class jedi names: (file, line) inside the repository, else
        (None, module name, full name); None when the site cannot be asked (no unique call
        there, or a non-ASCII line)."""
        source = self.source(file)
        if source is None:
            return None
        text, tree = source
        position = last_name_position(tree, line, col, callee)
        if position is None or not text.splitlines()[position[0] - 1].isascii():
            return None
        script = self.jedi.Script(text, path=str(self.repo / file), project=self.project)
        answers = set()
        for name in script.goto(*position, follow_imports=True):
            if name.type not in DEFINITIONS or name.module_path is None:
                continue
            path = Path(name.module_path).resolve()
            if path.is_relative_to(self.repo):
                answers.add((str(path.relative_to(self.repo)), name.line))
            else:  # a library, or a stub jedi ships (django-stubs) for the repository's code
                answers.add((None, name.module_name, name.full_name))
        return answers


class Tsc:
    """The TypeScript language service, asked for all sites in one node process."""

    def __init__(self, repo: Path, roots: list[str]) -> None:
        self.repo = repo
        self.typescript = npm_tool(*TYPESCRIPT)
        self.answers: dict[tuple, set | None] = {}

    def ask(self, sites: list[tuple]) -> None:
        lines = "".join(json.dumps({"file": f, "line": line, "col": col, "callee": callee,
                                    "name": callee.rpartition(".")[2].removesuffix("()")}) + "\n"
                        for f, line, col, callee in sites
                        if (self.repo / f).read_bytes().splitlines()[line - 1].isascii())
        script = Path(__file__).resolve().parent / "tsc_definitions.js"
        done = subprocess.run(["node", str(script), str(self.typescript), str(self.repo)],
                              input=lines, capture_output=True, text=True, check=True)
        for line in done.stdout.splitlines():
            result = json.loads(line)
            answers = result["answers"]
            self.answers[tuple(result["site"])] = None if answers is None else {
                ("ts", a["file"], a["line"], a["name"]) for a in answers
                if a["kind"] not in TS_VARIABLES}

    def definitions(self, file: str, line: int, col: int, callee: str) -> set | None:
        return self.answers.get((file, line, col, callee))


def in_repository(answer: tuple, data: dict) -> set[tuple[str, str]]:
    """The (file, qualname) definitions of the repository an answer names. jedi's: by
    position, or for a stub of the repository's own module, by the stub's full name; tsc's:
    the innermost definition of that name around the position."""
    if answer[0] == "ts":
        _, file, line, name = answer
        if file is None:
            return set()
        if name.startswith("("):  # `(Anonymous function)`: a function value, named by aud
            spans = [s for (f, _), found in data["spans"].items() if f == file for s in found]
        else:
            spans = data["spans"].get((file, name), [])
        around = [(start, q) for start, end, q in spans if start <= line <= end]
        # Overload signatures come just before their implementation, which aud defines.
        after = sorted((start, q) for start, _, q in spans if start > line)
        found = max(around) if around else (after[0] if after and not name.startswith("(") else None)
        return {(file, found[1])} if found else set()
    if answer[0] is not None:
        return {(answer[0], q) for q in data["at_line"].get(answer, ())}
    _, module, full_name = answer
    file = data["modules"].get(module)
    if file is None or not full_name or not full_name.startswith(module + "."):
        return set()
    qualname = full_name[len(module) + 1:]
    return {(file, qualname)} if (file, qualname) in data["defined"] else set()


def measure(index_data: dict, sample: list, answers: dict) -> tuple[dict, list]:
    """Precision and recall of the certain links; `possible` sites (a call that reaches one
    of several targets) are counted apart: how many, and how often the peer's answer is one
    of their targets."""
    links, possible = index_data["links"], index_data["possible"]
    agree = judged = found = wanted = possible_judged = possible_agree = 0
    disagreements, misses = [], []
    for site in sample:
        named = answers.get(site)
        if named is None:
            continue
        inside = set().union(*(in_repository(a, index_data) for a in named)) if named else set()
        if site in possible and site not in links and inside:
            possible_judged += 1
            possible_agree += bool(possible[site] & inside)
        targets = links.get(site, set())
        if targets and named:
            judged += 1
            if targets & inside:
                agree += 1
            else:
                disagreements.append((site, sorted(targets), sorted(named, key=str)))
        if inside:
            wanted += 1
            found += bool(targets & inside)
            if not targets & inside:
                misses.append((site, sorted(targets), sorted(inside)))
    total = len(index_data["calls"])
    linked = sum(1 for c in index_data["calls"] if tuple(c) in links)
    only_possible = sum(1 for c in index_data["calls"] if tuple(c) in possible
                        and tuple(c) not in links)
    return {
        "precision": agree / judged if judged else None, "judged": judged,
        "recall": found / wanted if wanted else None, "jedi_inside": wanted,
        "linked_share": linked / total if total else None, "call_sites": total,
        "possible_share": only_possible / total if total else None,
        "possible_hit": possible_agree / possible_judged if possible_judged else None,
        "possible_judged": possible_judged,
    }, disagreements, misses


def run_corpus(name: str, sample_size: int, auds: dict[str, str]) -> tuple[dict, list]:
    build, langs = CORPORA[name]
    repo = build()
    subprocess.run(["git", "update-index", "--refresh"], cwd=repo, capture_output=True)
    indexes = {}
    for label, aud in auds.items():  # the last one built stays in .pf (the current aud's)
        seconds, indexes[label] = index(aud, repo, langs)
        indexes[label]["seconds"] = seconds
    calls = indexes["aud"]["calls"]
    sample = sorted(random.Random(f"{name}-sample").sample(calls, min(sample_size, len(calls))))
    started = time.perf_counter()
    if langs == ("python",):
        peer: Jedi | Tsc = Jedi(repo, SOURCE_ROOTS.get(name, []))
    else:
        peer = Tsc(repo, [])
        peer.ask([tuple(site) for site in sample])
    answers = {tuple(site): peer.definitions(*site) for site in sample}
    peer_seconds = time.perf_counter() - started
    asked = [tuple(s) for s in sample if answers[tuple(s)] is not None]
    results = {"sample": len(sample), "asked": len(asked), "peer": type(peer).__name__.lower(),
               "peer_seconds": round(peer_seconds, 1)}
    notes = []
    for label, data in indexes.items():
        metrics, disagreements, misses = measure(data, asked, answers)
        results[label] = {**metrics, "index_seconds": round(data["seconds"], 2)}
        notes += [(name, label, "differs", *d) for d in disagreements]
        notes += [(name, label, "missed", *d) for d in misses]
    return results, notes


def percent(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:.1f} %"


def report(results: dict) -> str:
    lines = ["| corpus | peer | aud | precision | recall | call sites linked | only `possible`"
             " (the peer's target among them) |",
             "|---|---|---|---:|---:|---:|---:|"]
    for corpus, data in results.items():
        for label in ("baseline", "aud"):
            if label in data:
                m = data[label]
                lines.append(f"| {corpus} ({data['asked']} sites asked) | {data['peer']} | {label} |"
                             f" {percent(m['precision'])} ({m['judged']}) |"
                             f" {percent(m['recall'])} ({m['jedi_inside']}) |"
                             f" {percent(m['linked_share'])} of {m['call_sites']} |"
                             f" {percent(m.get('possible_share'))}"
                             f" ({percent(m.get('possible_hit'))} of {m.get('possible_judged', 0)}) |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sample", type=int, default=600)
    parser.add_argument("--baseline", metavar="AUD", help="also measure this aud (a previous version)")
    parser.add_argument("--corpus", choices=sorted(CORPORA), action="append")
    args = parser.parse_args()
    auds = {"baseline": args.baseline} if args.baseline else {}
    auds["aud"] = AUD
    results, notes = {}, []
    for name in args.corpus or sorted(CORPORA):
        results[name], found = run_corpus(name, args.sample, auds)
        notes += found
    (WORK / "results-resolvers.json").write_text(json.dumps(results, indent=2) + "\n")
    (WORK / "resolvers-disagreements.txt").write_text("".join(
        f"{corpus} {label} {what} {site[0]}:{site[1]}:{site[2]} {site[3]}\n"
        f"  aud:  {ours}\n  jedi: {theirs}\n"
        for corpus, label, what, site, ours, theirs in notes))
    print(report(results))


if __name__ == "__main__":
    main()
