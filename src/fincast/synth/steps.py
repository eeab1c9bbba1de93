"""The generation steps in the order they draw, and the run that performs them.

Every step works on whole arrays over users x months (or users x paydays, users x weeks);
there is no Python loop over transactions. The order below is part of the data: each step
draws from the one generator after the steps before it, so moving a step changes every seed.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from fincast.synth import (
    anomalies,
    bills,
    debts,
    detector_events,
    education,
    housing,
    income,
    savings,
    spending,
    subscriptions,
    transport,
    travel,
)
from fincast.synth.months import MonthGrid
from fincast.synth.rows import Ledger, Rows, Streams
from fincast.synth.simulation import Simulation
from fincast.synth.traits import draw_career, draw_traits
from fincast.synth.truth import TruthArrays

Step = Callable[[Simulation], None]

# after "traits", which draws the households the simulation is made of
STEPS: tuple[tuple[str, Step], ...] = (
    ("income", income.income),
    ("housing", housing.housing),
    ("utilities", bills.utilities),
    ("insurance", bills.insurance),
    ("subscriptions", subscriptions.subscriptions),
    ("debts", debts.debts),
    ("groceries", spending.groceries),
    ("dining", spending.dining),
    ("entertainment", spending.entertainment),
    ("transport", transport.transport),
    ("shopping", spending.shopping),
    ("travel", travel.travel),
    ("healthcare", spending.healthcare),
    ("education", education.education),
    ("other", spending.other),
    ("cash", spending.cash),
    ("anomalies", anomalies.anomalies),
    ("savings", savings.savings),
    # card payments look back at every card charge above, so they come after all spending
    ("card payments", debts.card_payments),
    ("interest", savings.interest),
)
STEP_NAMES: tuple[str, ...] = ("traits", *(name for name, _ in STEPS))


def simulate(
    rng: np.random.Generator,
    grid: MonthGrid,
    n_users: int,
    progress: Callable[[str], None] | None = None,
    *,
    events: np.random.Generator | None = None,
) -> tuple[Rows, TruthArrays, Streams]:
    """Simulate every step in order; return the sorted rows, the truth and the streams.

    With ``events`` (a generator of its own), the labelled detector events of
    :mod:`fincast.synth.detector_events` are added after the shocks, drawing only from it.
    """
    traits = draw_traits(rng, n_users)
    career = draw_career(rng, grid, n_users)
    sim = Simulation(rng, grid, traits, career, Ledger(grid, n_users))
    if progress is not None:
        progress("traits")
    for name, step in STEPS:
        step(sim)
        if events is not None and name == "anomalies":
            detector_events.detector_events(sim, events)
        if progress is not None:
            progress(name)
    return sim.ledger.assemble(), sim.truth(), sim.ledger.streams
