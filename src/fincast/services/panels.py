"""The monthly panel (``unique_id, ds, y``) of the ledger, for export and for models."""

from __future__ import annotations

import datetime as dt

import pandas as pd
from sqlalchemy import Engine

from fincast.panel import build_panel
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
