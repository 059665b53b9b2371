"""`aud tags`: files that real ctags readers (readtags, Vim) and Emacs' format accept, kept fresh
by the hooks when asked."""
from __future__ import annotations

import json
import os
import shutil
import subprocess

import pytest

from conftest import wait_for_background

needs_readtags = pytest.mark.skipif(shutil.which("readtags") is None, reason="no readtags")
needs_vim = pytest.mark.skipif(shutil.which("vim") is None, reason="no vim")
needs_ctags = pytest.mark.skipif(shutil.which("ctags") is None, reason="no universal-ctags")

MODELS = (
    "class Model:\n"
    "    def save(self):\n"
    "        pass\n"
    "\n"
    "    class Meta:\n"
    "        ordering = 1\n"
    "\n"
    "def helper():\n"
    "    pass\n"
)


@pytest.fixture
def tagged(repo):
    repo.write("app/models.py", MODELS)
    repo.write("web/box.ts", "export class Box {\n  open(): void {}\n}\nexport interface Shape { x: number }\n")
    repo.write("web/view.tsx", "export function View() {\n  return <div />;\n}\n")
    repo.commit()
    repo.aud("index")
    return repo


def readtags(tags_file, *args: str) -> list[list[str]]:
    out = subprocess.run(["readtags", "-t", str(tags_file), *args], capture_output=True, text=True,
                         check=True).stdout
    return [line.split("\t") for line in out.splitlines()]


@needs_readtags
def test_readtags_finds_each_definition_by_binary_search(tagged):
    report = tagged.aud("tags", "--json")
    assert report == {"version": 1, "output": str(tagged.path / "tags"), "format": "ctags", "tags": 11,
                      "written": True, "left_out": 0}
    tags_file = tagged.path / "tags"
    # -n: a sorted file is searched by bisection, so an unsorted one would miss names
    assert readtags(tags_file, "-e", "save") == [
        ["save", "app/models.py", '2;"', "kind:m", "language:Python", "class:Model"]]
    assert readtags(tags_file, "-e", "ordering")[0][-1] == "class:Model.Meta"
    assert readtags(tags_file, "-e", "open")[0][2:] == ['2;"', "kind:m", "language:TypeScript",
                                                       "class:Box"]
    assert readtags(tags_file, "-e", "Shape")[0][3] == "kind:i"
    assert readtags(tags_file, "-e", "x")[0][3:] == ["kind:v", "language:TypeScript",
                                                    "interface:Shape"]
    assert readtags(tags_file, "-e", "View")[0][1:5] == ["web/view.tsx", '1;"', "kind:f", "language:TypeScript"]
    names = [fields[0] for fields in readtags(tags_file, "-l")]
    assert names == sorted(names, key=str.encode)
    assert "app.models" in names  # a Python module, by its dotted name


@needs_vim
def test_vim_taglist_reads_the_file(tagged, tmp_path):
    tagged.aud("tags")
    out = tmp_path / "taglist.json"
    subprocess.run(["vim", "-es", "-N", "-u", "NONE", "-i", "NONE", "-c", "set tags=./tags",
                    "-c", f"redir! > {out}", "-c", 'echo json_encode(taglist("^helper$"))',
                    "-c", "redir END", "-c", "qa!"], cwd=tagged.path, check=True, timeout=60)
    found = json.loads(out.read_text().strip())
    assert [(t["name"], t["filename"], t["cmd"], t["kind"]) for t in found] == [
        ("helper", "app/models.py", "8", "f")]


@needs_ctags
def test_etags_lines_agree_with_universal_ctags(tagged):
    assert tagged.aud("tags", "-e", "--json")["output"] == str(tagged.path / "TAGS")
    ours = (tagged.path / "TAGS").read_bytes()
    theirs = subprocess.run(["ctags", "-e", "-o", "-", "app/models.py"], cwd=tagged.path,
                            capture_output=True, check=True).stdout

    def entries(content: bytes, path: bytes) -> set[tuple[bytes, bytes]]:
        section = content.split(b"\x0c\n" + path + b",")[1].split(b"\x0c")[0]
        size, body = section.split(b"\n", 1)
        assert int(size) == len(body)  # the section size Emacs skips by
        return {tuple(line.split(b"\x7f")[1].split(b"\x01")) for line in body.splitlines()}

    # (name, "line,offset"): the same places; our module tag is the one ctags has not
    assert entries(ours, b"app/models.py") - {(b"app.models", b"1,0")} == entries(theirs, b"app/models.py")
    assert b"    def save\x7fsave\x012,13\n" in ours  # the line up to the name, Emacs' search text


def test_written_only_when_the_content_changes(tagged):
    tagged.aud("tags")
    tags_file = tagged.path / "tags"
    os.utime(tags_file, ns=(1, 1))
    assert tagged.aud("tags", "--json")["written"] is False
    assert tags_file.stat().st_mtime_ns == 1
    tagged.write("app/more.py", "def extra():\n    pass\n")
    tagged.aud("index", "--incremental")
    assert tagged.aud("tags", "--json")["written"] is True
    assert b"extra\tapp/more.py\t1;\"" in tags_file.read_bytes()


def test_paths_are_relative_to_the_tags_file(tagged):
    (tagged.path / "sub").mkdir()
    tagged.aud("tags", "-o", str(tagged.path / "sub" / "tags"))
    assert b"helper\t../app/models.py\t8;\"" in (tagged.path / "sub" / "tags").read_bytes()


def test_a_path_that_cannot_stand_in_a_tags_file_is_counted(repo):
    repo.write("odd\tname.py", "def f():\n    pass\n")
    repo.write("fine.py", "def g():\n    pass\n")
    repo.commit()
    repo.aud("index")
    report = repo.aud("tags", "--json")
    assert (report["tags"], report["left_out"]) == (2, 2)  # g and its module in; f and its module out
    assert b"odd" not in (repo.path / "tags").read_bytes()


def test_the_output_is_replaced_never_written_through_a_link(tagged, tmp_path):
    victim = tmp_path / "victim"
    victim.write_text("keep me\n")
    (tagged.path / "tags").symlink_to(victim)
    tagged.aud("tags")
    assert victim.read_text() == "keep me\n"
    assert not (tagged.path / "tags").is_symlink()


def test_hooks_keep_the_recorded_tags_file_fresh(tagged):
    assert tagged.run_aud("hooks", "install").returncode == 0
    tagged.aud("tags", "--keep", "-o", str(tagged.path / "tags"))
    assert tagged.git("config", "aud.tags").stdout.strip() == "tags"
    tagged.write("app/late.py", "def late():\n    pass\n")
    tagged.git("add", "app/late.py")
    tagged.git("commit", "-q", "-m", "late")
    wait_for_background(tagged)
    assert b"late\tapp/late.py\t1;\"" in (tagged.path / "tags").read_bytes()
    tagged.aud("tags", "--no-keep")
    assert tagged.git("config", "aud.tags", check=False).returncode != 0


def test_keeping_a_file_outside_the_working_tree_is_refused(tagged, tmp_path):
    result = tagged.run_aud("tags", "--keep", "-o", str(tmp_path / "elsewhere"))
    assert result.returncode == 2 and "outside the working tree" in result.stderr
    assert result.stderr.count("\n") == 1


def test_a_kept_file_is_never_written_through_a_linked_directory(tagged, tmp_path):
    """The repository may turn the directory of a kept tags file into a link to elsewhere:
    the hooks then refuse to write, and say why in their log."""
    assert tagged.run_aud("hooks", "install").returncode == 0
    (tagged.path / "docs").mkdir()
    tagged.aud("tags", "--keep", "-o", str(tagged.path / "docs" / "tags"))
    (tagged.path / "docs" / "tags").unlink()
    (tagged.path / "docs").rmdir()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (tagged.path / "docs").symlink_to(elsewhere)
    tagged.write("app/late.py", "def late():\n    pass\n")
    tagged.git("add", "-A")
    tagged.git("commit", "-q", "-m", "late")
    wait_for_background(tagged)
    assert list(elsewhere.iterdir()) == []
    assert "tags not refreshed" in (tagged.path / ".pf" / "hooks.log").read_text()
