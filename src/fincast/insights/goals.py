"""Savings goals: how likely a goal is reached by its date, what it takes, when at this pace.

The served household forecast gives a calibrated distribution of the household's
cumulative savings after each of the next 12 months (``cumulative_savings``: point plus
scale times the stored error quantiles). A goal is reached by month ``k`` when what is
already saved toward it plus the savings of the next ``k`` months reach the target, so

* ``probability = P(cumulative_savings[k] > target - saved)``;
* the monthly savings needed for a level ``L`` is the steady amount ``s`` with
  ``P(k * s + noise_k >= target - saved) = L``, where ``noise_k`` is the forecast's error
  around its own expectation: ``s = (target - saved + E[cum_k] - Q_{1-L}(cum_k)) / k``;
* the date at the current pace is the first month whose expected cumulative savings reach
  the rest of the target.

Beyond the forecast's 12 months (goals further out) the forecast is extended, and the answer
says so: the expected savings keep growing by the mean expected monthly savings of the 12
forecast months, and the spread of month 12's error distribution widens with the square root
of time (``sqrt(k / 12)``: the variance grows linearly, as it does for independent monthly
errors). All household savings are assumed to go toward the goal; with several goals, each
is answered as though it were the only one.

Pure: a household forecast and plain numbers in, a dataclass out.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd

from fincast.ml.household_forecast import PROBS, HouseholdForecast, at_probability

#: Confidence levels the monthly amount needed is given for.
LEVELS = (0.8, 0.95)
#: Furthest the pace date is searched (months); beyond it the goal is "not at this pace".
MAX_PACE_MONTHS = 600
CUMULATIVE = "cumulative_savings"


@dataclass(frozen=True)
class GoalForecast:
    """One goal's answer."""

    target_amount: float
    saved: float
    remaining: float
    target_month: str
    months_left: int
    status: str  # reached | date_passed | on_track | at_risk | off_track
    probability: float | None
    beyond_horizon: bool
    expected_monthly_savings: float
    monthly_savings_needed: dict[str, float] | None
    extra_per_month_needed: dict[str, float] | None
    expected_at_target: float | None
    pace_month: str | None
    message: str
    assumptions: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready values."""
        return asdict(self)


def months_until(first: pd.Period, target: dt.date) -> int:
    """Forecast months from ``first`` up to and including ``target``'s month (0 if before)."""
    k = (pd.Period(target, freq="M") - first).n + 1
    return max(int(k), 0)


def _cumulative_at(fc: HouseholdForecast, k: int) -> tuple[float, float, np.ndarray]:
    """``(expected, spread, error quantiles)`` of cumulative savings after ``k`` months.

    Within the horizon: the forecast itself. Beyond it: month ``h``'s distribution moved on
    by the mean expected monthly savings and widened by ``sqrt(k / h)``.
    """
    i = fc.series.index(CUMULATIVE)
    h = fc.point.shape[1]
    if k <= h:
        return float(fc.point[i, k - 1]), float(fc.scale[i]), fc.quantiles[i, k - 1]
    monthly = float(fc.point[i, h - 1]) / h
    expected = float(fc.point[i, h - 1]) + (k - h) * monthly
    return expected, float(fc.scale[i]) * float(np.sqrt(k / h)), fc.quantiles[i, h - 1]


def _probability_above(expected: float, spread: float, q: np.ndarray, amount: float) -> float:
    if spread <= 0:
        return 1.0 if expected > amount else 0.0
    z = (amount - expected) / spread
    return float(np.clip(1.0 - np.interp(z, q, PROBS, left=0.0, right=1.0), 0.0, 1.0))


def pace_month(fc: HouseholdForecast, remaining: float) -> pd.Period | None:
    """First month whose expected cumulative savings reach ``remaining`` (None: not at all)."""
    first = fc.months[0]
    if remaining <= 0:
        return first - 1
    i = fc.series.index(CUMULATIVE)
    path = fc.point[i]
    hit = np.nonzero(path >= remaining)[0]
    if hit.size:
        return first + int(hit[0])
    h = path.size
    monthly = float(path[-1]) / h
    if monthly <= 0:
        return None
    k = h + int(np.ceil((remaining - float(path[-1])) / monthly))
    return None if k > MAX_PACE_MONTHS else first + (k - 1)


def goal_forecast(
    fc: HouseholdForecast, *, target_amount: float, saved: float, target_date: dt.date
) -> GoalForecast:
    """The answer for a goal of ``target_amount`` by ``target_date`` with ``saved`` put by.

    Raises:
        ValueError: ``target_amount`` is not positive or ``saved`` is negative.
    """
    if not target_amount > 0:
        raise ValueError(f"target_amount must be positive, got {target_amount}")
    if saved < 0:
        raise ValueError(f"saved must not be negative, got {saved}")
    first = fc.months[0]
    k = months_until(first, target_date)
    remaining = max(target_amount - saved, 0.0)
    i = fc.series.index(CUMULATIVE)
    h = fc.point.shape[1]
    monthly_pace = float(fc.point[i, h - 1]) / h
    pace = pace_month(fc, remaining)
    pace_str = None if pace is None else str(pace)
    base: dict[str, Any] = {
        "target_amount": round(target_amount, 2),
        "saved": round(saved, 2),
        "remaining": round(remaining, 2),
        "target_month": str(pd.Period(target_date, freq="M")),
        "months_left": k,
        "expected_monthly_savings": round(monthly_pace, 2),
        "pace_month": pace_str,
    }
    assumptions = ["all of the household's savings go toward this goal"]
    if remaining <= 0:
        return GoalForecast(
            **base,
            status="reached",
            probability=1.0,
            beyond_horizon=False,
            monthly_savings_needed={_label(lv): 0.0 for lv in LEVELS},
            extra_per_month_needed={_label(lv): 0.0 for lv in LEVELS},
            expected_at_target=round(saved, 2),
            message="The goal is already reached: what is saved covers the target.",
            assumptions=tuple(assumptions),
        )
    if k < 1:
        when = (
            f"at the current pace it would be reached in {pace_str}"
            if pace_str
            else ("at the current pace it is not reached (expected savings are not positive)")
        )
        return GoalForecast(
            **base,
            status="date_passed",
            probability=0.0,
            beyond_horizon=False,
            monthly_savings_needed=None,
            extra_per_month_needed=None,
            expected_at_target=None,
            message=(
                f"The target date has passed with {remaining:,.2f} still to save; "
                f"{when}. Set a new date."
            ),
            assumptions=tuple(assumptions),
        )
    expected, spread, q = _cumulative_at(fc, k)
    beyond = k > h
    if beyond:
        assumptions.append(
            f"beyond the {h}-month forecast: expected savings keep growing by "
            f"{monthly_pace:,.2f} a month and the spread widens with the square root of time"
        )
    # Up to the target month (the 12-month pace where the goal has no months left).
    base["expected_monthly_savings"] = round(expected / k, 2)
    p = round(_probability_above(expected, spread, q, remaining), 3)
    needed: dict[str, float] = {}
    extra: dict[str, float] = {}
    for lv in LEVELS:
        low = expected + spread * float(at_probability(q, 1.0 - lv))
        s = (remaining + expected - low) / k
        needed[_label(lv)] = round(max(s, 0.0), 2)
        extra[_label(lv)] = round(max(s - expected / k, 0.0), 2)
    status = "on_track" if p >= 0.8 else "at_risk" if p >= 0.5 else "off_track"
    message = (
        f"{p:.0%} chance of saving {remaining:,.2f} more by {base['target_month']}; "
        f"for an 80% chance save about {needed['80%']:,.2f} a month"
        f" ({extra['80%']:,.2f} more than the forecast)."
    )
    return GoalForecast(
        **base,
        status=status,
        probability=p,
        beyond_horizon=beyond,
        monthly_savings_needed=needed,
        extra_per_month_needed=extra,
        expected_at_target=round(saved + expected, 2),
        message=message,
        assumptions=tuple(assumptions),
    )


def _label(level: float) -> str:
    return f"{level:.0%}"
