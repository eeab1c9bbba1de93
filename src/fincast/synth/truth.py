"""What the generator injected: the raw arrays it records, and the public ground-truth frames."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from fincast.synth import names
from fincast.synth.frames import iso_dates, money_strings
from fincast.synth.months import MonthGrid
from fincast.synth.rows import CADENCES, Rows, Streams

Columns = dict[str, np.ndarray]
NEVER = np.iinfo(np.int64).max  # a day that never comes: "no such paycheck"


@dataclass(frozen=True)
class GroundTruth:
    """What the generator injected, so detectors can be scored.

    All amounts are signed 2-decimal strings exactly as they appear in ``transactions.csv``
    (negative = money out of the account); dates are ISO ``YYYY-MM-DD``, months ``YYYY-MM``.

    Attributes:
        anomalies: One row per shock: ``user_id, date, amount, payee, category, account,
            kind`` with kind ``medical_bill``, ``car_repair`` or ``fraud_like_spike``; with
            detector events also ``duplicate_charge`` (the second charge),
            ``unusual_amount``, ``new_merchant_large`` and ``category_spike`` (each of the
            spike's purchases).
        recurring: One row per recurring stream: ``user_id, payee, category, account,
            cadence`` (``monthly``/``biweekly``; ``annual`` for year-end bonuses; with
            detector events also ``weekly``, ``quarterly`` and ``annual`` bills), savings
            interest included, ``day_of_month`` (0 for weekly and biweekly),
            ``amount`` (first occurrence; typical for streams with ``amount_varies``),
            ``start`` and ``end`` (first and last occurrence).
        price_changes: ``user_id, payee, category, date, old_amount, new_amount`` for
            subscription price increases and rent increases (and annual memberships with
            detector events); ``date`` is the first charge at the new price.
        raises: ``user_id, effective_month, date, old_amount, new_amount, pct``; amounts are
            per paycheck, ``date`` the first raised paycheck.
        job_losses: ``user_id, first_month, last_month, months, last_paycheck,
            first_paycheck_after, old_employer, new_employer``: months with no pay.
    """

    anomalies: pd.DataFrame
    recurring: pd.DataFrame
    price_changes: pd.DataFrame
    raises: pd.DataFrame
    job_losses: pd.DataFrame


@dataclass(frozen=True)
class TruthArrays:
    """The injected truth as code arrays, as the simulation records it (columns by name)."""

    anomalies: Columns
    price_changes: Columns
    raises: Columns
    job_losses: Columns


# the name tables as object arrays, so code arrays index straight into names
_PAYEES = np.asarray(names.PAYEES, dtype=object)
_CATEGORIES = np.asarray(names.CATEGORY_SLUGS, dtype=object)
_ACCOUNTS = np.asarray(names.ACCOUNT_NAMES, dtype=object)
_CADENCES = np.asarray(CADENCES, dtype=object)


@dataclass(frozen=True)
class _Labels:
    """User ids and month labels of this population, as object arrays."""

    users: np.ndarray
    months: np.ndarray


def ground_truth(
    truth: TruthArrays, rows: Rows, streams: Streams, users: list[str], grid: MonthGrid
) -> GroundTruth:
    """Build the ground-truth frames, sorted by user and date."""
    labels = _Labels(np.asarray(users, dtype=object), np.asarray(grid.labels, dtype=object))
    return GroundTruth(
        anomalies=_anomalies(truth.anomalies, labels),
        recurring=_recurring(rows, streams, labels),
        price_changes=_price_changes(truth.price_changes, labels),
        raises=_raises(truth.raises, labels),
        job_losses=_job_losses(truth.job_losses, labels),
    )


def _anomalies(a: Columns, labels: _Labels) -> pd.DataFrame:
    order = np.lexsort((a["day"], a["user"]))
    return pd.DataFrame(
        {
            "user_id": labels.users[a["user"][order]],
            "date": iso_dates(a["day"][order]),
            "amount": money_strings(a["cents"][order]),
            "payee": _PAYEES[a["payee"][order]],
            "category": _CATEGORIES[a["category"][order]],
            "account": _ACCOUNTS[a["account"][order]],
            "kind": a["kind"][order],
        }
    )


def _recurring(rows: Rows, streams: Streams, labels: _Labels) -> pd.DataFrame:
    # a stream's start and end are its first and last row; streams without rows are left out
    has = rows.stream >= 0
    sid = rows.stream[has].astype(np.int64)
    day = rows.day[has].astype(np.int64)
    first = np.full(streams.count, NEVER)
    last = np.full(streams.count, -1, dtype=np.int64)
    np.minimum.at(first, sid, day)
    np.maximum.at(last, sid, day)
    seen = np.flatnonzero(last >= 0)
    order = seen[np.lexsort((first[seen], streams.column("user")[seen].astype(np.int64)))]

    def column(name: str) -> np.ndarray:
        return streams.column(name)[order].astype(np.int64)

    return pd.DataFrame(
        {
            "user_id": labels.users[column("user")],
            "payee": _PAYEES[column("payee")],
            "category": _CATEGORIES[column("category")],
            "account": _ACCOUNTS[column("account")],
            "cadence": _CADENCES[column("cadence")],
            "day_of_month": column("day_of_month"),
            "amount": money_strings(streams.column("cents")[order]),
            "amount_varies": streams.column("varies")[order].astype(bool),
            "start": iso_dates(first[order]),
            "end": iso_dates(last[order]),
        }
    )


def _price_changes(p: Columns, labels: _Labels) -> pd.DataFrame:
    order = np.lexsort((p["day"], p["user"]))
    return pd.DataFrame(
        {
            "user_id": labels.users[p["user"][order]],
            "payee": _PAYEES[p["payee"][order]],
            "category": _CATEGORIES[p["category"][order]],
            "date": iso_dates(p["day"][order]),
            "old_amount": money_strings(p["old"][order]),
            "new_amount": money_strings(p["new"][order]),
        }
    )


def _raises(r: Columns, labels: _Labels) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "user_id": labels.users[r["user"]],
            "effective_month": labels.months[r["month"]],
            "date": iso_dates(r["day"]),
            "old_amount": money_strings(r["old"]),
            "new_amount": money_strings(r["new"]),
            "pct": np.round(r["pct"] * 100, 2),
        }
    )


def _dates_or_none(days: np.ndarray, known: np.ndarray) -> list[str | None]:
    """ISO dates of day numbers, None where ``known`` is false."""
    return [
        d if ok else None
        for d, ok in zip(iso_dates(np.where(known, days, 0)), known.tolist(), strict=True)
    ]


def _job_losses(j: Columns, labels: _Labels) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "user_id": labels.users[j["user"]],
            "first_month": labels.months[j["first_month"]],
            "last_month": labels.months[j["last_month"]],
            "months": (j["last_month"] - j["first_month"] + 1).astype(np.int64),
            # -1 marks "no paycheck before the gap" (days before 1970 read as missing too)
            "last_paycheck": _dates_or_none(j["last_paycheck"], j["last_paycheck"] >= 0),
            "first_paycheck_after": _dates_or_none(
                j["first_paycheck_after"], j["first_paycheck_after"] != NEVER
            ),
            "old_employer": _PAYEES[j["old_employer"]],
            "new_employer": _PAYEES[j["new_employer"]],
        }
    )
