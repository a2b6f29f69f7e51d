"""Build values for botocore model shapes: every member set, recursively (test support)."""

from __future__ import annotations

import itertools
from typing import Any

from ecsflow.artifacts.service_model import shapes


class ShapeGenerator:
    """Generates one value per shape with every member set; unions get their first member.

    Strings are ``v<n>`` (unique, valid as names and as Docker Hub image names), enums
    take their first value, numbers their minimum (or 1).
    """

    def __init__(self, service: str = "ecs") -> None:
        self.model = shapes(service)
        self.counter = itertools.count(1)

    def value(self, shape_name: str, depth: int = 0) -> Any:
        if depth > 20:  # recursive shapes: stop (none in the ECS request today)
            raise AssertionError(f"shape recursion at {shape_name}")
        shape = self.model[shape_name]
        kind = shape["type"]
        if kind == "structure":
            members = list(shape.get("members", {}).items())
            if shape.get("union"):
                members = members[:1]
            return {name: self.value(m["shape"], depth + 1) for name, m in members}
        if kind == "list":
            count = max(1, shape.get("min", 1))
            return [self.value(shape["member"]["shape"], depth + 1) for _ in range(count)]
        if kind == "map":
            return {f"k{next(self.counter)}": self.value(shape["value"]["shape"], depth + 1)}
        if kind == "string":
            if "enum" in shape:
                return shape["enum"][0]
            text = f"v{next(self.counter)}"
            low = shape.get("min", 0)
            return text.ljust(low, "x")
        if kind in ("integer", "long"):
            return int(shape.get("min", 1))
        if kind in ("double", "float"):
            return float(shape.get("min", 1.5))
        if kind == "boolean":
            return True
        if kind == "timestamp":
            return 1767225600.5
        if kind == "blob":
            return "YmxvYg=="
        raise AssertionError(f"unhandled shape type {kind}")
