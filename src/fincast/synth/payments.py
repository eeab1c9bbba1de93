"""The shapes of payment the topic steps are made of: bills, transfers, charges, purchases.

Sign convention: a negative amount is money out of the account the row is on. Each function
draws in a fixed order (documented where it matters), which the steps rely on.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from fincast.synth import names
from fincast.synth.arrays import BoolArray, FloatArray, IntArray
from fincast.synth.names import CATEGORY_CODE, DESCRIPTION_CODE
from fincast.synth.simulation import Simulation, user_months


def monthly_bill(
    sim: Simulation,
    who: BoolArray,
    *,
    group: str,
    category: str,
    amount: IntArray,
    dom: IntArray | None = None,
    description: str = "ACH DEBIT",
    varies: bool = False,
) -> npt.NDArray[np.int16]:
    """Charge users in ``who`` from checking on day ``dom`` of every month; return each payee.

    ``amount`` is cents per user, or per user and month (users x months). Each user gets a
    day of month (drawn from 1-28 unless ``dom`` is given), then one payee of ``group``,
    drawn in that order, and one recurring stream.
    """
    n_users, n_months = sim.n_users, sim.n_months
    if dom is None:
        dom = sim.rng.integers(1, 29, n_users)
    payee = sim.pick(group, n_users)
    u, m = user_months(np.broadcast_to(who[:, None], (n_users, n_months)))
    per_month = amount.ndim == 2
    sid = sim.ledger.user_streams(
        who,
        payee=payee,
        category=CATEGORY_CODE[category],
        day_of_month=dom,
        cents=-(amount[:, 0] if per_month else amount),
        varies=varies,
    )
    sim.ledger.add(
        u,
        sim.grid.day_in_month(m, dom[u]),
        -(amount[u, m] if per_month else amount[u]),
        names.CHECKING,
        payee[u],
        DESCRIPTION_CODE[description],
        CATEGORY_CODE[category],
        stream=sid[u],
    )
    return payee


def transfer(
    sim: Simulation,
    u: IntArray,
    day: IntArray,
    cents: IntArray,
    *,
    src: npt.ArrayLike,
    dst: npt.ArrayLike,
    payee: npt.ArrayLike,
    category: str,
    description: str = "ONLINE TRANSFER",
    dst_description: str | None = None,
    src_category: str | None = None,
    stream: npt.ArrayLike = -1,
) -> None:
    """Add a pair of rows moving ``cents`` from account ``src`` to account ``dst``.

    The outgoing row takes ``src_category`` when given (a loan payment is an expense where
    it leaves checking); both rows take ``category`` otherwise. Draws nothing.
    """
    sim.ledger.add(
        u,
        day,
        -cents,
        src,
        payee,
        DESCRIPTION_CODE[description],
        CATEGORY_CODE[src_category or category],
        stream=stream,
    )
    sim.ledger.add(
        u,
        day,
        cents,
        dst,
        payee,
        DESCRIPTION_CODE[dst_description or description],
        CATEGORY_CODE[category],
    )
    for account, sign in ((src, -1), (dst, 1)):
        to_savings = np.broadcast_to(np.asarray(account), (len(u),)) == names.SAVINGS
        if to_savings.any():
            m = sim.grid.month_of(day[to_savings])
            np.add.at(sim.savings_flow, (u[to_savings], m), sign * cents[to_savings])


def charge(
    sim: Simulation,
    u: IntArray,
    day: IntArray,
    cents: IntArray,
    *,
    account: npt.ArrayLike,
    description: npt.ArrayLike,
    group: str,
    category: str,
) -> None:
    """Add one payment of ``cents`` per entry, to payees of ``group`` drawn here.

    The payees are drawn after whatever the caller drew for ``day`` and ``cents``.
    """
    payee = sim.pick(group, len(u))
    sim.ledger.add(u, day, -cents, account, payee, description, CATEGORY_CODE[category])


PerMonth = Callable[[Simulation], FloatArray]


@dataclass(frozen=True)
class Purchases:
    """A habit of irregular purchases: how often, how much and where a household buys.

    Attributes:
        group: Payee group the shops come from.
        category: Category of the purchases.
        per_month: Expected purchases per month of each user (may draw from the generator).
        dollars: Median purchase of a median-income household, USD.
        elasticity: How the median scales with income: ``dollars * rel ** elasticity``.
        sigma: Lognormal spread of the amounts.
        count_season: How often by month of year (index 0 unused), or None.
        size_season: How much by month of year (index 0 unused), or None.
        favourites: Number of favourite shops per household, visited 60% of the time.
    """

    group: str
    category: str
    per_month: PerMonth
    dollars: float
    elasticity: float
    sigma: float
    count_season: FloatArray | None = None
    size_season: FloatArray | None = None
    favourites: int = 0


def uniform_rate(low: float, high: float, elasticity: float = 0.0) -> PerMonth:
    """Purchases per month drawn uniformly per user, times ``rel ** elasticity``."""

    def per_month(sim: Simulation) -> FloatArray:
        rate = sim.rng.uniform(low, high, sim.n_users)
        return rate * sim.traits.rel**elasticity if elasticity else rate

    return per_month


def buy(sim: Simulation, habit: Purchases) -> None:
    """Add Poisson-count purchases per user-month, fewer while out of work."""
    rng, moy = sim.rng, sim.grid.month_of_year
    lam = habit.per_month(sim)[:, None] * sim.career.spend_factor
    median = habit.dollars * sim.traits.rel**habit.elasticity
    if habit.count_season is not None:
        lam = lam * habit.count_season[moy][None, :]
    u, m, day = sim.events(lam)
    size = median[u]
    if habit.size_season is not None:
        size = size * habit.size_season[moy[m]]
    cents = sim.cents(size, habit.sigma, len(u))
    codes = names.payee_codes(habit.group)
    payee = codes[rng.integers(0, len(codes), len(u))]
    if habit.favourites:
        favourite = rng.integers(0, len(codes), (sim.n_users, habit.favourites))
        own = favourite[u, rng.integers(0, habit.favourites, len(u))]
        payee = np.where(rng.random(len(u)) < 0.6, codes[own], payee)
    account, desc = sim.spend_account(u)
    sim.ledger.add(u, day, -cents, account, payee, desc, CATEGORY_CODE[habit.category])
