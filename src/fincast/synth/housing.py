"""Housing: rent with yearly lease-renewal increases, or a fixed mortgage payment."""

from __future__ import annotations

import numpy as np

from fincast.synth.arrays import IntArray
from fincast.synth.names import CATEGORY_CODE
from fincast.synth.payments import monthly_bill
from fincast.synth.simulation import Simulation, user_months


def housing(sim: Simulation) -> None:
    """Rent for renters (recording each increase), a mortgage for owners."""
    rng, n_users = sim.rng, sim.n_users
    renter = ~sim.traits.owner
    rent = _rent(sim)
    rent_dom = rng.choice([1, 1, 1, 1, 2, 3, 5], size=n_users)
    landlord = monthly_bill(
        sim,
        renter,
        group="landlord",
        category="housing",
        amount=rent,
        dom=rent_dom,
        description="BILL PAY",
    )
    u, m = user_months(renter[:, None] & (rent[:, 1:] != rent[:, :-1]))
    m = m + 1
    sim.price_changes.append(
        {
            "user": u,
            "day": sim.grid.day_in_month(m, rent_dom[u]),
            "payee": landlord[u].astype(np.int64),
            "category": np.full(len(u), CATEGORY_CODE["housing"]),
            "old": -rent[u, m - 1],
            "new": -rent[u, m],
        }
    )
    mortgage = np.rint(sim.traits.monthly_net * rng.uniform(0.20, 0.32, n_users) * 100)
    monthly_bill(
        sim,
        sim.traits.owner,
        group="mortgage",
        category="housing",
        amount=mortgage.astype(np.int64),
        dom=rng.choice([1, 1, 15], size=n_users),
    )


def _rent(sim: Simulation) -> IntArray:
    """Users x months rent in cents, rounded to $5, rising by 0-6% at each lease renewal."""
    rng, n_users, n_months = sim.rng, sim.n_users, sim.n_months
    rent0 = np.maximum(sim.traits.monthly_net * rng.uniform(0.25, 0.40, n_users), 400.0)
    lease_offset = rng.integers(0, 12, n_users)
    n_years = n_months // 12 + 2
    bumps = 1 + rng.uniform(0.0, 0.06, (n_users, n_years))
    bumps[:, 0] = 1.0
    growth = np.cumprod(bumps, axis=1)
    year = (np.arange(n_months)[None, :] + lease_offset[:, None]) // 12
    rent = np.rint(rent0[:, None] * np.take_along_axis(growth, year, axis=1) / 5) * 500
    return rent.astype(np.int64)
