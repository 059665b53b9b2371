"""`aud mcp` through the SDK's own client, over a real stdio subprocess: answers that include the
edit just made, in the published shapes."""
from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Awaitable, Callable
from typing import Any

import jsonschema
import pytest
from mcp.client.session import ClientSession
from mcp.client.stdio import StdioServerParameters, stdio_client

from conftest import GIT_ENV

Scenario = Callable[["Agent"], Awaitable[None]]


class Agent:
    """A connected MCP client session and the repository it edits."""

    def __init__(self, session: ClientSession, repo) -> None:
        self.session, self.repo = session, repo
        self.schemas: dict[str, dict] = {}

    async def ask(self, tool: str, **arguments: Any) -> dict:
        result = await self.session.call_tool(tool, arguments)
        assert not result.is_error, result.content
        jsonschema.validate(result.structured_content, self.schemas[tool])
        return result.structured_content

    async def refused(self, tool: str, **arguments: Any) -> str:
        result = await self.session.call_tool(tool, arguments)
        assert result.is_error
        return result.content[0].text


def converse(repo, scenario: Scenario) -> None:
    async def run() -> None:
        server = StdioServerParameters(
            command=sys.executable, args=["-I", "-m", "aud_git", "-C", str(repo.path), "mcp"],
            env={**os.environ, **GIT_ENV})
        with open(os.devnull, "w") as quiet:
            async with stdio_client(server, errlog=quiet) as (read, write):
                async with ClientSession(read, write) as session:
                    await session.initialize()
                    agent = Agent(session, repo)
                    listed = await session.list_tools()
                    agent.schemas = {t.name: t.output_schema for t in listed.tools}
                    await scenario(agent)

    asyncio.run(asyncio.wait_for(run(), timeout=120))


@pytest.fixture
def project(repo):
    repo.write("lib.py", "def helper():\n    pass\n")
    repo.write("app.py", "from lib import helper\n\ndef main():\n    helper()\n")
    repo.commit()
    return repo


def sites(answer: dict) -> list[tuple[str, int, str]]:
    return [(r["file"], r["line"], r["resolution"]) for r in answer["results"]]


def test_callers_include_the_edit_just_made(project):
    async def scenario(agent: Agent) -> None:
        first = await agent.ask("find_callers", qualname="helper")  # no index yet: built now
        assert sites(first) == [("app.py", 4, "import")]
        assert (first["freshness"]["updated"], first["freshness"]["changed"]) == (True, [])
        agent.repo.write("app.py", "from lib import helper\n\ndef main():\n    helper()\n    helper()\n")
        agent.repo.write("new.py", "import lib\nlib.helper()\n")  # untracked, in a known directory
        (agent.repo.path / "pkg").mkdir()
        agent.repo.write("pkg/deep.py", "from lib import helper as h\nh()\n")  # a new directory
        second = await agent.ask("find_callers", qualname="helper")
        assert sites(second) == [("app.py", 4, "import"), ("app.py", 5, "import"),
                                 ("new.py", 2, "import"), ("pkg/deep.py", 2, "import")]
        assert second["freshness"]["updated"] is True
        assert second["freshness"]["changed"] == ["app.py", "new.py", "pkg/deep.py"]
        assert second["freshness"]["uncommitted"] is True
        agent.repo.remove("new.py")
        third = await agent.ask("find_callers", qualname="helper")
        assert ("new.py", 2, "import") not in sites(third)

    converse(project, scenario)
    project.assert_exact()


def test_a_same_size_save_within_the_timestamp_granularity_is_seen(project):
    """Stat data identical to what the last update saw (same size, mtime put back): the file
    was saved just before that update, so its bytes are compared (git's racily clean files)."""
    async def scenario(agent: Agent) -> None:
        await agent.ask("find_definition", name="helper")  # builds the index, makes .pf/
        settled = await agent.ask("find_definition", name="helper")
        assert settled["freshness"]["updated"] is False
        target = agent.repo.path / "lib.py"
        before = target.stat()
        target.write_text("def helpar():\n    pass\n")
        os.utime(target, ns=(before.st_atime_ns, before.st_mtime_ns))
        assert (await agent.ask("find_definition", name="helper"))["results"] == []
        assert [d["qualname"] for d in (await agent.ask("find_definition", name="helpar"))["results"]] == ["helpar"]

    converse(project, scenario)
    project.assert_exact()


def test_answers_say_which_commit_and_whether_edits_are_in(project):
    async def scenario(agent: Agent) -> None:
        head = agent.repo.git("rev-parse", "HEAD").stdout.strip()
        clean = await agent.ask("index_status")
        assert clean["freshness"]["commit"] == head and clean["freshness"]["uncommitted"] is False
        assert clean["status"]["fresh"] is True and clean["status"]["version"] == 1
        agent.repo.write("lib.py", "def helper():\n    return 1\n")
        dirty = await agent.ask("file_outline", file="lib.py")
        assert dirty["freshness"]["uncommitted"] is True and dirty["freshness"]["changed"] == ["lib.py"]
        assert {s["qualname"] for s in dirty["outline"]["symbols"]} == {"lib", "helper"}
        agent.repo.commit("edit")
        committed = await agent.ask("find_references", qualname="helper")
        assert committed["freshness"]["commit"] == agent.repo.git("rev-parse", "HEAD").stdout.strip()
        assert committed["freshness"]["uncommitted"] is False
        assert {(r["file"], r["kind"]) for r in committed["results"]} == {("app.py", "import"), ("app.py", "call")}

    converse(project, scenario)


def test_every_tool_answers_in_its_published_shape(project):
    async def scenario(agent: Agent) -> None:
        assert sorted(agent.schemas) == sorted([
            "find_definition", "find_callers", "find_callees", "find_references",
            "find_importers", "file_outline", "index_status", "sql"])
        assert all(schema and schema["type"] == "object" for schema in agent.schemas.values())
        callees = await agent.ask("find_callees", qualname="main")
        assert [(c["target_file"], c["target_qualname"]) for c in callees["results"]] == [("lib.py", "helper")]
        importers = await agent.ask("find_importers", file="lib.py")
        assert [i["file"] for i in importers["results"]] == ["app.py"]
        rows = await agent.ask("sql", statement="SELECT path FROM files ORDER BY path")
        assert rows["columns"] == ["path"] and rows["rows"] == [["app.py"], ["lib.py"]]
        unresolved = await agent.ask("find_callers", qualname="helper", include_unresolved=True)
        assert unresolved["unresolved"] == []
        agent.repo.write("pick.py", "from lib import helper\ndef other(): pass\n"
                                    "def run(c):\n    (helper if c else other)()\n    fn = helper if c else other\n    fn()\n")
        possible = await agent.ask("find_callers", qualname="helper")
        assert {(r["file"], r["resolution"]) for r in possible["results"]} == {
            ("app.py", "import"), ("pick.py", "possible")}
        certain = await agent.ask("find_callers", qualname="helper", include_possible=False)
        assert [r["file"] for r in certain["results"]] == ["app.py"]

    converse(project, scenario)


def test_mistakes_come_back_as_one_line(project):
    async def scenario(agent: Agent) -> None:
        assert "not in the index" in await agent.refused("file_outline", file="nope.py")
        assert "depth" in await agent.refused("find_callers", qualname="helper", depth=0)
        message = await agent.refused("sql", statement="DELETE FROM files")
        assert "read-only" in message and "\n" not in message

    converse(project, scenario)


def test_a_missing_or_older_sdk_is_one_clear_line(repo, tmp_path):
    (tmp_path / "blocker" / "mcp").mkdir(parents=True)
    (tmp_path / "blocker" / "mcp" / "__init__.py").write_text("")  # an SDK without mcp.server.mcpserver
    result = repo.run_aud("mcp", env={"PYTHONPATH": str(tmp_path / "blocker")})
    assert result.returncode == 2
    assert result.stderr == "aud: aud mcp needs the mcp SDK 2.x: pip install 'mcp>=2.3,<3' (aud-git's `mcp` extra)\n"


def test_rule_changes_in_git_are_seen_without_any_file_changing(project):
    async def scenario(agent: Agent) -> None:
        agent.repo.write("extra.py", "from lib import helper\nhelper()\n")
        assert ("extra.py", 2, "import") in sites(await agent.ask("find_callers", qualname="helper"))
        with open(agent.repo.path / ".git" / "info" / "exclude", "a") as exclude:
            exclude.write("/extra.py\n")
        assert ("extra.py", 2, "import") not in sites(await agent.ask("find_callers", qualname="helper"))

    converse(project, scenario)
    project.assert_exact()


def test_a_new_file_in_a_directory_without_indexed_files_is_seen(project):
    """Found by the state machine: a directory that held no indexed file (made empty, or
    made by `mkdir` before the file) still shows a new file by its mtime."""
    async def scenario(agent: Agent) -> None:
        await agent.ask("find_definition", name="helper")  # builds the index, makes .pf/
        (agent.repo.path / "made").mkdir()
        await agent.ask("find_definition", name="helper")  # the root moved: an update, settled
        assert (await agent.ask("find_definition", name="helper"))["freshness"]["updated"] is False
        agent.repo.write("made/m.py", "from lib import helper\nhelper()\n")
        assert ("made/m.py", 2, "import") in sites(await agent.ask("find_callers", qualname="helper"))
        os.rename(agent.repo.path / "made" / "m.py", agent.repo.path / "moved.py")
        assert ("moved.py", 2, "import") in sites(await agent.ask("find_callers", qualname="helper"))
        agent.repo.write("made/again.py", "from lib import helper\nhelper()\n")
        assert ("made/again.py", 2, "import") in sites(await agent.ask("find_callers", qualname="helper"))

    converse(project, scenario)
    project.assert_exact()


def test_a_directory_an_ignore_rule_no_longer_hides_is_watched(project):
    project.write(".gitignore", "gen/\n")
    (project.path / "gen").mkdir()

    async def scenario(agent: Agent) -> None:
        await agent.ask("find_definition", name="helper")
        await agent.ask("find_definition", name="helper")
        agent.repo.write(".gitignore", "")
        await agent.ask("find_definition", name="helper")
        agent.repo.write("gen/made.py", "from lib import helper\nhelper()\n")
        assert ("gen/made.py", 2, "import") in sites(await agent.ask("find_callers", qualname="helper"))

    converse(project, scenario)
    project.assert_exact()
