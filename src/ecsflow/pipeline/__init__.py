"""Pipelines: CodePipeline trigger filters, reading changes from Git, and the buildspec runner."""
