"""Disposable income: next month's income minus its essential spending, with a range.

``disposable = income - sum(essential categories)`` for the forecast month, the expected
value from the served forecast's points. The range comes from the forecast's calibrated
distribution of each series: :data:`DRAWS` draws from income's and from every essential
category's own distribution (inverse CDF of its stored error quantiles, never below zero),
combined as if they varied independently of each other, and the central 80 % and 95 %
ranges of the result read off. Fixed bills barely vary, so the assumption matters mostly
for income against variable essentials such as groceries.

Pure: a household forecast and category names in, a dataclass out.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from fincast.ml.household_forecast import HouseholdForecast, at_probability
from fincast.ml.household_table import INCOME

DRAWS = 4000
SEED = 20261202


@dataclass(frozen=True)
class Disposable:
    """Next month's disposable income and what it is made of."""

    month: str
    expected_income: float
    essential_spending: float
    essential: dict[str, float]
    disposable: float
    lower_80: float
    upper_80: float
    lower_95: float
    upper_95: float
    probability_negative: float
    method: str

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready values."""
        return asdict(self)


def _draws(fc: HouseholdForecast, i: int, j: int, u: np.ndarray) -> np.ndarray:
    q = at_probability(np.broadcast_to(fc.quantiles[i, j], (u.size, fc.quantiles.shape[-1])), u)
    return np.maximum(fc.point[i, j] + fc.scale[i] * q, 0.0)


def disposable_income(
    fc: HouseholdForecast, essential: Collection[str], *, step: int = 1
) -> Disposable:
    """Disposable income of forecast month ``step`` given the essential category names."""
    j = step - 1
    rng = np.random.default_rng(SEED)
    income_i = fc.series.index(INCOME)
    total = _draws(fc, income_i, j, rng.uniform(0.001, 0.999, DRAWS))
    parts: dict[str, float] = {}
    for i, (name, kind) in enumerate(zip(fc.series, fc.classes, strict=True)):
        if not kind.startswith("category/") or name not in essential:
            continue
        parts[name] = round(float(fc.point[i, j]), 2)
        total = total - _draws(fc, i, j, rng.uniform(0.001, 0.999, DRAWS))
    income = float(fc.point[income_i, j])
    spend = float(sum(parts.values()))
    lo80, hi80, lo95, hi95 = np.quantile(total, [0.1, 0.9, 0.025, 0.975])
    return Disposable(
        month=str(fc.months[j]),
        expected_income=round(income, 2),
        essential_spending=round(spend, 2),
        essential=dict(sorted(parts.items(), key=lambda kv: -kv[1])),
        disposable=round(income - spend, 2),
        lower_80=round(float(lo80), 2),
        upper_80=round(float(hi80), 2),
        lower_95=round(float(lo95), 2),
        upper_95=round(float(hi95), 2),
        probability_negative=round(float(np.mean(total < 0)), 3),
        method=(
            "expected income minus expected essential spending; the range combines "
            f"{DRAWS} draws from each series' calibrated forecast distribution as if they "
            "varied independently"
        ),
    )
