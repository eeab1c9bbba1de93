"""Generate synthetic households: check the arguments, simulate, assemble the frames."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from fincast.errors import InputError
from fincast.synth import frames
from fincast.synth.detector_events import events_rng
from fincast.synth.months import MAX_MONTHS, month_grid
from fincast.synth.steps import STEP_NAMES, simulate
from fincast.synth.truth import GroundTruth, ground_truth
from fincast.taxonomy import CATEGORY_BY_SLUG, CategoryKind

MAX_USERS = 10_000_000
GENERATION_STEPS: tuple[str, ...] = (*STEP_NAMES, "assemble")

SAMPLE_TRANSACTION_COLUMNS = ("date", "category", "amount", "payee", "description")


@dataclass(frozen=True)
class Households:
    """A generated population: transactions, its monthly panel and the injected truth.

    Attributes:
        transactions: Columns of ``transactions.csv``; strings are categoricals, ``date`` is
            ``datetime64[ns]``, ``amount`` exact decimals (``pd.ArrowDtype(decimal128(18, 2))``).
            Sorted by user, then date.
        monthly: Columns of ``monthly.csv``, one row per user and calendar month.
        ground_truth: What was injected (anomalies, recurring streams, price changes, raises,
            job losses).
        seed: The seed the data came from.
        start: First month, ``YYYY-MM``.
        n_users: Number of households.
        n_months: Number of calendar months.
    """

    transactions: pd.DataFrame
    monthly: pd.DataFrame
    ground_truth: GroundTruth
    seed: int
    start: str
    n_users: int
    n_months: int

    @property
    def first_user(self) -> str:
        """The id of the first household (the one the sample files describe)."""
        return str(self.monthly["user_id"].cat.categories[0])

    def sample_transactions(self) -> pd.DataFrame:
        """Income and expense rows of the first household, amounts as positive magnitudes."""
        tx = self.transactions
        n = int(np.searchsorted(tx["user_id"].cat.codes.to_numpy(), 1))
        first = tx.iloc[:n]
        kinds = first["category"].map(lambda s: CATEGORY_BY_SLUG[s].kind).astype(str)
        keep = (kinds != CategoryKind.TRANSFER.value).to_numpy()
        first = first.loc[keep]
        amount = pc.abs(pa.array(first["amount"].array))
        return pd.DataFrame(
            {
                "date": first["date"].to_numpy(),
                "category": first["category"].astype(str).to_numpy(),
                "amount": pd.arrays.ArrowExtensionArray(amount),
                "payee": first["payee"].astype(str).to_numpy(),
                "description": first["description"].astype(str).to_numpy(),
            }
        )

    def sample_monthly(self) -> pd.DataFrame:
        """The monthly rows of the first household, without the ``user_id`` column."""
        first = self.monthly.iloc[: self.n_months]
        out = first.drop(columns="user_id").reset_index(drop=True)
        out["year_month"] = out["year_month"].astype(str)
        return out


def validate_arguments(n_users: int, n_months: int, seed: int, start: str) -> None:
    """Check generator arguments; raise InputError naming the bad one."""
    if isinstance(n_users, bool) or not isinstance(n_users, int | np.integer) or n_users < 1:
        raise InputError(f"users must be a whole number of at least 1, got {n_users!r}")
    if n_users > MAX_USERS:
        raise InputError(f"users must be at most {MAX_USERS:,}, got {n_users:,}")
    if isinstance(n_months, bool) or not isinstance(n_months, int | np.integer) or n_months < 1:
        raise InputError(f"months must be a whole number of at least 1, got {n_months!r}")
    if n_months > MAX_MONTHS:
        raise InputError(f"months must be at most {MAX_MONTHS}, got {n_months}")
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise InputError(f"seed must be a non-negative whole number, got {seed!r}")
    month_grid(start, 1)  # raises InputError for a bad start


def generate_households(
    n_users: int,
    n_months: int,
    seed: int,
    start: str = "2023-01",
    *,
    progress: Callable[[str], None] | None = None,
    detector_events: bool = False,
) -> Households:
    """Simulate ``n_users`` households over ``n_months`` calendar months from ``start``.

    Args:
        n_users: Number of households (at least 1).
        n_months: Number of calendar months (at least 1).
        seed: Seed of the one random generator; the same arguments give the same data.
        start: First month as ``YYYY-MM``.
        progress: Called with a step name after each of ``GENERATION_STEPS``.
        detector_events: Also add the labelled events the recurring and anomaly detectors
            are scored on (:mod:`fincast.synth.detector_events`); the everyday data stays
            the same.

    Returns:
        The transactions, the monthly panel and the ground truth.

    Raises:
        InputError: If an argument is out of range or ``start`` is not ``YYYY-MM``.
    """
    validate_arguments(n_users, n_months, seed, start)
    n_users, n_months, seed = int(n_users), int(n_months), int(seed)
    grid = month_grid(start, n_months)
    events = events_rng(seed) if detector_events else None
    rows, truth, streams = simulate(
        np.random.default_rng(seed), grid, n_users, progress, events=events
    )
    users = frames.user_labels(n_users)
    households = Households(
        transactions=frames.transactions_frame(rows, users),
        monthly=frames.monthly_frame(frames.monthly_cents(rows, n_users, n_months), users, grid),
        ground_truth=ground_truth(truth, rows, streams, users, grid),
        seed=seed,
        start=grid.labels[0],
        n_users=n_users,
        n_months=n_months,
    )
    if progress is not None:
        progress("assemble")
    return households
