"""The state one simulated population shares across steps, and the draws every step uses.

Every draw comes from the one ``numpy.random.Generator`` of the simulation, in a fixed
order, so a seed reproduces the data exactly: a step that draws in a different order, or one
more or fewer time, changes everything after it. Amounts are integer cents throughout.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from fincast.synth import names
from fincast.synth.arrays import BoolArray, FloatArray, IntArray
from fincast.synth.months import MonthGrid
from fincast.synth.rows import Ledger
from fincast.synth.traits import Career, Traits
from fincast.synth.truth import Columns, TruthArrays


@dataclass
class Simulation:
    """One population being simulated: its generator, traits, ledger and recorded truth.

    Attributes:
        anomalies: Injected shocks, one column set per kind (see ``TruthArrays``).
        price_changes: Rent and subscription price increases, one column set per source.
        raises: Raises, as recorded by the income step.
        job_losses: Job-loss gaps, as recorded by the income step.
        savings_flow: Users x months: net cents moved into the savings account, so the
            interest step can follow the balance.
    """

    rng: np.random.Generator
    grid: MonthGrid
    traits: Traits
    career: Career
    ledger: Ledger
    anomalies: list[Columns] = field(default_factory=list)
    price_changes: list[Columns] = field(default_factory=list)
    raises: Columns = field(default_factory=dict)
    job_losses: Columns = field(default_factory=dict)
    savings_flow: IntArray = field(init=False)

    def __post_init__(self) -> None:
        self.savings_flow = np.zeros((self.n_users, self.n_months), dtype=np.int64)

    @property
    def n_users(self) -> int:
        """Number of households."""
        return self.ledger.n_users

    @property
    def n_months(self) -> int:
        """Number of calendar months."""
        return self.grid.n_months

    def truth(self) -> TruthArrays:
        """Return the truth recorded by the steps, each table's parts joined."""
        return TruthArrays(
            anomalies=_concat(self.anomalies),
            price_changes=_concat(self.price_changes),
            raises=self.raises,
            job_losses=self.job_losses,
        )

    def cents(self, median: npt.ArrayLike, sigma: float, n: int) -> IntArray:
        """Draw ``n`` lognormal amounts in cents around ``median`` dollars (at least 1 cent)."""
        z = self.rng.standard_normal(n)
        value = np.asarray(median, dtype=np.float64) * np.exp(sigma * z) * 100.0
        return np.maximum(np.rint(value), 1).astype(np.int64)

    def events(self, lam: FloatArray) -> tuple[IntArray, IntArray, IntArray]:
        """Draw Poisson counts per user-month and return (user, month, random day) per event."""
        counts = self.rng.poisson(lam).ravel()
        n_months = self.n_months
        um = np.repeat(np.arange(self.n_users * n_months, dtype=np.int64), counts)
        u, m = um // n_months, um % n_months
        day = self.grid.random_day(m, self.rng.random(len(um)))
        return u, m, day

    def pick(self, group: str, n: int) -> npt.NDArray[np.int16]:
        """Draw ``n`` payees uniformly from a payee group."""
        codes = names.payee_codes(group)
        return codes[self.rng.integers(0, len(codes), n)]

    def spend_account(self, u: IntArray) -> tuple[npt.NDArray[np.int8], npt.NDArray[np.int8]]:
        """Pick card or checking per purchase by the user's card share; return (account, desc)."""
        t = self.traits
        on_card = t.has_card[u] & (self.rng.random(len(u)) < t.card_share[u])
        account = np.where(on_card, t.card[u], names.CHECKING).astype(np.int8)
        desc = np.where(
            on_card,
            names.DESCRIPTION_CODE["CARD PURCHASE"],
            names.DESCRIPTION_CODE["DEBIT CARD PURCHASE"],
        ).astype(np.int8)
        return account, desc

    def active_months(
        self, n: int, *, p_from_start: float, p_ends: float
    ) -> tuple[IntArray, IntArray, BoolArray]:
        """Draw ``n`` spans of months, most from the first month and most running to the end.

        Returns:
            First month, the month after the last, and the n x months mask of the span.
        """
        n_months = self.n_months
        start = np.where(self.rng.random(n) < p_from_start, 0, self.rng.integers(0, n_months, n))
        end = np.where(
            self.rng.random(n) < p_ends, self.rng.integers(start + 1, n_months + 1), n_months
        )
        months = np.arange(n_months)
        active = (months[None, :] >= start[:, None]) & (months[None, :] < end[:, None])
        return start, end, active


def user_months(mask: BoolArray) -> tuple[IntArray, IntArray]:
    """Return (user, month) of every true cell of a users x months mask."""
    u, m = np.nonzero(mask)
    return u.astype(np.int64), m.astype(np.int64)


def _concat(parts: list[Columns]) -> Columns:
    return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
