"""What one partition reads: its users' data versions, confirmed bills and monthly arrays.

A handful of queries for the whole partition instead of a few per user: the data versions
in one look-up of the users' rows, the confirmed bills only of users that have any, and the
monthly panel in one ``GROUP BY`` (:func:`fincast.panel.build_panel`), turned into each
user's arrays (:class:`~fincast.ml.household_table.HouseholdArrays`) with one sort and no
per-user pandas work. They are what the API's path reads for one user
(:func:`~fincast.services.forecasting.versions.data_version`,
:func:`~fincast.services.forecasting.known.known_bills`, the monthly table through
:func:`~fincast.ml.household_table.household_arrays`); tests/integration/test_batch.py and
tests/integration/test_batch_partition.py compare them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from fincast.frames import DS, UID, Y
from fincast.ledger.models import RecurringSeriesRecord, ReviewStatus, User
from fincast.ml.household_table import EXPENSE, SAVINGS, UNLISTED, HouseholdArrays
from fincast.panel import build_panel
from fincast.panel.build import CATEGORY_PREFIX, TOTAL_EXPENSE, TOTAL_INCOME
from fincast.services.forecasting.known import KnownBills, known_bills

#: Months the overspending rule's trailing average looks back over
#: (:func:`fincast.insights.overspending.trailing_averages`).
TRAILING_MONTHS = 6


@dataclass(frozen=True)
class Household:
    """One user's monthly history as the forecaster takes it, and its trailing averages."""

    arrays: HouseholdArrays
    #: Mean of the last months of every column of the user's monthly table, by name (the
    #: ``unlisted`` row the arrays may add is no column of the table, so it has none).
    trailing: dict[str, float]


def partition_versions(session: Session, user_ids: Sequence[int]) -> dict[int, tuple[Any, ...]]:
    """Each user's data version, as ``data_version`` builds it, from one query.

    A user that does not exist gets ``None`` as the token, as there.
    """
    rows = session.execute(
        select(User.id, User.data_revision).where(User.id.in_(list(user_ids)))
    ).all()
    tokens = {int(u): t for u, t in rows}
    month = dt.date.today().strftime("%Y-%m")
    return {u: (month, str(tokens.get(u))) for u in user_ids}


def partition_bills(session: Session, user_ids: Sequence[int]) -> dict[int, KnownBills]:
    """Each user's confirmed bills in their primary currency (the batch's, ``known_bills``).

    Read only for users that have any.
    """
    r = RecurringSeriesRecord
    having = session.scalars(
        select(r.user_id)
        .where(
            r.user_id.in_(list(user_ids)),
            r.status == ReviewStatus.CONFIRMED,
            r.state != "ended",
        )
        .distinct()
    ).all()
    out: dict[int, KnownBills] = {u: {} for u in user_ids}
    for user in having:
        out[int(user)] = known_bills(session, int(user))
    return out


def partition_households(
    engine: Engine, user_ids: Sequence[int], *, panel: pd.DataFrame | None = None
) -> dict[int, Household]:
    """Every user's arrays, from one panel query for the partition (users without none)."""
    if panel is None:
        panel = build_panel(engine, user_ids)
    if panel.empty:
        return {}
    codes, uids = pd.factorize(panel[UID], sort=False)
    split = [u.split("/", 1) for u in uids]
    uid_user = np.array([int(u) for u, _ in split])
    uid_series = np.array([s for _, s in split], dtype=object)
    # The order of the monthly table's columns, per user: income, categories by name,
    # the expense total, savings (which the arrays leave out).
    rank = np.select(
        [uid_series == TOTAL_INCOME, uid_series == TOTAL_EXPENSE, uid_series == SAVINGS],
        [0, 2, 3],
        default=1,
    )
    month = panel[DS].to_numpy().astype("datetime64[M]").astype(np.int64)
    values = panel[Y].to_numpy(dtype=float)
    row_user = uid_user[codes]
    _, by_name = np.unique(uid_series, return_inverse=True)  # Python's order of names
    order = np.lexsort((month, by_name[codes], rank[codes], row_user))
    codes, month, values, row_user = codes[order], month[order], values[order], row_user[order]
    out: dict[int, Household] = {}
    bounds = np.flatnonzero(np.diff(row_user)) + 1
    for start, end in zip(np.r_[0, bounds], np.r_[bounds, len(row_user)], strict=True):
        out[int(row_user[start])] = _household(
            codes[start:end], month[start:end], values[start:end], uid_series, rank
        )
    return out


def _household(
    codes: np.ndarray,
    month: np.ndarray,
    values: np.ndarray,
    uid_series: np.ndarray,
    rank: np.ndarray,
) -> Household:
    """One user's rows of the panel (sorted by column, then month) as arrays."""
    first, last = int(month.min()), int(month.max())
    n = last - first + 1
    series, where = np.unique(codes, return_index=True)
    series = series[np.argsort(where)]  # as the rows are sorted: the table's column order
    grid = np.zeros((series.size, n))
    grid[_positions(series, codes), month - first] = values
    names = [str(s) for s in uid_series[series]]
    kinds = rank[series]
    # Only the income row and the categories of the table: "cat:<slug>" named <slug>.
    keep = (kinds == 0) | (kinds == 1)
    table_names = [s.removeprefix(CATEGORY_PREFIX) for s, k in zip(names, keep, strict=True) if k]
    body = grid[keep]
    trailing = {name: float(v) for name, v in zip(table_names, _trailing(body), strict=True)}
    for k, total_name in ((2, EXPENSE), (3, SAVINGS)):
        rows = grid[kinds == k]
        if rows.size:
            trailing[total_name] = float(_trailing(rows)[0])
    arrays_names = list(table_names)
    totals = grid[kinds == 2]
    if totals.size:
        gap = np.round(totals[0] - body[1:].sum(axis=0), 2)
        if np.any(np.abs(gap) >= 0.01):
            body = np.vstack([body, gap])
            arrays_names.append(UNLISTED)
    months = pd.PeriodIndex.from_ordinals(np.arange(first, last + 1), freq="M")
    return Household(HouseholdArrays(tuple(arrays_names), body, months), trailing)


def _positions(series: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """Row of each panel row's series in ``series`` (an ordering of its distinct codes)."""
    lookup = np.empty(int(series.max()) + 1, dtype=np.int64)
    lookup[series] = np.arange(series.size)
    return lookup[codes]


def _trailing(rows: np.ndarray) -> np.ndarray:
    """Mean of the last :data:`TRAILING_MONTHS` months of each row."""
    return np.asarray(rows[:, -TRAILING_MONTHS:].mean(axis=1))


__all__ = [
    "Household",
    "partition_bills",
    "partition_households",
    "partition_versions",
]
