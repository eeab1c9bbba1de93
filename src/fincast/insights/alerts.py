"""Budget alerts for the month in progress: spent so far, projected month end, 80/90/100 %.

For each budget the user set (one category, or all spending when it names none):

- ``spent``: the month's spending so far;
- ``level``: the highest of :data:`LEVELS` (percent of the budget) that ``spent`` reached;
- ``projected``: the month-end amount, by one of three methods, named in ``projection``:

  - ``month_complete``: the month is over; the projection is what was spent;
  - ``forecast``: spent so far plus the rest of the month's forecast: the forecast's
    expected amount for the month times the share of the month's days still to come, but
    never more than what the forecast has left after what was spent (a bill paid on the
    1st is not expected a second time);
  - ``pace``: no forecast for this month, so spent so far divided by the share of the
    month's days gone by;

- ``projected_level``: the highest level the projection reaches.

Pure: plain numbers in, dataclasses out.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

#: Percent of a budget at which an alert is raised.
LEVELS = (80, 90, 100)
CENT = Decimal("0.01")
TOTAL = "total"


@dataclass(frozen=True)
class BudgetInput:
    """A budget the user set: for ``category`` (a slug, or :data:`TOTAL`) per month."""

    budget_id: int
    category: str
    limit: Decimal


@dataclass(frozen=True)
class BudgetAlert:
    """Where one budget stands in the month."""

    budget_id: int
    category: str
    limit: Decimal
    spent: Decimal
    used_pct: float | None
    level: int | None
    projected: Decimal
    projected_pct: float | None
    projected_level: int | None
    projection: str
    message: str


@dataclass(frozen=True)
class MonthAlerts:
    """Every budget's state for ``month`` as of ``as_of``."""

    month: str
    as_of: dt.date
    days_elapsed: int
    days_in_month: int
    budgets: tuple[BudgetAlert, ...]

    @property
    def alerts(self) -> tuple[BudgetAlert, ...]:
        """The budgets whose spending or projection reached a level."""
        return tuple(b for b in self.budgets if b.level is not None or b.projected_level)

    def to_dict(self) -> dict[str, Any]:
        """Plain values (Decimals and the date kept)."""
        return {
            "month": self.month,
            "as_of": self.as_of,
            "days_elapsed": self.days_elapsed,
            "days_in_month": self.days_in_month,
            "budgets": [asdict(b) for b in self.budgets],
            "alerts": [asdict(b) for b in self.alerts],
        }


def _pct(amount: Decimal, limit: Decimal) -> float | None:
    if limit > 0:
        return round(float(amount / limit * 100), 1)
    return None if amount > 0 else 0.0


def crossed(amount: Decimal, limit: Decimal) -> int | None:
    """The highest of :data:`LEVELS` that ``amount`` reached of ``limit`` (None: none)."""
    if limit <= 0:
        return LEVELS[-1] if amount > 0 else None
    reached = [lv for lv in LEVELS if amount * 100 >= limit * lv]
    return reached[-1] if reached else None


def month_alerts(
    budgets: Sequence[BudgetInput],
    spent: Mapping[str, Decimal],
    *,
    as_of: dt.date,
    expected: Mapping[str, Decimal] | None = None,
) -> MonthAlerts:
    """Each budget's spending so far and projected month end for the month of ``as_of``.

    Args:
        budgets: The user's budgets for the month.
        spent: Spending so far per category slug and under :data:`TOTAL`; missing is 0.
        as_of: The last day counted (its month is the month of the alerts).
        expected: The forecast's expected spending for the whole month per category and
            :data:`TOTAL`, when there is a forecast for this month; None uses the pace.
    """
    days = calendar.monthrange(as_of.year, as_of.month)[1]
    elapsed = as_of.day
    rest = Decimal(days - elapsed) / Decimal(days)
    out = []
    for b in budgets:
        so_far = Decimal(spent.get(b.category, Decimal("0"))).quantize(CENT)
        if elapsed >= days:
            method, projected = "month_complete", so_far
        elif expected is not None and b.category in expected:
            method = "forecast"
            month_expected = max(Decimal(expected[b.category]), Decimal("0"))
            left = max(month_expected - so_far, Decimal("0"))
            projected = so_far + min(month_expected * rest, left)
        else:
            method = "pace"
            projected = so_far * Decimal(days) / Decimal(elapsed)
        projected = projected.quantize(CENT, rounding=ROUND_HALF_UP)
        level, p_level = crossed(so_far, b.limit), crossed(projected, b.limit)
        out.append(
            BudgetAlert(
                budget_id=b.budget_id,
                category=b.category,
                limit=b.limit,
                spent=so_far,
                used_pct=_pct(so_far, b.limit),
                level=level,
                projected=projected,
                projected_pct=_pct(projected, b.limit),
                projected_level=p_level,
                projection=method,
                message=_message(b, so_far, projected, level, p_level, method),
            )
        )
    out.sort(key=lambda a: (-(a.projected_pct or 0.0), a.category))
    return MonthAlerts(
        month=f"{as_of.year:04d}-{as_of.month:02d}",
        as_of=as_of,
        days_elapsed=elapsed,
        days_in_month=days,
        budgets=tuple(out),
    )


def _message(
    b: BudgetInput,
    spent: Decimal,
    projected: Decimal,
    level: int | None,
    p_level: int | None,
    method: str,
) -> str:
    name = "all spending" if b.category == TOTAL else b.category
    head = f"{name}: {spent:,.2f} of {b.limit:,.2f} spent"
    if level == 100:
        state = "over budget" if spent > b.limit else "budget reached"
    elif level is not None:
        state = f"{level}% of the budget reached"
    else:
        state = "within budget"
    how = {"forecast": "by the forecast", "pace": "at this pace", "month_complete": "final"}
    tail = f"month end {projected:,.2f} ({how[method]})"
    if method != "month_complete" and p_level == 100 and level != 100:
        tail += ", heading over budget"
    return f"{head}, {state}; {tail}"
