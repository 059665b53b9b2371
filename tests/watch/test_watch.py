from __future__ import annotations

import os
import re
import time

from conftest import RFC3339, Watcher


def test_create_edit_delete_rename(watched):
    repo, watcher = watched
    repo.write("pkg/b.py", "def b():\n    pass\n")
    watcher.settle()
    repo.write("main.py", "from pkg.b import b\nb()\n")
    watcher.settle()
    os.rename(repo.path / "pkg" / "b.py", repo.path / "pkg" / "c.py")
    watcher.settle()
    repo.remove("pkg/a.py")
    watcher.settle()


def test_editor_atomic_save_and_directory_move(watched):
    repo, watcher = watched
    temporary = repo.path / "pkg" / ".a.py.swp~"
    temporary.write_text("def a():\n    return 2\n")
    os.replace(temporary, repo.path / "pkg" / "a.py")
    watcher.settle()
    os.rename(repo.path / "pkg", repo.path / "lib")
    watcher.settle()
    assert repo.query("SELECT count(*) FROM files WHERE path LIKE 'lib/%'") == [(2,)]


def test_branch_switch_while_watching(watched):
    repo, watcher = watched
    repo.git("checkout", "-q", "-b", "other")
    for i in range(10):
        repo.write(f"gen/g{i}.py", f"from pkg.a import a\ndef g{i}():\n    a()\n")
    repo.commit("other")
    watcher.settle()
    repo.git("checkout", "-q", "main")
    watcher.settle()


def test_burst_of_200_edits(watched):
    repo, watcher = watched
    for i in range(200):
        repo.write(f"burst/m{i % 40}.py", f"def f{i}():\n    pass\n")
    watcher.settle(timeout=30)


def test_edit_made_while_stopped_and_clean_stop(repo):
    repo.write("a.py", "x = 1\n")
    repo.commit()
    repo.aud("index")
    watcher = Watcher(repo)
    assert watcher.stop() == 0
    assert not (repo.path.parent / "watch.pid").exists()
    repo.write("a.py", "def changed():\n    pass\n")
    watcher = Watcher(repo)  # reconciles at start
    watcher.settle()
    assert watcher.stop() == 0


def test_missing_watchdog_is_one_clear_line(repo, tmp_path):
    blocker = tmp_path / "blocker"
    blocker.mkdir()
    (blocker / "watchdog").mkdir()
    (blocker / "watchdog" / "__init__.py").write_text("raise ImportError('no watchdog here')\n")
    result = repo.run_aud("watch", env={"PYTHONPATH": str(blocker)})
    assert result.returncode == 2
    assert result.stderr.strip() == "aud: aud watch needs watchdog: pip install watchdog (aud-git's `watch` extra)"


def test_full_rebuilds_with_worker_pools_while_watching(repo):
    for i in range(80):  # untracked, so read and parsed by a worker pool every time
        repo.write(f"many/m{i}.py", f"from many.m{(i + 1) % 80} import f{(i + 1) % 80}\ndef f{i}():\n    pass\n")
    watcher = Watcher(repo, env={"AUD_FORCE_FULL": "1"})
    for round_number in range(3):
        repo.write("many/m0.py", f"def f0():\n    return {round_number}\n")
        watcher.settle(timeout=30)
    assert watcher.stop() == 0
    assert "Traceback" not in watcher.process.stderr.read()


def test_an_overflowed_event_queue_asks_for_a_reconcile():
    import logging

    from aud_git.watch.events import EventBatch, OverflowReconcile

    batch = EventBatch()
    handler = OverflowReconcile(batch)
    log = logging.getLogger("watchdog.observers.inotify")
    logging.getLogger("watchdog").addHandler(handler)
    try:
        log.warning("Inotify queue overflowed; reconciling recursive watches below %r", "/x")
        assert batch.dirty
        assert batch.wait_quiet(0.0) == []  # a reconcile with no path hints
        log.warning("an unrelated warning")
        assert not batch.dirty
    finally:
        logging.getLogger("watchdog").removeHandler(handler)


def test_the_watcher_stops_with_one_line_when_its_tree_is_deleted(watched):
    import shutil

    repo, watcher = watched
    shutil.rmtree(repo.path)
    assert watcher.process.wait(timeout=20) == 2
    err = watcher.process.stderr.read()
    assert err.count("\n") == 1 and "watch stopped: the working tree" in err
    assert not repo.path.exists()


def test_a_tracked_file_that_an_ignore_rule_matches_is_still_watched(repo):
    repo.write(".gitignore", "*.js\n")
    repo.write("jest.config.js", "module.exports = {};\n")
    repo.git("add", "-f", "jest.config.js")
    repo.commit()
    repo.aud("index")
    watcher = Watcher(repo)
    try:
        repo.write("jest.config.js", "function configure() {}\nmodule.exports = configure();\n")
        watcher.settle()
    finally:
        watcher.stop()


def test_an_edit_to_git_info_exclude_reconciles(repo):
    repo.write("a.py", "x = 1\n")
    repo.commit()
    repo.write("scratch.py", "def draft():\n    pass\n")  # untracked, so indexed
    repo.aud("index")
    watcher = Watcher(repo)
    try:
        with open(repo.path / ".git" / "info" / "exclude", "a") as handle:
            handle.write("scratch.py\n")  # now git no longer sees it
        watcher.settle()
        assert repo.query("SELECT path FROM files WHERE path = 'scratch.py'") == []
    finally:
        watcher.stop()


def test_a_kept_tags_file_follows_the_edits_and_json_is_versioned(repo):
    repo.write("a.py", "def a():\n    pass\n")
    repo.commit()
    repo.aud("index")
    repo.aud("tags", "--keep")
    watcher = Watcher(repo)
    try:
        repo.write("b.py", "def b():\n    pass\n")
        watcher.settle()
        deadline = time.monotonic() + 15
        while b"b\tb.py\t1;\"" not in (repo.path / "tags").read_bytes():
            assert time.monotonic() < deadline, "the tags file was not refreshed"
            time.sleep(0.05)
        update = watcher.next_update()
        while "b.py" not in update.get("added", []):
            update = watcher.next_update()
        assert update["version"] == 1 and re.fullmatch(RFC3339, update["time"])
        assert any(note.endswith("tags: 4 tags") for note in update["notes"])
    finally:
        watcher.stop()
