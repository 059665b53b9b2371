"""Type-directed call resolution for Python: one construct per case, each with its negative twin
(the ambiguous or unknown form stays unlinked). `use.py` calls; the other files define."""
from __future__ import annotations

import textwrap

import pytest

MODELS = """\
class Helper:
    def run(self): pass

class Other:
    def run(self): pass

class Context:
    def invoke(self): pass

class Base:
    def save(self): pass
    def check(self): pass

class Db:
    def session(self): pass

db = Db()

def get_context() -> "Context": ...

def untyped(): ...
"""

CASES = {
    # name: (use.py, callee, {(qualname, resolution)})
    "constructor bound to a local": (
        "from models import Helper\ndef f():\n    a = Helper()\n    a.run()\n",
        "a.run", {("Helper.run", "inferred")}),
    "two different values: each is possible": (
        "from models import Helper, Other\ndef f():\n    a = Helper()\n    a = Other()\n    a.run()\n",
        "a.run", {("Helper.run", "possible"), ("Other.run", "possible")}),
    "two values, one unknown": (
        "from models import Helper\ndef f(x):\n    a = Helper()\n    a = x\n    a.run()\n",
        "a.run", set()),
    "two values, one without the member": (
        "from models import Helper, Base\ndef f():\n    a = Helper()\n    a = Base()\n    a.run()\n",
        "a.run", set()),
    "two values whose member is one method": (
        "from models import Base\nclass A(Base): pass\nclass B(Base): pass\n"
        "def f():\n    a = A()\n    a = B()\n    a.save()\n", "a.save", {("Base.save", "inferred")}),
    "a conditional value": (
        "from models import Helper, Other\ndef f(c):\n    a = Helper() if c else Other()\n    a.run()\n",
        "a.run", {("Helper.run", "possible"), ("Other.run", "possible")}),
    "a value or a default": (
        "from models import Helper\ndef f(x: Helper = None):\n    a = x or Helper()\n    a.run()\n",
        "a.run", {("Helper.run", "inferred")}),
    "two functions, one called": (
        "def g(): pass\ndef h(): pass\ndef f(c):\n    fn = g if c else h\n    fn()\n",
        "fn", {("g", "possible"), ("h", "possible")}),
    "a function or an instance, called": (
        "from models import Helper\ndef g(): pass\ndef f(c):\n    fn = g if c else Helper()\n    fn()\n",
        "fn", set()),
    "a loop over functions": (
        "def g(): pass\ndef h(): pass\nfor fn in (g, h):\n    fn()\n",
        "fn", {("g", "possible"), ("h", "possible")}),
    "a loop over what a call returns": (
        "def g(): pass\ndef load():\n    return make()\nfor fn in load():\n    fn()\n", "fn", set()),
    "a dict of functions, subscripted": (
        "def g(): pass\ndef h(): pass\nH = {'a': g, 'b': h}\ndef run(k):\n    H[k]()\n", "H[k]",
        {("g", "possible"), ("h", "possible")}),
    "a list of one function": (
        "def g(): pass\nL = [g]\nL[0]()\n", "L[0]", {("g", "inferred")}),
    "a dict's get": (
        "def g(): pass\ndef h(): pass\nH = {'a': g, 'b': h}\nH.get('a')()\n", "H.get('a')",
        {("g", "possible"), ("h", "possible")}),
    "a dict a function fills with a known function": (
        "def g(): pass\ndef h(): pass\nH = {'a': g}\ndef setup():\n    H['b'] = h\nH['a']()\n",
        "H['a']", {("g", "possible"), ("h", "possible")}),
    "a dict a function fills with its parameter": (
        "def g(): pass\nH = {'a': g}\ndef register(fn):\n    H['b'] = fn\nH['a']()\n", "H['a']",
        set()),
    "a list appended to": (
        "def g(): pass\ndef h(): pass\nL = []\nL.append(g)\nL.append(h)\nL[0]()\n", "L[0]",
        {("g", "possible"), ("h", "possible")}),
    "a list extended": (
        "def g(): pass\nL = [g]\nL.extend(more)\nL[0]()\n", "L[0]", set()),
    "a container bound to something else too": (
        "def g(): pass\nH = {'a': g}\nH = load()\nH['a']()\n", "H['a']", set()),
    "a local list of a closure, filled inside": (
        "def g(): pass\ndef h(): pass\ndef f():\n    fs = [g]\n    def add():\n        fs.append(h)\n"
        "    fs[0]()\n", "fs[0]", {("g", "possible"), ("h", "possible")}),
    "an attribute's dict": (
        "def g(): pass\nclass C:\n    def __init__(self):\n        self.m = {'a': g}\n"
        "    def run(self, k):\n        self.m[k]()\n", "self.m[k]", {("g", "inferred")}),
    "an element's method": (
        "from models import Helper\nH = {'a': Helper()}\nH['a'].run()\n", "H['a'].run",
        {("Helper.run", "inferred")}),
    "a subscript of a parameter": (
        "def f(x):\n    x[0]()\n", "x[0]", set()),
    "a loop over a named list": (
        "def g(): pass\ndef h(): pass\nL = [g, h]\nfor fn in L:\n    fn()\n", "fn",
        {("g", "possible"), ("h", "possible")}),
    "a loop over a dict takes its keys": (
        "def g(): pass\nH = {'a': g}\nfor k in H:\n    k()\n", "k", set()),
    "a loop over a dict's values": (
        "def g(): pass\nH = {'a': g}\nfor fn in H.values():\n    fn()\n", "fn", {("g", "inferred")}),
    "a list has no get": (
        "def g(): pass\nL = [g]\nL.get(0)()\n", "L.get(0)", set()),
    "a loop over what a generator yields": (
        "from models import Helper\ndef gen():\n    yield Helper()\nfor h in gen():\n    h.run()\n",
        "h.run", {("Helper.run", "inferred")}),
    "a loop over a generator that yields from another": (
        "from models import Helper\ndef gen():\n    yield Helper()\n    yield from more()\n"
        "for h in gen():\n    h.run()\n", "h.run", set()),
    "a loop over an instance of a class that iterates": (
        "from models import Helper\nclass Bag:\n    def __iter__(self):\n        return self\n"
        "    def run(self): pass\nfor h in Bag():\n    h.run()\n", "h.run", set()),
    "a subclass's class attribute hides its base's": (
        "from models import Helper, Other\nclass A:\n    kind = Helper\nclass B(A):\n    kind = Other\n"
        "    def make(self):\n        self.kind()\n", "self.kind", {("Other", "inferred")}),
    "a base's method assignment still counts": (
        "from models import Helper, Other\nclass A:\n    def __init__(self):\n        self.kind = Helper\n"
        "class B(A):\n    kind = Other\n    def make(self):\n        self.kind()\n", "self.kind",
        {("Helper", "possible"), ("Other", "possible")}),
    "two classes, one called": (
        "from models import Helper, Other\ndef f(c):\n    k = Helper if c else Other\n    k()\n",
        "k", {("Helper", "possible"), ("Other", "possible")}),
    "None does not count against a value": (
        "from models import Helper\ndef f():\n    a = None\n    a = Helper()\n    a.run()\n",
        "a.run", {("Helper.run", "inferred")}),
    "an unknown value stays unresolved": (
        "from models import Helper\ndef f(x):\n    a = Helper()\n    a = x[0]\n    a.run()\n",
        "a.run", set()),
    "module instance imported from another file": (
        "from models import db\ndb.session()\n", "db.session", {("Db.session", "inferred")}),
    "module instance through the module": (
        "import models\nmodels.db.session()\n", "models.db.session", {("Db.session", "inferred")}),
    "module variable of unknown value": (
        "import os\ndb = os.environ\ndb.session()\n", "db.session", set()),
    "attribute assigned in __init__": (
        "from models import Helper\nclass C:\n    def __init__(self):\n        self.h = Helper()\n"
        "    def go(self):\n        self.h.run()\n", "self.h.run", {("Helper.run", "inferred")}),
    "attribute assigned two different values": (
        "from models import Helper\nclass C:\n    def __init__(self, h):\n        self.h = Helper()\n"
        "    def reset(self, h):\n        self.h = h\n    def go(self):\n        self.h.run()\n",
        "self.h.run", set()),
    "attribute from an annotated parameter": (
        "from models import Helper\nclass C:\n    def __init__(self, h: Helper):\n        self.h = h\n"
        "    def go(self):\n        self.h.run()\n", "self.h.run", {("Helper.run", "inferred")}),
    "a class attribute no base class reassigns": (
        "from models import Helper\nclass Base:\n    pass\nclass C(Base):\n    h = Helper()\n"
        "    def go(self):\n        self.h.run()\n", "self.h.run", {("Helper.run", "inferred")}),
    "a class attribute a base class's __init__ reassigns": (
        "from models import Helper\nclass Base:\n    def __init__(self, h):\n        self.h = h\n"
        "class C(Base):\n    h = Helper()\n    def go(self):\n        self.h.run()\n",
        "self.h.run", set()),
    "class-level attribute annotation": (
        "from models import Helper\nclass C:\n    h: Helper\n    def go(self):\n        self.h.run()\n",
        "self.h.run", {("Helper.run", "annotated")}),
    "parameter annotation": (
        "from models import Context\ndef f(ctx: Context):\n    ctx.invoke()\n",
        "ctx.invoke", {("Context.invoke", "annotated")}),
    "unannotated parameter": (
        "def f(ctx):\n    ctx.invoke()\n", "ctx.invoke", set()),
    "string forward reference in Optional": (
        "from models import Context\ndef f(ctx: \"Optional[Context]\" = None):\n    ctx.invoke()\n",
        "ctx.invoke", {("Context.invoke", "annotated")}),
    "X | None": (
        "from models import Context\ndef f(ctx: Context | None):\n    ctx.invoke()\n",
        "ctx.invoke", {("Context.invoke", "annotated")}),
    "a union of two classes": (
        "from typing import Union\nfrom models import Context, Helper\n"
        "def f(ctx: Union[Context, Helper]):\n    ctx.invoke()\n", "ctx.invoke", set()),
    "a container of the class": (
        "from typing import List\nfrom models import Context\ndef f(ctx: List[Context]):\n    ctx.invoke()\n",
        "ctx.invoke", set()),
    "TYPE_CHECKING import in a string annotation": (
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from models import Context\n"
        "def f(ctx: 'Context'):\n    ctx.invoke()\n", "ctx.invoke", {("Context.invoke", "annotated")}),
    "return annotation, called in a chain": (
        "from models import get_context\nget_context().invoke()\n",
        "get_context().invoke", {("Context.invoke", "annotated")}),
    "return annotation, bound to a local": (
        "from models import get_context\ndef f():\n    c = get_context()\n    c.invoke()\n",
        "c.invoke", {("Context.invoke", "inferred")}),
    "no return annotation, no return value": (
        "from models import untyped\ndef f():\n    c = untyped()\n    c.invoke()\n", "c.invoke", set()),
    "the value a function returns": (
        "from models import Helper\ndef make():\n    h = Helper()\n    return h\nmake().run()\n",
        "make().run", {("Helper.run", "inferred")}),
    "a function returning two different values": (
        "from models import Helper, Other\ndef make(x):\n    if x:\n        return Helper()\n"
        "    return Other()\nmake(1).run()\n", "make().run",
        {("Helper.run", "possible"), ("Other.run", "possible")}),
    "a generator's yield is not its value": (
        "from models import Helper\ndef make():\n    yield Helper()\nmake().run()\n",
        "make().run", set()),
    "method inherited from a class in another file": (
        "from models import Base\nclass Sub(Base):\n    pass\nSub().save()\n",
        "Sub().save", {("Base.save", "inherited")}),
    "a base outside the repository comes first": (
        "import enum\nfrom models import Base\nclass Sub(enum.Enum, Base):\n    pass\nSub().save()\n",
        "Sub().save", set()),
    "a base outside the repository comes after": (
        "import enum\nfrom models import Base\nclass Sub(Base, enum.Enum):\n    pass\nSub().save()\n",
        "Sub().save", {("Base.save", "inherited")}),
    "C3 order, not depth first": (
        "from models import Base\nclass A(Base):\n    pass\nclass B(Base):\n    def save(self): pass\n"
        "class C(A, B):\n    pass\nC().save()\n", "C().save", {("B.save", "inherited")}),
    "an inconsistent hierarchy": (
        "from models import Base\nclass A(Base):\n    pass\nclass C(Base, A):\n    pass\nC().save()\n",
        "C().save", set()),
    "super()": (
        "from models import Base\nclass Sub(Base):\n    def save(self):\n        super().save()\n",
        "super().save", {("Base.save", "inherited")}),
    "super(C, self)": (
        "from models import Base\nclass Sub(Base):\n    def save(self):\n        super(Sub, self).save()\n",
        "super().save", {("Base.save", "inherited")}),
    "super(Other, self)": (
        "from models import Base\nclass Sub(Base):\n    def save(self):\n        super(Base, self).save()\n",
        "super().save", set()),
    "self method from a base class": (
        "from models import Base\nclass Sub(Base):\n    def go(self):\n        self.check()\n",
        "self.check", {("Base.check", "inherited")}),
    "a receiver not named self": (
        "class C:\n    def a(this):\n        this.b()\n    def b(this): pass\n",
        "this.b", {("C.b", "self")}),
    "a static method's first parameter is no receiver": (
        "class C:\n    @staticmethod\n    def a(self):\n        self.b()\n    def b(self): pass\n",
        "self.b", set()),
    "cls() in a classmethod": (
        "class C:\n    def __init__(self): pass\n    def m(self): pass\n    @classmethod\n"
        "    def make(cls):\n        cls().m()\n", "cls().m", {("C.m", "self")}),
    "a property's declared type": (
        "from models import Helper\nclass C:\n    @property\n    def h(self) -> Helper:\n        ...\n"
        "    def go(self):\n        self.h.run()\n", "self.h.run", {("Helper.run", "annotated")}),
    "a property without a declared type": (
        "class C:\n    @property\n    def h(self):\n        ...\n    def go(self):\n        self.h.run()\n",
        "self.h.run", set()),
    "a class call links the class and its inherited __init__": (
        "class A:\n    def __init__(self): pass\nclass B(A):\n    pass\nB()\n",
        "B", {("B", "direct"), ("A.__init__", "init")}),
    "a bound method aliased": (
        "from models import Helper\ndef f():\n    run = Helper().run\n    run()\n",
        "run", {("Helper.run", "inferred")}),
    "an import alias": (
        "from models import get_context as ctx\nctx()\n", "ctx", {("get_context", "import")}),
    "a parameter shadows the module's name": (
        "from models import db\ndef f(db):\n    db.session()\n", "db.session", set()),
    "a loop variable shadows the module's name": (
        "from models import db\ndef f(items):\n    for db in items:\n        db.session()\n",
        "db.session", set()),
    "a global assigned in a function": (
        "from models import Helper\ninst = None\ndef setup():\n    global inst\n    inst = Helper()\n"
        "inst.run()\n", "inst.run", {("Helper.run", "inferred")}),
    "a global assigned two values": (
        "from models import Helper, Other\ninst = Other()\ndef setup():\n    global inst\n"
        "    inst = Helper()\ninst.run()\n", "inst.run",
        {("Helper.run", "possible"), ("Other.run", "possible")}),
    "a closure reads the enclosing function's local": (
        "from models import Helper\ndef f():\n    h = Helper()\n    def g():\n        h.run()\n",
        "h.run", {("Helper.run", "inferred")}),
    "a method body does not see class-level names": (
        "from models import Helper\nclass C:\n    h = Helper()\n    def go(self):\n        h.run()\n",
        "h.run", set()),
}


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_call_resolution(repo, case):
    source, callee, expected = CASES[case]
    repo.write("models.py", MODELS)
    repo.write("use.py", source)
    repo.aud("index")
    found = set(repo.query(
        "SELECT target_qualname, resolution FROM call_links WHERE file = 'use.py' AND callee = ?",
        callee))
    assert found == expected
    calls = repo.query("SELECT 1 FROM calls WHERE file = 'use.py' AND callee = ?", callee)
    assert calls, f"the case must call {callee!r}"  # a case whose call is not extracted proves nothing


def test_click_style_context_invocations(repo):
    """The issue's example: `ctx.invoke` through an annotated parameter and a return annotation."""
    repo.write("core.py", textwrap.dedent("""\
        class Context:
            def invoke(self, callback):
                pass

        def get_current_context() -> "Context":
            ...
        """))
    repo.write("decorators.py", textwrap.dedent("""\
        from core import Context, get_current_context

        def pass_context(f):
            def new_func(*args, **kwargs):
                return get_current_context().invoke(f)
            return new_func

        def with_ctx(ctx: Context):
            ctx.invoke(None)
        """))
    repo.aud("index")
    rows = repo.run_aud("query", "callers", "core.py:Context.invoke")
    assert rows.returncode == 0
    assert "decorators.py:5:" in rows.stdout and "decorators.py:9:" in rows.stdout


FIXTURES = {
    # name: (conftest.py, test file path, test file, callee, expected)
    "a fixture from conftest.py": (
        "import pytest\nfrom models import Helper\n@pytest.fixture\ndef helper():\n    return Helper()\n",
        "tests/test_a.py", "def test_it(helper):\n    helper.run()\n", {("Helper.run", "inferred")}),
    "a yield fixture": (
        "import pytest\nfrom models import Helper\n@pytest.fixture()\ndef helper():\n    h = Helper()\n"
        "    yield h\n", "tests/test_a.py", "def test_it(helper):\n    helper.run()\n",
        {("Helper.run", "inferred")}),
    "the test module's own fixture comes first": (
        "import pytest\nfrom models import Helper\n@pytest.fixture\ndef helper():\n    return Helper()\n",
        "tests/test_a.py", "import pytest\nfrom models import Other\n@pytest.fixture\ndef helper():\n"
        "    return Other()\ndef test_it(helper):\n    helper.run()\n", {("Other.run", "inferred")}),
    "not a test function": (
        "import pytest\nfrom models import Helper\n@pytest.fixture\ndef helper():\n    return Helper()\n",
        "tests/test_a.py", "def check(helper):\n    helper.run()\n", set()),
    "not a test module": (
        "import pytest\nfrom models import Helper\n@pytest.fixture\ndef helper():\n    return Helper()\n",
        "tests/helpers.py", "def test_it(helper):\n    helper.run()\n", set()),
    "a parameter with a default is no fixture": (
        "import pytest\nfrom models import Helper\n@pytest.fixture\ndef helper():\n    return Helper()\n",
        "tests/test_a.py", "def test_it(helper=None):\n    helper.run()\n", set()),
    "a conftest.py below the test's directory is not seen": (
        "import pytest\n", "tests/test_a.py", "def test_it(helper):\n    helper.run()\n", set()),
}


@pytest.mark.parametrize("case", FIXTURES, ids=list(FIXTURES))
def test_pytest_fixture_parameters(repo, case):
    conftest, test_path, test_source, expected = FIXTURES[case]
    repo.write("models.py", MODELS)
    repo.write("conftest.py", conftest)
    repo.write(test_path, test_source)
    repo.write("tests/deeper/conftest.py", "import pytest\nfrom models import Other\n"
                                           "@pytest.fixture\ndef helper():\n    return Other()\n")
    repo.aud("index")
    found = set(repo.query("SELECT target_qualname, resolution FROM call_links WHERE file = ?"
                           " AND callee = 'helper.run'", test_path))
    assert found == expected
