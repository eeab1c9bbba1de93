"""Labelled events for scoring the recurring and anomaly detectors (opt-in).

``generate_households(..., detector_events=True)`` (``fincast generate --detector-events``)
adds, after the irregular shocks and before the card statements are paid:

- recurring series of the cadences the everyday households lack: weekly services, quarterly
  bills and annual memberships (some annual prices rise at the renewal);
- more shocks of the three kinds of :mod:`fincast.synth.anomalies`;
- duplicate charges, unusual amounts at a household's regular merchant, large first
  purchases at a merchant the household never used, and category spikes (a month with
  several times the usual spending in one category).

Every event draws from its own generator, seeded from the population's seed, so the
everyday data of a seed is the same with or without these events, and the files of a run
without them are byte for byte those of earlier versions.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from fincast.synth import names
from fincast.synth.anomalies import SHOCKS, _shock
from fincast.synth.arrays import IntArray
from fincast.synth.months import business_day
from fincast.synth.names import CATEGORY_CODE, DESCRIPTION_CODE
from fincast.synth.rows import ANNUAL, QUARTERLY, WEEKLY
from fincast.synth.simulation import Simulation, user_months

# Salt of the events' generator: ``default_rng([seed, EVENTS_SALT])``.
EVENTS_SALT = 0x5EED_E7E5

# Per user-month chances of each injected anomaly (the everyday shocks come on top).
EXTRA_SHOCK_FACTOR = {"medical_bill": 1.5, "car_repair": 1.0, "fraud_like_spike": 4.0}
DUPLICATE_CHANCE = 0.006
UNUSUAL_CHANCE = 0.006
NEW_MERCHANT_CHANCE = 0.005
SPIKE_CHANCE = 0.012

# Purchases that may be duplicated, inflated or spiked: everyday discretionary spending.
_PURCHASE_CATEGORIES = ("groceries", "dining", "entertainment", "shopping", "other")
_SPIKE_GROUPS = {
    "dining": "restaurant",
    "entertainment": "entertainment",
    "shopping": "shopping",
    "other": "other",
}
_WEEKLY_CATEGORY = ("other", "other", "education", "groceries")
_QUARTERLY_CATEGORY = ("other", "utilities", "housing", "utilities")
_ANNUAL_CATEGORY = ("subscriptions", "subscriptions", "subscriptions", "subscriptions", "transport")


def events_rng(seed: int) -> np.random.Generator:
    """The generator of the labelled events of population ``seed``."""
    return np.random.default_rng([seed, EVENTS_SALT])


def detector_events(sim: Simulation, rng: np.random.Generator) -> None:
    """Add every labelled event to ``sim``'s ledger and truth, drawing only from ``rng``."""
    ev = dataclasses.replace(sim, rng=rng)  # shares the ledger and truth lists, not the rng
    ev.savings_flow = sim.savings_flow
    _weekly(ev)
    _quarterly(ev)
    _annual(ev)
    for shock in SHOCKS:
        factor = EXTRA_SHOCK_FACTOR[shock.kind]
        exposed = {
            "medical_bill": np.ones(sim.n_users, bool),
            "car_repair": sim.traits.car,
            "fraud_like_spike": sim.traits.has_card,
        }[shock.kind]
        _shock(ev, dataclasses.replace(shock, chance=shock.chance * factor), exposed)
    purchases = _purchases(ev)
    _duplicates(ev, purchases)
    _unusual_amounts(ev, purchases)
    _new_merchants(ev)
    _category_spikes(ev, purchases)


def _weekly(sim: Simulation) -> None:
    """A weekly service for a fifth of households: a fixed weekday, a fixed price.

    A third of the charges post a day late (card processing), and a fifth of the services
    stop before the end.
    """
    rng, g = sim.rng, sim.grid
    users = np.flatnonzero(rng.random(sim.n_users) < 0.2).astype(np.int64)
    n = len(users)
    which = rng.integers(0, len(names.PAYEE_GROUPS["weekly_service"]), n)
    payee = names.payee_codes("weekly_service")[which]
    cents = rng.integers(25, 121, n) * 100
    n_weeks = (g.end_day - g.first_day) // 7
    first = (
        g.first_day
        + rng.integers(0, 7, n)
        + 7 * np.where(rng.random(n) < 0.7, 0, rng.integers(0, max(n_weeks // 2, 1), n))
    )
    stop = np.where(rng.random(n) < 0.2, first + 7 * rng.integers(6, max(n_weeks, 7), n), g.end_day)
    category = np.array([CATEGORY_CODE[_WEEKLY_CATEGORY[w]] for w in which], dtype=np.int64)
    sid = sim.ledger.new_streams(
        users, payee=payee, category=category, cadence=WEEKLY, day_of_month=0, cents=-cents
    )
    k = np.arange(n_weeks + 2)
    days = first[:, None] + 7 * k[None, :]
    mask = (days < np.minimum(stop, g.end_day)[:, None]) & (days < g.end_day - 1)
    i, _ = np.nonzero(mask)
    day = days[mask] + (rng.random(len(i)) < 1 / 3)
    sim.ledger.add(
        users[i],
        day,
        -cents[i],
        names.CHECKING,
        payee[i],
        DESCRIPTION_CODE["ACH DEBIT"],
        category[i],
        stream=sid[i],
    )


def _quarterly(sim: Simulation) -> None:
    """A quarterly bill for a quarter of households, moved off weekends; sewer bills vary."""
    rng, g = sim.rng, sim.grid
    users = np.flatnonzero(rng.random(sim.n_users) < 0.25).astype(np.int64)
    n = len(users)
    which = rng.integers(0, len(names.PAYEE_GROUPS["quarterly_bill"]), n)
    payee = names.payee_codes("quarterly_bill")[which]
    cents = rng.integers(60, 301, n) * 100
    dom = rng.integers(1, 29, n)
    offset = rng.integers(0, 3, n)
    varies = which == 3
    category = np.array([CATEGORY_CODE[_QUARTERLY_CATEGORY[w]] for w in which], dtype=np.int64)
    sid = sim.ledger.new_streams(
        users,
        payee=payee,
        category=category,
        cadence=QUARTERLY,
        day_of_month=dom,
        cents=-cents,
        varies=varies,
    )
    months = np.arange(sim.n_months)
    mask = (months[None, :] >= offset[:, None]) & ((months[None, :] - offset[:, None]) % 3 == 0)
    i, m = np.nonzero(mask)
    i, m = i.astype(np.int64), m.astype(np.int64)
    day = business_day(g.day_in_month(m, dom[i]), np.ones(len(i), dtype=bool))
    inside = day < g.end_day
    i, day = i[inside], day[inside]
    wobble = np.exp(0.12 * rng.standard_normal(len(i)))
    amount = np.where(varies[i], np.rint(cents[i] * wobble).astype(np.int64), cents[i])
    sim.ledger.add(
        users[i],
        day,
        -amount,
        names.CHECKING,
        payee[i],
        DESCRIPTION_CODE["BILL PAY"],
        category[i],
        stream=sid[i],
    )


def _annual(sim: Simulation) -> None:
    """An annual membership for a third of households; a third of them cost more at renewal."""
    rng, g, t = sim.rng, sim.grid, sim.traits
    users = np.flatnonzero(rng.random(sim.n_users) < 0.35).astype(np.int64)
    n = len(users)
    which = rng.integers(0, len(names.PAYEE_GROUPS["annual_bill"]), n)
    payee = names.payee_codes("annual_bill")[which]
    cents = rng.integers(40, 181, n) * 100 - 1
    dom = rng.integers(1, 29, n)
    first = rng.integers(0, min(12, sim.n_months), n)
    rises = rng.random(n) < 1 / 3
    delta = np.where(rises, np.rint(cents * rng.uniform(0.05, 0.15, n) / 100) * 100, 0)
    delta = delta.astype(np.int64)
    on_card = t.has_card[users]
    account = np.where(on_card, t.card[users], names.CHECKING).astype(np.int64)
    category = np.array([CATEGORY_CODE[_ANNUAL_CATEGORY[w]] for w in which], dtype=np.int64)
    sid = sim.ledger.new_streams(
        users,
        payee=payee,
        category=category,
        account=account,
        cadence=ANNUAL,
        day_of_month=dom,
        cents=-cents,
    )
    n_years = (sim.n_months - first + 11) // 12
    i = np.repeat(np.arange(n, dtype=np.int64), n_years)
    year = np.arange(len(i)) - np.repeat(np.cumsum(n_years) - n_years, n_years)
    m = first[i] + 12 * year
    price = cents[i] + np.where(year >= 1, delta[i], 0)
    sim.ledger.add(
        users[i],
        g.day_in_month(m, dom[i]),
        -price,
        account[i],
        payee[i],
        np.where(
            on_card[i],
            DESCRIPTION_CODE["RECURRING CARD PURCHASE"],
            DESCRIPTION_CODE["ACH DEBIT"],
        ),
        category[i],
        stream=sid[i],
    )
    changed = np.flatnonzero(rises & (n_years >= 2) & (delta > 0))
    sim.price_changes.append(
        {
            "user": users[changed],
            "day": g.day_in_month(first[changed] + 12, dom[changed]),
            "payee": payee[changed].astype(np.int64),
            "category": category[changed],
            "old": -cents[changed],
            "new": -(cents[changed] + delta[changed]),
        }
    )


def _purchases(sim: Simulation) -> pd.DataFrame:
    """The everyday purchases so far (row index, user, month, day, cents, ...), as a frame."""
    ledger = sim.ledger
    frame = pd.DataFrame(
        {name: ledger.current(name).astype(np.int64) for name in _ROW_FIELDS},
    )
    codes = [CATEGORY_CODE[c] for c in _PURCHASE_CATEGORIES]
    purchase = frame["category"].isin(codes) & (frame["cents"] < 0) & (frame["stream"] < 0)
    purchase &= frame["account"] != names.CASH
    return frame.loc[purchase].reset_index(drop=True)


_ROW_FIELDS = ("user", "month", "day", "cents", "account", "payee", "category", "stream")


def _pick_rows(sim: Simulation, rows: pd.DataFrame, chance: float) -> pd.DataFrame:
    """One random row of ``rows`` for each user-month drawn with probability ``chance``."""
    rng = sim.rng
    u, m = user_months(rng.random((sim.n_users, sim.n_months)) < chance)
    key = rows["user"].to_numpy() * sim.n_months + rows["month"].to_numpy()
    order = np.argsort(key, kind="stable")
    sorted_key = key[order]
    want = u * sim.n_months + m
    lo = np.searchsorted(sorted_key, want, side="left")
    hi = np.searchsorted(sorted_key, want, side="right")
    offset = (rng.random(len(want)) * np.maximum(hi - lo, 1)).astype(np.int64)
    has = hi > lo
    return rows.iloc[order[(lo + offset)[has]]].reset_index(drop=True)


def _record(
    sim: Simulation,
    kind: str,
    u: IntArray,
    day: IntArray,
    cents: IntArray,
    payee: IntArray,
    category: IntArray,
    account: IntArray,
) -> None:
    sim.ledger.add(u, day, cents, account, payee, _description(account), category)
    sim.anomalies.append(
        {
            "user": np.asarray(u, dtype=np.int64),
            "day": np.asarray(day, dtype=np.int64),
            "cents": np.asarray(cents, dtype=np.int64),
            "payee": np.asarray(payee, dtype=np.int64),
            "category": np.asarray(category, dtype=np.int64),
            "account": np.asarray(account, dtype=np.int64),
            "kind": np.full(len(u), kind, dtype=object),
        }
    )


def _description(account: IntArray) -> IntArray:
    return np.where(
        np.isin(account, names.CARDS),
        DESCRIPTION_CODE["CARD PURCHASE"],
        DESCRIPTION_CODE["DEBIT CARD PURCHASE"],
    ).astype(np.int64)


def _duplicates(sim: Simulation, purchases: pd.DataFrame) -> None:
    """A purchase charged twice: same merchant, amount and account, that day or the next."""
    picked = _pick_rows(sim, purchases, DUPLICATE_CHANCE)
    later = (sim.rng.random(len(picked)) < 0.4).astype(np.int64)
    day = np.minimum(picked["day"].to_numpy() + later, sim.grid.end_day - 1)
    _record(
        sim,
        "duplicate_charge",
        picked["user"].to_numpy(),
        day,
        picked["cents"].to_numpy(),
        picked["payee"].to_numpy(),
        picked["category"].to_numpy(),
        picked["account"].to_numpy(),
    )


def _unusual_amounts(sim: Simulation, purchases: pd.DataFrame) -> None:
    """4-8 times the household's median purchase at a merchant of steady amounts.

    Steady: used at least 6 times, with log amounts spread by at most 0.3 (median absolute
    deviation), such as the weekly shop at the usual supermarket; where amounts swing by
    nature (restaurants, shops) a few times the median is an ordinary purchase.
    """
    logs = purchases.assign(log=np.log(-purchases["cents"].astype(np.float64)))
    by = logs.groupby(["user", "payee"])["log"]
    spread = (
        (logs["log"] - by.transform("median"))
        .abs()
        .groupby([logs["user"], logs["payee"]])
        .transform("median")
    )
    stats = purchases.groupby(["user", "payee"])["cents"].agg(["median", "size"])
    regular = purchases.join(stats, on=["user", "payee"])
    regular = regular.loc[(regular["size"] >= 6) & (spread.to_numpy() <= 0.3)]
    picked = _pick_rows(sim, regular, UNUSUAL_CHANCE)
    n = len(picked)
    factor = sim.rng.uniform(4.0, 8.0, n)
    cents = np.rint(picked["median"].to_numpy() * factor).astype(np.int64)
    day = sim.grid.random_day(picked["month"].to_numpy(), sim.rng.random(n))
    _record(
        sim,
        "unusual_amount",
        picked["user"].to_numpy(),
        day,
        cents,
        picked["payee"].to_numpy(),
        picked["category"].to_numpy(),
        picked["account"].to_numpy(),
    )


def _new_merchants(sim: Simulation) -> None:
    """A large first purchase (median $1,200, at least $400) at a merchant never used before.

    Each household buys from a merchant of the group at most once.
    """
    rng = sim.rng
    u, m = user_months(rng.random((sim.n_users, sim.n_months)) < NEW_MERCHANT_CHANCE)
    codes = names.payee_codes("big_ticket")
    payee = codes[rng.integers(0, len(codes), len(u))]
    first = ~pd.DataFrame({"u": u, "p": payee}).duplicated().to_numpy()
    u, m, payee = u[first], m[first], payee[first]
    n = len(u)
    cents = -np.maximum(sim.cents(1200.0, 0.5, n), 40_000)
    account, _ = sim.spend_account(u)
    day = sim.grid.random_day(m, rng.random(n))
    category = np.full(n, CATEGORY_CODE["shopping"], dtype=np.int64)
    _record(sim, "new_merchant_large", u, day, cents, payee, category, account.astype(np.int64))


def _category_spikes(sim: Simulation, purchases: pd.DataFrame) -> None:
    """A month with 6-9 times the household's median month in one everyday category.

    The extra spending (5-8 median months) is 5-10 purchases at the category's merchants,
    in a category where the household's median month is at least $30.
    """
    rng, n_users, n_months = sim.rng, sim.n_users, sim.n_months
    spike_codes = np.array([CATEGORY_CODE[c] for c in _SPIKE_GROUPS], dtype=np.int64)
    u, m = user_months(rng.random((n_users, n_months)) < SPIKE_CHANCE)
    category = spike_codes[rng.integers(0, len(spike_codes), len(u))]
    in_spike = purchases["category"].isin(spike_codes)
    monthly = (
        purchases.loc[in_spike]
        .groupby(["user", "category", "month"])["cents"]
        .sum()
        .unstack(fill_value=0)
        .reindex(columns=range(n_months), fill_value=0)
    )
    median = (-monthly).median(axis=1)
    typical = median.reindex(pd.MultiIndex.from_arrays([u, category])).to_numpy()
    keep = np.nan_to_num(typical) >= 3000  # at least $30 in a median month
    u, m, category, typical = u[keep], m[keep], category[keep], typical[keep]
    total = typical * rng.uniform(5.0, 8.0, len(u))
    count = rng.integers(5, 11, len(u))
    i = np.repeat(np.arange(len(u)), count)
    share = rng.dirichlet(np.ones(10), len(u))
    part = share[i, np.arange(len(i)) - np.repeat(np.cumsum(count) - count, count)]
    part = part / np.add.reduceat(part, np.cumsum(count) - count)[i]
    cents = -np.maximum(np.rint(total[i] * part), 100).astype(np.int64)
    payee = np.empty(len(i), dtype=np.int64)
    for code, group in _SPIKE_GROUPS.items():
        at = category[i] == CATEGORY_CODE[code]
        codes = names.payee_codes(group)
        payee[at] = codes[rng.integers(0, len(codes), int(at.sum()))]
    account, _ = sim.spend_account(u[i])
    day = sim.grid.random_day(m[i], rng.random(len(i)))
    _record(sim, "category_spike", u[i], day, cents, payee, category[i], account.astype(np.int64))
