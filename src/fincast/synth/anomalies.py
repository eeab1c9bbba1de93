"""Anomalies: irregular shocks (medical bills, car repairs, fraud-like card spikes), recorded."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from fincast.synth import names
from fincast.synth.arrays import BoolArray
from fincast.synth.names import CATEGORY_CODE, DESCRIPTION_CODE
from fincast.synth.simulation import Simulation, user_months


@dataclass(frozen=True)
class Shock:
    """A kind of shock: how likely per user-month, how large, where it is paid."""

    kind: str
    chance: float  # per month, for the households it can happen to
    dollars: float  # median amount; every shock is at least $150
    sigma: float
    group: str
    category: str
    paid_by: Literal["checking", "card", "either"]  # billed, on the card, card or debit


SHOCKS = (
    Shock("medical_bill", 0.0035, 900.0, 0.7, "hospital", "healthcare", "checking"),
    Shock("car_repair", 0.005, 750.0, 0.6, "auto_repair", "transport", "either"),
    Shock("fraud_like_spike", 0.0015, 1400.0, 0.45, "fraud", "shopping", "card"),
)


def anomalies(sim: Simulation) -> None:
    """Irregular shocks: medical bills, car repairs, fraud-like card spikes."""
    t = sim.traits
    exposed = {
        "medical_bill": np.ones(sim.n_users, bool),
        "car_repair": t.car,
        "fraud_like_spike": t.has_card,
    }
    for shock in SHOCKS:
        _shock(sim, shock, exposed[shock.kind])


def _shock(sim: Simulation, shock: Shock, who: BoolArray) -> None:
    rng = sim.rng
    u, m = user_months(who[:, None] & (rng.random((sim.n_users, sim.n_months)) < shock.chance))
    n = len(u)
    day = sim.grid.random_day(m, rng.random(n))
    cents = np.maximum(sim.cents(shock.dollars, shock.sigma, n), 15_000)
    payee = sim.pick(shock.group, n)
    if shock.paid_by == "checking":
        account = np.full(n, names.CHECKING, dtype=np.int8)
        desc = np.full(n, DESCRIPTION_CODE["BILL PAY"], dtype=np.int8)
    elif shock.paid_by == "card":
        account = sim.traits.card[u].astype(np.int8)
        desc = np.full(n, DESCRIPTION_CODE["CARD PURCHASE"], dtype=np.int8)
    else:
        account, desc = sim.spend_account(u)
    category = CATEGORY_CODE[shock.category]
    sim.ledger.add(u, day, -cents, account, payee, desc, category)
    sim.anomalies.append(
        {
            "user": u,
            "day": day,
            "cents": -cents,
            "payee": payee.astype(np.int64),
            "category": np.full(n, category),
            "account": account.astype(np.int64),
            "kind": np.full(n, shock.kind, dtype=object),
        }
    )
