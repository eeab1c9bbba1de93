"""Who each household is, drawn once per user before any transaction: the "traits" step.

Arrays run over users (or users x months). The draws happen in the order the fields are
written below; reordering them changes the data of every seed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from fincast.synth import names
from fincast.synth.arrays import BoolArray, FloatArray, IntArray
from fincast.synth.months import MonthGrid

MEDIAN_INCOME = 52_000.0  # annual take-home pay of the median household, USD


@dataclass(frozen=True)
class Traits:
    """Income, size, housing and habits of each household (arrays over users).

    Attributes:
        annual: Annual take-home pay, USD.
        rel: Annual pay relative to the median household; most amounts scale with a power
            of it.
        monthly_net: Monthly take-home pay, USD.
        size: People in the household (1..5).
        card: The household's credit card account (when ``has_card``).
        card_share: Share of purchases put on the card (when ``has_card``).
        save_rate: Share of monthly pay moved to savings (when ``saver``).
    """

    annual: FloatArray
    rel: FloatArray
    monthly_net: FloatArray
    size: IntArray
    biweekly: BoolArray
    variable_pay: BoolArray
    owner: BoolArray
    car: BoolArray
    has_card: BoolArray
    card: npt.NDArray[np.int8]
    card_share: FloatArray
    saver: BoolArray
    save_rate: FloatArray
    investor: BoolArray
    cash_user: BoolArray
    summer_traveler: BoolArray
    winter_traveler: BoolArray
    student: BoolArray
    parent: BoolArray
    has_loan: BoolArray


@dataclass(frozen=True)
class Career:
    """Raises, job-loss gaps and employers of each household.

    Attributes:
        raise_month: Month of the raise; ``n_months + 1`` for households without one.
        raise_pct: Size of the raise as a fraction (applies from ``raise_month``).
        gap_start: First month without pay; ``n_months + 1`` for households never laid off.
        gap_end: First month paid by the new employer (``n_months + 1`` as above).
        unemployed: Users x months: true in the months without pay.
        after_gap: Users x months: true from ``gap_end`` on.
        spend_factor: Users x months: how discretionary spending scales (less out of work).
        employer0: Index into the employer payees of the first employer.
        employer1: Index of the employer after the gap (always differs from ``employer0``).
    """

    raise_month: IntArray
    raise_pct: FloatArray
    gap_start: IntArray
    gap_end: IntArray
    unemployed: BoolArray
    after_gap: BoolArray
    spend_factor: FloatArray
    employer0: IntArray
    employer1: IntArray


def draw_traits(rng: np.random.Generator, n_users: int) -> Traits:
    """Draw the traits of ``n_users`` households."""
    annual = np.clip(rng.lognormal(np.log(MEDIAN_INCOME), 0.55, n_users), 16_000, 600_000)
    rel = annual / MEDIAN_INCOME
    size = rng.choice([1, 2, 3, 4, 5], size=n_users, p=[0.28, 0.34, 0.16, 0.14, 0.08])
    return Traits(
        annual=annual,
        rel=rel,
        monthly_net=annual / 12.0,
        size=size,
        biweekly=rng.random(n_users) < 0.45,
        variable_pay=rng.random(n_users) < 0.15,
        owner=rng.random(n_users) < np.clip(0.35 + 0.25 * np.log(rel), 0.08, 0.85),
        car=rng.random(n_users) < np.clip(0.78 + 0.15 * np.log(rel), 0.4, 0.95),
        has_card=rng.random(n_users) < 0.72,
        card=names.CARDS[rng.integers(0, len(names.CARDS), n_users)],
        card_share=rng.uniform(0.55, 0.95, n_users),
        saver=rng.random(n_users) < 0.68,
        save_rate=rng.uniform(0.03, 0.15, n_users),
        investor=rng.random(n_users) < np.clip(0.08 + 0.12 * rel, 0, 0.6),
        cash_user=rng.random(n_users) < 0.25,
        summer_traveler=rng.random(n_users) < 0.40,
        winter_traveler=rng.random(n_users) < 0.12,
        student=rng.random(n_users) < 0.10,
        parent=(size >= 3) & (rng.random(n_users) < 0.5),
        has_loan=rng.random(n_users) < 0.40,
    )


def draw_career(rng: np.random.Generator, grid: MonthGrid, n_users: int) -> Career:
    """Draw raises, job losses and employers of ``n_users`` households over the grid."""
    n_months = grid.n_months
    never = n_months + 1
    raised = (rng.random(n_users) < 0.35) & (n_months >= 4)
    raise_month = np.where(raised, rng.integers(3, max(n_months, 4), n_users), never)
    raise_pct = rng.uniform(0.03, 0.12, n_users)
    lost = (rng.random(n_users) < 0.07) & (n_months >= 6)
    gap_start = rng.integers(2, max(n_months - 2, 3), n_users)
    gap_end = np.minimum(gap_start + rng.integers(1, 5, n_users), n_months - 1)
    gap_start = np.where(lost, gap_start, never)
    gap_end = np.where(lost, gap_end, never)
    months = np.arange(n_months)
    unemployed = (months >= gap_start[:, None]) & (months < gap_end[:, None])
    n_employers = len(names.PAYEE_GROUPS["employer"])
    employer0 = rng.integers(0, n_employers, n_users)
    return Career(
        raise_month=raise_month,
        raise_pct=raise_pct,
        gap_start=gap_start,
        gap_end=gap_end,
        unemployed=unemployed,
        after_gap=months >= gap_end[:, None],
        # discretionary spending shrinks while out of work
        spend_factor=np.where(unemployed, 0.55, 1.0),
        employer0=employer0,
        employer1=(employer0 + rng.integers(1, n_employers, n_users)) % n_employers,
    )
