"""Shared panel fixtures for the ml and forecasts tests."""

from tests.support.panels import monthly, panel

__all__ = ["monthly", "panel"]
