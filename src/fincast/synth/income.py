"""Income: paychecks (with raises and job-loss gaps), tax refunds and year-end bonuses."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from fincast.synth import names
from fincast.synth.arrays import BoolArray, IntArray
from fincast.synth.months import business_day, weekday
from fincast.synth.names import CATEGORY_CODE, DESCRIPTION_CODE
from fincast.synth.rows import ANNUAL, BIWEEKLY, MONTHLY
from fincast.synth.simulation import Simulation, user_months
from fincast.synth.truth import NEVER

INCOME = CATEGORY_CODE["income"]
PAYROLL = DESCRIPTION_CODE["DIRECT DEP PAYROLL"]


@dataclass(frozen=True)
class _Pay:
    """Each user's pay (per paycheck) and every paycheck, sorted by user and day."""

    base: IntArray  # cents per paycheck before the raise
    raised: IntArray  # cents per paycheck from the raise on
    dom: IntArray  # day of month of monthly payers
    user: IntArray
    day: IntArray
    month: IntArray
    is_raised: BoolArray
    cents: IntArray
    new_job: BoolArray  # paid by the employer after the gap


def income(sim: Simulation) -> None:
    """Paychecks (monthly on a fixed business day, or biweekly Fridays), refunds, bonuses."""
    pay = _paychecks(sim)
    _add_paychecks(sim, pay)
    _record_raises(sim, pay)
    _record_job_losses(sim, pay)
    _tax_refunds(sim)
    _bonuses(sim)


def _paychecks(sim: Simulation) -> _Pay:
    t, c = sim.traits, sim.career
    per_month = np.rint(t.monthly_net * 100).astype(np.int64)
    per_fortnight = np.rint(t.annual / 26 * 100).astype(np.int64)
    base = np.where(t.biweekly, per_fortnight, per_month)
    raised = np.rint(base * (1 + c.raise_pct)).astype(np.int64)
    dom = sim.rng.choice([1, 15, 25, 28, 31], size=sim.n_users)
    mu, mm, mday = _monthly_paydays(sim, dom)
    bu, bm, bday = _biweekly_paydays(sim)
    u = np.concatenate([mu, bu])
    day = np.concatenate([mday, bday])
    m = np.concatenate([mm, bm])
    order = np.lexsort((day, u))
    u, day, m = u[order], day[order], m[order]
    is_raised = m >= c.raise_month[u]
    cents = np.where(is_raised, raised[u], base[u])
    wobble = np.exp(0.07 * sim.rng.standard_normal(len(u)))
    cents = np.where(t.variable_pay[u], np.rint(cents * wobble).astype(np.int64), cents)
    return _Pay(base, raised, dom, u, day, m, is_raised, cents, c.after_gap[u, m])


def _monthly_paydays(sim: Simulation, dom: IntArray) -> tuple[IntArray, IntArray, IntArray]:
    """(user, month, day) of monthly paychecks on day ``dom``, moved off weekends.

    A weekend payday moves to the Monday after for days 1-3, to the Friday before otherwise.
    """
    u, m = user_months(~sim.traits.biweekly[:, None] & ~sim.career.unemployed)
    return u, m, business_day(sim.grid.day_in_month(m, dom[u]), dom[u] <= 3)


def _biweekly_paydays(sim: Simulation) -> tuple[IntArray, IntArray, IntArray]:
    """(user, month, day) of biweekly paychecks: every other Friday from a first-fortnight one."""
    g = sim.grid
    first_friday = g.first_day + (4 - weekday(np.array(g.first_day))) % 7
    anchor = first_friday + 7 * sim.rng.integers(0, 2, sim.n_users)
    k = np.arange((g.end_day - int(first_friday)) // 14 + 2)
    days = anchor[:, None] + 14 * k[None, :]
    mask = sim.traits.biweekly[:, None] & (days < g.end_day)
    u = np.nonzero(mask)[0].astype(np.int64)
    day = days[mask]
    m = g.month_of(day)
    keep = ~sim.career.unemployed[u, m]
    return u[keep], m[keep], day[keep]


def _add_paychecks(sim: Simulation, pay: _Pay) -> None:
    """One pay stream per employer (the old one for everyone, a new one after a gap)."""
    t, c = sim.traits, sim.career
    employers = names.payee_codes("employer")
    streams: dict[str, npt.ArrayLike] = {
        "category": INCOME,
        "cadence": np.where(t.biweekly, BIWEEKLY, MONTHLY),
        "day_of_month": np.where(t.biweekly, 0, pay.dom),
        "varies": t.variable_pay,
    }
    old_job = sim.ledger.user_streams(
        np.ones(sim.n_users, dtype=bool),
        payee=employers[c.employer0],
        cents=pay.base,
        **streams,
    )
    new_job = sim.ledger.user_streams(
        c.gap_end <= sim.n_months,
        payee=employers[c.employer1],
        cents=np.where(c.gap_end >= c.raise_month, pay.raised, pay.base),
        **streams,
    )
    u = pay.user
    sim.ledger.add(
        u,
        pay.day,
        pay.cents,
        names.CHECKING,
        np.where(pay.new_job, employers[c.employer1[u]], employers[c.employer0[u]]),
        PAYROLL,
        INCOME,
        stream=np.where(pay.new_job, new_job[u], old_job[u]),
    )


def _record_raises(sim: Simulation, pay: _Pay) -> None:
    first_raised = np.full(sim.n_users, NEVER)
    np.minimum.at(first_raised, pay.user[pay.is_raised], pay.day[pay.is_raised])
    ru = np.flatnonzero(first_raised < NEVER)
    sim.raises = {
        "user": ru,
        "month": sim.career.raise_month[ru],
        "day": first_raised[ru],
        "old": pay.base[ru],
        "new": pay.raised[ru],
        "pct": sim.career.raise_pct[ru],
    }


def _record_job_losses(sim: Simulation, pay: _Pay) -> None:
    c, u = sim.career, pay.user
    last_before = np.full(sim.n_users, -1, dtype=np.int64)
    first_after = np.full(sim.n_users, NEVER)
    before = pay.month < c.gap_start[u]
    np.maximum.at(last_before, u[before], pay.day[before])
    np.minimum.at(first_after, u[pay.new_job], pay.day[pay.new_job])
    lost = np.flatnonzero(c.gap_end <= sim.n_months)
    employers = names.payee_codes("employer")
    sim.job_losses = {
        "user": lost,
        "first_month": c.gap_start[lost],
        "last_month": c.gap_end[lost] - 1,
        "last_paycheck": last_before[lost],
        "first_paycheck_after": first_after[lost],
        "old_employer": employers[c.employer0[lost]],
        "new_employer": employers[c.employer1[lost]],
    }


def _tax_refunds(sim: Simulation) -> None:
    """A tax refund in March or April of most years."""
    rng, g = sim.rng, sim.grid
    refund_moy = rng.choice([3, 4], size=sim.n_users)
    u, m = user_months(
        (g.month_of_year[None, :] == refund_moy[:, None])
        & (rng.random((sim.n_users, sim.n_months)) < 0.55)
    )
    sim.ledger.add(
        u,
        g.random_day(m, rng.random(len(u))),
        sim.cents(800 * np.sqrt(sim.traits.rel[u]), 0.6, len(u)),
        names.CHECKING,
        names.payee_codes("tax_refund")[0],
        DESCRIPTION_CODE["DEPOSIT"],
        INCOME,
    )


def _bonuses(sim: Simulation) -> None:
    """A December bonus for some households, on the 15th or the Friday before a weekend 15th."""
    rng, g = sim.rng, sim.grid
    bonus_user = rng.random(sim.n_users) < 0.2
    bonus_pct = rng.uniform(0.03, 0.10, sim.n_users)
    u, m = user_months(
        bonus_user[:, None] & (g.month_of_year[None, :] == 12) & ~sim.career.unemployed
    )
    bonus = np.rint(sim.traits.annual * bonus_pct * 100).astype(np.int64)
    # the bonus is an annual series in the ground truth (registering it draws nothing)
    paid = np.zeros(sim.n_users, dtype=bool)
    paid[u] = True
    sid = sim.ledger.user_streams(
        paid,
        payee=names.payee_codes("bonus")[0],
        category=INCOME,
        cadence=ANNUAL,
        day_of_month=15,
        cents=bonus,
    )
    sim.ledger.add(
        u,
        business_day(g.day_in_month(m, np.full(len(u), 15)), np.zeros(len(u), bool)),
        bonus[u],
        names.CHECKING,
        names.payee_codes("bonus")[0],
        PAYROLL,
        INCOME,
        stream=sid[u],
    )
