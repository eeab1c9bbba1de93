"""A user's served household forecast as an object, for the insights built on it.

The insights (overspending, budgets, goals, health, disposable income, ...) read the same
distributions the forecast endpoints answer with: the shared household model applied to
the user's ledger, floored by the bills the user confirmed, cached per data version and
model version like every prediction, so an insight never refits what a forecast already
computed.
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

#: Months every insight's forecast covers (the savings trajectory needs 12).
HORIZON = 12


@dataclass(frozen=True)
class UserForecast:
    """The user's monthly table (history) and the household forecast made from it."""

    table: pd.DataFrame
    forecast: HouseholdForecast
    data_version: tuple[Any, ...]
    model_version: int


def user_history(
    engine: Engine, session: Session, user_id: int
) -> tuple[tuple[Any, ...], pd.DataFrame]:
    """The user's ledger as the monthly wide table, with its data version (cached)."""
    version = current_version(session, user_id)
    table: pd.DataFrame = CACHE.get_or_compute(
        (user_id, "ledger", version, "monthly-table"), lambda: ledger_monthly(engine, user_id)
    )
    return version, table


def user_forecast(
    engine: Engine, session: Session, user_id: int, *, models_dir: Path, horizon: int = HORIZON
) -> UserForecast:
    """The served household forecast of the user's ledger for ``horizon`` months.

    Raises:
        InputError: the ledger has fewer complete months than a forecast needs.
    """
    model_version, model = versioned_population_model(models_dir)
    version, table = user_history(engine, session, user_id)
    require_history(table)
    # confirmed bills floor their categories; they are part of the data version
    bills = CACHE.get_or_compute((user_id, "bills", version), lambda: known_bills(session, user_id))
    key = (user_id, "ledger", version, "household-forecast", horizon, model_version)

    def compute() -> HouseholdForecast:
        fc = model.forecast(table, horizon)
        return fc.with_floors(floors_for(fc.months, bills)) if bills else fc

    fc: HouseholdForecast = CACHE.get_or_compute(key, compute)
    return UserForecast(table=table, forecast=fc, data_version=version, model_version=model_version)
