"""Subscriptions: streaming, software and gym plans on fixed days, with price increases."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from fincast.synth import names
from fincast.synth.arrays import IntArray
from fincast.synth.names import CATEGORY_CODE, DESCRIPTION_CODE
from fincast.synth.simulation import Simulation

PRICE = np.array([p for _, p, _ in names.SUBSCRIPTIONS], dtype=np.int64)
POPULARITY = np.array([p for _, _, p in names.SUBSCRIPTIONS])
SUBSCRIPTIONS = CATEGORY_CODE["subscriptions"]


@dataclass(frozen=True)
class _Plans:
    """One entry per (user, service) subscription: who, which service, when, which day."""

    user: IntArray
    service: IntArray
    start: IntArray  # first month charged
    end: IntArray  # month after the last charged
    active: np.ndarray  # plans x months: charged that month
    dom: IntArray


@dataclass(frozen=True)
class _PriceRises:
    """Per service: the month of its one price increase (``n_months + 1`` if none), cents."""

    month: IntArray
    delta: IntArray

    def price(self, service: IntArray, month: IntArray) -> IntArray:
        """Cents of ``service`` in ``month``."""
        return PRICE[service] + np.where(month >= self.month[service], self.delta[service], 0)


def subscriptions(sim: Simulation) -> None:
    """Each household's plans, charged monthly on their own day; price increases recorded."""
    plans = _plans(sim)
    rises = _price_rises(sim)
    t = sim.traits
    payee = names.payee_codes("subscription")
    pu, ps = plans.user, plans.service
    sid = sim.ledger.new_streams(
        pu,
        payee=payee[ps],
        category=SUBSCRIPTIONS,
        account=np.where(t.has_card[pu], t.card[pu], names.CHECKING),
        day_of_month=plans.dom,
        cents=-rises.price(ps, plans.start),
    )
    pi, m = np.nonzero(plans.active)
    pi, m = pi.astype(np.int64), m.astype(np.int64)
    u, s = pu[pi], ps[pi]
    sim.ledger.add(
        u,
        sim.grid.day_in_month(m, plans.dom[pi]),
        -rises.price(s, m),
        np.where(t.has_card[u], t.card[u], names.CHECKING),
        payee[s],
        np.where(
            t.has_card[u],
            DESCRIPTION_CODE["RECURRING CARD PURCHASE"],
            DESCRIPTION_CODE["DEBIT CARD PURCHASE"],
        ),
        SUBSCRIPTIONS,
        stream=sid[pi],
    )
    _record_price_changes(sim, plans, rises, payee)


def _plans(sim: Simulation) -> _Plans:
    """Who subscribes to what (popular services and keen households more often), and when."""
    rng = sim.rng
    propensity = np.clip(rng.lognormal(0.0, 0.5, sim.n_users), 0.2, 3.0)
    chance = np.clip(POPULARITY[None, :] * propensity[:, None], 0, 0.95)
    pu, ps = np.nonzero(rng.random((sim.n_users, len(PRICE))) < chance)
    pu, ps = pu.astype(np.int64), ps.astype(np.int64)
    start, end, active = sim.active_months(len(pu), p_from_start=0.8, p_ends=0.15)
    return _Plans(pu, ps, start, end, active, rng.integers(1, 29, len(pu)))


def _price_rises(sim: Simulation) -> _PriceRises:
    """One price increase per service, in the same month for every subscriber."""
    rng, n_months, n_services = sim.rng, sim.n_months, len(PRICE)
    has_increase = (rng.random(n_services) < 0.7) & (n_months >= 2)
    month = np.where(has_increase, rng.integers(1, max(n_months, 2), n_services), n_months + 1)
    return _PriceRises(month, rng.choice([100, 200, 300], size=n_services))


def _record_price_changes(
    sim: Simulation, plans: _Plans, rises: _PriceRises, payee: np.ndarray
) -> None:
    service = plans.service
    ci = np.flatnonzero((plans.start < rises.month[service]) & (rises.month[service] < plans.end))
    cs = service[ci]
    sim.price_changes.append(
        {
            "user": plans.user[ci],
            "day": sim.grid.day_in_month(rises.month[cs], plans.dom[ci]),
            "payee": payee[cs].astype(np.int64),
            "category": np.full(len(ci), SUBSCRIPTIONS),
            "old": -PRICE[cs],
            "new": -(PRICE[cs] + rises.delta[cs]),
        }
    )
