"""Travel: a summer trip each year for some households, a December trip for a few."""

from __future__ import annotations

import numpy as np

from fincast.synth.arrays import BoolArray
from fincast.synth.payments import charge
from fincast.synth.simulation import Simulation, user_months


def travel(sim: Simulation) -> None:
    """Per trip: flights booked a month or two ahead, a hotel, and a few small extras."""
    rng, g, t = sim.rng, sim.grid, sim.traits
    u, m = user_months(_trip_months(sim))
    n = len(u)
    party = np.minimum(t.size[u], 4) ** 0.8 * t.rel[u] ** 0.8
    booked = np.maximum(m - rng.integers(1, 3, n), 0)
    account, desc = sim.spend_account(u)
    charge(
        sim,
        u,
        g.random_day(booked, rng.random(n)),
        np.rint(rng.uniform(250, 650, n) * party * 100).astype(np.int64),
        account=account,
        description=desc,
        group="airline",
        category="travel",
    )
    nights = rng.integers(3, 10, n)
    hotel = rng.uniform(110, 260, n) * nights * t.rel[u] ** 0.8
    account, desc = sim.spend_account(u)
    charge(
        sim,
        u,
        g.random_day(m, rng.random(n)),
        np.rint(hotel * 100).astype(np.int64),
        account=account,
        description=desc,
        group="hotel",
        category="travel",
    )
    extra = rng.poisson(2.5, n)
    xu, xm = np.repeat(u, extra), np.repeat(m, extra)
    account, desc = sim.spend_account(xu)
    charge(
        sim,
        xu,
        g.random_day(xm, rng.random(len(xu))),
        sim.cents(60.0 * t.rel[xu] ** 0.5, 0.6, len(xu)),
        account=account,
        description=desc,
        group="travel_misc",
        category="travel",
    )


def _trip_months(sim: Simulation) -> BoolArray:
    """Users x months: a trip in one summer month a year, or in December; none out of work."""
    g, t = sim.grid, sim.traits
    year = (g.first_month.astype(np.int64) + np.arange(sim.n_months)) // 12
    year -= year[0]
    summer_month = sim.rng.choice([6, 7, 8], size=(sim.n_users, int(year[-1]) + 1))
    moy = g.month_of_year[None, :]
    trip = (t.summer_traveler[:, None] & (moy == summer_month[:, year])) | (
        t.winter_traveler[:, None] & (moy == 12)
    )
    return trip & ~sim.career.unemployed
