"""Properties of the trigger globs and of the indexed matching that ``ecsflow changes`` uses."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from ecsflow.pipeline.glob import GlobSyntaxError, compile_glob, literal_prefix, matches, translate
from ecsflow.pipeline.matching import PathIndex

_segment = st.text(alphabet="ab.-_1", min_size=1, max_size=4)
paths = st.lists(_segment, min_size=1, max_size=4).map("/".join)
_piece = st.sampled_from(["a", "b", ".", "-", "1", "*", "**", "?", "/", "[ab]", "[!a]", "{a,b}", "\\*"])
patterns = st.lists(_piece, min_size=1, max_size=6).map("".join)


@given(st.text(alphabet="abcXYZ019._-/ ", min_size=1, max_size=30))
def test_a_pattern_without_special_characters_matches_only_itself(text: str) -> None:
    assert matches(text, text)
    assert not matches(text, text + "x")
    assert not matches(text, "x" + text)


@given(st.text(max_size=20))
def test_escaping_every_character_gives_a_literal_pattern(text: str) -> None:
    pattern = "".join("\\" + c for c in text)
    if text:
        assert matches(pattern, text)


@given(patterns)
def test_translation_is_a_valid_regex_or_a_syntax_error(pattern: str) -> None:
    try:
        regex = translate(pattern)
    except GlobSyntaxError:
        return
    re.compile(regex)


@settings(max_examples=200)
@given(patterns, st.lists(paths, max_size=30))
def test_indexed_matching_equals_matching_every_path(pattern: str, changed: list[str]) -> None:
    try:
        rx = compile_glob(pattern)
    except GlobSyntaxError:
        return
    index = PathIndex(changed)
    expected = {p for p in changed if rx.fullmatch(p)}
    assert index.matching(pattern) == expected
    # every match starts with the literal prefix the index narrows by
    assert all(p.startswith(literal_prefix(pattern)) for p in expected)


@given(paths)
def test_star_never_crosses_a_slash_but_double_star_does(path: str) -> None:
    assert matches("*", path) == ("/" not in path)
    assert matches("**", path)


_valid_patterns = st.sampled_from(["**", "a/**", "b/*", "**/*.1", "*", "a/b*", "{a,b}/**", "**/a", "?/*", "[ab]/**"])


@settings(max_examples=200)
@given(
    st.lists(_valid_patterns, max_size=3, unique=True),
    st.lists(_valid_patterns, max_size=3, unique=True),
    st.lists(paths, max_size=25),
)
def test_file_paths_criterion_equals_the_definition(
    includes: list[str], excludes: list[str], changed: list[str]
) -> None:
    """A file passes when it matches an include (any file, without includes) and no exclude;
    each passing file is attributed to the first include that matches it."""
    from ecsflow.pipeline.matching import match_file_paths
    from ecsflow.pipeline.triggers import Criteria

    found = match_file_paths(Criteria(tuple(includes), tuple(excludes)), PathIndex(changed))
    expected: dict[str, str] = {}
    removed: dict[str, str] = {}
    for path in set(changed):
        include = next((p for p in includes or ["**"] if matches(p, path)), None)
        if include is None:
            continue
        exclude = next((p for p in excludes if matches(p, path)), None)
        if exclude is None:
            expected[path] = include
        else:
            removed[path] = exclude
    assert {f: r.pattern for r in found.included for f in r.files} == expected
    assert {f: r.pattern for r in found.excluded for f in r.files} == removed
    assert found.passed == len(expected)
