"""Overspending: which categories are heading over their limit next month, and how likely.

Two answers side by side. The first source document's rule flags a category whose forecast
is above ``threshold`` times its trailing average. It is a yes/no guess with no sense of
how sure it is. The probabilities read the served forecast's whole distribution (the
household model's calibrated ranges): the chance that next month's spending in a category
goes over the user's budget for it (or, where none is set, over ``threshold`` times the
trailing average, the rule's own line), and the chance that total spending goes over
income (savings below zero). docs/insights.md gives the formulas and their measured Brier
scores.

Pure: a fitted household forecast and plain numbers in, dataclasses out.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd

from fincast.ml.household_forecast import HouseholdForecast
from fincast.ml.household_table import EXPENSE, SAVINGS

#: The source's rule: a forecast above this many times the trailing average is overspending.
THRESHOLD = 1.2
#: Months the trailing average looks back over (all of a shorter history).
TRAILING_MONTHS = 6
_TOTALS = ("year_month", "total_income", "total_expense", "savings")
#: Recalibration of P(category > threshold x its trailing average): ``(raw, calibrated)``
#: knots, read by linear interpolation (flat beyond the last). An isotonic regression of
#: the outcome on the raw probability, fitted on 80 fresh synthetic households (generator
#: seed 31,415,926: used by no model and never scored; 44,832 category-months), read at
#: every 0.05. The raw probabilities are overconfident above about 0.4 (docs/insights.md).
#: Budgets are a different line, absent from the synthetic data: the chance of going over a
#: budget is not recalibrated. Refit: :func:`fincast.benchmarks.overspending.fit_calibration`.
RULE_LINE_CALIBRATION: tuple[tuple[float, float], ...] = (
    (0.0, 0.001), (0.05, 0.085), (0.1, 0.143), (0.15, 0.164), (0.2, 0.183), (0.25, 0.236),
    (0.3, 0.313), (0.35, 0.347), (0.4, 0.358), (0.45, 0.424), (0.5, 0.424), (0.55, 0.424),
    (0.6, 0.424), (0.65, 0.424), (0.7, 0.424), (0.75, 0.424), (0.8, 0.426), (0.85, 0.511),
    (0.9, 0.511), (0.95, 0.511),
)  # fmt: skip


def calibrate_rule_line(p: float) -> float:
    """A raw P(category over the rule's line) recalibrated (:data:`RULE_LINE_CALIBRATION`)."""
    xs, ys = zip(*RULE_LINE_CALIBRATION, strict=True)
    return round(float(np.interp(p, xs, ys)), 3)


@dataclass(frozen=True)
class CategoryRisk:
    """One category's overspending answer for the month forecast."""

    category: str
    expected: float
    trailing_average: float
    limit: float
    limit_source: str  # "budget" or "rule"
    rule_flag: bool
    probability_over_limit: float
    probability_over_rule_line: float


@dataclass(frozen=True)
class Overspending:
    """Every category's risk, the total's, and the month they are for."""

    month: str
    threshold: float
    categories: tuple[CategoryRisk, ...]
    expected_expense: float
    expected_income: float
    total_budget: float | None
    probability_expense_over_income: float
    probability_over_total_budget: float | None

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready values."""
        out = asdict(self)
        out["categories"] = [asdict(c) for c in self.categories]
        return out


def trailing_averages(table: pd.DataFrame, months: int = TRAILING_MONTHS) -> dict[str, float]:
    """Mean of the last ``months`` months of every category (and the totals) in a table."""
    recent = table.tail(months)
    cols = [c for c in table.columns if c != "year_month"]
    return {c: float(pd.to_numeric(recent[c]).mean()) for c in cols}


def overspending(
    fc: HouseholdForecast,
    trailing: Mapping[str, float],
    *,
    budgets: Mapping[str, float] | None = None,
    total_budget: float | None = None,
    threshold: float = THRESHOLD,
    step: int = 1,
    calibrate: bool = True,
) -> Overspending:
    """Risks for month ``step`` of a household forecast.

    Args:
        fc: The served household forecast.
        trailing: Trailing average per series name (see :func:`trailing_averages`).
        budgets: The user's monthly budget per category name, where set.
        total_budget: The user's budget for all spending, where set.
        threshold: The rule's multiple of the trailing average.
        step: Which forecast month (1 = next month).
        calibrate: Recalibrate the chances of going over the rule's line (the benchmark
            turns it off to score the raw ones).
    """
    if threshold <= 0:
        raise ValueError(f"threshold must be positive, got {threshold}")
    j = step - 1
    budgets = budgets or {}
    risks = []
    for i, (name, kind) in enumerate(zip(fc.series, fc.classes, strict=True)):
        if not kind.startswith("category/"):
            continue
        avg = float(trailing.get(name, 0.0))
        rule_line = threshold * avg
        expected = float(fc.point[i, j])
        budget = budgets.get(name)
        limit = float(budget) if budget is not None else rule_line
        p_line = _p_above(fc, i, j, rule_line)
        if calibrate and avg > 0:
            # the map was fitted on categories with spending to average (a zero line asks
            # "any spending at all?", a question it never saw)
            p_line = calibrate_rule_line(p_line)
        p_limit = _p_above(fc, i, j, limit) if budget is not None else p_line
        risks.append(
            CategoryRisk(
                category=name,
                expected=round(expected, 2),
                trailing_average=round(avg, 2),
                limit=round(limit, 2),
                limit_source="budget" if budget is not None else "rule",
                rule_flag=bool(avg > 0 and expected > rule_line),
                probability_over_limit=p_limit,
                probability_over_rule_line=p_line,
            )
        )
    risks.sort(key=lambda r: -r.probability_over_limit)
    total = fc.series.index(EXPENSE)
    savings = fc.series.index(SAVINGS)
    return Overspending(
        month=str(fc.months[j]),
        threshold=threshold,
        categories=tuple(risks),
        expected_expense=round(float(fc.point[total, j]), 2),
        expected_income=round(float(fc.point[0, j]), 2),
        total_budget=total_budget,
        # Spending over income is savings below zero: read off the savings distribution,
        # which knows how income and spending move together in a household.
        probability_expense_over_income=round(1.0 - fc.probability_above(savings, j, 0.0), 3),
        probability_over_total_budget=None
        if total_budget is None
        else _p_above(fc, total, j, float(total_budget)),
    )


def _p_above(fc: HouseholdForecast, i: int, j: int, amount: float) -> float:
    """P(series i at step j > amount); spending can never exceed a negative amount's 'less'."""
    if amount < 0:
        return 1.0
    return round(float(np.clip(fc.probability_above(i, j, amount), 0.0, 1.0)), 3)
