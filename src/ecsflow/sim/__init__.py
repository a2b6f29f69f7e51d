"""The local AWS: moto (pinned) plus ecsflow's rollout simulator.

Imported by ``ecsflow local``, ``ecsflow demo`` and tests only; never by engines,
pipeline or the AWS adapters (an import-linter contract enforces it).
"""
