"""Writing documents back as JSON or YAML, keeping key order and numbers as written."""

from __future__ import annotations

import json
from typing import Any

import yaml

from ecsflow.artifacts.loader import Format, SourceFloat, SourceInt

_BaseDumper: Any = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


class _Dumper(_BaseDumper):  # type: ignore[misc]
    """Safe dumper that writes YAML numbers with the text they were read as (``version: 0.0``)."""


def _number(dumper: Any, data: SourceInt | SourceFloat) -> Any:
    tag = "tag:yaml.org,2002:int" if isinstance(data, SourceInt) else "tag:yaml.org,2002:float"
    return dumper.represent_scalar(tag, data.source)


_Dumper.add_representer(SourceInt, _number)
_Dumper.add_representer(SourceFloat, _number)


def dump_json(data: Any) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n"


def dump_yaml(data: Any) -> str:
    text: str = yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, default_flow_style=False)
    return text


def dump(data: Any, fmt: Format) -> str:
    return dump_yaml(data) if fmt is Format.YAML else dump_json(data)
