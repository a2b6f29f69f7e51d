"""CodePipeline trigger globs, compiled once to regular expressions.

CodePipeline documents its trigger patterns as the Java NIO "glob" syntax
(``FileSystem.getPathMatcher("glob:…")``; AWS "Working with glob patterns in syntax").
This module translates that syntax rule for rule:

* ``*`` matches zero or more characters of one name component (never ``/``);
* ``**`` matches zero or more characters across ``/``;
* ``?`` matches exactly one character of a name component;
* ``[abc]``, ``[a-z]``, ``[!a-c]``: one character of a set; inside the brackets ``*``,
  ``?`` and ``\\`` are literal, ``-`` is literal when first (or first after ``!``), and
  ``/`` is an error (a class never matches the separator);
* ``{a,b}`` alternation; groups cannot nest;
* ``\\`` escapes the next character; everything else is literal.

The whole name or path must match (no substring search). Consequences that surprise
people and that follow from Java's semantics: ``**/*.md`` needs at least one ``/`` so it
does not match ``README.md`` at the repository root, and ``dir/**`` does not match a
file named ``dir``.

Case: AWS does not say. Java's default matcher on Linux is case-sensitive, so we match
case-sensitively [AWS-SEMANTICS §10.2, uncertain].
"""

from __future__ import annotations

import re
from functools import lru_cache

# CodePipeline's own limit on one pattern (API model: 1–255 characters).
MAX_PATTERN_LENGTH = 255


class GlobSyntaxError(ValueError):
    """A pattern CodePipeline would reject; ``index`` is the offending position."""

    def __init__(self, message: str, pattern: str, index: int) -> None:
        super().__init__(f"{message} at index {index} of {pattern!r}")
        self.reason = message
        self.pattern = pattern
        self.index = index


def _class(pattern: str, i: int) -> tuple[str, int]:
    """Translate a bracket expression starting after ``[``; returns (regex, next index)."""
    n = len(pattern)
    negate = False
    items: list[str] = []
    if i < n and pattern[i] == "!":
        negate = True
        i += 1
    if i < n and pattern[i] == "-":
        items.append(re.escape("-"))
        i += 1
    last = ""
    has_range_start = False
    closed = False
    while i < n:
        c = pattern[i]
        i += 1
        if c == "]":
            closed = True
            break
        if c == "/":
            raise GlobSyntaxError("explicit '/' inside [ ]", pattern, i - 1)
        if c == "-":
            if not has_range_start:
                raise GlobSyntaxError("invalid range", pattern, i - 1)
            if i >= n:
                break
            end = pattern[i]
            i += 1
            if end == "]":
                # "[a-]": the hyphen is literal, as in Java.
                items.append(re.escape("-"))
                closed = True
                break
            if end < last:
                raise GlobSyntaxError("invalid range", pattern, i - 3)
            items[-1] = f"{re.escape(last)}-{re.escape(end)}"
            has_range_start = False
            continue
        items.append(re.escape(c))
        last = c
        has_range_start = True
    if not closed:
        raise GlobSyntaxError("missing ']'", pattern, n)
    if not items:
        raise GlobSyntaxError("empty [ ]", pattern, i - 1)
    body = "".join(items)
    # A class never matches the name separator (Java intersects it with [^/]).
    if negate:
        return f"[^/{body}]", i
    return f"(?!/)[{body}]", i


def translate(pattern: str) -> str:
    """The regular expression (anchored, no flags) equivalent to one glob pattern."""
    out: list[str] = []
    in_group = False
    i = 0
    n = len(pattern)
    while i < n:
        c = pattern[i]
        i += 1
        if c == "\\":
            if i >= n:
                raise GlobSyntaxError("no character to escape", pattern, i - 1)
            out.append(re.escape(pattern[i]))
            i += 1
        elif c == "[":
            regex, i = _class(pattern, i)
            out.append(regex)
        elif c == "{":
            if in_group:
                raise GlobSyntaxError("groups { } cannot nest", pattern, i - 1)
            out.append("(?:(?:")
            in_group = True
        elif c == "}" and in_group:
            out.append("))")
            in_group = False
        elif c == "," and in_group:
            out.append(")|(?:")
        elif c == "*":
            if i < n and pattern[i] == "*":
                out.append(".*")
                i += 1
            else:
                out.append("[^/]*")
        elif c == "?":
            out.append("[^/]")
        else:
            out.append(re.escape(c))
    if in_group:
        raise GlobSyntaxError("missing '}'", pattern, n)
    return "".join(out)


@lru_cache(maxsize=4096)
def compile_glob(pattern: str) -> re.Pattern[str]:
    """The compiled matcher of ``pattern`` (cached: each pattern is translated once)."""
    return re.compile(translate(pattern))


def matches(pattern: str, value: str) -> bool:
    """Whether the whole of ``value`` (a file path, branch or tag name) matches ``pattern``."""
    return compile_glob(pattern).fullmatch(value) is not None


def literal_prefix(pattern: str) -> str:
    """The literal text every match of ``pattern`` starts with (used to narrow searches)."""
    prefix: list[str] = []
    i = 0
    while i < len(pattern):
        c = pattern[i]
        if c in "*?[{":
            break
        if c == "\\":
            if i + 1 >= len(pattern):
                break
            prefix.append(pattern[i + 1])
            i += 2
            continue
        prefix.append(c)
        i += 1
    return "".join(prefix)


def check(pattern: str) -> str | None:
    """Why CodePipeline would refuse ``pattern``, or None when it is valid."""
    if not pattern:
        return "a pattern cannot be empty"
    if len(pattern) > MAX_PATTERN_LENGTH:
        return f"a pattern is at most {MAX_PATTERN_LENGTH} characters (got {len(pattern)})"
    try:
        compile_glob(pattern)
    except GlobSyntaxError as exc:
        return f"invalid glob: {exc}"
    return None
