"""Masking secret values in build output, as CodeBuild masks Parameter Store and Secrets
Manager values in its logs."""

from __future__ import annotations

import re
from collections.abc import Iterable

MASK = "***"


class SecretMasker:
    """Replaces every occurrence of any secret value (and of each line of a multi-line one)."""

    def __init__(self, values: Iterable[str]) -> None:
        pieces: set[str] = set()
        for value in values:
            for piece in (value, *value.splitlines()):
                if piece.strip():
                    pieces.add(piece)
        # Longest first, so a secret that contains another is masked whole.
        ordered = sorted(pieces, key=len, reverse=True)
        self._pattern = re.compile("|".join(re.escape(p) for p in ordered)) if ordered else None

    def __call__(self, text: str) -> str:
        if self._pattern is None:
            return text
        return self._pattern.sub(MASK, text)
