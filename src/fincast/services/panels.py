"""The monthly panel (``unique_id, ds, y``) of the ledger, for export and for models."""

from __future__ import annotations

import datetime as dt

import pandas as pd
from sqlalchemy import Engine

from fincast.frames import UID
from fincast.panel import build_panel, panel_to_monthly_wide
from fincast.services.users import find_user


def ledger_panel(
    engine: Engine,
    *,
    email: str | None = None,
    as_of: dt.date | None = None,
    include_partial: bool = False,
) -> pd.DataFrame:
    """Every user's panel, or only the user with ``email``'s.

    The incomplete month at ``as_of`` (default today) is left out unless
    ``include_partial``; the frame's ``attrs["partial_month"]`` names it.
    """
    ids = None if email is None else [find_user(engine, email).id]
    return build_panel(engine, ids, as_of=as_of, include_partial=include_partial)


def ledger_tables(engine: Engine, *, min_months: int = 12) -> list[pd.DataFrame]:
    """Every user's monthly table with at least ``min_months`` complete months.

    What the shared household model learns from besides synthetic households: each table
    enters only as windows of its own months, and the model keeps nothing but per-class
    error quantiles and method choices, no user's amounts.
    """
    panel = build_panel(engine)
    if panel.empty:
        return []
    users = sorted({uid.split("/", 1)[0] for uid in panel[UID].unique()})
    tables = [panel_to_monthly_wide(panel, user) for user in users]
    return [t for t in tables if len(t) >= min_months]
