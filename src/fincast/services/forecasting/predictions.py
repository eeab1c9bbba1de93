"""Predictions for one user, on their stored ledger or on inline monthly rows.

The forecasting classes (:mod:`fincast.services.forecasting.compat`, over :mod:`fincast.ml`)
are imported inside the functions that need them, so the API starts, and every other
endpoint answers, without loading the models. Results are cached in-process per user,
keyed by the ledger's data version, so repeated predictions on unchanged data refit nothing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import pandas as pd
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from fincast.errors import InputError
from fincast.panel import build_panel, panel_to_monthly_wide, read_monthly_csv
from fincast.services.forecasting.cache import CACHE
from fincast.services.forecasting.versions import current_version

MIN_MONTHS = 3
_TOTALS = ("year_month", "total_income", "total_expense", "savings")


def jsonable(value: Any) -> Any:
    """Model output (numpy scalars, arrays, frames, NaN) as plain JSON values."""
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, pd.DataFrame):
        return [jsonable(r) for r in value.to_dict(orient="records")]
    if isinstance(value, pd.Series):
        return jsonable(value.to_dict())
    if isinstance(value, list | tuple | set):
        return [jsonable(v) for v in value]
    if isinstance(value, pd.Timestamp | dt.date):
        return value.isoformat()
    if hasattr(value, "tolist") and not isinstance(value, str | bytes):
        return jsonable(value.tolist())
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, bool | int | str) or value is None:
        return value
    return str(value)


def ledger_monthly(engine: Engine, user_id: int) -> pd.DataFrame:
    """The user's stored data in the monthly wide layout."""
    return panel_to_monthly_wide(build_panel(engine, [user_id]), user_id)


def inline_monthly(rows: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    """Rows sent by a client (``year_month, total_income, <cats>, total_expense[, savings]``)."""
    df = pd.DataFrame(list(rows))
    read_monthly_csv(df)  # validates columns, months and numbers; raises InputError
    df = df.sort_values("year_month", kind="stable").reset_index(drop=True)
    if df["year_month"].duplicated().any():
        raise InputError("monthly_data: each year_month may appear only once")
    if "savings" not in df.columns:
        df["savings"] = df["total_income"] - df["total_expense"]
    cats = [c for c in df.columns if c not in _TOTALS]
    return df[["year_month", "total_income", *cats, "total_expense", "savings"]]


def rows_key(rows: Sequence[Mapping[str, Any]]) -> str:
    """A stable hash of inline rows, for the cache."""
    blob = json.dumps(list(rows), sort_keys=True, default=str).encode()
    return hashlib.sha256(blob).hexdigest()


def require_history(df: pd.DataFrame) -> None:
    """Refuse data too short to forecast from, naming what is missing."""
    if len(df) < MIN_MONTHS:
        raise InputError(
            f"at least {MIN_MONTHS} complete months of data are needed to forecast; found {len(df)}"
        )


def predict_expense(df: pd.DataFrame, confidence_level: float) -> dict[str, Any]:
    """Next month's total expense with its interval."""
    from fincast.services.forecasting.compat import ExpenseForecaster

    require_history(df)
    out = jsonable(ExpenseForecaster().forecast_next_month(df, confidence_level=confidence_level))
    return dict(out)


def predict_categories(
    df: pd.DataFrame, *, threshold: float, total_budget: float | None, safety_margin: float
) -> dict[str, Any]:
    """Per-category forecasts, overspending risks and budget recommendations."""
    from fincast.services.forecasting.compat import CategorySpendingPredictor

    require_history(df)
    model = CategorySpendingPredictor()
    budget = float(df["total_income"].iloc[-1]) if total_budget is None else total_budget
    return {
        "forecasts": jsonable(model.forecast_categories(df)),
        "risks": jsonable(model.detect_overspending_risks(df, threshold=threshold)),
        "budget_recommendations": jsonable(
            model.generate_budget_recommendations(
                df, total_budget=budget, safety_margin=safety_margin
            )
        ),
    }


def predict_savings(df: pd.DataFrame, periods: Sequence[int]) -> dict[str, Any]:
    """Savings trajectory over ``periods`` months and the financial-health assessment."""
    from fincast.services.forecasting.compat import SavingsForecaster

    require_history(df)
    model = SavingsForecaster()
    return {
        "trajectory": jsonable(model.forecast_trajectory(df, periods=list(periods))),
        "financial_health": jsonable(model.assess_financial_health(df)),
    }


PREDICTORS: dict[str, Callable[..., dict[str, Any]]] = {
    "expense": predict_expense,
    "categories": predict_categories,
    "savings": predict_savings,
}


def predict(
    engine: Engine,
    session: Session,
    user_id: int,
    kind: str,
    params: Mapping[str, Any],
    rows: Sequence[Mapping[str, Any]] | None = None,
) -> dict[str, Any]:
    """Run predictor ``kind`` on inline ``rows`` or the user's ledger, cached per data version."""
    fn = PREDICTORS[kind]
    params_key = json.dumps(dict(params), sort_keys=True, default=str)
    if rows is not None:
        key: tuple[Any, ...] = (user_id, "inline", rows_key(rows), kind, params_key)

        def load() -> pd.DataFrame:
            return inline_monthly(rows)
    else:
        key = (user_id, "ledger", current_version(session, user_id), kind, params_key)

        def load() -> pd.DataFrame:
            return ledger_monthly(engine, user_id)

    result: dict[str, Any] = CACHE.get_or_compute(key, lambda: fn(load(), **params))
    return result
