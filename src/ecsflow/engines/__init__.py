"""Deployment engines: plan execution, registration, waiting, diagnosis, orchestration.

Engines talk to AWS only through the ports of ``ecsflow.ports`` and never print: they
emit ``ecsflow.events`` and return ``ecsflow.model.DeploymentResult``s.
"""
