"""ecsflow.yml: parsing, path-precise errors, environments, ordering."""

from __future__ import annotations

from pathlib import Path

import pytest

from ecsflow.config import BaseMode, load_config, parse_config, parse_duration
from ecsflow.errors import ConfigError

EXAMPLE = """
version: 1
defaults:
  region: eu-west-1
  cluster: main
  timeout: 15m
variables: {LOG_LEVEL: info}
services:
  migrate:
    task_definition: taskdefs/migrate.json
  api:
    task_definition: taskdefs/api.json
    images: {web: 123456789012.dkr.ecr.eu-west-1.amazonaws.com/api}
    after: [migrate]
    variables: {PORT: "8080"}
  worker:
    service: worker-svc
    base: service
    after: migrate
environments:
  prod:
    region: us-east-1
    cluster: prod
    variables: {LOG_LEVEL: warn}
    services:
      api: {service: api-prod, timeout: 1h}
"""


def test_parses_services_defaults_and_order() -> None:
    c = parse_config(EXAMPLE, file="ecsflow.yml")
    assert c.defaults.region == "eu-west-1"
    api = c.services["api"]
    assert (api.cluster, api.service, api.timeout) == ("main", "api", 900.0)
    assert api.images == {"web": "123456789012.dkr.ecr.eu-west-1.amazonaws.com/api"}
    assert api.variables == {"LOG_LEVEL": "info", "PORT": "8080"}
    assert c.services["worker"].base is BaseMode.SERVICE
    assert c.order == (("migrate",), ("api", "worker"))
    assert c.groups(["worker", "api"]) == [["api", "worker"]]


def test_environment_overrides() -> None:
    prod = parse_config(EXAMPLE).for_environment("prod")
    api = prod.services["api"]
    assert (api.cluster, api.service, api.timeout) == ("prod", "api-prod", 3600.0)
    assert api.variables["LOG_LEVEL"] == "warn" and api.variables["PORT"] == "8080"
    assert prod.defaults.region == "us-east-1"
    assert prod.services["worker"].cluster == "prod"


def test_unknown_environment_names_the_known_ones() -> None:
    with pytest.raises(ConfigError) as err:
        parse_config(EXAMPLE).for_environment("staging")
    assert "known: prod" in str(err.value.problems[0])


def test_every_problem_is_reported_with_its_path() -> None:
    bad = """
version: 1
defaults: {timeout: soon, concurrency: 0, base: newest}
services:
  api:
    images: {web: [1]}
    cluster: main
    after: [nope]
    colour: blue
environments:
  prod:
    services:
      ghost: {}
"""
    with pytest.raises(ConfigError) as err:
        parse_config(bad, file="ecsflow.yml")
    paths = {p.path for p in err.value.problems}
    assert paths >= {
        "defaults.timeout",
        "defaults.concurrency",
        "defaults.base",
        "services.api.images.web",
        "services.api.after",
        "services.api.colour",
        "environments.prod.services.ghost",
    }
    assert all(p.file == "ecsflow.yml" for p in err.value.problems)


def test_cycle_in_order_is_an_error() -> None:
    text = "services:\n  a: {after: b}\n  b: {after: a}\n"
    with pytest.raises(ConfigError) as err:
        parse_config(text)
    assert "cycle" in str(err.value.problems[0])


def test_yaml_syntax_error_has_a_line() -> None:
    with pytest.raises(ConfigError) as err:
        parse_config("services:\n  api: [\n", file="x.yml")
    assert "line" in str(err.value.problems[0])


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as err:
        load_config(tmp_path / "ecsflow.yml")
    assert "does not exist" in err.value.message


@pytest.mark.parametrize(
    ("text", "seconds"), [("600", 600.0), ("90s", 90.0), ("15m", 900.0), ("1h", 3600.0), ("0", None), ("x", None)]
)
def test_durations(text: str, seconds: float | None) -> None:
    assert parse_duration(text) == seconds


def test_default_secret_pattern_matches_the_diff_masker() -> None:
    from ecsflow.config import DEFAULT_SECRET_PATTERN
    from ecsflow.diff import DEFAULT_MASK_PATTERN

    assert DEFAULT_SECRET_PATTERN == DEFAULT_MASK_PATTERN
