"""Hand-made household forecasts and monthly tables for the wellbeing tests."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import norm

from fincast.ml.household_forecast import PROBS, HouseholdForecast

Z = norm.ppf(PROBS)


def forecast(
    *,
    income: float = 4000.0,
    categories: dict[str, tuple[float, float]] | None = None,
    income_scale: float = 100.0,
    savings_scale: float = 100.0,
    horizon: int = 12,
    first: str = "2026-01",
) -> HouseholdForecast:
    """A forecast with normal errors: income, ``categories`` (point, scale), the totals.

    The cumulative savings' errors at step ``k`` are normal with standard deviation
    ``savings_scale * sqrt(k)`` (independent monthly errors).
    """
    categories = categories if categories is not None else {"housing": (1500.0, 0.0)}
    names = ["total_income", *categories, "total_expense", "savings", "cumulative_savings"]
    classes = [
        "income/variable",
        *["category/variable"] * len(categories),
        "expense_total",
        "savings",
        "savings_cumulative",
    ]
    spend = sum(p for p, _ in categories.values())
    monthly = income - spend
    point = np.vstack(
        [
            np.full(horizon, income),
            *[np.full(horizon, p) for p, _ in categories.values()],
            np.full(horizon, spend),
            np.full(horizon, monthly),
            monthly * np.arange(1, horizon + 1),
        ]
    )
    scale = np.array(
        [income_scale, *[s for _, s in categories.values()], 50.0, savings_scale, savings_scale]
    )
    q = np.tile(Z, (len(names), horizon, 1))
    q[-1] = Z[None, :] * np.sqrt(np.arange(1, horizon + 1))[:, None]
    return HouseholdForecast(
        series=tuple(names),
        classes=tuple(classes),
        methods=tuple("test" for _ in names),
        point=point,
        likely=point.copy(),
        scale=scale,
        quantiles=q,
        months=pd.period_range(first, periods=horizon, freq="M"),
        history_months=24,
        bucket=10,
    )


def table(
    income: list[float] | float,
    spend: dict[str, list[float] | float],
    months: int | None = None,
    end: str = "2025-12",
) -> pd.DataFrame:
    """A monthly table ending at ``end`` (lists are per month; numbers repeat)."""
    if months is None:
        months = len(income) if isinstance(income, list) else 12
    ym = pd.period_range(end=end, periods=months, freq="M").strftime("%Y-%m")
    out = pd.DataFrame({"year_month": ym})
    out["total_income"] = income if isinstance(income, list) else [income] * months
    for name, v in spend.items():
        out[name] = v if isinstance(v, list) else [v] * months
    cats = list(spend)
    out["total_expense"] = out[cats].sum(axis=1) if cats else 0.0
    out["savings"] = out["total_income"] - out["total_expense"]
    return out
