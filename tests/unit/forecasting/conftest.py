"""Shared panel fixtures for the forecasting tests."""

from tests.support.panels import monthly, panel

__all__ = ["monthly", "panel"]
