from __future__ import annotations

import datetime

import pytest

from ecsflow.artifacts.loader import Format, SourceFloat, SourceInt, load_document
from ecsflow.artifacts.serialize import dump_yaml
from ecsflow.errors import ArtifactError


def problem_text(exc: pytest.ExceptionInfo[ArtifactError]) -> str:
    return "\n".join(str(p) for p in exc.value.problems)


def test_json_syntax_error_has_line_and_column() -> None:
    with pytest.raises(ArtifactError) as exc:
        load_document('{\n  "family": "web",\n  "cpu": 256,\n}', "taskdef.json")
    assert "taskdef.json: invalid JSON at line 4, column 1" in problem_text(exc)


def test_yaml_syntax_error_has_line_and_column() -> None:
    with pytest.raises(ArtifactError) as exc:
        load_document("version: 0.2\nphases:\n  build: [a\n", "buildspec.yml")
    text = problem_text(exc)
    assert "invalid YAML at line" in text
    assert "column" in text


def test_non_utf8_bytes_are_reported_with_offset() -> None:
    with pytest.raises(ArtifactError) as exc:
        load_document(b'{"name": "\xff"}', "imagedefinitions.json")
    assert "not UTF-8 text (byte 0xff at offset 10)" in problem_text(exc)


@pytest.mark.parametrize("content", [b"", b"  \n\t", ""])
def test_empty_file(content: bytes | str) -> None:
    with pytest.raises(ArtifactError) as exc:
        load_document(content, "x.json")
    assert "the file is empty" in problem_text(exc)


def test_bom_is_dropped_with_a_warning() -> None:
    doc = load_document("\ufeff[]".encode(), "imagedefinitions.json")
    assert doc.data == []
    assert "byte order mark" in doc.warnings[0].message


def test_nan_is_not_json() -> None:
    with pytest.raises(ArtifactError) as exc:
        load_document('{"a": NaN}', "x.json")
    assert "NaN is not valid JSON" in problem_text(exc)


def test_yaml_scalars_that_surprise_people_stay_text() -> None:
    doc = load_document(
        "version: 0.0\nflag: on\nanswer: yes\nday: 2024-01-01\nport: 22:22\nreal: true\nratio: 0.10\n", "a.yaml"
    )
    data = doc.data
    assert isinstance(data["version"], SourceFloat) and data["version"].source == "0.0"
    assert data["flag"] == "on" and data["answer"] == "yes"
    assert data["day"] == "2024-01-01" and not isinstance(data["day"], datetime.date)
    assert isinstance(data["port"], SourceInt) and data["port"].source == "22:22"
    assert data["real"] is True
    assert data["ratio"] == 0.1 and data["ratio"].source == "0.10"


def test_yaml_numbers_are_written_back_as_read() -> None:
    doc = load_document("version: 0.0\nratio: 0.10\nn: 8080\n", "a.yaml")
    assert dump_yaml(doc.data) == "version: 0.0\nratio: 0.10\nn: 8080\n"


def test_yaml_duplicate_keys_are_refused() -> None:
    with pytest.raises(ArtifactError) as exc:
        load_document("a: 1\nb: 2\na: 3\n", "x.yaml")
    assert "duplicate key 'a'" in problem_text(exc)
    assert "line 3" in problem_text(exc)


def test_yaml_unknown_tags_are_refused_not_executed() -> None:
    with pytest.raises(ArtifactError):
        load_document("a: !!python/object/apply:os.system ['true']\n", "x.yaml")


def test_format_from_content_json_first_then_yaml() -> None:
    assert load_document('{"a": 1}', "appspec").format is Format.JSON
    assert load_document("a: 1\n", "appspec").format is Format.YAML


def test_broken_json_looking_content_reports_the_json_error() -> None:
    with pytest.raises(ArtifactError) as exc:
        load_document('{"a": 1,,}', "appspec")
    assert "invalid JSON" in problem_text(exc)


def test_deeply_nested_json_is_an_artifact_error() -> None:
    with pytest.raises(ArtifactError):
        load_document("[" * 100000 + "]" * 100000, "x.json")


def test_json_duplicate_keys_are_refused() -> None:
    with pytest.raises(ArtifactError) as exc:
        load_document('{"a": {"name": 1, "name": 2}}', "x.json")
    assert "invalid JSON: duplicate key 'name' in an object" in problem_text(exc)


def test_yaml_self_reference_is_refused() -> None:
    with pytest.raises(ArtifactError) as exc:
        load_document("&x [1, *x]\n", "x.yaml")
    assert "a YAML alias refers to a collection that contains it" in problem_text(exc)


def test_yaml_alias_bomb_is_refused_quickly() -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 9)]
    with pytest.raises(ArtifactError) as exc:
        load_document("\n".join(lines) + "\n", "x.yaml")
    assert "expands to more than 1000000 values" in problem_text(exc)


def test_yaml_aliases_within_reason_are_fine() -> None:
    doc = load_document("base: &b {a: 1}\nx: *b\ny: *b\n", "x.yaml")
    assert doc.data["x"] == doc.data["y"] == {"a": 1}
