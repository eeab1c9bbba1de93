"""Savings: transfers to savings and brokerage, withdrawals, and interest on the balance."""

from __future__ import annotations

import numpy as np

from fincast.synth import names
from fincast.synth.arrays import BoolArray, IntArray
from fincast.synth.names import CATEGORY_CODE, DESCRIPTION_CODE
from fincast.synth.payments import transfer
from fincast.synth.simulation import Simulation, user_months


def savings(sim: Simulation) -> None:
    """Monthly transfers to savings and brokerage; savings drawn down while out of work."""
    rng, n_users, t = sim.rng, sim.n_users, sim.traits
    dollars = np.maximum(np.rint(t.save_rate * t.monthly_net / 10) * 10, 10)  # whole $10s
    dom = rng.choice([2, 16, 26], size=n_users)
    saved = (dollars * 100).astype(np.int64)
    _standing_order(sim, t.saver, saved, dom, group="savings_transfer", to=names.SAVINGS)
    u, m = user_months(sim.career.unemployed)
    transfer(
        sim,
        u,
        sim.grid.day_in_month(m, np.full(len(u), 5)),
        np.rint(t.monthly_net[u] * 0.6 / 10).astype(np.int64) * 1000,
        src=names.SAVINGS,
        dst=names.CHECKING,
        payee=names.payee_codes("savings_withdrawal")[0],
        category="transfers",
    )
    invest = (np.rint(rng.uniform(100, 1000, n_users) / 50) * 50 * 100).astype(np.int64)
    on_20th = np.full(n_users, 20)
    _standing_order(
        sim, t.investor, invest, on_20th, group="brokerage_transfer", to=names.BROKERAGE
    )


def _standing_order(
    sim: Simulation, who: BoolArray, cents: IntArray, dom: IntArray, *, group: str, to: int
) -> None:
    """A monthly transfer from checking to account ``to`` on day ``dom``, paused out of work."""
    payee = names.payee_codes(group)[0]
    sid = sim.ledger.user_streams(
        who,
        payee=payee,
        category=CATEGORY_CODE["transfers"],
        day_of_month=dom,
        cents=-cents,
    )
    u, m = user_months(who[:, None] & ~sim.career.unemployed)
    transfer(
        sim,
        u,
        sim.grid.day_in_month(m, dom[u]),
        cents[u],
        src=names.CHECKING,
        dst=to,
        payee=payee,
        category="transfers",
        stream=sid[u],
    )


def interest(sim: Simulation) -> None:
    """Monthly interest on the savings balance, paid on the last day of the month."""
    rng, g, n_users, t = sim.rng, sim.grid, sim.n_users, sim.traits
    opening = np.where(
        t.saver, rng.uniform(500, 20_000, n_users) * t.rel, rng.uniform(0, 3_000, n_users)
    )
    balance = np.rint(opening * 100)[:, None] + np.cumsum(sim.savings_flow, axis=1)
    apy = rng.uniform(0.005, 0.045, n_users)
    paid = np.rint(np.maximum(balance, 0) * apy[:, None] / 12).astype(np.int64)
    u, m = user_months(paid > 0)
    # interest is a monthly series of varying amounts in the ground truth (draws nothing)
    first = paid[np.arange(n_users), np.argmax(paid > 0, axis=1)]
    sid = sim.ledger.user_streams(
        (paid > 0).any(axis=1),
        payee=names.payee_codes("interest")[0],
        category=CATEGORY_CODE["income"],
        account=names.SAVINGS,
        day_of_month=31,
        cents=first,
        varies=True,
    )
    sim.ledger.add(
        u,
        g.starts[m + 1] - 1,
        paid[u, m],
        names.SAVINGS,
        names.payee_codes("interest")[0],
        DESCRIPTION_CODE["INTEREST PAYMENT"],
        CATEGORY_CODE["income"],
        stream=sid[u],
    )
