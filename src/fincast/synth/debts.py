"""Debts: auto or student loan payments, and each credit card's statement paid in full."""

from __future__ import annotations

import numpy as np

from fincast.synth import names
from fincast.synth.names import CATEGORY_CODE
from fincast.synth.payments import transfer
from fincast.synth.simulation import Simulation, user_months


def debts(sim: Simulation) -> None:
    """Auto or student loan payments: debt_payments out of checking, mirrored on the loan."""
    rng, n_users, t = sim.rng, sim.n_users, sim.traits
    auto = t.car & (rng.random(n_users) < 0.6)
    account = np.where(auto, names.AUTO_LOAN, names.STUDENT_LOAN).astype(np.int8)
    payment = np.where(auto, rng.uniform(250, 650, n_users), rng.uniform(150, 450, n_users))
    payment *= np.clip(t.rel, 0.3, 3.0) ** 0.5
    payment_c = np.rint(payment * 100).astype(np.int64)
    lender = np.where(auto, sim.pick("auto_lender", n_users), sim.pick("student_lender", n_users))
    _, _, active = sim.active_months(n_users, p_from_start=0.85, p_ends=0.25)
    dom = rng.integers(1, 29, n_users)
    u, m = user_months(t.has_loan[:, None] & active)
    sid = sim.ledger.user_streams(
        t.has_loan,
        payee=lender,
        category=CATEGORY_CODE["debt_payments"],
        day_of_month=dom,
        cents=-payment_c,
    )
    # The household pays the loan from checking: the outflow is the debt_payments expense;
    # the loan's own statement shows the payment received, kept out of the panel as a
    # transfer-kind row so the payment is counted once.
    transfer(
        sim,
        u,
        sim.grid.day_in_month(m, dom[u]),
        payment_c[u],
        src=names.CHECKING,
        dst=account[u],
        payee=lender[u],
        category="transfers",
        src_category="debt_payments",
        description="AUTOPAY PAYMENT",
        dst_description="PAYMENT RECEIVED",
        stream=sid[u],
    )


def card_payments(sim: Simulation) -> None:
    """Each card's statement (last month's charges) paid in full from checking."""
    rng, n_users, n_months, ledger = sim.rng, sim.n_users, sim.n_months, sim.ledger
    account = ledger.current("account")
    cents = ledger.current("cents")
    on_card = np.isin(account, names.CARDS) & (cents < 0)
    user = ledger.current("user")[on_card].astype(np.int64)
    month = ledger.current("month")[on_card].astype(np.int64)
    # float sums of integer cents are exact well below 2**53
    statement = np.rint(
        np.bincount(user * n_months + month, weights=-cents[on_card], minlength=n_users * n_months)
    ).astype(np.int64)
    statement = statement.reshape(n_users, n_months)
    due = rng.integers(10, 26, n_users)
    payee = names.payee_codes("card_payment")[0]
    sid = ledger.user_streams(
        sim.traits.has_card,
        payee=payee,
        category=CATEGORY_CODE["credit_card_payment"],
        day_of_month=due,
        cents=-statement[:, 0],
        varies=True,
    )
    pay = np.zeros((n_users, n_months), dtype=bool)
    pay[:, 1:] = statement[:, :-1] > 0
    u, m = user_months(pay)
    transfer(
        sim,
        u,
        sim.grid.day_in_month(m, due[u]),
        statement[u, m - 1],
        src=names.CHECKING,
        dst=sim.traits.card[u],
        payee=payee,
        category="credit_card_payment",
        description="BILL PAY",
        dst_description="PAYMENT RECEIVED",
        stream=sid[u],
    )
