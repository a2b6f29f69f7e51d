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
