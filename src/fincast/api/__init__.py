"""The HTTP API: ``create_app`` builds it; routers per domain live in ``fincast.api.routers``."""

from fincast.api.app import create_app

__all__ = ["create_app"]
