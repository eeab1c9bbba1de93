"""Education: semester tuition for students, books, monthly kids' activities for parents."""

from __future__ import annotations

import numpy as np

from fincast.synth import names
from fincast.synth.names import DESCRIPTION_CODE
from fincast.synth.payments import Purchases, buy, charge, monthly_bill
from fincast.synth.simulation import Simulation, user_months

# group, category, purchases per month, median $ and its income elasticity, sigma
BOOKS = Purchases(
    "books", "education", lambda sim: np.where(sim.traits.student, 0.25, 0.0), 60.0, 0.0, 0.5
)


def education(sim: Simulation) -> None:
    """Semester tuition for students, monthly kids' activities for some parents."""
    rng, g, t, n_users = sim.rng, sim.grid, sim.traits, sim.n_users
    tuition = np.rint(rng.uniform(1500, 6000, n_users) * np.clip(t.rel, 0.3, 2.0) ** 0.6 * 100)
    tuition = tuition.astype(np.int64)
    # semesters start in January and August
    u, m = user_months(t.student[:, None] & np.isin(g.month_of_year, [1, 8])[None, :])
    charge(
        sim,
        u,
        g.starts[m] + rng.integers(0, 15, len(u)),
        tuition[u],
        account=names.CHECKING,
        description=DESCRIPTION_CODE["BILL PAY"],
        group="tuition",
        category="education",
    )
    buy(sim, BOOKS)
    monthly_bill(
        sim,
        t.parent,
        group="kids",
        category="education",
        amount=np.rint(rng.uniform(60, 450, n_users) * t.rel**0.6).astype(np.int64) * 100,
    )
