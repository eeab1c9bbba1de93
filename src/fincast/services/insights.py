"""Insight services over the monthly panel (the API and CLI call these).

What is derived from the ledger is computed once per data version
(:func:`fincast.services.forecasting.versions.current_version`) and cached under it, so
repeated requests rebuild nothing, and a write is seen by the next request on every worker.
Each answer is in one currency (:func:`fincast.services.panels.panel_currency`).
"""

from __future__ import annotations

import hashlib
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from fincast.panel import build_panel, normalize_currency, panel_to_monthly_wide, user_currencies
from fincast.services.forecasting.cache import CACHE
from fincast.services.forecasting.versions import current_version
from fincast.services.panels import choose_currency

# Part of every cache key and ETag: bump it when the answer's shape or rules change.
_MONTHLY_REVISION = "monthly-3"


def monthly_version(
    session: Session,
    user_id: int,
    revision: int | None = None,
    *,
    currency: str | None = None,
) -> str:
    """The version of the user's monthly overview in ``currency`` (None: the primary one).

    It changes when the overview can change (the primary currency is the data version's).
    ``revision``: see :func:`~fincast.services.forecasting.versions.current_version`.
    """
    asked = None if currency is None else normalize_currency(currency)
    version = current_version(session, user_id, revision)
    key = repr((_MONTHLY_REVISION, user_id, version, asked))
    return hashlib.sha256(key.encode()).hexdigest()[:32]


def monthly_overview(
    engine: Engine, user_id: int, *, version: str | None = None, currency: str | None = None
) -> dict[str, Any]:
    """The user's complete months (income, categories, expense, savings) and the month left out.

    Args:
        engine: The database.
        user_id: Whose ledger.
        version: :func:`monthly_version` as the caller read it (for the same ``currency``);
            the result is cached under it. None computes afresh without caching.
        currency: The answer's currency (default: the user's primary one).

    Raises:
        InputError: ``currency`` is not a currency of the user's accounts.
    """
    if version is None:
        return _monthly_overview(engine, user_id, currency)
    result: dict[str, Any] = CACHE.get_or_compute(
        (user_id, _MONTHLY_REVISION, version),
        lambda: _monthly_overview(engine, user_id, currency),
    )
    return result


def _monthly_overview(engine: Engine, user_id: int, currency: str | None) -> dict[str, Any]:
    # Read with the overview, not cached apart: one entry per answer.
    pc = choose_currency(user_currencies(engine, user_id), currency)
    panel = build_panel(engine, [user_id], currency=pc.currency)
    wide = panel_to_monthly_wide(panel, user_id).round(2)
    return {
        "data": wide.to_dict(orient="records"),
        "count": len(wide),
        "partial_month": panel.attrs.get("partial_month"),
        "history_gap": (panel.attrs.get("history_gaps") or {}).get(str(user_id)),
        **pc.labels(),
    }
