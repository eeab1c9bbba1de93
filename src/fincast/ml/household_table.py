"""One household's monthly table (docs/compatibility.md) as arrays for the models."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from fincast.errors import InputError

INCOME = "total_income"
EXPENSE = "total_expense"
SAVINGS = "savings"
MONTH = "year_month"
UNLISTED = "unlisted"


@dataclass(frozen=True)
class HouseholdArrays:
    """One household's monthly table as arrays: income first, then its expense categories."""

    names: tuple[str, ...]
    values: np.ndarray  # series x months
    months: pd.PeriodIndex

    @property
    def n_months(self) -> int:
        """Months of history."""
        return int(self.values.shape[1])


def household_arrays(table: pd.DataFrame) -> HouseholdArrays:
    """Check a monthly table and turn it into arrays (income, then categories).

    When ``total_expense`` is more than the categories add up to, the difference becomes a
    category of its own (``unlisted``), so the total can always be built from its parts.
    """
    missing = [c for c in (MONTH, INCOME) if c not in table.columns]
    if missing:
        raise InputError(f"monthly data: the following columns are missing: {missing}")
    try:
        months = pd.PeriodIndex(table[MONTH].astype(str), freq="M")
    except (ValueError, TypeError) as exc:
        raise InputError(
            f"monthly data: column {MONTH!r} holds values that are not months"
        ) from exc
    order = np.argsort(months.asi8, kind="stable")
    months = months[order]
    if months.has_duplicates:
        raise InputError("monthly data: the same year_month appears twice")
    if len(months) and (months[-1] - months[0]).n + 1 != len(months):
        raise InputError("monthly data: months must be consecutive (send empty months as 0)")
    cats = [c for c in table.columns if c not in (MONTH, INCOME, EXPENSE, SAVINGS)]
    data = table.iloc[order]
    wrong = [c for c in (INCOME, *cats) if not pd.api.types.is_numeric_dtype(data[c])]
    if wrong:
        raise InputError(f"monthly data: columns {wrong} must hold amounts (numbers)")
    try:
        values = data[[INCOME, *cats]].to_numpy(dtype=float).T
        total = data[EXPENSE].to_numpy(dtype=float) if EXPENSE in data else None
    except (ValueError, TypeError) as exc:
        raise InputError(f"monthly data: values must be numbers ({exc})") from exc
    if not np.isfinite(values).all():
        raise InputError("monthly data: empty or infinite values")
    names = [INCOME, *cats]
    if total is not None:
        gap = np.round(total - values[1:].sum(axis=0), 2)
        if np.any(np.abs(gap) >= 0.01):
            values = np.vstack([values, gap])
            names.append(UNLISTED)
    return HouseholdArrays(tuple(names), values, months)
