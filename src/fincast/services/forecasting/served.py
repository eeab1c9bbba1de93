"""A user's served household forecast as an object, for the insights built on it.

The insights (overspending, budgets, goals, health, disposable income, ...) read the same
distributions the forecast endpoints answer with: the shared household model applied to
the user's ledger, floored by the bills the user confirmed, cached per data version and
model version like every prediction, so an insight never refits what a forecast already
computed. Each is in one currency (:func:`fincast.services.panels.panel_currency`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from fincast.ml.household import HouseholdForecast
from fincast.services.forecasting.cache import CACHE
from fincast.services.forecasting.household import versioned_population_model
from fincast.services.forecasting.known import floors_for, known_bills
from fincast.services.forecasting.predictions import ledger_monthly, require_history
from fincast.services.forecasting.versions import current_version
from fincast.services.panels import PanelCurrency, panel_currency

#: Months every insight's forecast covers (the savings trajectory needs 12).
HORIZON = 12


@dataclass(frozen=True)
class UserForecast:
    """The user's monthly table (history) and the household forecast made from it."""

    table: pd.DataFrame
    forecast: HouseholdForecast
    data_version: tuple[Any, ...]
    model_version: int
    currency: PanelCurrency


def user_history(
    engine: Engine, session: Session, user_id: int, *, currency: str | None = None
) -> tuple[tuple[Any, ...], pd.DataFrame]:
    """The user's ledger in ``currency`` (default: primary), monthly wide, with its version.

    Raises:
        InputError: ``currency`` is not a currency of the user's accounts.
    """
    version, table, _ = user_history_in(engine, session, user_id, currency=currency)
    return version, table


def user_history_in(
    engine: Engine, session: Session, user_id: int, *, currency: str | None = None
) -> tuple[tuple[Any, ...], pd.DataFrame, PanelCurrency]:
    """:func:`user_history` and the currency it is in (cached per data version)."""
    version = current_version(session, user_id)
    pc = panel_currency(engine, session, user_id, currency, version=version)
    table: pd.DataFrame = CACHE.get_or_compute(
        (user_id, "ledger", version, pc.currency, "monthly-table"),
        lambda: ledger_monthly(engine, user_id, pc.currency),
    )
    return version, table, pc


def user_forecast(
    engine: Engine,
    session: Session,
    user_id: int,
    *,
    models_dir: Path,
    horizon: int = HORIZON,
    currency: str | None = None,
) -> UserForecast:
    """The served household forecast of the user's ledger for ``horizon`` months.

    Raises:
        InputError: the ledger has fewer complete months than a forecast needs, or
            ``currency`` is not a currency of the user's accounts.
    """
    model_version, model = versioned_population_model(models_dir)
    version, table, pc = user_history_in(engine, session, user_id, currency=currency)
    require_history(table)
    # confirmed bills in the forecast's currency floor their categories; they are part of
    # the data version
    bills = CACHE.get_or_compute(
        (user_id, "bills", version, pc.currency),
        lambda: known_bills(session, user_id, pc.currency),
    )
    key = (user_id, "ledger", version, pc.currency, "household-forecast", horizon, model_version)

    def compute() -> HouseholdForecast:
        fc = model.forecast(table, horizon)
        return fc.with_floors(floors_for(fc.months, bills)) if bills else fc

    fc: HouseholdForecast = CACHE.get_or_compute(key, compute)
    return UserForecast(
        table=table,
        forecast=fc,
        data_version=version,
        model_version=model_version,
        currency=pc,
    )
