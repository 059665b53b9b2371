"""A full build's link: runs of files in forked workers reading the committed facts, within
bounded memory; the rows never depend on how the work was split, forgotten or retried."""
from __future__ import annotations

import os
import signal

import aud_git.link as link
from aud_git.link.lookups import FactReader


def populate(repo, count: int = 40) -> None:
    """Modules that import, call and subclass across packages: shared results to memoise."""
    for i in range(count):
        other = (i * 7 + 3) % count
        repo.write(f"pkg{i % 4}/m{i}.py", (
            f"from pkg{other % 4}.m{other} import C{other}, f{other}\n"
            f"class C{i}(C{other}):\n    def go(self):\n        return self.stop()\n"
            f"def f{i}():\n    return C{i}().go() + f{other}()\n"
        ))
    for p in range(4):
        repo.write(f"pkg{p}/__init__.py", "")
    repo.commit()


def rebuilt_digest(repo, jobs: int) -> str:
    repo.aud("index", "--no-cache", "-q", "-j", str(jobs))
    return repo.digest()


def test_workers_with_short_runs_and_forgetting_give_one_process_rows(repo, monkeypatch):
    populate(repo)
    whole = rebuilt_digest(repo, jobs=1)
    forgotten, in_workers = [], []
    forget, parts = FactReader.forget, link._parts_from_workers

    def counted_forget(self):
        forgotten.append(1)
        forget(self)

    def counted_parts(*args):
        in_workers.append(1)
        yield from parts(*args)

    monkeypatch.setattr(FactReader, "forget", counted_forget)
    monkeypatch.setattr(link, "_parts_from_workers", counted_parts)
    monkeypatch.setattr(link, "_PARALLEL_ABOVE", 0)
    monkeypatch.setattr(link, "_SLICE", 5)
    monkeypatch.setattr(link, "_FORGET_ABOVE", 12)
    assert rebuilt_digest(repo, jobs=1) == whole
    assert forgotten, "the reader was never over the bound"
    assert rebuilt_digest(repo, jobs=2) == whole
    assert in_workers
    assert rebuilt_digest(repo, jobs=3) == whole


def test_a_link_worker_that_dies_costs_no_row(repo, monkeypatch):
    populate(repo)
    whole = rebuilt_digest(repo, jobs=1)
    parent, here = os.getpid(), []
    run = link._link_run

    def dying(reader, roots, files, context, memo):
        if os.getpid() != parent and "pkg2/m14.py" in files:
            os.kill(os.getpid(), signal.SIGKILL)  # the OOM killer
        if os.getpid() == parent:
            here.extend(files)
        return run(reader, roots, files, context, memo)

    monkeypatch.setattr(link, "_link_run", dying)
    monkeypatch.setattr(link, "_PARALLEL_ABOVE", 0)
    monkeypatch.setattr(link, "_SLICE", 5)
    assert rebuilt_digest(repo, jobs=2) == whole
    assert "pkg2/m14.py" in here  # linked here once its worker died
