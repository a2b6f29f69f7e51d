"""CloudFormation templates as YAML with a stable key order (the order the builder wrote).

Intrinsic functions are written in their long form (``Ref``, ``Fn::GetAtt``, ``Fn::Sub``) as
plain mappings, so any YAML reader (cfn-lint, ``aws cloudformation deploy``) reads them, and
no custom tags are needed.
"""

from __future__ import annotations

from typing import Any

import yaml


class _Dumper(yaml.SafeDumper):
    """No anchors or aliases: a repeated value is written out again, as CloudFormation expects."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    # Multi-line strings (inline buildspecs) as literal blocks, so they read as written.
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)
# Values read from ecsflow.yml may be subclasses that remember their source text (artifacts.loader).
_Dumper.add_multi_representer(str, _str)
_Dumper.add_multi_representer(int, lambda d, v: d.represent_int(int(v)))
_Dumper.add_multi_representer(float, lambda d, v: d.represent_float(float(v)))


def dump_template(template: dict[str, Any]) -> str:
    text: str = yaml.dump(template, Dumper=_Dumper, sort_keys=False, default_flow_style=False, width=120)
    return text


def ref(name: str) -> dict[str, Any]:
    return {"Ref": name}


def get_att(name: str, attribute: str) -> dict[str, Any]:
    return {"Fn::GetAtt": [name, attribute]}


def sub(text: str) -> dict[str, Any] | str:
    """``Fn::Sub`` when ``text`` holds a ``${…}`` placeholder, else the text itself."""
    return {"Fn::Sub": text} if "${" in text else text
