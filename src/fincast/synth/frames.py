"""The public frames of transactions and monthly totals, built from the simulated code arrays."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa

from fincast.synth import names
from fincast.synth.arrays import IntArray
from fincast.synth.months import MonthGrid
from fincast.synth.rows import Rows

MONEY = pa.decimal128(18, 2)

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
EXPENSE_CATEGORIES: tuple[str, ...] = tuple(names.CATEGORY_SLUGS[i] for i in names.EXPENSE_CODES)
MONTHLY_VALUE_COLUMNS: tuple[str, ...] = (
    "total_income",
    *EXPENSE_CATEGORIES,
    "total_expense",
    "savings",
)
MONTHLY_COLUMNS: tuple[str, ...] = ("user_id", "year_month", *MONTHLY_VALUE_COLUMNS)


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
            "account": _categorical(rows.account, names.ACCOUNT_NAMES),
            "account_type": _categorical(names.ACCOUNT_TYPE_OF[rows.account], names.ACCOUNT_TYPES),
            "date": rows.day.astype("datetime64[D]").astype("datetime64[ns]"),
            "amount": money_series(rows.cents),
            "currency": _categorical(np.zeros(n, dtype=np.int8), [names.CURRENCY]),
            "payee": _categorical(rows.payee, names.PAYEES),
            "description": _categorical(rows.description, names.DESCRIPTIONS),
            "category": _categorical(rows.category, names.CATEGORY_SLUGS),
        }
    )


def monthly_cents(rows: Rows, n_users: int, n_months: int) -> npt.NDArray[np.int64]:
    """Return the monthly panel in cents, shape (users * months, len(MONTHLY_VALUE_COLUMNS))."""
    n_cat = len(names.CATEGORY_SLUGS)
    key = (rows.user.astype(np.int64) * n_months + rows.month) * n_cat + rows.category
    # float64 sums of integer cents stay exact below 2**53 (about 90 billion dollars)
    sums = np.bincount(key, weights=rows.cents, minlength=n_users * n_months * n_cat)
    sums = np.rint(sums).astype(np.int64).reshape(n_users * n_months, n_cat)
    income = sums[:, list(names.INCOME_CODES)].sum(axis=1)
    expenses = -sums[:, list(names.EXPENSE_CODES)]
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
