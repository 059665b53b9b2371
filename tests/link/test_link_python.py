from __future__ import annotations


def test_import_resolution_relative_packages_namespaces_external(repo):
    repo.write("pkg/__init__.py", "from .core import run\n")
    repo.write("pkg/core.py", "def run():\n    pass\n")
    repo.write("pkg/sub/__init__.py", "")
    repo.write("pkg/sub/leaf.py", "from .. import core\nfrom ..core import run\nfrom ... import nothing\n")
    repo.write("nspkg/mod.py", "X = 1\n")
    repo.write("stubs/typed.pyi", "def f() -> int: ...\n")
    repo.write("main.py", (
        "import os\n"
        "import pkg.sub.leaf\n"
        "import nspkg\n"
        "from nspkg import mod\n"
        "from nspkg import missing\n"
        "from pkg import run, core\n"
        "from pkg.nothere import x\n"
        "from stubs import typed\n"
        "from pkg import *\n"
    ))
    repo.aud("index")
    assert repo.import_links("main.py") == {
        ("os", None): (None, "external"),
        ("pkg.sub.leaf", None): ("pkg/sub/leaf.py", "file"),
        ("nspkg", None): ("nspkg", "namespace"),
        ("nspkg", "mod"): ("nspkg/mod.py", "file"),
        ("nspkg", "missing"): (None, "unresolved"),
        ("pkg", "run"): ("pkg/__init__.py", "file"),
        ("pkg", "core"): ("pkg/core.py", "file"),
        ("pkg.nothere", "x"): (None, "unresolved"),
        ("stubs", "typed"): ("stubs/typed.pyi", "file"),
        ("pkg", "*"): ("pkg/__init__.py", "file"),
    }
    assert repo.import_links("pkg/sub/leaf.py") == {
        ("..", "core"): ("pkg/core.py", "file"),
        ("..core", "run"): ("pkg/core.py", "file"),
        ("...", "nothing"): (None, "unresolved"),
    }


def test_src_layout_is_detected_and_configurable(repo):
    repo.write("src/app/__init__.py", "")
    repo.write("src/app/util.py", "def helper():\n    pass\n")
    repo.write("tests/test_app.py", "from app.util import helper\nhelper()\n")
    repo.aud("index")
    assert repo.import_links("tests/test_app.py") == {("app.util", "helper"): ("src/app/util.py", "file")}
    assert repo.query("SELECT qualname FROM symbols WHERE kind = 'module' AND file = 'src/app/util.py'") == [("app.util",)]
    repo.write("pyproject.toml", "[tool.aud]\nsource_roots = ['.']\n")
    repo.aud("index")
    assert repo.import_links("tests/test_app.py") == {("app.util", "helper"): (None, "external")}


def test_call_links_through_definitions_imports_and_attributes(repo):
    repo.write("lib/__init__.py", "from .models import Model as Model\n")
    repo.write("lib/models.py", (
        "class Model:\n"
        "    def save(self):\n"
        "        self.validate()\n"
        "    def validate(self):\n"
        "        pass\n"
        "    @classmethod\n"
        "    def create(cls):\n"
        "        return cls.build()\n"
        "    @classmethod\n"
        "    def build(cls):\n"
        "        pass\n"
        "def factory():\n"
        "    return Model()\n"
    ))
    repo.write("app.py", (
        "import lib\n"
        "import lib.models as lm\n"
        "from lib.models import factory, Model\n"
        "from lib import models\n"
        "def local():\n"
        "    pass\n"
        "local()\n"
        "factory()\n"
        "lm.factory()\n"
        "models.Model.create()\n"
        "lib.Model().save()\n"
        "Model()\n"
        "lib.models.factory()\n"
        "unknown()\n"
        "factory().save()\n"
    ))
    repo.aud("index")
    assert repo.call_links("app.py") == {
        "local": ("app.py", "local"),
        "factory": ("lib/models.py", "factory"),
        "lm.factory": ("lib/models.py", "factory"),
        "models.Model.create": ("lib/models.py", "Model.create"),
        "lib.Model().save": ("lib/models.py", "Model.save"),
        "lib.Model": ("lib/models.py", "Model"),
        "Model": ("lib/models.py", "Model"),
        "lib.models.factory": ("lib/models.py", "factory"),
        "factory().save": ("lib/models.py", "Model.save"),  # what `factory` returns
    }
    assert repo.call_links("lib/models.py") == {
        "self.validate": ("lib/models.py", "Model.validate"),
        "cls.build": ("lib/models.py", "Model.build"),
        "Model": ("lib/models.py", "Model"),
    }


def test_reexport_chains_and_star_imports(repo):
    repo.write("a.py", "def deep():\n    pass\n")
    repo.write("b.py", "from a import deep\n")
    repo.write("c.py", "from b import *\n")
    repo.write("d.py", "import c\nfrom c import deep\ndeep()\nc.deep()\n")
    repo.aud("index")
    assert repo.call_links("d.py") == {"deep": ("a.py", "deep"), "c.deep": ("a.py", "deep")}


def test_ambiguous_and_cyclic_bindings_stay_unresolved(repo):
    repo.write("x.py", "def f():\n    pass\n")
    repo.write("y.py", "def f():\n    pass\n")
    repo.write("amb.py", "try:\n    from x import f\nexcept ImportError:\n    from y import f\nf()\n")
    repo.write("cyc1.py", "from cyc2 import g\n")
    repo.write("cyc2.py", "from cyc1 import g\n")
    repo.write("use.py", "from cyc1 import g\ng()\n")
    repo.aud("index")
    assert repo.call_links("amb.py") == {}
    assert repo.call_links("use.py") == {}


def test_link_deps_record_probes_facts_and_directories(repo):
    repo.write("pkg/__init__.py", "from .impl import thing\n")
    repo.write("pkg/impl.py", "def thing():\n    pass\n")
    repo.write("user.py", "import missing_mod\nfrom pkg import thing\nthing()\n")
    repo.aud("index")
    deps = set(repo.query("SELECT kind, path, name FROM link_deps WHERE file = 'user.py'"))
    assert ("pymod", "missing_mod", "") in deps  # an absent path is recorded too
    assert ("dir", "missing_mod", "") in deps
    assert ("pymod", "pkg", "") in deps and ("pymod", "pkg/thing", "") in deps
    # one key of each interface read, not whole files
    assert ("name", "pkg/__init__.py", "thing") in deps and ("name", "pkg/impl.py", "thing") in deps
    assert not any(path == "user.py" for _, path, _ in deps)
