"""The README's snippets for agents, editors and the pre-commit framework, run as they are
printed there (with `aud` on PATH)."""
from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import GIT_ENV

README = Path(__file__).resolve().parents[2] / "README.md"
# `aud` as a user has it: the console script beside this interpreter
PATH = f"{os.path.dirname(sys.executable)}{os.pathsep}{os.environ.get('PATH', '')}"


def snippet(name: str) -> str:
    found = re.search(rf"<!-- snippet: {name} -->\n```\w+\n(.*?)```", README.read_text(), re.S)
    assert found, f"README has no snippet {name}"
    return found.group(1)


def defines(repo, file: str, name: str, timeout: float = 20) -> bool:
    """Does the index define `name` in `file` (now, or within `timeout` seconds)?"""
    deadline = time.monotonic() + timeout
    while not repo.query("SELECT 1 FROM symbols WHERE file = ? AND name = ?", file, name):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


@pytest.fixture
def indexed(repo):
    repo.write("a.py", "x = 1\n")
    repo.commit()
    repo.aud("index")
    return repo


@pytest.mark.skipif(shutil.which("jq") is None, reason="no jq")
def test_the_claude_code_hook_indexes_a_path_with_spaces(indexed):
    settings = json.loads(snippet("claude-hook"))
    command = settings["hooks"]["PostToolUse"][0]["hooks"][0]["command"]
    edited = indexed.write("dir with space/new file.py", "def fresh():\n    pass\n")
    event = {"tool_name": "Write", "tool_input": {"file_path": str(edited)}}
    result = subprocess.run(["sh", "-c", command], cwd=indexed.path, input=json.dumps(event),
                            capture_output=True, text=True, timeout=120,
                            env={**os.environ, **GIT_ENV, "PATH": PATH})
    assert result.returncode == 0 and result.stderr == "", result.stderr
    assert defines(indexed, "dir with space/new file.py", "fresh", timeout=0)
    indexed.assert_exact()


@pytest.mark.skipif(shutil.which("vim") is None, reason="no vim")
def test_the_vim_snippet_indexes_the_file_vim_saves(indexed, tmp_path):
    script = tmp_path / "aud.vim"
    script.write_text(snippet("vim"))
    subprocess.run(["vim", "-es", "-N", "-u", "NONE", "-i", "NONE", "-S", str(script),
                    "-c", "edit saved file.py", "-c", "call setline(1, 'def saved(): pass')",
                    "-c", "write", "-c", "sleep 5", "-c", "qa!"],
                   cwd=indexed.path, env={**os.environ, **GIT_ENV, "PATH": PATH}, timeout=120)
    assert defines(indexed, "saved file.py", "saved")


@pytest.mark.skipif(shutil.which("nvim") is None, reason="no neovim")
def test_the_neovim_snippet_indexes_the_file_neovim_saves(indexed, tmp_path):
    script = tmp_path / "aud.lua"
    script.write_text(snippet("neovim"))
    subprocess.run(["nvim", "--headless", "-n", "-u", "NONE", "-i", "NONE",
                    "-c", f"luafile {script}", "-c", "edit saved file.py",
                    "-c", "call setline(1, 'def saved(): pass')", "-c", "write", "-c", "sleep 5",
                    "-c", "qa!"],
                   cwd=indexed.path, env={**os.environ, **GIT_ENV, "PATH": PATH}, timeout=120,
                   stdin=subprocess.DEVNULL, capture_output=True)
    assert defines(indexed, "saved file.py", "saved")


def test_the_mcp_configuration_starts_the_server(indexed):
    from mcp.client.session import ClientSession
    from mcp.client.stdio import StdioServerParameters, stdio_client

    server = json.loads(snippet("mcp-json"))["mcpServers"]["aud"]

    async def tools() -> list[str]:
        params = StdioServerParameters(command=server["command"], args=server["args"],
                                       cwd=indexed.path, env={**os.environ, **GIT_ENV, "PATH": PATH})
        with open(os.devnull, "w") as quiet:
            async with stdio_client(params, errlog=quiet) as (read, write):
                async with ClientSession(read, write) as session:
                    await session.initialize()
                    answer = await session.call_tool("find_definition", {"name": "x"})
                    assert answer.structured_content["results"][0]["file"] == "a.py"
                    return sorted(t.name for t in (await session.list_tools()).tools)

    assert "find_callers" in asyncio.run(asyncio.wait_for(tools(), timeout=120))


def test_the_pre_commit_snippet_is_what_hooks_install_prints():
    from aud_git.hooks.install import manager_snippet

    printed = manager_snippet("pre-commit").replace(sys.executable, "/path/to/venv/bin/python")
    assert printed.split("\n\n# then")[0] + "\n" == snippet("pre-commit-local")
