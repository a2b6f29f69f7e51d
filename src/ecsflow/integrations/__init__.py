"""Entry points for other systems: the CodePipeline Invoke action's Lambda handler
(``ecsflow.integrations.codepipeline.handler``). A layer beside the CLI: it composes
engines through ``ecsflow.factory`` and never imports the CLI, click or rich, so the
Lambda package (``ecsflow package lambda``) carries neither."""
