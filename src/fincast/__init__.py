"""fincast: self-hosted personal-finance intelligence."""

__version__ = "0.1.0"

__all__ = ["__version__"]
