"""Household bills: utilities, internet, phone, car and home insurance.

Each is paid from checking on a fixed day every month; electricity, gas and water follow
the seasons.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from fincast.synth.arrays import FloatArray, IntArray
from fincast.synth.payments import monthly_bill
from fincast.synth.simulation import Simulation

# Seasonal factors by month of year (index 0 unused).
ELECTRICITY = np.array([0, 1.30, 1.22, 1.00, 0.86, 0.88, 1.08, 1.30, 1.30, 1.05, 0.86, 0.98, 1.22])
GAS_HEATING = np.array([0, 2.30, 2.10, 1.60, 1.10, 0.70, 0.50, 0.45, 0.45, 0.55, 0.90, 1.50, 2.10])
WATER = np.array([0, 0.90, 0.90, 0.95, 1.00, 1.10, 1.25, 1.30, 1.25, 1.05, 0.95, 0.90, 0.90])


@dataclass(frozen=True)
class SeasonalBill:
    """A utility whose monthly amount follows the seasons.

    The typical bill is uniform in ``dollars`` times ``size ** size_power * rel ** rel_power``;
    each month multiplies it by the month's factor and a lognormal wobble of ``sigma``.
    """

    group: str
    share: float | None  # share of households that pay it; None: every household
    dollars: tuple[float, float]
    size_power: float
    rel_power: float
    season: FloatArray
    sigma: float


SEASONAL_BILLS = (
    SeasonalBill("electricity", None, (55, 140), 0.3, 0.25, ELECTRICITY, 0.07),
    SeasonalBill("gas", 0.65, (25, 70), 0.3, 0.25, GAS_HEATING, 0.10),
    SeasonalBill("water", 0.80, (25, 60), 0.4, 0.2, WATER, 0.08),
)


def utilities(sim: Simulation) -> None:
    """Electricity and gas with seasonality, water, internet and phone."""
    rng, n_users = sim.rng, sim.n_users
    for bill in SEASONAL_BILLS:
        _seasonal_bill(sim, bill)
    internet = rng.integers(45, 91, n_users) * 100 - 1
    online = rng.random(n_users) < 0.92
    monthly_bill(sim, online, group="internet", category="utilities", amount=internet)
    size, rel = sim.traits.size.astype(float), sim.traits.rel
    phone = np.rint(rng.uniform(35, 90, n_users) * size**0.3 * rel**0.2).astype(np.int64) * 100
    has_phone = rng.random(n_users) < 0.95
    monthly_bill(sim, has_phone, group="phone", category="utilities", amount=phone)


def _seasonal_bill(sim: Simulation, bill: SeasonalBill) -> None:
    rng, n_users = sim.rng, sim.n_users
    size, rel = sim.traits.size.astype(float), sim.traits.rel
    typical = rng.uniform(*bill.dollars, n_users) * size**bill.size_power * rel**bill.rel_power
    amount = _seasonal(sim, typical, bill.season, bill.sigma)
    who = np.ones(n_users, dtype=bool) if bill.share is None else rng.random(n_users) < bill.share
    monthly_bill(
        sim,
        who,
        group=bill.group,
        category="utilities",
        amount=amount,
        dom=rng.integers(3, 26, n_users),
        varies=True,
    )


def _seasonal(sim: Simulation, typical: FloatArray, factors: FloatArray, sigma: float) -> IntArray:
    """Users x months cents: the typical bill times the season and a lognormal wobble."""
    noise = np.exp(sigma * sim.rng.standard_normal((sim.n_users, sim.n_months)))
    season = factors[sim.grid.month_of_year[None, :]]
    return np.rint(typical[:, None] * season * noise * 100).astype(np.int64)


def insurance(sim: Simulation) -> None:
    """Car insurance for car owners; home or renters insurance."""
    rng, n_users, t = sim.rng, sim.n_users, sim.traits
    car_premium = np.rint(rng.uniform(70, 190, n_users) * t.rel**0.2 * 100).astype(np.int64)
    monthly_bill(sim, t.car, group="car_insurance", category="insurance", amount=car_premium)
    home_premium = np.where(t.owner, rng.uniform(70, 160, n_users), rng.uniform(12, 28, n_users))
    insured = t.owner | (rng.random(n_users) < 0.45)
    home_premium_c = np.rint(home_premium * 100).astype(np.int64)
    monthly_bill(sim, insured, group="home_insurance", category="insurance", amount=home_premium_c)
