"""Insight services over the monthly panel (the API and CLI call these).

What is derived from the ledger is computed once per data version
(:func:`fincast.services.forecasting.versions.current_version`) and cached under it, so
repeated requests rebuild nothing, and a write is seen by the next request on every worker.
"""

from __future__ import annotations

import hashlib
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from fincast.panel import build_panel, panel_to_monthly_wide
from fincast.services.forecasting.cache import CACHE
from fincast.services.forecasting.versions import current_version

# Part of every cache key and ETag: bump it when the answer's shape or rules change.
_MONTHLY_REVISION = "monthly-2"


def monthly_version(session: Session, user_id: int, revision: int | None = None) -> str:
    """The version of the user's monthly overview: it changes when the overview can change.

    ``revision``: see :func:`~fincast.services.forecasting.versions.current_version`.
    """
    key = repr((_MONTHLY_REVISION, user_id, current_version(session, user_id, revision)))
    return hashlib.sha256(key.encode()).hexdigest()[:32]


def monthly_overview(engine: Engine, user_id: int, *, version: str | None = None) -> dict[str, Any]:
    """The user's complete months (income, categories, expense, savings) and the month left out.

    Args:
        engine: The database.
        user_id: Whose ledger.
        version: :func:`monthly_version` as the caller read it; the result is cached under
            it. None computes afresh without caching.
    """
    if version is None:
        return _monthly_overview(engine, user_id)
    result: dict[str, Any] = CACHE.get_or_compute(
        (user_id, _MONTHLY_REVISION, version), lambda: _monthly_overview(engine, user_id)
    )
    return result


def _monthly_overview(engine: Engine, user_id: int) -> dict[str, Any]:
    panel = build_panel(engine, [user_id])
    wide = panel_to_monthly_wide(panel, user_id).round(2)
    return {
        "data": wide.to_dict(orient="records"),
        "count": len(wide),
        "partial_month": panel.attrs.get("partial_month"),
        "history_gap": (panel.attrs.get("history_gaps") or {}).get(str(user_id)),
    }
