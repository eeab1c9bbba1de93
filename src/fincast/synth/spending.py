"""Everyday spending: groceries, irregular purchases, and cash from ATMs.

The irregular purchases (dining, entertainment, shopping, healthcare, other) are habits
given as ``Purchases`` tables.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from fincast.synth import names
from fincast.synth.names import CATEGORY_CODE, DESCRIPTION_CODE
from fincast.synth.payments import Purchases, buy, transfer, uniform_rate
from fincast.synth.simulation import Simulation

# Seasonal factors by month of year (index 0 unused).
SHOP_COUNT = np.array([0, 0.80, 0.90, 1.00, 1.00, 1.00, 1.00, 1.10, 1.00, 1.00, 1.00, 1.35, 2.20])
SHOP_SIZE = np.array([0, 0.90, 1.00, 1.00, 1.00, 1.00, 1.00, 1.00, 1.05, 1.00, 1.00, 1.15, 1.30])
HOLIDAY_FOOD = np.array([0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.10, 1.15])

# group, category, purchases per month, median $ and its income elasticity, sigma, seasons
DINING = Purchases(
    "restaurant", "dining", uniform_rate(1.5, 6, 0.3), 36, 0.5, 0.6, HOLIDAY_FOOD, favourites=3
)
ENTERTAINMENT = Purchases("entertainment", "entertainment", uniform_rate(0.3, 2.0), 50, 0.5, 0.7)
SHOPPING = Purchases(
    "shopping", "shopping", uniform_rate(1.0, 3.5, 0.2), 90, 0.8, 0.85, SHOP_COUNT, SHOP_SIZE
)
HEALTHCARE = Purchases("health", "healthcare", lambda sim: np.full(sim.n_users, 0.6), 55, 0.3, 0.7)
OTHER = Purchases("other", "other", uniform_rate(0.3, 1.5), 65, 0.5, 0.9)


def groceries(sim: Simulation) -> None:
    """A weekly shop on the household's own weekday at its usual store, plus top-ups."""
    usual = _weekly_shop(sim)
    _top_ups(sim, usual)


def _weekly_shop(sim: Simulation) -> npt.NDArray[np.int16]:
    """Add the weekly shops (mostly at the usual store); return each user's usual store."""
    rng, g, t = sim.rng, sim.grid, sim.traits
    budget = (60 + 35 * t.size) * t.rel**0.45
    offset = rng.integers(0, 7, sim.n_users)
    k = np.arange((g.end_day - g.first_day) // 7 + 1)
    days = g.first_day + offset[:, None] + 7 * k[None, :]
    mask = days < g.end_day
    u = np.nonzero(mask)[0].astype(np.int64)
    day = days[mask]
    m = g.month_of(day)
    factor = HOLIDAY_FOOD[g.month_of_year[m]] * np.where(sim.career.unemployed[u, m], 0.9, 1.0)
    cents = sim.cents(budget[u] * factor, 0.22, len(u))
    stores = names.payee_codes("grocer")
    usual = stores[rng.integers(0, len(stores), sim.n_users)]
    second = stores[rng.integers(0, len(stores), sim.n_users)]
    payee = np.where(rng.random(len(u)) < 0.85, usual[u], second[u])
    account, desc = sim.spend_account(u)
    sim.ledger.add(u, day, -cents, account, payee, desc, CATEGORY_CODE["groceries"])
    return usual


def _top_ups(sim: Simulation, usual: npt.NDArray[np.int16]) -> None:
    """Small shops between the weekly ones, at a convenience store or the usual store."""
    rng = sim.rng
    lam = rng.uniform(0.2, 1.0, sim.n_users)[:, None] * np.ones((1, sim.n_months))
    u, _, day = sim.events(lam)
    payee = np.where(rng.random(len(u)) < 0.5, sim.pick("convenience", len(u)), usual[u])
    account, desc = sim.spend_account(u)
    cents = sim.cents(18.0, 0.5, len(u))
    sim.ledger.add(u, day, -cents, account, payee, desc, CATEGORY_CODE["groceries"])


def dining(sim: Simulation) -> None:
    """Restaurants, coffee and delivery; a few favourite places per household."""
    buy(sim, DINING)


def entertainment(sim: Simulation) -> None:
    """Cinema, tickets, games."""
    buy(sim, ENTERTAINMENT)


def shopping(sim: Simulation) -> None:
    """Retail purchases with a November and a strong December peak."""
    buy(sim, SHOPPING)


def healthcare(sim: Simulation) -> None:
    """Pharmacy and co-pays."""
    buy(sim, HEALTHCARE)


def other(sim: Simulation) -> None:
    """Haircuts, postage, pets, donations."""
    buy(sim, OTHER)


def cash(sim: Simulation) -> None:
    """ATM withdrawals into a cash wallet, and small cash purchases from it."""
    rng, t = sim.rng, sim.traits
    lam = np.where(t.cash_user, 1.6, 0.0)[:, None] * np.ones((1, sim.n_months))
    u, _, day = sim.events(lam)
    amount = rng.choice([40, 60, 80, 100, 120, 200], size=len(u)) * 100
    transfer(
        sim,
        u,
        day,
        amount,
        src=names.CHECKING,
        dst=names.CASH,
        payee=names.payee_codes("atm")[0],
        category="transfers",
        description="ATM WITHDRAWAL",
    )
    lam = np.where(t.cash_user, 1.5, 0.0)[:, None] * sim.career.spend_factor
    u, _, day = sim.events(lam)
    category = np.where(rng.random(len(u)) < 0.5, CATEGORY_CODE["dining"], CATEGORY_CODE["other"])
    sim.ledger.add(
        u,
        day,
        -sim.cents(18.0, 0.6, len(u)),
        names.CASH,
        sim.pick("cash_spend", len(u)),
        DESCRIPTION_CODE["CASH"],
        category,
    )
