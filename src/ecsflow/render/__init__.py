"""Pure rendering of the pipeline's files: conversions, images, placeholders, AppSpecs.

Nothing here does I/O: callers pass file contents, environment mappings and the
service description in, and get new values back (inputs are never mutated).
Failures raise ``ecsflow.errors.RenderError`` listing every problem.
"""
