"""CodePipeline trigger globs: moved to ``ecsflow.config.glob`` (triggers are configuration).

Kept so ``from ecsflow.pipeline import glob`` goes on working.
"""

from ecsflow.config.glob import (
    MAX_PATTERN_LENGTH,
    GlobSyntaxError,
    check,
    compile_glob,
    literal_prefix,
    matches,
    translate,
)

__all__ = [
    "MAX_PATTERN_LENGTH",
    "GlobSyntaxError",
    "check",
    "compile_glob",
    "literal_prefix",
    "matches",
    "translate",
]
