"""A change in one file re-links the callers whose resolution read it, and only through the
interface keys they read: each case edits one file and checks the caller's links and that the
incremental index equals a full build."""
from __future__ import annotations

import pytest

USE = "from sub import Sub\nfrom make import make\nSub().save()\nmake().run()\n"

BEFORE = {
    "base.py": "class Base:\n    pass\n",
    "sub.py": "from base import Base\nclass Sub(Base):\n    pass\n",
    "make.py": "from kinds import A\ndef make() -> A:\n    ...\n",
    "kinds.py": "class A:\n    def run(self): pass\nclass B:\n    def run(self): pass\n",
    "use.py": USE,
}

EDITS = {
    # name: (path, new text, {(callee, qualname)} of use.py after the edit)
    "a method added to a base class": (
        "base.py", "class Base:\n    def save(self): pass\n",
        {("Sub().save", "Base.save"), ("make().run", "A.run")}),
    "a base class added to a subclass": (
        "sub.py", "from base import Base\nfrom kinds import A\nclass Sub(A, Base):\n"
        "    def save(self): pass\n",
        {("Sub().save", "Sub.save"), ("make().run", "A.run")}),
    "a return annotation changed": (
        "make.py", "from kinds import B\ndef make() -> B:\n    ...\n",
        {("make().run", "B.run")}),
    "a return annotation removed": (
        "make.py", "def make():\n    ...\n", set()),
    "the annotated class's method removed": (
        "kinds.py", "class A:\n    pass\nclass B:\n    def run(self): pass\n", set()),
}


@pytest.mark.parametrize("edit", EDITS, ids=list(EDITS))
def test_an_edit_relinks_the_callers_that_read_it(repo, edit):
    for path, text in BEFORE.items():
        repo.write(path, text)
    repo.commit()
    repo.aud("index")
    path, text, expected = EDITS[edit]
    repo.write(path, text)
    repo.aud("index", "--incremental")
    found = set(repo.query("SELECT callee, target_qualname FROM call_links WHERE file = 'use.py'"
                           " AND callee IN ('Sub().save', 'make().run')"))
    assert found == expected
    repo.assert_exact()


def test_an_unrelated_edit_relinks_nobody_else(repo):
    for path, text in BEFORE.items():
        repo.write(path, text)
    repo.commit()
    repo.aud("index")
    repo.write("kinds.py", BEFORE["kinds.py"] + "def unused():\n    pass\n")
    summary = repo.aud("index", "--incremental", "--json")
    assert summary["relinked"] == 1  # kinds.py itself: no caller read `unused`


@pytest.mark.parametrize("text, expected", [
    ("def g(): pass\ndef h(): pass\nH = {'a': g}\ndef fill():\n    H['b'] = h\n",
     {("g", "possible"), ("h", "possible")}),
    ("def g(): pass\nH = {'a': g}\nH.update(more)\n", set()),
    ("def g(): pass\ndef h(): pass\nH = {'a': h}\n", {("h", "inferred")}),
], ids=["an element put in by a function", "elements not followed", "another element"])
def test_what_a_container_holds_relinks_its_readers(repo, text, expected):
    repo.write("registry.py", "def g(): pass\nH = {'a': g}\n")
    repo.write("use.py", "from registry import H\nH['a']()\n")
    repo.commit()
    repo.aud("index")
    assert set(repo.query("SELECT target_qualname, resolution FROM call_links WHERE file = 'use.py'")) \
        == {("g", "inferred")}
    repo.write("registry.py", text)
    repo.aud("index", "--incremental")
    assert set(repo.query("SELECT target_qualname, resolution FROM call_links WHERE file = 'use.py'")) \
        == expected
    repo.assert_exact()
