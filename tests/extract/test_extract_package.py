"""`package.json` facts: what bare-specifier resolution reads, every shape npm accepts."""
from __future__ import annotations

import json

import pytest

from aud_git.extract import extract_facts


def package(text: str):
    facts = extract_facts("package", text.encode())
    assert not facts.parse_errors
    (row,) = facts.packages
    return row.name, json.loads(row.workspaces) if row.workspaces else None, \
        json.loads(row.entries), row.sealed


@pytest.mark.parametrize("text, entries, sealed", [
    ('{"main": "lib/i.js"}', {".": ["lib/i.js"]}, 0),
    ('{"main": "m.js", "types": "t.d.ts", "module": "e.mjs", "source": "src/i.ts"}',
     {".": ["t.d.ts", "e.mjs", "m.js", "src/i.ts"]}, 0),
    ("{}", {}, 0),
    ('{"exports": "./i.js", "main": "ignored.js"}', {".": ["./i.js"]}, 1),
    ('{"exports": {"types": "./i.d.ts", "node": {"import": "./n.mjs", "require": "./n.cjs"}}}',
     {".": ["./i.d.ts", "./n.mjs", "./n.cjs"]}, 1),
    ('{"exports": {".": ["./a.js", "./b.js"], "./x/*": "./src/x/*.ts", "./private": null}}',
     {".": ["./a.js", "./b.js"], "./x/*": ["./src/x/*.ts"], "./private": []}, 1),
], ids=["main", "every main field in order", "none", "exports string", "conditions in order",
        "subpaths, patterns and null"])
def test_entries_list_every_target_in_the_order_tried(text, entries, sealed):
    assert package(text)[2:] == (entries, sealed)


@pytest.mark.parametrize("text, workspaces", [
    ('{"workspaces": ["packages/*", "!packages/old"]}', ["packages/*", "!packages/old"]),
    ('{"workspaces": {"packages": ["apps/**"], "nohoist": ["x"]}}', ["apps/**"]),
    ('{"workspaces": "packages/*"}', None),
], ids=["npm", "yarn", "not a list"])
def test_workspaces_of_npm_and_yarn(text, workspaces):
    assert package(text)[1] == workspaces


def test_a_name_that_is_no_string_is_no_name():
    assert package('{"name": 3}')[0] is None


@pytest.mark.parametrize("data, message", [
    (b'{"name": ', "invalid JSON"),
    (b'["a"]', "a package.json must be a JSON object"),
    (b"\xff\xfe", "invalid JSON"),
    (b"[" * 100_000, "invalid JSON"),
])
def test_a_broken_package_json_gives_a_parse_error(data, message):
    facts = extract_facts("package", data)
    assert facts.packages == [] and facts.parse_errors[0].message.startswith(message)


def test_deeply_nested_conditions_are_cut():
    text = '{"exports": ' + '{"c": ' * 40 + '"./deep.js"' + "}" * 40 + "}"
    assert package(text)[2] == {".": []}
