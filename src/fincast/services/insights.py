"""Insight services over the monthly panel (the API and CLI call these)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine

from fincast.panel import build_panel, panel_to_monthly_wide


def monthly_overview(engine: Engine, user_id: int) -> dict[str, Any]:
    """The user's complete months (income, categories, expense, savings) and the month left out."""
    panel = build_panel(engine, [user_id])
    wide = panel_to_monthly_wide(panel, user_id).round(2)
    return {
        "data": wide.to_dict(orient="records"),
        "count": len(wide),
        "partial_month": panel.attrs.get("partial_month"),
    }
