"""CodePipeline trigger globs: the documented examples and Java NIO's edge cases."""

from __future__ import annotations

import pytest

from ecsflow.pipeline.glob import GlobSyntaxError, check, compile_glob, literal_prefix, matches, translate

# (pattern, value, expected). The first block is the AWS page "Working with glob patterns in
# syntax"; the rest pin Java NIO behaviour that page points to.
CASES = [
    # documented examples
    ("*.java", "Main.java", True),
    ("*.java", "src/Main.java", False),  # * never crosses a directory boundary
    ("*.*", "a.b", True),
    ("*.*", "Makefile", False),
    ("*.{java,class}", "A.java", True),
    ("*.{java,class}", "A.class", True),
    ("*.{java,class}", "A.jar", False),
    ("foo.?", "foo.c", True),
    ("foo.?", "foo.cc", False),
    ("foo.?", "foo.", False),
    ("my-file.jar", "my-file.jar", True),
    ("my-file.jar", "lib/my-file.jar", False),  # whole path, not a suffix
    ("directory/my-file.jar", "directory/my-file.jar", True),
    ("directory/subdirectory/my-file.jar", "directory/subdirectory/my-file.jar", True),
    ("**", "a", True),
    ("**", "a/b/c.txt", True),
    ("directory/**", "directory/a", True),
    ("directory/**", "directory/a/b/c", True),
    ("directory/**", "directory", False),  # ** after / needs the /
    ("directory/*", "directory/a", True),
    ("directory/*", "directory/a/b", False),
    # pipeline JSON sample (pipelines-filter-cli)
    ("projectA/**", "projectA/src/app.py", True),
    ("projectA/**", "projectB/src/app.py", False),
    ("common/**/*.js", "common/lib/x.js", True),
    ("common/**/*.js", "common/x.js", False),  # Java: **/ needs at least one more /
    ("**/README.md", "docs/README.md", True),
    ("**/README.md", "README.md", False),  # Java semantics: root file is not under **/
    ("feature/**", "feature/a/b", True),
    ("feature/*", "feature/a/b", False),  # branch names contain /, use ** (AWS-SEMANTICS §10.2)
    ("feature/*", "feature/a", True),
    # ** anywhere
    ("**.md", "a/b/c.md", True),
    ("src/**/test_*.py", "src/a/b/test_x.py", True),
    ("src/**/test_*.py", "src/a/b/x_test.py", False),
    # ?
    ("v?", "v1", True),
    ("v?", "v10", False),
    ("a?b", "a/b", False),  # ? does not match the separator
    # [ ] classes
    ("v[0-9]", "v7", True),
    ("v[0-9]", "vx", False),
    ("[!a-c]x", "dx", True),
    ("[!a-c]x", "bx", False),
    ("[!a-c]x", "/x", False),  # a negated class still never matches /
    ("[-a]", "-", True),  # - first is literal
    ("[!-a]", "-", False),  # - first after ! is literal (and negated)
    ("[!-a]", "b", True),
    ("[a-]", "-", True),  # trailing - is literal
    ("[*?\\]", "*", True),  # inside brackets *, ? and \\ are literal
    ("[*?\\]", "?", True),
    ("[*?\\]", "\\", True),
    ("[*?\\]", "a", False),
    ("[abc]", "b", True),
    # { } groups
    ("{a,b}/**", "b/x", True),
    ("{a,b}/**", "c/x", False),
    ("{src/*.py,docs/**}", "docs/x/y.md", True),
    ("{src/*.py,docs/**}", "src/x/y.py", False),
    ("{,x}y", "y", True),  # an empty alternative
    ("a,b", "a,b", True),  # , outside a group is literal
    ("a}", "a}", True),  # } outside a group is literal
    # escapes and regex characters are literal
    ("\\*", "*", True),
    ("\\*", "a", False),
    ("a\\{b\\}", "a{b}", True),
    ("a.b", "axb", False),
    ("a+b(c)|^$", "a+b(c)|^$", True),
    # case: assumed case-sensitive (Java's default on Linux) [AWS-SEMANTICS §10.2, uncertain]
    ("Main", "main", False),
    ("*.MD", "README.md", False),
    ("main", "main", True),
]


@pytest.mark.parametrize(("pattern", "value", "expected"), CASES)
def test_glob_table(pattern: str, value: str, expected: bool) -> None:
    assert matches(pattern, value) is expected


@pytest.mark.parametrize(
    ("pattern", "reason"),
    [
        ("{a,{b,c}}", "groups { } cannot nest"),
        ("{a,b", "missing '}'"),
        ("[abc", "missing ']'"),
        ("[a/b]", "explicit '/' inside [ ]"),
        ("[z-a]", "invalid range"),
        ("abc\\", "no character to escape"),
        ("[]", "empty [ ]"),
    ],
)
def test_invalid_patterns_are_refused_with_a_reason(pattern: str, reason: str) -> None:
    with pytest.raises(GlobSyntaxError) as info:
        translate(pattern)
    assert info.value.reason == reason
    assert f"invalid glob: {reason}" in (check(pattern) or "")


def test_limits_on_pattern_length() -> None:
    assert check("") == "a pattern cannot be empty"
    assert check("a" * 255) is None
    assert "at most 255 characters (got 256)" in (check("a" * 256) or "")


def test_compiled_once() -> None:
    compile_glob.cache_clear()
    first = compile_glob("svc/**/*.py")
    assert compile_glob("svc/**/*.py") is first
    assert compile_glob.cache_info().hits == 1


@pytest.mark.parametrize(
    ("pattern", "prefix"),
    [("svc-a/**", "svc-a/"), ("**/x", ""), ("a\\*b*", "a*b"), ("src/{a,b}", "src/"), ("v[0-9]", "v")],
)
def test_literal_prefix(pattern: str, prefix: str) -> None:
    assert literal_prefix(pattern) == prefix
