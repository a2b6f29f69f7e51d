"""Case-insensitive key lookup, for the formats AWS reads that way (the AppSpec)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def find_key(data: Mapping[Any, Any], name: str) -> Any:
    """The key of ``data`` equal to ``name`` ignoring case, or None."""
    lowered = name.lower()
    for key in data:
        if isinstance(key, str) and key.lower() == lowered:
            return key
    return None


def get_ci(data: Mapping[Any, Any], name: str, default: Any = None) -> Any:
    key = find_key(data, name)
    return default if key is None else data[key]
