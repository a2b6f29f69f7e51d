"""``ecsflow.yml``: the project configuration (pure parsing and validation; no AWS)."""

from ecsflow.config.model import (
    DEFAULT_SECRET_PATTERN,
    BaseMode,
    Defaults,
    Environment,
    ProjectConfig,
    ServiceConfig,
    ServiceOverride,
)
from ecsflow.config.parse import DEFAULT_FILE, load_config, parse_config, parse_duration

__all__ = [
    "DEFAULT_FILE",
    "DEFAULT_SECRET_PATTERN",
    "BaseMode",
    "Defaults",
    "Environment",
    "ProjectConfig",
    "ServiceConfig",
    "ServiceOverride",
    "load_config",
    "parse_config",
    "parse_duration",
]
