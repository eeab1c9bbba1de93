"""The data version of a user's ledger: what every cached or stored forecast is keyed by.

Kept free of the forecasting engine so that writes (imports, edits) can invalidate it
without loading pandas models.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import time
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from fincast.ledger.models import Category, Transaction

VERSION_TTL_SECONDS = 1.0
_versions: dict[int, tuple[float, tuple[Any, ...]]] = {}


def data_version(session: Session, user_id: int) -> tuple[Any, ...]:
    """A cheap fingerprint that changes whenever the user's monthly panel can change."""
    t = Transaction
    day_code = (
        func.extract("year", t.posted_date) * 372
        + func.extract("month", t.posted_date) * 31
        + func.extract("day", t.posted_date)
    )
    tx = session.execute(
        select(
            func.count(),
            func.max(t.id),
            func.sum(t.amount),
            func.sum(func.coalesce(t.category_id, 0) * (t.id % 997 + 1)),
            func.sum(day_code * (t.id % 991 + 1)),
        ).where(t.user_id == user_id)
    ).one()
    kind_code = case((Category.kind == "income", 1), (Category.kind == "expense", 2), else_=3)
    cats = session.execute(
        select(func.count(), func.sum(Category.id * kind_code)).where(Category.user_id == user_id)
    ).one()
    month = dt.date.today().strftime("%Y-%m")
    return (month, *(str(v) for v in tx), *(str(v) for v in cats))


def version_digest(session: Session, user_id: int) -> str:
    """:func:`data_version` as a short hex digest, for model metadata."""
    return hashlib.sha256(repr(data_version(session, user_id)).encode()).hexdigest()[:16]


def current_version(session: Session, user_id: int) -> tuple[Any, ...]:
    """:func:`data_version`, re-read at most once a second per user.

    Writes through the services call :func:`invalidate`, so the API's own changes are seen
    at once; changes made by other processes (CLI imports) within a second.
    """
    now = time.monotonic()
    hit = _versions.get(user_id)
    if hit is not None and now - hit[0] < VERSION_TTL_SECONDS:
        return hit[1]
    version = data_version(session, user_id)
    _versions[user_id] = (now, version)
    return version


def invalidate(user_id: int) -> None:
    """Forget the remembered data version of ``user_id`` (their ledger just changed)."""
    _versions.pop(user_id, None)
