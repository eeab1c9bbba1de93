"""Shared panel fixtures for the ml tests."""

from tests.support.panels import monthly, panel

__all__ = ["monthly", "panel"]
