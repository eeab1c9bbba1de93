"""The monthly panel (``unique_id, ds, y``) of the ledger, for export and for models.

Every answer built on a user's panel is in one currency (:func:`panel_currency`): the one
asked for, or the user's primary currency (the currency of the accounts holding most of
their transactions). Amounts in different currencies are never added together; there are
no exchange rates. Budgets, goals and debts each have a currency (services/resources.py) and
count in answers in it, and so do recurring series and confirmed bills (each in its
accounts' currency, services/recurring.py).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pandas as pd
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from fincast.errors import InputError
from fincast.frames import UID
from fincast.panel import build_panel, normalize_currency, panel_to_monthly_wide, user_currencies
from fincast.services.forecasting.cache import CACHE
from fincast.services.forecasting.versions import current_version
from fincast.services.users import find_user


@dataclass(frozen=True)
class PanelCurrency:
    """The currency one answer is in, the user's primary one, and all of theirs (sorted)."""

    currency: str | None
    primary: str | None
    currencies: tuple[str, ...]

    @property
    def is_primary(self) -> bool:
        """Whether the answer is in the primary currency (stored batch results serve it)."""
        return self.currency == self.primary

    def labels(self) -> dict[str, Any]:
        """What every answer says about its currency: ``currency`` and ``currencies``."""
        return {"currency": self.currency, "currencies": list(self.currencies)}


#: The labels of an answer on inline rows (which carry no currency).
NO_CURRENCY: dict[str, Any] = {"currency": None, "currencies": []}


def panel_currency(
    engine: Engine,
    session: Session,
    user_id: int,
    currency: str | None = None,
    *,
    version: tuple[Any, ...] | None = None,
) -> PanelCurrency:
    """The currency an answer for ``user_id`` is in: ``currency``, or their primary one.

    Read once per data version (``version``, default: read now) and cached under it.

    Raises:
        InputError: ``currency`` is not a currency of any of the user's accounts.
    """
    version = version if version is not None else current_version(session, user_id)
    found = CACHE.get_or_compute(
        (user_id, "currencies", version), lambda: user_currencies(engine, user_id)
    )
    return choose_currency(found, currency)


def session_currency(session: Session, user_id: int, currency: str | None = None) -> PanelCurrency:
    """:func:`panel_currency` for a service holding only a session (its engine from its bind).

    Raises:
        InputError: ``currency`` is not a currency of any of the user's accounts.
    """
    bind = session.get_bind()
    engine = bind if isinstance(bind, Engine) else bind.engine
    return panel_currency(engine, session, user_id, currency)


def choose_currency(
    found: tuple[str | None, list[str]] | list[Any], currency: str | None = None
) -> PanelCurrency:
    """The answer's currency from :func:`fincast.panel.user_currencies`'s ``found``.

    Raises:
        InputError: ``currency`` is not one of ``found``'s currencies.
    """
    primary, currencies = found
    chosen = primary if currency is None else normalize_currency(currency)
    if currency is not None and chosen not in currencies:
        held = f"your accounts are in {', '.join(currencies)}" if currencies else "no accounts yet"
        raise InputError(f"currency {chosen}: you have no account in {chosen} ({held})")
    return PanelCurrency(chosen, primary, tuple(currencies))


def ledger_panel(
    engine: Engine,
    *,
    email: str | None = None,
    as_of: dt.date | None = None,
    include_partial: bool = False,
) -> pd.DataFrame:
    """Every user's panel, or only the user with ``email``'s, each in its primary currency.

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
