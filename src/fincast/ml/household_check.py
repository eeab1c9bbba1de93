"""How the household model's ranges did on one household's own past.

The shared model reports the coverage it measured on households it never saw. A user also
wants to know how it did for *them*: :func:`own_backtest` forecasts every month of their
history from the months before it (rolling origin, nothing after the cutoff is seen) and
counts how often the ranges held what happened, per kind of series and step ahead.

Pure: a monthly table and a fitted model in, plain numbers out.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from fincast.ml.household import MIN_HISTORY, HouseholdForecaster
from fincast.ml.household_table import EXPENSE, SAVINGS, UNLISTED

#: Groups a user reads their own record in (every category together).
GROUPS = ("total_expense", "total_income", "category", "savings")
#: Fewest months of history a cutoff keeps, and most cutoffs looked at (the newest).
FIRST_CUTOFF = 6
MAX_CUTOFFS = 24
_TOTALS = ("year_month", "total_income", "total_expense", "savings")


def own_backtest(
    model: HouseholdForecaster,
    table: pd.DataFrame,
    *,
    level: float = 95.0,
    steps: Sequence[int] = (1, 3),
    first: int = FIRST_CUTOFF,
    max_cutoffs: int = MAX_CUTOFFS,
) -> dict[str, Any]:
    """Coverage of the ``level`` % ranges on the household's own past, per group and step.

    Args:
        model: The fitted household model.
        table: The household's monthly table (``year_month, total_income, <categories>,
            total_expense[, savings]``), oldest month first.
        level: Range level in percent.
        steps: Months ahead scored at each cutoff.
        first: Fewest months of history a cutoff keeps (at least the model's minimum).
        max_cutoffs: The newest this many cutoffs are scored.

    Returns:
        ``level``, ``cutoffs`` (how many), ``first_month`` and ``last_month`` forecast, and
        ``groups``: per group and step the outcomes scored (``n``), how many fell inside
        (``inside``) and their share (``coverage``, None when nothing was scored). Empty
        groups when the history is too short to score any cutoff.
    """
    first = max(first, MIN_HISTORY)
    horizon = max(steps)
    table = table.reset_index(drop=True)
    cats = [c for c in table.columns if c not in _TOTALS]
    ends = list(range(first, len(table)))[-max_cutoffs:]  # each leaves a month to score
    inside = {(g, s): 0 for g in GROUPS for s in steps}
    count = {(g, s): 0 for g in GROUPS for s in steps}
    months: list[str] = []
    for end in ends:
        hist = table.iloc[:end]
        unused = [c for c in cats if hist[c].abs().sum() == 0]
        hist = hist.drop(columns=[*unused, SAVINGS], errors="ignore")
        future = table.iloc[end : end + horizon]
        fc = model.forecast(hist, min(horizon, model.horizon))
        lo, hi = fc.interval(level)
        for i, name in enumerate(fc.series):
            group = _group(name)
            if group is None:
                continue
            truth = _truth(future, name, cats)
            for step in steps:
                if step > len(truth) or step > fc.point.shape[1]:
                    continue
                y = truth[step - 1]
                inside[group, step] += int(lo[i, step - 1] <= y <= hi[i, step - 1])
                count[group, step] += 1
        months.append(str(table["year_month"].iloc[end]))
    groups = {
        g: {
            str(s): {
                "n": count[g, s],
                "inside": inside[g, s],
                "coverage": round(inside[g, s] / count[g, s], 3) if count[g, s] else None,
            }
            for s in steps
        }
        for g in GROUPS
    }
    return {
        "level": level / 100,
        "cutoffs": len(months),
        "first_month": months[0] if months else None,
        "last_month": months[-1] if months else None,
        "groups": groups,
    }


def _group(name: str) -> str | None:
    if name in (EXPENSE, "total_income", SAVINGS):
        return name
    if name == "cumulative_savings":
        return None
    return "category"


def _truth(future: pd.DataFrame, name: str, cats: Sequence[str]) -> np.ndarray:
    """What happened in the months after a cutoff, as the served series measures it.

    The total is everything spent, also in categories the history had not used.
    """
    if name == SAVINGS:
        return (future["total_income"] - future[EXPENSE]).to_numpy(dtype=float)
    if name == UNLISTED:
        return (future[EXPENSE] - future[list(cats)].sum(axis=1)).to_numpy(dtype=float)
    return future[name].to_numpy(dtype=float)
