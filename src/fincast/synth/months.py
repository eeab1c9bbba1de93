"""The month grid the generator works on: days are integers counted from 1970-01-01."""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from fincast.errors import InputError
from fincast.synth.arrays import BoolArray, FloatArray, IntArray

_START = re.compile(r"^(\d{4})-(\d{2})$")
MAX_MONTHS = 1200


def parse_start(start: str) -> np.datetime64:
    """Return the first month of the range from a ``YYYY-MM`` string; raise InputError."""
    m = _START.match(str(start).strip())
    if m is None:
        raise InputError(f"start must look like YYYY-MM (for example 2023-01), got {start!r}")
    year, month = int(m.group(1)), int(m.group(2))
    if not 1 <= month <= 12:
        raise InputError(f"start month must be 01..12, got {start!r}")
    if not 1900 <= year <= 2200:
        raise InputError(f"start year must be between 1900 and 2200, got {start!r}")
    return np.datetime64(f"{year:04d}-{month:02d}", "M")


@dataclass(frozen=True)
class MonthGrid:
    """Calendar months of the range, as day numbers and month-of-year."""

    first_month: np.datetime64
    n_months: int
    starts: IntArray  # n_months + 1 day numbers; month m is [starts[m], starts[m + 1])
    lengths: IntArray  # days in each month
    month_of_year: IntArray  # 1..12
    labels: tuple[str, ...]  # "YYYY-MM"

    @property
    def first_day(self) -> int:
        """Day number of the first day of the range."""
        return int(self.starts[0])

    @property
    def end_day(self) -> int:
        """Day number one past the last day of the range."""
        return int(self.starts[-1])

    def month_of(self, days: IntArray) -> IntArray:
        """Return the month index (0-based) of each day number."""
        return np.searchsorted(self.starts, days, side="right").astype(np.int64) - 1

    def day_in_month(self, months: IntArray, dom: IntArray) -> IntArray:
        """Return the day number of day-of-month ``dom`` (clamped to the month's length)."""
        return self.starts[months] + np.minimum(dom, self.lengths[months]) - 1

    def random_day(self, months: IntArray, u: FloatArray) -> IntArray:
        """Return a uniformly drawn day of each month, given uniforms ``u`` in [0, 1)."""
        return self.starts[months] + (u * self.lengths[months]).astype(np.int64)


def month_grid(start: str, n_months: int) -> MonthGrid:
    """Build the month grid of ``n_months`` calendar months starting at ``start``."""
    first = parse_start(start)
    months = np.arange(first, first + n_months + 1, dtype="datetime64[M]")
    starts = months.astype("datetime64[D]").astype(np.int64)
    moy = (months[:-1].astype(np.int64) % 12) + 1
    labels = tuple(str(m) for m in months[:-1])
    return MonthGrid(first, n_months, starts, np.diff(starts), moy, labels)


def weekday(days: IntArray) -> IntArray:
    """Return the weekday of day numbers, Monday = 0 (1970-01-01 was a Thursday)."""
    return (days + 3) % 7


def business_day(days: IntArray, forward: BoolArray) -> IntArray:
    """Move weekend days to the next Monday (``forward``) or the previous Friday."""
    wd = weekday(days)
    fwd = np.where(wd == 5, 2, np.where(wd == 6, 1, 0))
    back = np.where(wd == 5, -1, np.where(wd == 6, -2, 0))
    return days + np.where(forward, fwd, back)
