from __future__ import annotations

import json


def test_since_reports_changed_files_and_importers_with_depth(repo, tmp_path):
    repo.write("core.py", "def base():\n    pass\n")
    repo.write("mid.py", "from core import base\n")
    repo.write("top.py", "import mid\n")
    repo.write("gone.py", "X = 1\n")
    repo.write("uses_gone.py", "import gone\n")
    repo.write("web/util.ts", "export const u = 1;\n")
    repo.write("web/app.ts", 'import { u } from "./util";\n')
    repo.write("alone.py", "y = 2\n")
    repo.commit("base")
    repo.git("checkout", "-q", "-b", "topic")
    repo.aud("index")  # the CI cache: an index of an older state
    repo.write("core.py", "def base():\n    return 1\n")
    repo.remove("gone.py")
    repo.commit("topic")
    repo.write("web/util.ts", "export const u = 2;\n")  # uncommitted work counts too
    out = tmp_path / "workset.json"
    summary = repo.aud("index", "--since", "main", "--workset-out", str(out), "--json")
    assert summary["mode"] == "incremental"
    workset = json.loads(out.read_text())
    assert workset == summary["workset"]
    assert workset["base"] == repo.git("rev-parse", "main").stdout.strip()
    assert workset["head"] == repo.git("rev-parse", "HEAD").stdout.strip()
    assert workset["changed"] == ["core.py", "gone.py", "web/util.ts"]
    assert workset["dependents"] == [
        {"path": "mid.py", "depth": 1}, {"path": "uses_gone.py", "depth": 1},
        {"path": "web/app.ts", "depth": 1}, {"path": "top.py", "depth": 2},
    ]
    assert workset["counts"] == {"changed": 3, "dependents": 4}
    repo.assert_exact()


def test_since_builds_when_no_index_exists_and_rejects_bad_refs(repo):
    repo.write("a.py", "x = 1\n")
    repo.commit()
    summary = repo.aud("index", "--since", "HEAD", "--json")
    assert summary["mode"] == "full" and summary["workset"]["changed"] == []
    result = repo.run_aud("index", "--since", "no-such-ref")
    assert result.returncode == 2 and result.stderr.strip() == "aud: unknown ref 'no-such-ref'"
    result = repo.run_aud("index", "--workset-out", "x.json")
    assert result.returncode == 2 and "--workset-out goes with --since" in result.stderr
