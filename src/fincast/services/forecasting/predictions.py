"""Predictions for one user, on their stored ledger or on inline monthly rows.

Every answer is built from the served household forecast
(:func:`fincast.services.forecasting.household.serve`): the compatible endpoints reshape
it, they do not forecast on their own. Results are cached in-process per user, keyed by the
ledger's data version, the answer's currency and the household model, so repeated requests
recompute nothing. A ledger answer is in one currency (:mod:`fincast.services.panels`); as
served (:func:`predict_answer`) it says which (``currency``) and what else the user has
(``currencies``).
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import math
from collections.abc import Callable, Mapping, Sequence
from decimal import ROUND_DOWN, Decimal
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from fincast.errors import InputError
from fincast.insights.budget import CategoryNeed, plan_budget
from fincast.ledger.models import Account, Transaction
from fincast.ml.household import HouseholdForecast, HouseholdForecaster
from fincast.ml.household_check import own_backtest
from fincast.ml.household_table import EXPENSE
from fincast.panel import build_panel, panel_to_monthly_wide, read_monthly_csv
from fincast.services.batch.results import batch_prediction
from fincast.services.forecasting.cache import CACHE
from fincast.services.forecasting.household import (
    public,
    series_entry,
    serve,
    versioned_population_model,
)
from fincast.services.forecasting.known import KnownBills, known_bills
from fincast.services.forecasting.versions import current_version
from fincast.services.panels import NO_CURRENCY, panel_currency
from fincast.taxonomy import CATEGORY_BY_SLUG

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


def ledger_monthly(engine: Engine, user_id: int, currency: str | None = None) -> pd.DataFrame:
    """The user's stored data in ``currency`` (default: their primary one), monthly wide."""
    return panel_to_monthly_wide(build_panel(engine, [user_id], currency=currency), user_id)


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


def _served(
    model: HouseholdForecaster,
    df: pd.DataFrame,
    horizon: int,
    level: float,
    bills: KnownBills | None = None,
) -> dict[str, Any]:
    require_history(df)
    return serve(model, df, horizon=horizon, level=level, bills=bills)


def _labels(served: dict[str, Any], entry: dict[str, Any]) -> dict[str, Any]:
    return {
        "month": served["month"],
        "method": f"{entry['method']} ({served['method']})",
        "calibration": entry["calibration"],
        "history": served["history"],
        "warnings": served["warnings"],
    }


def predict_expense(
    df: pd.DataFrame,
    confidence_level: float,
    *,
    model: HouseholdForecaster,
    bills: KnownBills | None = None,
) -> dict[str, Any]:
    """Next month's total expense with its range at ``confidence_level``."""
    served = _served(model, df, 1, confidence_level * 100, bills)
    total = series_entry(served, EXPENSE)
    month = total["months"][0]
    return {
        "predicted_expense": month["forecast"],
        "confidence_interval": [month["lower"], month["upper"]],
        "confidence_level": confidence_level,
        **_labels(served, total),
    }


def predict_categories(
    df: pd.DataFrame,
    *,
    threshold: float,
    total_budget: float | None,
    safety_margin: float,
    model: HouseholdForecaster,
    bills: KnownBills | None = None,
) -> dict[str, Any]:
    """Per-category forecasts, overspending risks and budget recommendations."""
    served = _served(model, df, 1, 95.0, bills)
    fc: HouseholdForecast = served["_forecast"]
    forecasts: dict[str, Any] = {}
    risks: dict[str, Any] = {}
    for i, name in enumerate(fc.series):
        if not fc.classes[i].startswith("category/"):
            continue
        entry = series_entry(served, name)
        month = entry["months"][0]
        hist = float(df[name].mean()) if name in df else 0.0
        # The source's "predicted" is the expected amount (budgets and the overspending
        # rule add amounts up); "likely" is what /api/forecast shows as the forecast.
        forecasts[name] = {
            "predicted": month["expected"],
            "likely": month["forecast"],
            "lower": month["lower"],
            "upper": month["upper"],
            "p_any": month["p_any"],
            "historical_average": round(hist, 2),
            "change_pct": round((month["expected"] / hist - 1) * 100, 2) if hist else 0.0,
            "kind": entry["kind"],
            "method": entry["method"],
            "calibration": entry["calibration"],
        }
        ratio = month["expected"] / hist if hist else 0.0
        risks[name] = {
            "at_risk": bool(ratio > threshold),
            "predicted": month["expected"],
            "historical_average": round(hist, 2),
            "ratio": round(ratio, 4),
            "threshold": threshold,
            "upper": month["upper"],
            "probability_above_threshold": round(fc.probability_above(i, 0, threshold * hist), 3)
            if hist
            else None,
        }
    budget = float(df["total_income"].iloc[-1]) if total_budget is None else total_budget
    return {
        "forecasts": forecasts,
        "risks": risks,
        "budget_recommendations": budget_split(forecasts, budget, safety_margin),
        "month": served["month"],
        "history": served["history"],
        "warnings": served["warnings"],
    }


def budget_split(
    forecasts: Mapping[str, Mapping[str, Any]], total_budget: float, safety_margin: float
) -> dict[str, Any]:
    """Split ``total_budget`` (minus a safety margin) across categories, essentials first.

    The compatible answer's shape, computed by :func:`fincast.insights.budget.plan_budget`
    (what ``POST /api/insights/budget`` serves): essential categories (the taxonomy's flag)
    keep their forecast before discretionary ones get any, instead of every category being
    cut by the same share. Inline monthly rows know no bills, debts or budgets, so nothing
    has a floor here; the ledger-backed plan adds them.
    """
    if total_budget < 0 or not 0 <= safety_margin < 1:
        raise InputError("total_budget must be >= 0 and safety_margin in [0, 1)")
    available = total_budget * (1 - safety_margin)
    need = sum(max(v["predicted"], 0.0) for v in forecasts.values())
    needs = [
        CategoryNeed(
            category=cat,
            expected=Decimal(str(round(max(v["predicted"], 0.0), 2))),
            essential=CATEGORY_BY_SLUG[cat].essential if cat in CATEGORY_BY_SLUG else False,
        )
        for cat, v in forecasts.items()
    ]
    plan = plan_budget(
        needs, Decimal(str(round(available, 2))).quantize(Decimal("0.01"), ROUND_DOWN)
    )
    lines = {line.category: line for line in plan.lines}
    cats = {
        cat: {
            "recommended_budget": float(lines[cat].amount),
            "predicted": v["predicted"],
            "share": max(v["predicted"], 0.0) / need if need > 0 else 0.0,
            "essential": lines[cat].essential,
            "reason": lines[cat].reason,
        }
        for cat, v in forecasts.items()
    }
    return {
        "total_budget": float(total_budget),
        "safety_margin": float(safety_margin),
        "available_budget": available,
        "predicted_total": need,
        "fits_budget": bool(need <= available),
        "categories": cats,
    }


def predict_savings(
    df: pd.DataFrame,
    periods: Sequence[int],
    *,
    model: HouseholdForecaster,
    balance: tuple[float, str] | None = None,
    bills: KnownBills | None = None,
) -> dict[str, Any]:
    """Cumulative savings after each of ``periods`` months, and the financial-health check.

    Args:
        df: The monthly table.
        periods: Months ahead (each at most the model's horizon).
        model: The household model.
        balance: ``(amount, as_of)`` of the user's accounts when known; otherwise the start
            is what the history saved, named "saved since <first month>".
        bills: The user's confirmed bills (``services.forecasting.known``), or None.
    """
    from fincast.services.forecasting.compat import SavingsForecaster

    if any(not 1 <= p <= model.horizon for p in periods):
        raise InputError(
            f"periods must be between 1 and {model.horizon} months, got {list(periods)}"
        )
    served = _served(model, df, max(periods), 95.0, bills)
    cumulative = series_entry(served, "cumulative_savings")
    if balance is not None:
        start, basis = balance[0], f"balance of your accounts on {balance[1]}"
    else:
        start = float((df["total_income"] - df["total_expense"]).sum())
        basis = f"saved since {served['history']['first']}"
    trajectory: dict[str, Any] = {
        "current_savings": round(start, 2),
        "current_savings_basis": basis,
        "confidence_level": 0.95,
        **_labels(served, cumulative),
    }
    for p in periods:
        month = cumulative["months"][p - 1]
        trajectory[f"{p}_months"] = {
            "month": month["month"],
            "projected_savings": round(start + month["forecast"], 2),
            "lower": round(start + month["lower"], 2),
            "upper": round(start + month["upper"], 2),
            "added_savings": month["forecast"],
        }
    return {
        "trajectory": trajectory,
        "financial_health": jsonable(SavingsForecaster().assess_financial_health(df)),
    }


def predict_household(
    df: pd.DataFrame,
    horizon: int,
    level: float,
    *,
    model: HouseholdForecaster,
    bills: KnownBills | None = None,
) -> dict[str, Any]:
    """Every series of the household for ``horizon`` months, with ranges at ``level`` %."""
    return public(_served(model, df, horizon, level, bills))


PREDICTORS: dict[str, Callable[..., dict[str, Any]]] = {
    "household": predict_household,
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
    *,
    models_dir: Path,
    revision: int | None = None,
    currency: str | None = None,
) -> dict[str, Any]:
    """Run predictor ``kind`` on inline ``rows`` or the user's ledger, cached per data version.

    The household model is the shared one in ``models_dir``; a retrained model changes the
    cache key, so nothing stale is served. ``revision``: the user's data revision as the
    request's authentication read it (see :func:`current_version`). ``currency``: the
    ledger's accounts in that currency only (default: the user's primary currency).

    Raises:
        InputError: ``currency`` with inline rows, or not a currency of the user's accounts.
    """
    return _predict(
        engine,
        session,
        user_id,
        kind,
        params,
        rows,
        models_dir=models_dir,
        revision=revision,
        currency=currency,
    )[0]


def _predict(
    engine: Engine,
    session: Session,
    user_id: int,
    kind: str,
    params: Mapping[str, Any],
    rows: Sequence[Mapping[str, Any]] | None = None,
    *,
    models_dir: Path,
    revision: int | None = None,
    currency: str | None = None,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """:func:`predict` with the labels of its currency (``currency``, ``currencies``)."""
    fn = PREDICTORS[kind]
    # Keyed by the model file's version: a retrained model is never answered from the cache.
    model_version, model = versioned_population_model(models_dir)
    params_key = json.dumps(dict(params), sort_keys=True, default=str)
    extra: dict[str, Any] = {"model": model}
    from_batch = False
    labels: dict[str, Any] = dict(NO_CURRENCY)
    if rows is not None:
        if currency is not None:
            raise InputError("currency: inline monthly_data carries no currency; leave it out")
        key: tuple[Any, ...] = (user_id, "inline", rows_key(rows), kind, params_key, model_version)

        def load() -> pd.DataFrame:
            return inline_monthly(rows)
    else:
        version = current_version(session, user_id, revision)
        pc = panel_currency(engine, session, user_id, currency, version=version)
        labels = pc.labels()
        # Stored batch results are of the primary currency (build_panel's default).
        from_batch = pc.is_primary
        # Confirmed bills in the answer's currency floor the forecast; they are part of
        # the data version, so they are read once per version and currency.
        extra["bills"] = CACHE.get_or_compute(
            (user_id, "bills", version, pc.currency),
            lambda: known_bills(session, user_id, pc.currency),
        )
        key = (user_id, "ledger", version, pc.currency, kind, params_key, model_version)
        if kind == "savings":
            extra["balance"] = accounts_balance(session, user_id, pc.currency)

        def load() -> pd.DataFrame:
            return ledger_monthly(engine, user_id, pc.currency)

    load = functools.lru_cache(maxsize=1)(load)  # read the ledger once per call at most
    result: dict[str, Any] = CACHE.get_or_compute(
        key,
        lambda: (
            (from_batch and batch_prediction(session, user_id, version, kind, params, models_dir))
            or fn(load(), **params, **extra)
        ),
    )
    if kind == "household":
        # How the ranges did on this household's own past, beside what the model measured
        # on other households; computed once per data version like the forecast.
        level = float(params.get("level", 95.0))
        own = CACHE.get_or_compute(
            (*key, "own_backtest"), lambda: own_backtest(model, load(), level=level)
        )
        result = {**result, "own_backtest": own}
    return result, labels


def predict_answer(
    engine: Engine,
    session: Session,
    user_id: int,
    kind: str,
    params: Mapping[str, Any],
    rows: Sequence[Mapping[str, Any]] | None = None,
    *,
    models_dir: Path,
    revision: int | None = None,
    currency: str | None = None,
) -> dict[str, Any]:
    """:func:`predict` as the API serves it: naming its ``currency`` and the user's ``currencies``.

    Raises:
        InputError: as :func:`predict`.
    """
    result, labels = _predict(
        engine,
        session,
        user_id,
        kind,
        params,
        rows,
        models_dir=models_dir,
        revision=revision,
        currency=currency,
    )
    return {**result, **labels}


def accounts_balance(
    session: Session, user_id: int, currency: str | None = None
) -> tuple[float, str] | None:
    """The user's accounts (in ``currency``, None: all) together, and their last date.

    Opening balances plus transactions.
    """
    mine = [Account.user_id == user_id]
    if currency is not None:
        mine.append(Account.currency == currency)
    ids = select(Account.id).where(*mine)
    opening = session.scalar(
        select(func.coalesce(func.sum(Account.opening_balance), 0)).where(*mine)
    )
    moved, last = session.execute(
        select(
            func.coalesce(func.sum(Transaction.amount), 0), func.max(Transaction.posted_date)
        ).where(Transaction.user_id == user_id, Transaction.account_id.in_(ids))
    ).one()
    if last is None:
        return None
    return float(opening or 0) + float(moved or 0), last.isoformat()
