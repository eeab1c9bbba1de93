"""Transport: fuel and upkeep for car owners, a monthly transit pass for the others, rideshares."""

from __future__ import annotations

import numpy as np

from fincast.synth.payments import Purchases, buy, charge, monthly_bill
from fincast.synth.simulation import Simulation

# group, category, purchases per month, median $ and its income elasticity, sigma
CAR_UPKEEP = Purchases(
    "car_upkeep", "transport", lambda sim: np.where(sim.traits.car, 0.5, 0.0), 70, 0.4, 0.8
)
RIDESHARE = Purchases(
    "rideshare", "transport", lambda sim: np.where(sim.traits.car, 0.4, 2.5), 17.0, 0.0, 0.5
)


def transport(sim: Simulation) -> None:
    """Fuel and upkeep for car owners, a monthly transit pass for the others, rideshares."""
    t = sim.traits
    lam = np.where(t.car, 2.0 * t.size**0.2, 0.0)[:, None] * np.ones((1, sim.n_months))
    u, _, day = sim.events(lam)
    account, desc = sim.spend_account(u)
    fuel = sim.cents(66.0, 0.25, len(u))
    charge(sim, u, day, fuel, account=account, description=desc, group="fuel", category="transport")
    buy(sim, CAR_UPKEEP)
    monthly_bill(
        sim,
        ~t.car,
        group="transit",
        category="transport",
        amount=sim.rng.integers(65, 131, sim.n_users) * 100,
        dom=np.ones(sim.n_users, dtype=np.int64),
        description="CARD PURCHASE",
    )
    buy(sim, RIDESHARE)
