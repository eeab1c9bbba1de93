"""Recurring payments and subscriptions: series per payee, their next date, price and gaps.

Pure: one household's transactions in (a frame), :class:`RecurringSeries` out.

A series is the payments to (or from) one normalised payee that come at one cadence:
weekly, biweekly, monthly, quarterly or annual. The test is on timing first: after setting
aside extras (payments closer together than the cadence allows), most gaps must be one
period within a tolerance that absorbs weekends, month ends and card processing, and few
periods may be missing. Amounts may vary (utilities) for monthly and longer cadences; weekly
and biweekly series must keep a steady amount, which is what sets a weekly bill apart from
the weekly shop at the usual supermarket. A series with a steady price reports each change
of price (old, new, first date at the new price). Payments in different currencies never
make one series: with a ``currency`` column, each (payee, currency) is looked at on its own.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
from collections import Counter
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from fincast.errors import InputError
from fincast.ingest.fingerprint import normalize_payee

State = Literal["active", "late", "ended"]
FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Cadence:
    """How often a series comes, and how loosely it may keep time.

    Attributes:
        name: ``weekly``, ``biweekly``, ``monthly``, ``quarterly`` or ``annual``.
        days: Mean period in days.
        tolerance: Days a payment may come early or late.
        min_count: Fewest payments that make a series.
        max_spread: Largest relative median absolute deviation of the amounts, or None when
            amounts may vary freely (the timing alone decides).
        min_run: Payments at the old price before a change of price is believed.
    """

    name: str
    days: float
    tolerance: float
    min_count: int
    max_spread: float | None
    min_run: int


CADENCES: tuple[Cadence, ...] = (
    Cadence("weekly", 7.0, 2.0, 4, 0.08, 2),
    Cadence("biweekly", 14.0, 3.0, 4, 0.08, 2),
    Cadence("monthly", 365.25 / 12, 5.0, 3, None, 2),
    Cadence("quarterly", 365.25 / 4, 10.0, 3, 0.25, 1),
    Cadence("annual", 365.25, 15.0, 2, 0.2, 1),
)
CADENCE_BY_NAME = {c.name: c for c in CADENCES}

MAX_EXTRA_SHARE = 0.2  # extras (off-schedule payments) per payment kept in the series
MAX_MISSED_SHARE = 0.3  # missing periods per period the series spans
MIN_ON_TIME_SHARE = 0.7  # gaps of exactly one period per gap
STEADY_PAIRS = 0.5  # share of consecutive equal amounts that makes a price steady
MIN_PRICE_STEP = 1.0  # a change of price moves by at least this much (currency units) ...
MIN_PRICE_SHARE = 0.01  # ... or this share of the old price


@dataclass(frozen=True)
class PriceChange:
    """A steady price that changed: from ``old_amount`` to ``new_amount`` on ``date``."""

    date: dt.date
    old_amount: float
    new_amount: float

    @property
    def change_pct(self) -> float:
        """The change in percent of the old price."""
        return (abs(self.new_amount) / abs(self.old_amount) - 1.0) * 100.0


@dataclass(frozen=True)
class RecurringSeries:
    """One recurring series of a household.

    Attributes:
        payee_key: The normalised payee (with ``cadence`` the series' stable key).
        payee: The payee as written most often.
        cadence: Its cadence's name.
        category: Most frequent category of its payments (None when the frame has none).
        account: Most frequent account (None when the frame has none).
        amount: Typical amount (median of the last three payments; signed, negative out).
        amount_varies: Whether the amount changes from payment to payment (utilities).
        expected_amount: What the next payment should be: the last price of a steady series,
            the typical amount otherwise.
        first_date: First payment.
        last_date: Last payment.
        next_date: When the next payment is expected.
        count: Payments in the series.
        missed: Expected dates inside the series with no payment.
        state: ``active``; ``late`` when the latest expected payment has not come;
            ``ended`` when two or more have not.
        price_changes: Changes of a steady price, oldest first.
        transaction_ids: The ``id`` of each payment (row labels when the frame has no ``id``).
        confidence: 0..1, from how well the payments keep time and amount.
        currency: The currency of its payments (None when the frame has no ``currency``).
    """

    payee_key: str
    payee: str
    cadence: str
    category: str | None
    account: str | None
    amount: float
    amount_varies: bool
    expected_amount: float
    first_date: dt.date
    last_date: dt.date
    next_date: dt.date
    count: int
    missed: tuple[dt.date, ...]
    state: State
    price_changes: tuple[PriceChange, ...] = ()
    transaction_ids: tuple[Hashable, ...] = field(default=(), repr=False)
    confidence: float = 1.0
    currency: str | None = None

    @property
    def monthly_cost(self) -> float:
        """The expected amount expressed per month (signed)."""
        return self.expected_amount * (365.25 / 12) / CADENCE_BY_NAME[self.cadence].days


@dataclass(frozen=True)
class _Fit:
    cadence: Cadence
    kept: npt.NDArray[np.intp]  # positions of the payments in the series
    steps: npt.NDArray[np.int64]  # periods between consecutive kept payments
    coverage: float


REQUIRED = ("date", "amount", "payee")


def detect_recurring(
    transactions: pd.DataFrame, *, as_of: dt.date | None = None
) -> list[RecurringSeries]:
    """Find the recurring series in one household's transactions.

    Args:
        transactions: Columns ``date``, ``amount`` (signed, negative = money out) and
            ``payee``; optional ``id``, ``category``, ``account`` and ``currency`` (a
            series is of one currency: payments to one payee in two make two series).
        as_of: The day the data runs to, for late and ended series (default: the last date).

    Returns:
        The series, by payee key then currency.

    Raises:
        InputError: If a required column is missing.
    """
    missing = [c for c in REQUIRED if c not in transactions.columns]
    if missing:
        raise InputError(f"The following columns are missing: {missing}")
    if transactions.empty:
        return []
    tx = pd.DataFrame(
        {
            "date": pd.to_datetime(transactions["date"]).dt.normalize(),
            "amount": transactions["amount"].astype(float),
            "payee": transactions["payee"].fillna("").astype(str),
            "id": transactions.get("id", transactions.index),
        },
        index=transactions.index,
    )
    for optional in ("category", "account"):
        if optional in transactions:
            tx[optional] = transactions[optional].astype("string")
    tx["key"] = [normalize_payee(p) for p in tx["payee"]]
    tx["currency"] = (
        transactions["currency"].fillna("").astype(str).str.upper()
        if "currency" in transactions
        else ""
    )
    tx = tx.loc[(tx["key"] != "") & (tx["amount"] != 0)]
    if tx.empty:
        return []
    end = pd.Timestamp(as_of) if as_of is not None else tx["date"].max()
    # one group per (payee, currency); "\x1f" sorts below any character of a payee key
    keys = (tx["key"] + "\x1f" + tx["currency"]).to_numpy(dtype=object)
    codes, uniques = pd.factorize(keys, sort=True)
    days = tx["date"].to_numpy("datetime64[D]").astype(np.int64).astype(np.float64)
    amounts = tx["amount"].to_numpy(np.float64)
    order = np.lexsort((np.arange(len(tx)), days, codes))
    bounds = np.flatnonzero(np.diff(codes[order])) + 1
    found: list[RecurringSeries] = []
    for rows in np.split(order, bounds):
        if len(rows) < 2:
            continue
        out = amounts[rows] < 0
        rows = rows[out] if out.sum() >= (~out).sum() else rows[~out]
        fit = _best_fit(days[rows], amounts[rows])
        if fit is not None:
            key, currency = str(uniques[codes[rows[0]]]).split("\x1f")
            series = _describe(key, tx.iloc[rows[fit.kept]], fit, end)
            found.append(dataclasses.replace(series, currency=currency or None))
    return found


def _best_fit(days: FloatArray, amounts: FloatArray) -> _Fit | None:
    """The cadence the payments keep best, if any."""
    best: _Fit | None = None
    for cadence in CADENCES:
        if len(days) < cadence.min_count:
            continue
        fit = _fit(cadence, days, amounts)
        if fit is not None and (best is None or fit.coverage > best.coverage + 1e-9):
            best = fit
    return best


def _fit(cadence: Cadence, days: FloatArray, amounts: FloatArray) -> _Fit | None:
    """The payments that keep ``cadence`` (extras set aside), if they make a series."""
    period, tol = cadence.days, cadence.tolerance
    kept = [0]
    for i in range(1, len(days)):
        if days[i] - days[kept[-1]] >= period - tol:
            kept.append(i)
    kept_a = np.asarray(kept, dtype=np.intp)
    n_kept = len(kept_a)
    if n_kept < cadence.min_count or (len(days) - n_kept) > MAX_EXTRA_SHARE * n_kept:
        return None
    gaps = np.diff(days[kept_a])
    steps = np.maximum(np.rint(gaps / period), 1).astype(np.int64)
    slack = tol * (1.0 + 0.25 * (steps - 1))
    on_cadence = np.abs(gaps - steps * period) <= slack
    if on_cadence.mean() < 0.9 and (~on_cadence).sum() > 1:
        return None
    if (steps == 1).mean() < MIN_ON_TIME_SHARE:
        return None
    missed = int((steps - 1).sum())
    if missed > MAX_MISSED_SHARE * (n_kept + missed):
        return None
    kept_amounts = amounts[kept_a]
    if cadence.max_spread is not None and _spread(kept_amounts) > cadence.max_spread:
        return None
    if cadence.name == "annual" and not _steady(kept_amounts, cadence):
        # two or three yearly payments say little; only a kept price makes them a series
        return None
    return _Fit(cadence, kept_a, steps, n_kept / len(days))


def _spread(amounts: FloatArray) -> float:
    """Median absolute deviation relative to the median magnitude."""
    size = np.abs(amounts)
    median = float(np.median(size))
    return float(np.median(np.abs(size - median))) / median if median > 0 else np.inf


def _steady(amounts: FloatArray, cadence: Cadence) -> bool:
    """Whether the series keeps a price (that may change now and then)."""
    if len(amounts) < 2:
        return True
    return bool(_same(amounts[1:], amounts[:-1]).mean() >= STEADY_PAIRS)


def _same(a: FloatArray, b: FloatArray) -> npt.NDArray[np.bool_]:
    """Equal to the cent."""
    return np.abs(a - b) < 0.005


def _price_changes(
    dates: Sequence[dt.date], amounts: FloatArray, cadence: Cadence
) -> list[PriceChange]:
    """Changes between runs of one price; a one-off different amount is not a change."""
    runs: list[tuple[float, int, int]] = []  # price, first position, length
    for i, a in enumerate(amounts):
        if runs and _same(np.array([a]), np.array([runs[-1][0]]))[0]:
            price, first, length = runs[-1]
            runs[-1] = (price, first, length + 1)
        else:
            runs.append((float(a), i, 1))
    last = len(runs) - 1
    # the first run may be short (the data can start late in a price), the last one too (the
    # change can be this month's); in between a one-off amount is not a change of price
    solid = [r for j, r in enumerate(runs) if r[2] >= cadence.min_run or j in (0, last)]
    changes = []
    for before, after in itertools.pairwise(solid):
        step = abs(after[0] - before[0])
        if step < MIN_PRICE_STEP and step < MIN_PRICE_SHARE * abs(before[0]):
            continue  # cents of drift (a phone bill's taxes) are not a change of price
        changes.append(PriceChange(dates[after[1]], before[0], after[0]))
    return changes


def _describe(key: str, rows: pd.DataFrame, fit: _Fit, end: pd.Timestamp) -> RecurringSeries:
    cadence = fit.cadence
    dates = [d.date() for d in rows["date"]]
    amounts = rows["amount"].to_numpy(np.float64)
    steady = _steady(amounts, cadence)
    typical = float(np.median(amounts[-3:]))
    expected = float(amounts[-1]) if steady else typical
    next_date = _advance(dates[-1], cadence, 1, dates)
    missed = [
        _advance(dates[i], cadence, j, dates)
        for i, step in enumerate(fit.steps)
        for j in range(1, int(step))
    ]
    overdue = 0
    while (
        _advance(dates[-1], cadence, overdue + 1, dates) + dt.timedelta(days=cadence.tolerance)
        < end.date()
    ):
        overdue += 1
    state: State = "active" if overdue == 0 else "late" if overdue == 1 else "ended"
    gaps = np.diff(rows["date"].to_numpy("datetime64[D]").astype(np.int64)) / fit.steps
    jitter = float(np.median(np.abs(gaps - cadence.days))) if len(gaps) else 0.0
    confidence = fit.coverage * max(0.0, 1.0 - jitter / (2 * cadence.tolerance))
    confidence *= 1.0 - min(len(missed) / (len(dates) + len(missed)), 1.0)
    return RecurringSeries(
        payee_key=key,
        payee=_mode(rows, "payee") or key,
        cadence=cadence.name,
        category=_mode(rows, "category"),
        account=_mode(rows, "account"),
        amount=typical,
        amount_varies=not steady,
        expected_amount=expected,
        first_date=dates[0],
        last_date=dates[-1],
        next_date=next_date,
        count=len(dates),
        missed=tuple(missed),
        state=state,
        price_changes=tuple(_price_changes(dates, amounts, cadence)) if steady else (),
        transaction_ids=tuple(rows["id"].tolist()),
        confidence=round(float(confidence), 3),
    )


def _mode(rows: pd.DataFrame, column: str) -> str | None:
    """The most frequent value of ``column`` (the first seen on a tie), None if none."""
    if column not in rows:
        return None
    counts = Counter(v for v in rows[column].tolist() if isinstance(v, str))
    return max(counts, key=counts.__getitem__) if counts else None


def _advance(day: dt.date, cadence: Cadence, steps: int, history: Sequence[dt.date]) -> dt.date:
    """The date ``steps`` periods after ``day``; monthly and longer keep the usual day."""
    if cadence.name in ("weekly", "biweekly"):
        return day + dt.timedelta(days=round(cadence.days * steps))
    months = {"monthly": 1, "quarterly": 3, "annual": 12}[cadence.name] * steps
    # the usual day: the most common recent one (weekend shifts are the exceptions); on a
    # tie the later, so a series on the 31st is not moved to the 30th by short months
    counts = Counter(d.day for d in history[-12:])
    usual = max(counts, key=lambda day_: (counts[day_], day_))
    year, month = divmod(day.month - 1 + months, 12)
    first = dt.date(day.year + year, month + 1, 1)
    following = dt.date(first.year + (first.month // 12), first.month % 12 + 1, 1)
    return first.replace(day=min(usual, (following - first).days))


def series_frame(series: Sequence[RecurringSeries]) -> pd.DataFrame:
    """The series as a frame, one row each (price changes and ids left out)."""
    columns = [
        "payee_key",
        "payee",
        "cadence",
        "category",
        "account",
        "amount",
        "amount_varies",
        "expected_amount",
        "first_date",
        "last_date",
        "next_date",
        "count",
        "state",
        "confidence",
        "currency",
    ]
    return pd.DataFrame([{c: getattr(s, c) for c in columns} for s in series], columns=columns)
