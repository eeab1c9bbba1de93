"""How good the alerts' month-end projections are: out of sample on synthetic households.

Protocol: fresh synthetic households (the served-forecast benchmark's seed, used by no
model); for each of the last ``cutoffs`` months of each household the served household
forecast is made from the complete months before it, and on days 10 and 20 of that month
each category's month-end amount is projected from what was spent so far by:

- ``forecast`` (served, :func:`fincast.insights.alerts.month_alerts`):
  ``spent + min(F x days left / days, max(F - spent, 0))``;
- ``forecast_uniform``: ``spent + F x days left / days`` (the rest of the forecast spread
  over the days, without the cap);
- ``pace``: ``spent / (day / days)``;
- ``forecast_only``: ``F``, ignoring what was spent.

Each is scored by its absolute error against the month's actual spending (money out in
the category's transactions), and by whether it calls "over budget" right for a stand-in
budget, the category's trailing six-month average (households set none).
"""

from __future__ import annotations

import calendar
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from fincast.benchmarks.served import SERVED_SEED
from fincast.services.forecasting.household import population_model
from fincast.taxonomy import EXPENSE_SLUGS

METHODS = ("forecast", "forecast_uniform", "pace", "forecast_only")


def projections(spent: float, expected: float, day: int, days: int) -> dict[str, float]:
    """Every method's month-end projection of one category."""
    rest = (days - day) / days
    expected = max(expected, 0.0)
    return {
        "forecast": spent + min(expected * rest, max(expected - spent, 0.0)),
        "forecast_uniform": spent + expected * rest,
        "pace": spent * days / day,
        "forecast_only": expected,
    }


def run(
    households: int = 20,
    months: int = 36,
    seed: int = SERVED_SEED,
    *,
    cutoffs: int = 6,
    days: Sequence[int] = (10, 20),
    models_dir: Path | None = None,
) -> dict[str, Any]:
    """Score the projections; rows and a summary per method and day."""
    from fincast.synth import generate_households

    gen = generate_households(households, months, seed)
    tx = gen.transactions
    tx = tx[tx["category"].isin(EXPENSE_SLUGS)].copy()
    tx["date"] = pd.to_datetime(tx["date"])
    tx["ym"] = tx["date"].dt.strftime("%Y-%m")
    tx["out"] = -tx["amount"].astype(float)
    records: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp:
        model = population_model(models_dir or Path(tmp))
        for user, rows in gen.monthly.groupby("user_id", observed=True, sort=False):
            table = rows.drop(columns=["user_id"]).reset_index(drop=True)
            table["year_month"] = table["year_month"].astype(str)
            own = tx[tx["user_id"] == user]
            for end in range(len(table) - cutoffs, len(table)):
                records += _score(model, table, end, own, days)
    frame = pd.DataFrame(records)
    return {"households": households, "seed": seed, "rows": frame, "summary": summarize(frame)}


def _score(
    model: Any, table: pd.DataFrame, end: int, tx: pd.DataFrame, days: Sequence[int]
) -> list[dict[str, Any]]:
    hist = table.iloc[:end].reset_index(drop=True)
    cats = [c for c in hist.columns if c in EXPENSE_SLUGS]
    unused = [c for c in cats if hist[c].abs().sum() == 0]
    hist = hist.drop(columns=[*unused, "savings"])
    fc = model.forecast(hist, 1)
    month = str(table["year_month"].iloc[end])
    year, mon = (int(p) for p in month.split("-"))
    n_days = calendar.monthrange(year, mon)[1]
    in_month = tx[tx["ym"] == month]
    out = []
    for i, (name, kind) in enumerate(zip(fc.series, fc.classes, strict=True)):
        if not kind.startswith("category/"):
            continue
        cat = in_month[in_month["category"] == name]
        actual = float(cat["out"].sum())
        budget = float(hist[name].tail(6).mean())
        for day in days:
            spent = float(cat.loc[cat["date"].dt.day <= day, "out"].sum())
            for method, value in projections(spent, float(fc.point[i, 0]), day, n_days).items():
                out.append(
                    {
                        "day": day,
                        "method": method,
                        "error": abs(value - actual),
                        "actual": actual,
                        "call_right": (value > budget) == (actual > budget)
                        if budget > 0
                        else np.nan,
                    }
                )
    return out


def summarize(rows: pd.DataFrame) -> pd.DataFrame:
    """Mean absolute error, error per unit of actual spending, and right over-budget calls."""
    g = rows.groupby(["day", "method"], sort=False)
    out = pd.DataFrame(
        {
            "n": g.size(),
            "mae": g["error"].mean(),
            "relative_mae": g["error"].sum() / g["actual"].sum(),
            "over_budget_calls_right": g["call_right"].mean(),
        }
    )
    return out.reset_index()
