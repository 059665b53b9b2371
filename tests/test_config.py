from __future__ import annotations

import pytest

from aud_git.config import MAX_WILDCARDS, Config, load_config
from aud_git.errors import AudError


@pytest.mark.parametrize("pattern, path, excluded", [
    ("/build", "build/a.py", True),
    ("/build", "src/build/a.py", False),  # anchored at the top, as in .gitignore
    ("build", "src/build/a.py", True),  # no slash: any level
    ("vendor/*.js", "vendor/a.js", True),
    ("vendor/*.js", "vendor/a/b.js", False),  # `*` stays within one path component
    ("vendor/**/*.js", "vendor/a/b.js", True),
    ("node_modules/", "x/node_modules/y.js", True),
    ("*.min.js", "a/b.min.js", True),
    ("docs", "docsx/z.py", False),
    ("a**b", "a/x/b", False),  # `**` inside a component is `*`, as git reads it
])
def test_exclude_patterns_mean_what_gitignore_means(pattern, path, excluded):
    assert Config(exclude=(pattern,)).is_excluded(path) is excluded


def test_a_negated_pattern_keeps_what_an_earlier_one_left_out():
    config = Config(exclude=("*.min.js", "!keep.min.js"))
    assert config.is_excluded("a/b.min.js") and not config.is_excluded("a/keep.min.js")


def test_a_pattern_with_too_many_wildcards_is_refused_by_name(tmp_path):
    pattern = "*a" * (MAX_WILDCARDS + 1) + "b"
    (tmp_path / "aud.toml").write_text(f"exclude = [{pattern!r}]\n")
    with pytest.raises(AudError, match=r"exclude pattern .* has more than 3 wildcards"):
        load_config(str(tmp_path))


def test_double_stars_inside_a_component_count_as_one_wildcard(tmp_path):
    (tmp_path / "aud.toml").write_text("exclude = ['**a*a*b', 'src/**/gen/**']\n")
    assert load_config(str(tmp_path)).exclude == ("*a*a*b", "src/**/gen/**")
