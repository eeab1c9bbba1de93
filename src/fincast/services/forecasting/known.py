"""Bills the user confirmed, as amounts the served forecast knows will go out.

A confirmed recurring series (``services.recurring``) is a bill the user says is real: its
next payments floor the category's forecast in the months they fall in
(:meth:`fincast.ml.household.HouseholdForecast.with_floors`). A series has the currency of
its accounts, and a forecast in one currency knows only the bills in it. Inline monthly rows
know no bills; only forecasts of a stored ledger use them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping

import pandas as pd
from sqlalchemy.orm import Session

from fincast.services.recurring import known_amounts

#: Months of confirmed bills looked up: the longest forecast (12) and the partial month.
MONTHS = 14

KnownBills = dict[str, dict[str, float]]


def known_bills(session: Session, user_id: int, currency: str | None = None) -> KnownBills:
    """``{category slug: {"YYYY-MM": amount going out}}`` of the user's confirmed bills.

    Those in ``currency`` only (default: the user's primary currency).
    """
    out: defaultdict[str, dict[str, float]] = defaultdict(dict)
    rows = known_amounts(session, user_id, currency=currency, months=MONTHS, detect_first=False)
    for row in rows:
        if row["category"] and row["amount"] < 0:
            month = out[row["category"]]
            month[row["month"]] = round(month.get(row["month"], 0.0) - float(row["amount"]), 2)
    return dict(out)


def floors_for(
    months: pd.PeriodIndex, bills: Mapping[str, Mapping[str, float]]
) -> dict[str, list[float]]:
    """``bills`` as amounts per forecast step (``months``), for ``with_floors``."""
    labels = months.strftime("%Y-%m")
    return {slug: [by_month.get(m, 0.0) for m in labels] for slug, by_month in bills.items()}
