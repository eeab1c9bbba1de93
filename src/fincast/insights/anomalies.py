"""Anomalies with reasons: unusual transactions and unusual months.

Pure: frames in, :class:`AnomalyFlag` out. Two levels, and at the month level two detectors
side by side:

- Transactions (robust statistics on log amounts: median and median absolute deviation, so
  one huge payment cannot hide itself by inflating the spread): an unusual amount for this
  payee, a large first payment at a new merchant (judged against its category), a duplicate
  charge, and a sudden spike of one category in one month (many purchases, not one).
  A payee seen fewer than ``PAYEE_MIN_COUNT`` times is not judged against its category:
  on the generator's households that rule flagged ordinary purchases and caught nothing the
  others missed. With a ``currency`` column, each currency's transactions are judged among
  themselves only (a EUR payment is never measured against dollars), and a category's
  months are each currency's own.
- Months: ratios of each complete month (spending to income, essential share, savings rate,
  the share of each category) scored against the household's own months by a robust z-score
  (``detector="robust"``), and by an :class:`~sklearn.ensemble.IsolationForest` fitted on the
  ratios and on their deviations from each household's own median, over the household and
  its peers (``detector="isolation_forest"``).

Every flag carries a score (larger = stranger) and a reason a person understands.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Hashable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sklearn.ensemble import IsolationForest

from fincast.errors import InputError
from fincast.ingest.fingerprint import normalize_payee
from fincast.taxonomy import CATEGORY_BY_SLUG, EXPENSE_SLUGS, CategoryKind

TRANSACTION_KINDS = ("unusual_amount", "new_merchant", "duplicate")
MONTH_KINDS = ("category_spike", "monthly_behaviour")
KINDS = (*TRANSACTION_KINDS, *MONTH_KINDS)

# log-amount spread never taken below this (a payee with one price has a zero MAD)
MIN_LOG_SPREAD = 0.15
PAYEE_MIN_COUNT = 6  # payments at a payee before its amounts are a baseline
PAYEE_PRIOR = 10  # a payee's spread is shrunk to its category's as if by this many payments
CATEGORY_MIN_COUNT = 8
UNUSUAL_RATIO = 3.0  # x the payee's median
UNUSUAL_Z = 4.5  # robust z at the payee (spread shrunk to the category's)
NEW_MERCHANT_RATIO = 5.0  # x the category's median, at a payee's first payment
NEW_MERCHANT_Z = 2.5  # robust z in the category (trips make travel's spread wide)
NEW_MERCHANT_MIN = 300.0  # currency units ...
NEW_MERCHANT_MONTH_SHARE = 0.1  # ... and this share of the household's median month
WARM_UP_DAYS = 60  # before this much history every payee is new
DUPLICATE_DAYS = 2
SPIKE_RATIO = 5.0  # x the category's median month
SPIKE_Z = 3.0
SPIKE_MIN_EXCESS = 150.0
SPIKE_MIN_MEDIAN = 30.0  # a category's median month, for its spikes to mean something
SPIKE_LARGEST_SHARE = 0.5  # most of a spike month one purchase may make
SEASON_SHARE = 0.5  # of a spike month, the same month a year before that makes it seasonal
SPIKE_MIN_ACTIVE = 0.5  # share of months the category is spent in at all
MONTH_Z = 4.0
FOREST_QUANTILE = 0.975  # months above this quantile of the forest's scores are flagged

_SKIPPED = {c.slug for c in CATEGORY_BY_SLUG.values() if c.kind is not CategoryKind.EXPENSE}


@dataclass(frozen=True)
class AnomalyFlag:
    """One thing that looks off.

    Attributes:
        kind: One of :data:`KINDS`.
        subject: What is flagged, stable across runs: the transaction's id (as text), or
            ``<category>:<YYYY-MM>`` for a spike, ``<YYYY-MM>`` for a month.
        date: The transaction's date, or the first day of the month.
        score: How strange (a robust z-score, or the forest's anomaly score scaled alike).
        reason: Why, in words ("3.4x your usual spend at Starbucks").
        detector: ``robust`` or ``isolation_forest``.
        transaction_id: The flagged transaction's id (None for months).
        amount: The transaction's amount, or the month's category or total spending.
        payee: The transaction's payee.
        category: The transaction's or spike's category.
        month: ``YYYY-MM`` of the month flagged.
        currency: The currency of ``amount`` (None when the frame has no ``currency``).
    """

    kind: str
    subject: str
    date: dt.date
    score: float
    reason: str
    detector: str = "robust"
    transaction_id: Any = None  # the frame's ``id`` (any hashable), None for months
    amount: float | None = None
    payee: str | None = None
    category: str | None = None
    month: str | None = None
    currency: str | None = None


def _money(value: float) -> str:
    return f"{abs(value):,.2f}"


def _prepare(transactions: pd.DataFrame) -> pd.DataFrame:
    missing = [c for c in ("date", "amount", "payee") if c not in transactions.columns]
    if missing:
        raise InputError(f"The following columns are missing: {missing}")
    tx = pd.DataFrame(
        {
            "date": pd.to_datetime(transactions["date"]).dt.normalize(),
            "amount": transactions["amount"].astype(float),
            "payee": transactions["payee"].fillna("").astype(str),
            "id": transactions.get("id", transactions.index),
            "category": (
                transactions["category"].astype("string").fillna("")
                if "category" in transactions
                else ""
            ),
            "account": (
                transactions["account"].astype("string").fillna("")
                if "account" in transactions
                else ""
            ),
            "currency": (
                transactions["currency"].astype("string").fillna("").str.upper()
                if "currency" in transactions
                else ""
            ),
        },
        index=transactions.index,
    )
    tx["key"] = [normalize_payee(p) for p in tx["payee"]]
    spend = (tx["amount"] < 0) & ~tx["category"].isin(_SKIPPED)
    return tx.loc[spend].sort_values(["date", "id"], kind="stable").reset_index(drop=True)


def _robust(tx: pd.DataFrame, by: str, column: str) -> tuple[pd.Series, pd.Series]:
    """Median and spread (1.4826 MAD, floored) of each row's group, broadcast to the rows."""
    median = tx.groupby(by)[column].transform("median")
    spread = (tx[column] - median).abs().groupby(tx[by]).transform("median")
    return median, np.maximum(1.4826 * spread, MIN_LOG_SPREAD)


def _baselines(tx: pd.DataFrame) -> pd.DataFrame:
    """Per row: count, robust z and ratio to the median at its payee and in its category.

    A payee's spread is shrunk towards its category's, so that five similar coffees do not
    make a sixth, larger one look impossible.
    """
    tx = tx.assign(log=np.log(tx["amount"].abs()), size=tx["amount"].abs())
    tx["cat"] = tx["category"].where(tx["category"] != "", "uncategorized")
    spreads: dict[str, pd.Series] = {}
    for prefix, by in (("c", "cat"), ("p", "key")):
        median, spread = _robust(tx, by, "log")
        n = tx.groupby(by)["log"].transform("size")
        if prefix == "p":
            spread = np.sqrt((n * spread**2 + PAYEE_PRIOR * spreads["c"] ** 2) / (n + PAYEE_PRIOR))
        spreads[prefix] = spread
        tx[f"{prefix}_n"] = n
        tx[f"{prefix}_z"] = (tx["log"] - median) / spread
        tx[f"{prefix}_ratio"] = tx["size"] / np.exp(median)
        tx[f"{prefix}_usual"] = tx.groupby(by)["size"].transform("median")
    start = tx["date"].min()
    tx["first"] = ~tx.duplicated("key") & ((tx["date"] - start).dt.days >= WARM_UP_DAYS)
    return tx


def transaction_flags(
    transactions: pd.DataFrame, *, expected: Collection[Hashable] = ()
) -> list[AnomalyFlag]:
    """Unusual amounts, large first payments at new merchants and duplicate charges.

    Args:
        transactions: One household's rows: ``date``, ``amount`` (signed), ``payee``;
            optional ``id``, ``category`` (slugs; income and transfer categories are
            skipped), ``account`` and ``currency`` (each currency's rows are judged only
            against the others in it).
        expected: Ids of payments that are expected (members of recurring series, whose
            amounts are known): never flagged for their amount, only as duplicates.

    Returns:
        The flags, oldest first.
    """
    tx = _prepare(transactions)
    flags: list[AnomalyFlag] = []
    for _, rows in tx.groupby("currency", sort=True):
        flags += _flags_in_one_currency(rows.reset_index(drop=True), expected)
    return sorted(flags, key=lambda f: (f.date, f.kind, f.subject))


def _flags_in_one_currency(tx: pd.DataFrame, expected: Collection[Hashable]) -> list[AnomalyFlag]:
    """:func:`transaction_flags` of prepared rows that are all in one currency."""
    tx = _baselines(tx)
    months = max((tx["date"].max() - tx["date"].min()).days / 30.44, 1.0)
    big = max(NEW_MERCHANT_MIN, NEW_MERCHANT_MONTH_SHARE * tx["size"].sum() / months)
    judged = ~tx["id"].isin(set(expected))
    at_payee = (
        judged
        & (tx["p_n"] >= PAYEE_MIN_COUNT)
        & (tx["p_ratio"] >= UNUSUAL_RATIO)
        & (tx["p_z"] >= UNUSUAL_Z)
    )
    judged &= ~at_payee & (tx["c_n"] >= CATEGORY_MIN_COUNT)
    new = judged & tx["first"] & (tx["size"] >= big) & (tx["c_ratio"] >= NEW_MERCHANT_RATIO)
    new &= tx["c_z"] >= NEW_MERCHANT_Z
    flags: list[AnomalyFlag] = []
    for r in tx.loc[at_payee].itertuples(index=False):
        reason = f"{r.p_ratio:.1f}x your usual spend at {r.payee} (usually {_money(r.p_usual)})"
        flags.append(_tx_flag(r, "unusual_amount", r.p_z, reason))
    for r in tx.loc[new].itertuples(index=False):
        reason = (
            f"first payment to {r.payee}: {r.c_ratio:.1f}x your usual {r.cat} purchase "
            f"(usually {_money(r.c_usual)})"
        )
        flags.append(_tx_flag(r, "new_merchant", r.c_z, reason))
    flags.extend(_duplicates(tx))
    return flags


def _tx_flag(r: Any, kind: str, score: float, reason: str) -> AnomalyFlag:
    """A flag on the transaction of row ``r`` (a namedtuple of the prepared frame)."""
    return AnomalyFlag(
        kind=kind,
        subject=str(r.id),
        date=r.date.date(),
        score=round(float(score), 2),
        reason=reason,
        transaction_id=r.id,
        amount=float(r.amount),
        payee=r.payee,
        category=r.category or None,
        month=r.date.strftime("%Y-%m"),
        currency=r.currency or None,
    )


def _duplicates(tx: pd.DataFrame) -> list[AnomalyFlag]:
    """The second of two charges with the same payee, amount and account within two days."""
    keyed = tx.assign(cents=np.rint(tx["amount"] * 100).astype(np.int64))
    keyed = keyed.sort_values(["key", "cents", "account", "date"], kind="stable")
    same = (
        (keyed["key"] == keyed["key"].shift())
        & (keyed["cents"] == keyed["cents"].shift())
        & (keyed["account"] == keyed["account"].shift())
    )
    gap = (keyed["date"] - keyed["date"].shift()).dt.days
    hit = same & (gap <= DUPLICATE_DAYS)
    flags = []
    for row, days in zip(keyed.loc[hit].itertuples(index=False), gap[hit], strict=True):
        when = "the same day" if days == 0 else f"{int(days)} day(s) earlier"
        reason = f"same amount ({_money(row.amount)}) at {row.payee} as a charge {when}"
        flags.append(_tx_flag(row, "duplicate", DUPLICATE_DAYS + 1 - days, reason))
    return flags


def category_spikes(
    transactions: pd.DataFrame, months: Sequence[str] | None = None
) -> list[AnomalyFlag]:
    """Months in which one category's spending jumped far above its usual month.

    Args:
        transactions: As for :func:`transaction_flags` (a ``category`` column is needed;
            with a ``currency`` column each currency's months are compared on their own).
        months: The ``YYYY-MM`` months to compare (default: every month from the first to
            the last transaction of the currency); months without spending in a category
            count as zero.
    """
    tx = _prepare(transactions)
    tx = tx.loc[tx["category"] != ""]
    flags: list[AnomalyFlag] = []
    for currency, rows in tx.groupby("currency", sort=True):
        flags += _spikes_in_one_currency(rows.copy(), months, str(currency) or None)
    return flags


def _spikes_in_one_currency(
    tx: pd.DataFrame, months: Sequence[str] | None, currency: str | None
) -> list[AnomalyFlag]:
    """:func:`category_spikes` of prepared rows that are all in ``currency``."""
    tx["month"] = tx["date"].dt.strftime("%Y-%m")
    table = tx.pivot_table(index="category", columns="month", values="amount", aggfunc="sum")
    labels = (
        list(months) if months is not None else _month_range(tx["month"].min(), tx["month"].max())
    )
    table = -table.reindex(columns=labels).fillna(0.0)
    largest = tx.pivot_table(index="category", columns="month", values="amount", aggfunc="min")
    largest = -largest.reindex(index=table.index, columns=labels).fillna(0.0)
    flags = []
    for category, values in table.iterrows():
        x = values.to_numpy(np.float64)
        top = largest.loc[category].to_numpy(np.float64)
        median = float(np.median(x))
        if (x > 0).mean() < SPIKE_MIN_ACTIVE or len(x) < 4 or median < SPIKE_MIN_MEDIAN:
            continue
        spread = max(1.4826 * float(np.median(np.abs(x - median))), 0.1 * median, 1.0)
        z = (x - median) / spread
        hit = (x >= SPIKE_RATIO * median) & (z >= SPIKE_Z) & (x - median >= SPIKE_MIN_EXCESS)
        # one big purchase is the transaction detectors' to judge; a spike is broad
        hit &= top <= SPIKE_LARGEST_SHARE * x
        # a month as high a year before is the season (December shopping), not a spike
        hit[12:] &= x[:-12] < SEASON_SHARE * x[12:]
        for j in np.flatnonzero(hit):
            month = labels[j]
            flags.append(
                AnomalyFlag(
                    kind="category_spike",
                    subject=f"{category}:{month}",
                    date=dt.date.fromisoformat(f"{month}-01"),
                    score=round(float(z[j]), 2),
                    reason=f"{category} spending {x[j] / median:.1f}x your usual month "
                    f"({_money(x[j])} against {_money(median)})",
                    amount=-float(x[j]),
                    category=str(category),
                    month=month,
                    currency=currency,
                )
            )
    return flags


def _month_range(first: str, last: str) -> list[str]:
    return [str(m) for m in pd.period_range(first, last, freq="M")]


# --- months ---------------------------------------------------------------------------------

RATIO_LABELS = {
    "expense_income": "spending to income",
    "essential_share": "essential share of spending",
    "savings_rate": "savings rate",
}
_ESSENTIAL = [s for s in EXPENSE_SLUGS if CATEGORY_BY_SLUG[s].essential]


def monthly_ratios(monthly: pd.DataFrame) -> pd.DataFrame:
    """The ratios of each month of a monthly frame (``docs/compatibility.md`` columns).

    Args:
        monthly: Columns ``user_id`` (optional), ``year_month``, ``total_income``, the
            expense slugs (missing ones count as zero) and ``total_expense``.

    Returns:
        ``user_id``, ``year_month``, ``expense_income`` (capped at 5), ``essential_share``,
        ``savings_rate`` (between -4 and 1) and ``share_<slug>`` per expense category.
    """
    m = monthly.copy()
    if "user_id" not in m:
        m["user_id"] = "user"
    for slug in EXPENSE_SLUGS:
        m[slug] = m[slug].astype(float) if slug in m else 0.0
    income = m["total_income"].astype(float)
    expense = (
        m["total_expense"].astype(float)
        if "total_expense" in m
        else m[list(EXPENSE_SLUGS)].sum(axis=1)
    )
    out = pd.DataFrame(
        {"user_id": m["user_id"].astype(str), "year_month": m["year_month"].astype(str)}
    )
    safe_income = income.where(income > 0, np.nan)
    out["expense_income"] = (expense / safe_income).fillna(5.0).clip(0, 5.0)
    safe_expense = expense.where(expense > 0, np.nan)
    out["essential_share"] = (m[_ESSENTIAL].sum(axis=1) / safe_expense).fillna(0.0)
    out["savings_rate"] = ((income - expense) / safe_income).fillna(-4.0).clip(-4.0, 1.0)
    for slug in EXPENSE_SLUGS:
        out[f"share_{slug}"] = (m[slug] / safe_expense).fillna(0.0).clip(0, 1)
    return out.reset_index(drop=True)


def _features(ratios: pd.DataFrame) -> list[str]:
    return [c for c in ratios.columns if c not in ("user_id", "year_month")]


def _own_z(ratios: pd.DataFrame) -> pd.DataFrame:
    """Each ratio's robust z-score against the same household's months."""
    cols = _features(ratios)
    by = ratios.groupby("user_id")[cols]
    median = by.transform("median")
    spread = (ratios[cols] - median).abs().groupby(ratios["user_id"]).transform("median")
    floor = np.array([0.1 if c in RATIO_LABELS else 0.03 for c in cols])
    spread = (1.4826 * spread).clip(lower=floor, axis=1)
    return (ratios[cols] - median) / spread


def _reason(ratios: pd.DataFrame, z: pd.DataFrame, i: int) -> tuple[str, float]:
    """The most unusual ratio of row ``i`` in words, and its z-score."""
    row = z.iloc[i].abs()
    col = str(row.idxmax())
    user = ratios["user_id"].iloc[i]
    usual = float(ratios.loc[ratios["user_id"] == user, col].median())
    value = float(ratios[col].iloc[i])
    if col == "expense_income":
        text = f"spending was {value:.2f}x income (usually {usual:.2f}x)"
    elif col in RATIO_LABELS:
        text = f"{RATIO_LABELS[col]} was {value:.0%} (usually {usual:.0%})"
    else:
        text = f"{col.removeprefix('share_')} took {value:.0%} of spending (usually {usual:.0%})"
    return text, float(row[col])


def month_flags(
    ratios: pd.DataFrame,
    *,
    users: Sequence[str] | None = None,
    random_state: int = 0,
) -> dict[str, list[AnomalyFlag]]:
    """Unusual months by both detectors, for the households in ``users``.

    Args:
        ratios: :func:`monthly_ratios` of the households to score and of their peers (each
            household's own months are its history; everyone's months train the forest).
        users: Households to flag (default: all in ``ratios``).
        random_state: Seed of the isolation forest.

    Returns:
        Per household, flags of kind ``monthly_behaviour`` by detector ``robust`` and by
        ``isolation_forest``.
    """
    flags: dict[str, list[AnomalyFlag]] = {}
    if ratios.empty:
        return flags
    ratios = ratios.reset_index(drop=True)
    cols = _features(ratios)
    z = _own_z(ratios)
    wanted = ratios["user_id"].isin(users) if users is not None else ratios["user_id"].notna()
    key_z = z[list(RATIO_LABELS)].abs().max(axis=1)
    share_z = z[[c for c in cols if c.startswith("share_")]].abs().max(axis=1)
    robust_hit = (key_z >= MONTH_Z) | (share_z >= 2 * MONTH_Z)
    for i in np.flatnonzero(robust_hit & wanted):
        text, score = _reason(ratios, z, int(i))
        user = str(ratios["user_id"].iloc[i])
        flags.setdefault(user, []).append(_month_flag(ratios, int(i), text, score, "robust"))
    median = ratios.groupby("user_id")[cols].transform("median")
    deviation = (ratios[cols] - median).add_prefix("d_")
    features = pd.concat([ratios[cols], deviation], axis=1).to_numpy(np.float64)
    if len(features) >= 16:
        forest = IsolationForest(n_estimators=200, random_state=random_state).fit(features)
        strangeness = -forest.score_samples(features)
        threshold = float(np.quantile(strangeness, FOREST_QUANTILE))
        scale = float(np.std(strangeness)) or 1.0
        centre = float(np.median(strangeness))
        for i in np.flatnonzero((strangeness > threshold) & wanted.to_numpy()):
            text, _ = _reason(ratios, z, int(i))
            score = float((strangeness[i] - centre) / scale)
            user = str(ratios["user_id"].iloc[i])
            flag = _month_flag(ratios, int(i), text, score, "isolation_forest")
            flags.setdefault(user, []).append(flag)
    return flags


def _month_flag(
    ratios: pd.DataFrame, i: int, reason: str, score: float, detector: str
) -> AnomalyFlag:
    month = str(ratios["year_month"].iloc[i])
    return AnomalyFlag(
        kind="monthly_behaviour",
        subject=month,
        date=dt.date.fromisoformat(f"{month}-01"),
        score=round(score, 2),
        reason=reason,
        detector=detector,
        month=month,
    )
