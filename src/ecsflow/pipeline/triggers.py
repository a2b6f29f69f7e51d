"""Pipeline triggers: moved to ``ecsflow.config.triggers`` (``ecsflow.yml`` is read in the config layer).

Kept so existing imports go on working.
"""

from ecsflow.config.triggers import (
    DEFAULT_SOURCE_ACTION,
    MAX_FILTERS,
    MAX_PATTERNS,
    MAX_TRIGGERS,
    PROVIDER_TYPE,
    Criteria,
    PipelineTriggers,
    PullRequestEvent,
    PullRequestFilter,
    PushFilter,
    Trigger,
    parse_pipelines,
    read_triggers,
)

__all__ = [
    "DEFAULT_SOURCE_ACTION",
    "MAX_FILTERS",
    "MAX_PATTERNS",
    "MAX_TRIGGERS",
    "PROVIDER_TYPE",
    "Criteria",
    "PipelineTriggers",
    "PullRequestEvent",
    "PullRequestFilter",
    "PushFilter",
    "Trigger",
    "parse_pipelines",
    "read_triggers",
]
