"""ecsflow: deliver container services to AWS ECS and tell the truth about the outcome."""

__version__ = "0.1.0"

__all__ = ["__version__"]
