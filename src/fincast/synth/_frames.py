"""Turn simulated code arrays into the public frames: transactions, monthly, ground truth."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa

from fincast.synth import _catalog as cat
from fincast.synth._calendar import IntArray, MonthGrid
from fincast.synth._ledger import CADENCES, Rows, Streams
from fincast.synth._simulate import Truth

MONEY = pa.decimal128(18, 2)
MONEY_DTYPE = pd.ArrowDtype(MONEY)

TRANSACTION_COLUMNS: tuple[str, ...] = (
    "user_id",
    "account",
    "account_type",
    "date",
    "amount",
    "currency",
    "payee",
    "description",
    "category",
)
EXPENSE_CATEGORIES: tuple[str, ...] = tuple(cat.CATEGORY_SLUGS[i] for i in cat.EXPENSE_CODES)
MONTHLY_VALUE_COLUMNS: tuple[str, ...] = (
    "total_income",
    *EXPENSE_CATEGORIES,
    "total_expense",
    "savings",
)
MONTHLY_COLUMNS: tuple[str, ...] = ("user_id", "year_month", *MONTHLY_VALUE_COLUMNS)


@dataclass(frozen=True)
class GroundTruth:
    """What the generator injected, so detectors can be scored.

    All amounts are signed 2-decimal strings exactly as they appear in ``transactions.csv``
    (negative = money out of the account); dates are ISO ``YYYY-MM-DD``, months ``YYYY-MM``.

    Attributes:
        anomalies: One row per shock: ``user_id, date, amount, payee, category, account,
            kind`` with kind ``medical_bill``, ``car_repair`` or ``fraud_like_spike``.
        recurring: One row per recurring stream: ``user_id, payee, category, account,
            cadence`` (``monthly``/``biweekly``), ``day_of_month`` (0 for biweekly),
            ``amount`` (first occurrence; typical for streams with ``amount_varies``),
            ``start`` and ``end`` (first and last occurrence).
        price_changes: ``user_id, payee, category, date, old_amount, new_amount`` for
            subscription price increases and rent increases; ``date`` is the first charge
            at the new price.
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


def user_labels(n_users: int) -> list[str]:
    """Return the user ids ``u00001`` ... for ``n_users`` users."""
    width = max(5, len(str(n_users)))
    return [f"u{i:0{width}d}" for i in range(1, n_users + 1)]


def money_array(cents: npt.ArrayLike) -> pa.Array:
    """Return integer cents as an exact arrow ``decimal128(18, 2)`` array, without copying."""
    c = np.ascontiguousarray(cents, dtype=np.int64)
    words = np.empty((len(c), 2), dtype=np.int64)
    words[:, 0] = c
    words[:, 1] = c >> 63  # sign extension into the high 64 bits
    return pa.Array.from_buffers(MONEY, len(c), [None, pa.py_buffer(words)])


def money_series(cents: npt.ArrayLike, index: pd.Index | None = None) -> pd.Series:
    """Return integer cents as a pandas Series of exact decimals."""
    return pd.Series(pd.arrays.ArrowExtensionArray(money_array(cents)), index=index)


def money_strings(cents: npt.ArrayLike) -> list[str]:
    """Format integer cents as signed 2-decimal strings."""
    return [
        f"{'-' if c < 0 else ''}{abs(c) // 100}.{abs(c) % 100:02d}"
        for c in np.asarray(cents).tolist()
    ]


def iso_dates(days: IntArray) -> list[str]:
    """Format day numbers as ISO dates."""
    return [str(d) for d in np.asarray(days, dtype=np.int64).astype("datetime64[D]")]


def _categorical(codes: npt.ArrayLike, categories: tuple[str, ...] | list[str]) -> pd.Categorical:
    return pd.Categorical.from_codes(np.asarray(codes), categories=list(categories))


def transactions_frame(rows: Rows, users: list[str]) -> pd.DataFrame:
    """Build the transactions frame (columns of ``transactions.csv``) from sorted rows."""
    n = len(rows)
    return pd.DataFrame(
        {
            "user_id": _categorical(rows.user, users),
            "account": _categorical(rows.account, cat.ACCOUNT_NAMES),
            "account_type": _categorical(cat.ACCOUNT_TYPE_OF[rows.account], cat.ACCOUNT_TYPES),
            "date": rows.day.astype("datetime64[D]").astype("datetime64[ns]"),
            "amount": money_series(rows.cents),
            "currency": _categorical(np.zeros(n, dtype=np.int8), [cat.CURRENCY]),
            "payee": _categorical(rows.payee, cat.PAYEES),
            "description": _categorical(rows.description, cat.DESCRIPTIONS),
            "category": _categorical(rows.category, cat.CATEGORY_SLUGS),
        }
    )


def monthly_cents(rows: Rows, n_users: int, n_months: int) -> npt.NDArray[np.int64]:
    """Return the monthly panel in cents, shape (users * months, len(MONTHLY_VALUE_COLUMNS))."""
    n_cat = len(cat.CATEGORY_SLUGS)
    key = (rows.user.astype(np.int64) * n_months + rows.month) * n_cat + rows.category
    # float64 sums of integer cents stay exact below 2**53 (about 90 billion dollars)
    sums = np.bincount(key, weights=rows.cents, minlength=n_users * n_months * n_cat)
    sums = np.rint(sums).astype(np.int64).reshape(n_users * n_months, n_cat)
    income = sums[:, list(cat.INCOME_CODES)].sum(axis=1)
    expenses = -sums[:, list(cat.EXPENSE_CODES)]
    total = expenses.sum(axis=1)
    return np.column_stack([income, expenses, total, income - total])


def monthly_frame(values: npt.NDArray[np.int64], users: list[str], grid: MonthGrid) -> pd.DataFrame:
    """Build the monthly frame (columns of ``monthly.csv``) from the panel in cents."""
    n_users, n_months = len(users), grid.n_months
    data: dict[str, object] = {
        "user_id": _categorical(np.repeat(np.arange(n_users), n_months), users),
        "year_month": _categorical(np.tile(np.arange(n_months), n_users), list(grid.labels)),
    }
    for j, name in enumerate(MONTHLY_VALUE_COLUMNS):
        data[name] = money_series(values[:, j])
    return pd.DataFrame(data)


def ground_truth(
    truth: Truth, rows: Rows, streams: Streams, users: list[str], grid: MonthGrid
) -> GroundTruth:
    """Build the ground-truth frames, sorted by user and date."""
    user_arr = np.asarray(users, dtype=object)
    payees = np.asarray(cat.PAYEES, dtype=object)
    slugs = np.asarray(cat.CATEGORY_SLUGS, dtype=object)
    accounts = np.asarray(cat.ACCOUNT_NAMES, dtype=object)
    labels = np.asarray(grid.labels, dtype=object)

    a = truth.anomalies
    order = np.lexsort((a["day"], a["user"]))
    anomalies = pd.DataFrame(
        {
            "user_id": user_arr[a["user"][order]],
            "date": iso_dates(a["day"][order]),
            "amount": money_strings(a["cents"][order]),
            "payee": payees[a["payee"][order]],
            "category": slugs[a["category"][order]],
            "account": accounts[a["account"][order]],
            "kind": a["kind"][order],
        }
    )

    n_streams = streams.count
    has = rows.stream >= 0
    sid = rows.stream[has].astype(np.int64)
    day = rows.day[has].astype(np.int64)
    first = np.full(n_streams, np.iinfo(np.int64).max)
    last = np.full(n_streams, -1, dtype=np.int64)
    np.minimum.at(first, sid, day)
    np.maximum.at(last, sid, day)
    seen = np.flatnonzero(last >= 0)
    s_user = streams.column("user")[seen].astype(np.int64)
    order = seen[np.lexsort((first[seen], s_user))]
    recurring = pd.DataFrame(
        {
            "user_id": user_arr[streams.column("user")[order].astype(np.int64)],
            "payee": payees[streams.column("payee")[order].astype(np.int64)],
            "category": slugs[streams.column("category")[order].astype(np.int64)],
            "account": accounts[streams.column("account")[order].astype(np.int64)],
            "cadence": np.asarray(CADENCES, dtype=object)[
                streams.column("cadence")[order].astype(np.int64)
            ],
            "day_of_month": streams.column("day_of_month")[order].astype(np.int64),
            "amount": money_strings(streams.column("cents")[order]),
            "amount_varies": streams.column("varies")[order].astype(bool),
            "start": iso_dates(first[order]),
            "end": iso_dates(last[order]),
        }
    )

    p = truth.price_changes
    order = np.lexsort((p["day"], p["user"]))
    price_changes = pd.DataFrame(
        {
            "user_id": user_arr[p["user"][order]],
            "payee": payees[p["payee"][order]],
            "category": slugs[p["category"][order]],
            "date": iso_dates(p["day"][order]),
            "old_amount": money_strings(p["old"][order]),
            "new_amount": money_strings(p["new"][order]),
        }
    )

    r = truth.raises
    raises = pd.DataFrame(
        {
            "user_id": user_arr[r["user"]],
            "effective_month": labels[r["month"]],
            "date": iso_dates(r["day"]),
            "old_amount": money_strings(r["old"]),
            "new_amount": money_strings(r["new"]),
            "pct": np.round(r["pct"] * 100, 2),
        }
    )

    j = truth.job_losses
    never = np.iinfo(np.int64).max
    job_losses = pd.DataFrame(
        {
            "user_id": user_arr[j["user"]],
            "first_month": labels[j["first_month"]],
            "last_month": labels[j["last_month"]],
            "months": (j["last_month"] - j["first_month"] + 1).astype(np.int64),
            "last_paycheck": [
                d if v >= 0 else None
                for d, v in zip(
                    iso_dates(np.maximum(j["last_paycheck"], 0)), j["last_paycheck"], strict=True
                )
            ],
            "first_paycheck_after": [
                d if v != never else None
                for d, v in zip(
                    iso_dates(
                        np.where(j["first_paycheck_after"] == never, 0, j["first_paycheck_after"])
                    ),
                    j["first_paycheck_after"],
                    strict=True,
                )
            ],
            "old_employer": payees[j["old_employer"]],
            "new_employer": payees[j["new_employer"]],
        }
    )
    return GroundTruth(anomalies, recurring, price_changes, raises, job_losses)
