"""The tree-sitter parsers, their pinned versions, and what every grammar's tree shares.

Facts are a pure function of (path, bytes, these versions): the versions are part of the index
identity and of the extraction cache's key, so a different tree-sitter or grammar rebuilds.
"""
from __future__ import annotations

from functools import cache

from aud_git.extract.facts import ParseError

MAX_PARSE_ERRORS = 100
# The distributions whose code decides what a file's facts are (pinned in pyproject.toml).
PARSING_DISTRIBUTIONS = (
    "tree-sitter", "tree-sitter-python", "tree-sitter-javascript", "tree-sitter-typescript",
)


@cache
def parser_versions() -> str:
    """`name=version` of each parsing distribution, as installed (cheap: no tree-sitter
    import, so a no-op update never pays for loading the grammars)."""
    from aud_git.installed import version

    return ",".join(f"{name}={version(name) or 'missing'}" for name in PARSING_DISTRIBUTIONS)


@cache
def language(lang: str):
    import tree_sitter

    if lang == "python":
        import tree_sitter_python

        return tree_sitter.Language(tree_sitter_python.language())
    if lang == "javascript":
        import tree_sitter_javascript

        return tree_sitter.Language(tree_sitter_javascript.language())
    import tree_sitter_typescript

    return tree_sitter.Language(tree_sitter_typescript.language_tsx() if lang == "tsx"
                                else tree_sitter_typescript.language_typescript())


@cache
def parser(lang: str):
    import tree_sitter

    return tree_sitter.Parser(language(lang))


def syntax_error_rows(root) -> list[ParseError]:
    """The first ERROR and MISSING nodes, in document order.

    Only subtrees that contain an error are entered, so a clean tree costs nothing."""
    rows: list[ParseError] = []
    if not root.has_error:
        return rows
    stack = [root]
    while stack and len(rows) < MAX_PARSE_ERRORS:
        node = stack.pop()
        if node.is_missing:
            point = node.start_point
            rows.append(ParseError(point.row + 1, point.column, f"missing {node.type}"))
            continue
        if node.is_error:
            point = node.start_point
            rows.append(ParseError(point.row + 1, point.column, "syntax error"))
        stack.extend(reversed([c for c in node.children if c.has_error or c.is_missing]))
    return rows
