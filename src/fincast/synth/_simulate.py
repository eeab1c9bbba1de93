"""The household simulation: traits per user, then one vectorized step per transaction type.

Every step works on whole arrays over users x months (or users x paydays, users x weeks);
there is no Python loop over transactions. Amounts are integer cents throughout. All
randomness comes from the one ``numpy.random.Generator`` passed in, drawn in a fixed order,
so a seed reproduces the data exactly.

Sign convention: a negative amount is money out of the account the row is on.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from fincast.synth import _catalog as cat
from fincast.synth._calendar import IntArray, MonthGrid, business_day, weekday
from fincast.synth._ledger import BIWEEKLY, MONTHLY, Ledger, Rows

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

C = cat.CAT
D = cat.DESC
MEDIAN_INCOME = 52_000.0  # annual take-home pay of the median household, USD

# Seasonal factors by month of year (index 0 unused).
ELECTRICITY = np.array([0, 1.30, 1.22, 1.00, 0.86, 0.88, 1.08, 1.30, 1.30, 1.05, 0.86, 0.98, 1.22])
GAS_HEATING = np.array([0, 2.30, 2.10, 1.60, 1.10, 0.70, 0.50, 0.45, 0.45, 0.55, 0.90, 1.50, 2.10])
WATER = np.array([0, 0.90, 0.90, 0.95, 1.00, 1.10, 1.25, 1.30, 1.25, 1.05, 0.95, 0.90, 0.90])
SHOP_COUNT = np.array([0, 0.80, 0.90, 1.00, 1.00, 1.00, 1.00, 1.10, 1.00, 1.00, 1.00, 1.35, 2.20])
SHOP_SIZE = np.array([0, 0.90, 1.00, 1.00, 1.00, 1.00, 1.00, 1.00, 1.05, 1.00, 1.00, 1.15, 1.30])
HOLIDAY_FOOD = np.array([0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.10, 1.15])

STEPS: tuple[str, ...] = (
    "traits",
    "income",
    "housing",
    "utilities",
    "insurance",
    "subscriptions",
    "debts",
    "groceries",
    "dining",
    "entertainment",
    "transport",
    "shopping",
    "travel",
    "healthcare",
    "education",
    "other",
    "cash",
    "anomalies",
    "savings",
    "card payments",
    "interest",
)


@dataclass
class Truth:
    """Raw ground-truth arrays collected while simulating (turned into frames later)."""

    anomalies: dict[str, np.ndarray]
    price_changes: dict[str, np.ndarray]
    raises: dict[str, np.ndarray]
    job_losses: dict[str, np.ndarray]


def _merge(parts: list[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    keys = parts[0].keys()
    return {k: np.concatenate([p[k] for p in parts]) for k in keys}


class Simulation:
    """One simulated population; ``run`` fills a ledger and the ground truth."""

    def __init__(self, rng: np.random.Generator, grid: MonthGrid, n_users: int) -> None:
        self.rng = rng
        self.grid = grid
        self.U = n_users
        self.M = grid.n_months
        self.ledger = Ledger(grid, n_users)
        self._anomalies: list[dict[str, np.ndarray]] = []
        self._price_changes: list[dict[str, np.ndarray]] = []
        self._raises: dict[str, np.ndarray] = {}
        self._job_losses: dict[str, np.ndarray] = {}
        self._savings_flow = np.zeros((n_users, grid.n_months), dtype=np.int64)

    # --- helpers ------------------------------------------------------------------------------

    def cents(self, median: npt.ArrayLike, sigma: float, n: int) -> IntArray:
        """Draw ``n`` lognormal amounts in cents around ``median`` dollars (at least 1 cent)."""
        z = self.rng.standard_normal(n)
        value = np.asarray(median, dtype=np.float64) * np.exp(sigma * z) * 100.0
        return np.maximum(np.rint(value), 1).astype(np.int64)

    def user_months(self, mask: BoolArray) -> tuple[IntArray, IntArray]:
        """Return (user, month) of every true cell of a users x months mask."""
        u, m = np.nonzero(mask)
        return u.astype(np.int64), m.astype(np.int64)

    def events(self, lam: FloatArray) -> tuple[IntArray, IntArray, IntArray]:
        """Draw Poisson counts per user-month and return (user, month, random day) per event."""
        counts = self.rng.poisson(lam).ravel()
        um = np.repeat(np.arange(self.U * self.M, dtype=np.int64), counts)
        u, m = um // self.M, um % self.M
        day = self.grid.random_day(m, self.rng.random(len(um)))
        return u, m, day

    def spend_account(self, u: IntArray) -> tuple[npt.NDArray[np.int8], npt.NDArray[np.int8]]:
        """Pick card or checking per purchase by the user's card share; return (account, desc)."""
        on_card = self.has_card[u] & (self.rng.random(len(u)) < self.card_share[u])
        account = np.where(on_card, self.card[u], cat.CHECKING).astype(np.int8)
        desc = np.where(on_card, D["CARD PURCHASE"], D["DEBIT CARD PURCHASE"]).astype(np.int8)
        return account, desc

    def pick(self, group: str, n: int) -> npt.NDArray[np.int16]:
        """Draw ``n`` payees uniformly from a payee group."""
        codes = cat.payee_codes(group)
        return codes[self.rng.integers(0, len(codes), n)]

    def monthly_bill(
        self,
        who: BoolArray,
        *,
        group: str,
        category: str,
        amount: IntArray,
        dom: IntArray,
        description: str = "ACH DEBIT",
        account: npt.ArrayLike = cat.CHECKING,
        active: BoolArray | None = None,
        varies: bool = False,
    ) -> None:
        """Emit a fixed-day monthly payment for users in ``who`` (amount per user or cell)."""
        payee = self.pick(group, self.U)
        acct = np.broadcast_to(np.asarray(account, dtype=np.int8), (self.U,))
        mask = np.broadcast_to(who[:, None], (self.U, self.M))
        if active is not None:
            mask = mask & active
        u, m = self.user_months(mask)
        cents = amount[u, m] if amount.ndim == 2 else amount[u]
        users = np.flatnonzero(who)
        first = np.zeros(self.U, dtype=np.int64)
        if amount.ndim == 2:
            # the amount of each user's first active month
            first_m = np.argmax(mask, axis=1)
            first = amount[np.arange(self.U), first_m]
        else:
            first = amount
        sid = np.full(self.U, -1, dtype=np.int32)
        sid[users] = self.ledger.new_streams(
            users,
            payee=payee[users],
            category=C[category],
            account=acct[users],
            cadence=MONTHLY,
            day_of_month=dom[users],
            cents=-first[users],
            varies=varies,
        )
        self.ledger.add(
            u,
            self.grid.day_in_month(m, dom[u]),
            -cents,
            acct[u],
            payee[u],
            D[description],
            C[category],
            stream=sid[u],
        )

    def transfer(
        self,
        u: IntArray,
        day: IntArray,
        cents: IntArray,
        *,
        src: npt.ArrayLike,
        dst: npt.ArrayLike,
        payee: npt.ArrayLike,
        category: str,
        description: str = "ONLINE TRANSFER",
        dst_description: str | None = None,
        src_category: str | None = None,
        stream: npt.ArrayLike = -1,
    ) -> None:
        """Emit a pair of rows moving ``cents`` from account ``src`` to account ``dst``."""
        self.ledger.add(
            u,
            day,
            -cents,
            src,
            payee,
            D[description],
            C[src_category or category],
            stream=stream,
        )
        self.ledger.add(u, day, cents, dst, payee, D[dst_description or description], C[category])
        for account, sign in ((src, -1), (dst, 1)):
            acc = np.broadcast_to(np.asarray(account), (len(u),))
            sav = acc == cat.SAVINGS
            if sav.any():
                m = self.grid.month_of(day[sav])
                np.add.at(self._savings_flow, (u[sav], m), sign * cents[sav])

    # --- the run --------------------------------------------------------------------------------

    def run(self, progress: Callable[[str], None] | None = None) -> tuple[Rows, Truth]:
        """Simulate every step in order; return the sorted rows and the ground truth."""
        for name in STEPS:
            getattr(self, "step_" + name.replace(" ", "_"))()
            if progress is not None:
                progress(name)
        rows = self.ledger.assemble()
        truth = Truth(
            anomalies=_merge(self._anomalies),
            price_changes=_merge(self._price_changes),
            raises=self._raises,
            job_losses=self._job_losses,
        )
        return rows, truth

    def step_traits(self) -> None:
        """Draw who each household is: income, size, housing, habits, life events."""
        rng, U, M = self.rng, self.U, self.M
        self.annual = np.clip(rng.lognormal(np.log(MEDIAN_INCOME), 0.55, U), 16_000, 600_000)
        self.rel = self.annual / MEDIAN_INCOME
        self.monthly_net = self.annual / 12.0
        self.hh = rng.choice([1, 2, 3, 4, 5], size=U, p=[0.28, 0.34, 0.16, 0.14, 0.08])
        self.biweekly = rng.random(U) < 0.45
        self.variable_pay = rng.random(U) < 0.15
        self.owner = rng.random(U) < np.clip(0.35 + 0.25 * np.log(self.rel), 0.08, 0.85)
        self.car = rng.random(U) < np.clip(0.78 + 0.15 * np.log(self.rel), 0.4, 0.95)
        self.has_card = rng.random(U) < 0.72
        self.card = cat.CARDS[rng.integers(0, len(cat.CARDS), U)]
        self.card_share = rng.uniform(0.55, 0.95, U)
        self.saver = rng.random(U) < 0.68
        self.save_rate = rng.uniform(0.03, 0.15, U)
        self.investor = rng.random(U) < np.clip(0.08 + 0.12 * self.rel, 0, 0.6)
        self.cash_user = rng.random(U) < 0.25
        self.summer_traveler = rng.random(U) < 0.40
        self.winter_traveler = rng.random(U) < 0.12
        self.student = rng.random(U) < 0.10
        self.parent = (self.hh >= 3) & (rng.random(U) < 0.5)
        self.has_loan = rng.random(U) < 0.40

        never = M + 1
        raised = (rng.random(U) < 0.35) & (M >= 4)
        self.raise_month = np.where(raised, rng.integers(3, max(M, 4), U), never)
        self.raise_pct = rng.uniform(0.03, 0.12, U)
        lost = (rng.random(U) < 0.07) & (M >= 6)
        gap_start = rng.integers(2, max(M - 2, 3), U)
        gap_end = np.minimum(gap_start + rng.integers(1, 5, U), M - 1)
        self.gap_start = np.where(lost, gap_start, never)
        self.gap_end = np.where(lost, gap_end, never)
        months = np.arange(M)
        self.unemployed = (months >= self.gap_start[:, None]) & (months < self.gap_end[:, None])
        self.after_gap = months >= self.gap_end[:, None]
        # discretionary spending shrinks while out of work
        self.disc = np.where(self.unemployed, 0.55, 1.0)
        self.moy = self.grid.month_of_year
        n_emp = len(cat.PAYEE_GROUPS["employer"])
        self.employer0 = rng.integers(0, n_emp, U)
        self.employer1 = (self.employer0 + rng.integers(1, n_emp, U)) % n_emp

    def step_income(self) -> None:
        """Paychecks (monthly on a fixed business day, or biweekly Fridays), refunds, bonuses."""
        rng, g, U, M = self.rng, self.grid, self.U, self.M
        emp = cat.payee_codes("employer")
        per_month = np.rint(self.monthly_net * 100).astype(np.int64)
        per_fortnight = np.rint(self.annual / 26 * 100).astype(np.int64)
        base = np.where(self.biweekly, per_fortnight, per_month)
        raised = np.rint(base * (1 + self.raise_pct)).astype(np.int64)
        dom = rng.choice([1, 15, 25, 28, 31], size=U)

        # monthly payers
        mu, mm = self.user_months(~self.biweekly[:, None] & ~self.unemployed)
        mday = business_day(g.day_in_month(mm, dom[mu]), dom[mu] <= 3)
        # biweekly payers: every other Friday from an anchor in the first two weeks
        first_friday = g.first_day + (4 - weekday(np.array(g.first_day))) % 7
        anchor = first_friday + 7 * rng.integers(0, 2, U)
        k = np.arange((g.end_day - int(first_friday)) // 14 + 2)
        bday = anchor[:, None] + 14 * k[None, :]
        bmask = self.biweekly[:, None] & (bday < g.end_day)
        bu = np.nonzero(bmask)[0].astype(np.int64)
        bday = bday[bmask]
        bm = g.month_of(bday)
        keep = ~self.unemployed[bu, bm]
        bu, bday, bm = bu[keep], bday[keep], bm[keep]

        u = np.concatenate([mu, bu])
        day = np.concatenate([mday, bday])
        m = np.concatenate([mm, bm])
        order = np.lexsort((day, u))
        u, day, m = u[order], day[order], m[order]
        is_raised = m >= self.raise_month[u]
        cents = np.where(is_raised, raised[u], base[u])
        wobble = np.exp(0.07 * rng.standard_normal(len(u)))
        cents = np.where(self.variable_pay[u], np.rint(cents * wobble).astype(np.int64), cents)
        spell = self.after_gap[u, m]

        cadence = np.where(self.biweekly, BIWEEKLY, MONTHLY)
        pay_dom = np.where(self.biweekly, 0, dom)
        all_users = np.arange(U)
        sid0 = self.ledger.new_streams(
            all_users,
            payee=emp[self.employer0],
            category=C["income"],
            account=cat.CHECKING,
            cadence=cadence,
            day_of_month=pay_dom,
            cents=base,
            varies=self.variable_pay,
        )
        sid1 = np.full(U, -1, dtype=np.int32)
        lost = np.flatnonzero(self.gap_end <= M)
        start_amount = np.where(self.gap_end >= self.raise_month, raised, base)
        sid1[lost] = self.ledger.new_streams(
            lost,
            payee=emp[self.employer1[lost]],
            category=C["income"],
            account=cat.CHECKING,
            cadence=cadence[lost],
            day_of_month=pay_dom[lost],
            cents=start_amount[lost],
            varies=self.variable_pay[lost],
        )
        payee = np.where(spell, emp[self.employer1[u]], emp[self.employer0[u]])
        self.ledger.add(
            u,
            day,
            cents,
            cat.CHECKING,
            payee,
            D["DIRECT DEP PAYROLL"],
            C["income"],
            stream=np.where(spell, sid1[u], sid0[u]),
        )

        # ground truth: raises (first raised paycheck) and job-loss gaps
        first_raised = np.full(U, np.iinfo(np.int64).max)
        np.minimum.at(first_raised, u[is_raised], day[is_raised])
        got = first_raised < np.iinfo(np.int64).max
        ru = np.flatnonzero(got)
        self._raises = {
            "user": ru,
            "month": self.raise_month[ru],
            "day": first_raised[ru],
            "old": base[ru],
            "new": raised[ru],
            "pct": self.raise_pct[ru],
        }
        last_before = np.full(U, -1, dtype=np.int64)
        first_after = np.full(U, np.iinfo(np.int64).max)
        before = m < self.gap_start[u]
        np.maximum.at(last_before, u[before], day[before])
        np.minimum.at(first_after, u[spell], day[spell])
        self._job_losses = {
            "user": lost,
            "first_month": self.gap_start[lost],
            "last_month": self.gap_end[lost] - 1,
            "last_paycheck": last_before[lost],
            "first_paycheck_after": first_after[lost],
            "old_employer": emp[self.employer0[lost]],
            "new_employer": emp[self.employer1[lost]],
        }

        # tax refunds in March or April, year-end bonuses for some
        refund_moy = rng.choice([3, 4], size=U)
        ru_, rm = self.user_months(
            (self.moy[None, :] == refund_moy[:, None]) & (rng.random((U, M)) < 0.55)
        )
        self.ledger.add(
            ru_,
            g.random_day(rm, rng.random(len(ru_))),
            self.cents(800 * np.sqrt(self.rel[ru_]), 0.6, len(ru_)),
            cat.CHECKING,
            cat.payee_codes("tax_refund")[0],
            D["DEPOSIT"],
            C["income"],
        )
        bonus_user = rng.random(U) < 0.2
        bonus_pct = rng.uniform(0.03, 0.10, U)
        bu_, bm_ = self.user_months(
            bonus_user[:, None] & (self.moy[None, :] == 12) & ~self.unemployed
        )
        self.ledger.add(
            bu_,
            business_day(g.day_in_month(bm_, np.full(len(bu_), 15)), np.zeros(len(bu_), bool)),
            np.rint(self.annual[bu_] * bonus_pct[bu_] * 100).astype(np.int64),
            cat.CHECKING,
            cat.payee_codes("bonus")[0],
            D["DIRECT DEP PAYROLL"],
            C["income"],
        )

    def step_housing(self) -> None:
        """Rent (with yearly lease-renewal increases) or a fixed mortgage payment."""
        rng, g, U, M = self.rng, self.grid, self.U, self.M
        renter = ~self.owner
        rent0 = np.maximum(self.monthly_net * rng.uniform(0.25, 0.40, U), 400.0)
        lease_offset = rng.integers(0, 12, U)
        n_years = M // 12 + 2
        bumps = 1 + rng.uniform(0.0, 0.06, (U, n_years))
        bumps[:, 0] = 1.0
        growth = np.cumprod(bumps, axis=1)
        year = (np.arange(M)[None, :] + lease_offset[:, None]) // 12
        rent = np.rint(rent0[:, None] * np.take_along_axis(growth, year, axis=1) / 5) * 500
        rent = rent.astype(np.int64)
        rent_dom = rng.choice([1, 1, 1, 1, 2, 3, 5], size=U)
        self.monthly_bill(
            renter,
            group="landlord",
            category="housing",
            amount=rent,
            dom=rent_dom,
            description="BILL PAY",
        )
        changed = renter[:, None] & (rent[:, 1:] != rent[:, :-1])
        cu, cm = self.user_months(changed)
        cm = cm + 1
        landlord = self.ledger.streams.payee[-1]
        payee_of = np.zeros(U, dtype=np.int64)
        payee_of[np.flatnonzero(renter)] = landlord
        self._price_changes.append(
            {
                "user": cu,
                "day": g.day_in_month(cm, rent_dom[cu]),
                "payee": payee_of[cu],
                "category": np.full(len(cu), C["housing"]),
                "old": -rent[cu, cm - 1],
                "new": -rent[cu, cm],
            }
        )
        mortgage = np.rint(self.monthly_net * rng.uniform(0.20, 0.32, U) * 100).astype(np.int64)
        self.monthly_bill(
            self.owner,
            group="mortgage",
            category="housing",
            amount=mortgage,
            dom=rng.choice([1, 1, 15], size=U),
        )

    def step_utilities(self) -> None:
        """Electricity and gas with seasonality, water, internet and phone."""
        rng, U, M = self.rng, self.U, self.M
        season = self.moy[None, :]
        size = self.hh.astype(float)

        def seasonal(base: FloatArray, factors: FloatArray, sigma: float) -> IntArray:
            noise = np.exp(sigma * rng.standard_normal((U, M)))
            return np.rint(base[:, None] * factors[season] * noise * 100).astype(np.int64)

        everyone = np.ones(U, dtype=bool)
        elec = seasonal(rng.uniform(55, 140, U) * size**0.3 * self.rel**0.25, ELECTRICITY, 0.07)
        self.monthly_bill(
            everyone,
            group="electricity",
            category="utilities",
            amount=elec,
            dom=rng.integers(3, 26, U),
            varies=True,
        )
        gas = seasonal(rng.uniform(25, 70, U) * size**0.3 * self.rel**0.25, GAS_HEATING, 0.10)
        self.monthly_bill(
            rng.random(U) < 0.65,
            group="gas",
            category="utilities",
            amount=gas,
            dom=rng.integers(3, 26, U),
            varies=True,
        )
        water = seasonal(rng.uniform(25, 60, U) * size**0.4 * self.rel**0.2, WATER, 0.08)
        self.monthly_bill(
            rng.random(U) < 0.80,
            group="water",
            category="utilities",
            amount=water,
            dom=rng.integers(3, 26, U),
            varies=True,
        )
        internet = rng.integers(45, 91, U) * 100 - 1
        self.monthly_bill(
            rng.random(U) < 0.92,
            group="internet",
            category="utilities",
            amount=internet,
            dom=rng.integers(1, 29, U),
        )
        phone = np.rint(rng.uniform(35, 90, U) * size**0.3 * self.rel**0.2).astype(np.int64) * 100
        self.monthly_bill(
            rng.random(U) < 0.95,
            group="phone",
            category="utilities",
            amount=phone,
            dom=rng.integers(1, 29, U),
        )

    def step_insurance(self) -> None:
        """Car insurance for car owners; home or renters insurance."""
        rng, U = self.rng, self.U
        car_premium = np.rint(rng.uniform(70, 190, U) * self.rel**0.2 * 100).astype(np.int64)
        self.monthly_bill(
            self.car,
            group="car_insurance",
            category="insurance",
            amount=car_premium,
            dom=rng.integers(1, 29, U),
        )
        home_premium = np.where(self.owner, rng.uniform(70, 160, U), rng.uniform(12, 28, U))
        self.monthly_bill(
            self.owner | (rng.random(U) < 0.45),
            group="home_insurance",
            category="insurance",
            amount=np.rint(home_premium * 100).astype(np.int64),
            dom=rng.integers(1, 29, U),
        )

    def step_subscriptions(self) -> None:
        """Streaming, software and gym subscriptions on fixed days, with price increases."""
        rng, g, U, M = self.rng, self.grid, self.U, self.M
        price = np.array([p for _, p, _ in cat.SUBSCRIPTIONS], dtype=np.int64)
        popularity = np.array([p for _, _, p in cat.SUBSCRIPTIONS])
        S = len(price)
        propensity = np.clip(rng.lognormal(0.0, 0.5, U), 0.2, 3.0)
        subscribed = rng.random((U, S)) < np.clip(
            popularity[None, :] * propensity[:, None], 0, 0.95
        )
        pu, ps = np.nonzero(subscribed)
        pu, ps = pu.astype(np.int64), ps.astype(np.int64)
        P = len(pu)
        start = np.where(rng.random(P) < 0.8, 0, rng.integers(0, M, P))
        end = np.where(rng.random(P) < 0.15, rng.integers(start + 1, M + 1), M)
        dom = rng.integers(1, 29, P)
        # one price increase per service, on the same month for every subscriber
        has_increase = (rng.random(S) < 0.7) & (M >= 2)
        inc_month = np.where(has_increase, rng.integers(1, max(M, 2), S), M + 1)
        inc_delta = rng.choice([100, 200, 300], size=S)

        months = np.arange(M)
        active = (months[None, :] >= start[:, None]) & (months[None, :] < end[:, None])
        pi, m = np.nonzero(active)
        pi, m = pi.astype(np.int64), m.astype(np.int64)
        u, s = pu[pi], ps[pi]
        cents = price[s] + np.where(m >= inc_month[s], inc_delta[s], 0)
        account = np.where(self.has_card[u], self.card[u], cat.CHECKING)
        desc = np.where(self.has_card[u], D["RECURRING CARD PURCHASE"], D["DEBIT CARD PURCHASE"])
        payee = cat.payee_codes("subscription")
        first_cents = price[ps] + np.where(start >= inc_month[ps], inc_delta[ps], 0)
        sid = self.ledger.new_streams(
            pu,
            payee=payee[ps],
            category=C["subscriptions"],
            account=np.where(self.has_card[pu], self.card[pu], cat.CHECKING),
            cadence=MONTHLY,
            day_of_month=dom,
            cents=-first_cents,
        )
        self.ledger.add(
            u,
            g.day_in_month(m, dom[pi]),
            -cents,
            account,
            payee[s],
            desc,
            C["subscriptions"],
            stream=sid[pi],
        )
        changed = (start < inc_month[ps]) & (inc_month[ps] < end)
        ci = np.flatnonzero(changed)
        im = inc_month[ps[ci]]
        self._price_changes.append(
            {
                "user": pu[ci],
                "day": g.day_in_month(im, dom[ci]),
                "payee": payee[ps[ci]].astype(np.int64),
                "category": np.full(len(ci), C["subscriptions"]),
                "old": -price[ps[ci]],
                "new": -(price[ps[ci]] + inc_delta[ps[ci]]),
            }
        )

    def step_debts(self) -> None:
        """Auto or student loan payments: debt_payments out of checking, mirrored on the loan."""
        rng, g, U, M = self.rng, self.grid, self.U, self.M
        auto = self.car & (rng.random(U) < 0.6)
        account = np.where(auto, cat.AUTO_LOAN, cat.STUDENT_LOAN).astype(np.int8)
        payment = np.where(auto, rng.uniform(250, 650, U), rng.uniform(150, 450, U))
        payment *= np.clip(self.rel, 0.3, 3.0) ** 0.5
        payment_c = np.rint(payment * 100).astype(np.int64)
        lender = np.where(
            auto,
            self.pick("auto_lender", U),
            self.pick("student_lender", U),
        )
        start = np.where(rng.random(U) < 0.85, 0, rng.integers(0, M, U))
        end = np.where(rng.random(U) < 0.25, rng.integers(start + 1, M + 1), M)
        dom = rng.integers(1, 29, U)
        months = np.arange(M)
        active = (
            self.has_loan[:, None]
            & (months[None, :] >= start[:, None])
            & (months[None, :] < end[:, None])
        )
        u, m = self.user_months(active)
        users = np.flatnonzero(self.has_loan)
        sid = np.full(U, -1, dtype=np.int32)
        sid[users] = self.ledger.new_streams(
            users,
            payee=lender[users],
            category=C["debt_payments"],
            account=cat.CHECKING,
            cadence=MONTHLY,
            day_of_month=dom[users],
            cents=-payment_c[users],
        )
        # The household pays the loan from checking: the outflow is the debt_payments expense;
        # the loan's own statement shows the payment received, kept out of the panel as a
        # transfer-kind row so the payment is counted once.
        self.transfer(
            u,
            g.day_in_month(m, dom[u]),
            payment_c[u],
            src=cat.CHECKING,
            dst=account[u],
            payee=lender[u],
            category="transfers",
            src_category="debt_payments",
            description="AUTOPAY PAYMENT",
            dst_description="PAYMENT RECEIVED",
            stream=sid[u],
        )

    def step_groceries(self) -> None:
        """A weekly shop on the household's own weekday at its usual store, plus top-ups."""
        rng, g, U = self.rng, self.grid, self.U
        budget = (60 + 35 * self.hh) * self.rel**0.45
        offset = rng.integers(0, 7, U)
        k = np.arange((g.end_day - g.first_day) // 7 + 1)
        days = g.first_day + offset[:, None] + 7 * k[None, :]
        mask = days < g.end_day
        u = np.nonzero(mask)[0].astype(np.int64)
        day = days[mask]
        m = g.month_of(day)
        factor = HOLIDAY_FOOD[self.moy[m]] * np.where(self.unemployed[u, m], 0.9, 1.0)
        cents = self.cents(budget[u] * factor, 0.22, len(u))
        stores = cat.payee_codes("grocer")
        main = rng.integers(0, len(stores), U)
        second = rng.integers(0, len(stores), U)
        payee = np.where(rng.random(len(u)) < 0.85, stores[main[u]], stores[second[u]])
        account, desc = self.spend_account(u)
        self.ledger.add(u, day, -cents, account, payee, desc, C["groceries"])

        lam = rng.uniform(0.2, 1.0, U)[:, None] * np.ones((1, self.M))
        tu, _, tday = self.events(lam)
        top_payee = np.where(
            rng.random(len(tu)) < 0.5, self.pick("convenience", len(tu)), stores[main[tu]]
        )
        account, desc = self.spend_account(tu)
        self.ledger.add(
            tu, tday, -self.cents(18.0, 0.5, len(tu)), account, top_payee, desc, C["groceries"]
        )

    def _discretionary(
        self,
        *,
        rate: FloatArray,
        median: FloatArray,
        sigma: float,
        group: str,
        category: str,
        count_season: FloatArray | None = None,
        size_season: FloatArray | None = None,
        favourites: int = 0,
    ) -> None:
        """Poisson-count purchases per user-month, shrunk while out of work."""
        rng = self.rng
        lam = rate[:, None] * self.disc
        if count_season is not None:
            lam = lam * count_season[self.moy][None, :]
        u, m, day = self.events(lam)
        size = median[u]
        if size_season is not None:
            size = size * size_season[self.moy[m]]
        cents = self.cents(size, sigma, len(u))
        codes = cat.payee_codes(group)
        payee = codes[rng.integers(0, len(codes), len(u))]
        if favourites:
            fav = rng.integers(0, len(codes), (self.U, favourites))
            own = fav[u, rng.integers(0, favourites, len(u))]
            payee = np.where(rng.random(len(u)) < 0.6, codes[own], payee)
        account, desc = self.spend_account(u)
        self.ledger.add(u, day, -cents, account, payee, desc, C[category])

    def step_dining(self) -> None:
        """Restaurants, coffee and delivery; a few favourite places per household."""
        U = self.U
        self._discretionary(
            rate=self.rng.uniform(1.5, 6, U) * self.rel**0.3,
            median=36 * self.rel**0.5,
            sigma=0.6,
            group="restaurant",
            category="dining",
            count_season=HOLIDAY_FOOD,
            favourites=3,
        )

    def step_entertainment(self) -> None:
        """Cinema, tickets, games."""
        self._discretionary(
            rate=self.rng.uniform(0.3, 2.0, self.U),
            median=50 * self.rel**0.5,
            sigma=0.7,
            group="entertainment",
            category="entertainment",
        )

    def step_transport(self) -> None:
        """Fuel and upkeep for car owners, a monthly transit pass for the others, rideshares."""
        rng, U = self.rng, self.U
        lam = np.where(self.car, 2.0 * self.hh**0.2, 0.0)[:, None] * np.ones((1, self.M))
        u, _, day = self.events(lam)
        account, desc = self.spend_account(u)
        self.ledger.add(
            u,
            day,
            -self.cents(66.0, 0.25, len(u)),
            account,
            self.pick("fuel", len(u)),
            desc,
            C["transport"],
        )
        self._discretionary(
            rate=np.where(self.car, 0.5, 0.0),
            median=70 * self.rel**0.4,
            sigma=0.8,
            group="car_upkeep",
            category="transport",
        )
        self.monthly_bill(
            ~self.car,
            group="transit",
            category="transport",
            amount=rng.integers(65, 131, U) * 100,
            dom=np.ones(U, dtype=np.int64),
            description="CARD PURCHASE",
        )
        self._discretionary(
            rate=np.where(self.car, 0.4, 2.5),
            median=np.full(U, 17.0),
            sigma=0.5,
            group="rideshare",
            category="transport",
        )

    def step_shopping(self) -> None:
        """Retail purchases with a November and a strong December peak."""
        self._discretionary(
            rate=self.rng.uniform(1.0, 3.5, self.U) * self.rel**0.2,
            median=90 * self.rel**0.8,
            sigma=0.85,
            group="shopping",
            category="shopping",
            count_season=SHOP_COUNT,
            size_season=SHOP_SIZE,
        )

    def step_travel(self) -> None:
        """A summer trip each year for some households, a December trip for a few."""
        rng, g, U, M = self.rng, self.grid, self.U, self.M
        year = (g.first_month.astype(np.int64) + np.arange(M)) // 12
        year -= year[0]
        summer_month = rng.choice([6, 7, 8], size=(U, int(year[-1]) + 1))
        trip = (self.summer_traveler[:, None] & (self.moy[None, :] == summer_month[:, year])) | (
            self.winter_traveler[:, None] & (self.moy[None, :] == 12)
        )
        trip &= ~self.unemployed
        u, m = self.user_months(trip)
        party = np.minimum(self.hh[u], 4) ** 0.8 * self.rel[u] ** 0.8
        n = len(u)
        booked = np.maximum(m - rng.integers(1, 3, n), 0)
        account, desc = self.spend_account(u)
        self.ledger.add(
            u,
            g.random_day(booked, rng.random(n)),
            -np.rint(rng.uniform(250, 650, n) * party * 100).astype(np.int64),
            account,
            self.pick("airline", n),
            desc,
            C["travel"],
        )
        nights = rng.integers(3, 10, n)
        hotel = rng.uniform(110, 260, n) * nights * self.rel[u] ** 0.8
        account, desc = self.spend_account(u)
        self.ledger.add(
            u,
            g.random_day(m, rng.random(n)),
            -np.rint(hotel * 100).astype(np.int64),
            account,
            self.pick("hotel", n),
            desc,
            C["travel"],
        )
        extra = rng.poisson(2.5, n)
        xu = np.repeat(u, extra)
        xm = np.repeat(m, extra)
        account, desc = self.spend_account(xu)
        self.ledger.add(
            xu,
            g.random_day(xm, rng.random(len(xu))),
            -self.cents(60.0 * self.rel[xu] ** 0.5, 0.6, len(xu)),
            account,
            self.pick("travel_misc", len(xu)),
            desc,
            C["travel"],
        )

    def step_healthcare(self) -> None:
        """Pharmacy and co-pays."""
        self._discretionary(
            rate=np.full(self.U, 0.6),
            median=55 * self.rel**0.3,
            sigma=0.7,
            group="health",
            category="healthcare",
        )

    def step_education(self) -> None:
        """Semester tuition for students, monthly kids' activities for some parents."""
        rng, g, U = self.rng, self.grid, self.U
        tuition = np.rint(rng.uniform(1500, 6000, U) * np.clip(self.rel, 0.3, 2.0) ** 0.6 * 100)
        tuition = tuition.astype(np.int64)
        u, m = self.user_months(self.student[:, None] & np.isin(self.moy, [1, 8])[None, :])
        self.ledger.add(
            u,
            g.starts[m] + rng.integers(0, 15, len(u)),
            -tuition[u],
            cat.CHECKING,
            self.pick("tuition", len(u)),
            D["BILL PAY"],
            C["education"],
        )
        self._discretionary(
            rate=np.where(self.student, 0.25, 0.0),
            median=np.full(U, 60.0),
            sigma=0.5,
            group="books",
            category="education",
        )
        self.monthly_bill(
            self.parent,
            group="kids",
            category="education",
            amount=np.rint(rng.uniform(60, 450, U) * self.rel**0.6).astype(np.int64) * 100,
            dom=rng.integers(1, 29, U),
        )

    def step_other(self) -> None:
        """Haircuts, postage, pets, donations."""
        self._discretionary(
            rate=self.rng.uniform(0.3, 1.5, self.U),
            median=65 * self.rel**0.5,
            sigma=0.9,
            group="other",
            category="other",
        )

    def step_cash(self) -> None:
        """ATM withdrawals into a cash wallet, and small cash purchases from it."""
        rng, M = self.rng, self.M
        lam = np.where(self.cash_user, 1.6, 0.0)[:, None] * np.ones((1, M))
        u, _, day = self.events(lam)
        amount = rng.choice([40, 60, 80, 100, 120, 200], size=len(u)) * 100
        atm = cat.payee_codes("atm")[0]
        self.transfer(
            u,
            day,
            amount,
            src=cat.CHECKING,
            dst=cat.CASH,
            payee=atm,
            category="transfers",
            description="ATM WITHDRAWAL",
        )
        lam = np.where(self.cash_user, 1.5, 0.0)[:, None] * self.disc
        u, _, day = self.events(lam)
        category = np.where(rng.random(len(u)) < 0.5, C["dining"], C["other"])
        self.ledger.add(
            u,
            day,
            -self.cents(18.0, 0.6, len(u)),
            cat.CASH,
            self.pick("cash_spend", len(u)),
            D["CASH"],
            category,
        )

    def step_anomalies(self) -> None:
        """Irregular shocks: medical bills, car repairs, fraud-like card spikes."""
        rng, g, U, M = self.rng, self.grid, self.U, self.M
        kinds = (
            ("medical_bill", np.ones(U, bool), 0.0035, 900.0, 0.7, "hospital", "healthcare"),
            ("car_repair", self.car, 0.005, 750.0, 0.6, "auto_repair", "transport"),
            ("fraud_like_spike", self.has_card, 0.0015, 1400.0, 0.45, "fraud", "shopping"),
        )
        for kind, who, p, median, sigma, group, category in kinds:
            u, m = self.user_months(who[:, None] & (rng.random((U, M)) < p))
            n = len(u)
            day = g.random_day(m, rng.random(n))
            cents = np.maximum(self.cents(median, sigma, n), 15_000)
            payee = self.pick(group, n)
            if kind == "medical_bill":
                account = np.full(n, cat.CHECKING, dtype=np.int8)
                desc = np.full(n, D["BILL PAY"], dtype=np.int8)
            elif kind == "fraud_like_spike":
                account = self.card[u].astype(np.int8)
                desc = np.full(n, D["CARD PURCHASE"], dtype=np.int8)
            else:
                account, desc = self.spend_account(u)
            self.ledger.add(u, day, -cents, account, payee, desc, C[category])
            self._anomalies.append(
                {
                    "user": u,
                    "day": day,
                    "cents": -cents,
                    "payee": payee.astype(np.int64),
                    "category": np.full(n, C[category]),
                    "account": account.astype(np.int64),
                    "kind": np.full(n, kind, dtype=object),
                }
            )

    def step_savings(self) -> None:
        """Monthly transfers to savings and brokerage; savings drawn down while out of work."""
        rng, g, U = self.rng, self.grid, self.U
        amount = np.maximum(np.rint(self.save_rate * self.monthly_net / 10) * 10, 10)
        amount_c = (amount * 100).astype(np.int64)
        dom = rng.choice([2, 16, 26], size=U)
        users = np.flatnonzero(self.saver)
        sid = np.full(U, -1, dtype=np.int32)
        sid[users] = self.ledger.new_streams(
            users,
            payee=cat.payee_codes("savings_transfer")[0],
            category=C["transfers"],
            account=cat.CHECKING,
            cadence=MONTHLY,
            day_of_month=dom[users],
            cents=-amount_c[users],
        )
        u, m = self.user_months(self.saver[:, None] & ~self.unemployed)
        self.transfer(
            u,
            g.day_in_month(m, dom[u]),
            amount_c[u],
            src=cat.CHECKING,
            dst=cat.SAVINGS,
            payee=cat.payee_codes("savings_transfer")[0],
            category="transfers",
            stream=sid[u],
        )
        u, m = self.user_months(self.unemployed)
        self.transfer(
            u,
            g.day_in_month(m, np.full(len(u), 5)),
            np.rint(self.monthly_net[u] * 0.6 / 10).astype(np.int64) * 1000,
            src=cat.SAVINGS,
            dst=cat.CHECKING,
            payee=cat.payee_codes("savings_withdrawal")[0],
            category="transfers",
        )
        invest = (np.rint(rng.uniform(100, 1000, U) / 50) * 50 * 100).astype(np.int64)
        users = np.flatnonzero(self.investor)
        sid = np.full(U, -1, dtype=np.int32)
        sid[users] = self.ledger.new_streams(
            users,
            payee=cat.payee_codes("brokerage_transfer")[0],
            category=C["transfers"],
            account=cat.CHECKING,
            cadence=MONTHLY,
            day_of_month=20,
            cents=-invest[users],
        )
        u, m = self.user_months(self.investor[:, None] & ~self.unemployed)
        self.transfer(
            u,
            g.day_in_month(m, np.full(len(u), 20)),
            invest[u],
            src=cat.CHECKING,
            dst=cat.BROKERAGE,
            payee=cat.payee_codes("brokerage_transfer")[0],
            category="transfers",
            stream=sid[u],
        )

    def step_card_payments(self) -> None:
        """Each card's statement (last month's charges) paid in full from checking."""
        rng, g, U, M = self.rng, self.grid, self.U, self.M
        account = self.ledger.current("account")
        cents = self.ledger.current("cents")
        on_card = np.isin(account, cat.CARDS) & (cents < 0)
        user = self.ledger.current("user")[on_card].astype(np.int64)
        month = self.ledger.current("month")[on_card].astype(np.int64)
        # float sums of integer cents are exact well below 2**53
        statement = np.rint(
            np.bincount(user * M + month, weights=-cents[on_card], minlength=U * M)
        ).astype(np.int64)
        statement = statement.reshape(U, M)
        due = rng.integers(10, 26, U)
        users = np.flatnonzero(self.has_card)
        sid = np.full(U, -1, dtype=np.int32)
        payee = cat.payee_codes("card_payment")[0]
        sid[users] = self.ledger.new_streams(
            users,
            payee=payee,
            category=C["credit_card_payment"],
            account=cat.CHECKING,
            cadence=MONTHLY,
            day_of_month=due[users],
            cents=-statement[users, 0],
            varies=True,
        )
        pay = np.zeros((U, M), dtype=bool)
        pay[:, 1:] = statement[:, :-1] > 0
        u, m = self.user_months(pay)
        self.transfer(
            u,
            g.day_in_month(m, due[u]),
            statement[u, m - 1],
            src=cat.CHECKING,
            dst=self.card[u],
            payee=payee,
            category="credit_card_payment",
            description="BILL PAY",
            dst_description="PAYMENT RECEIVED",
            stream=sid[u],
        )

    def step_interest(self) -> None:
        """Monthly interest on the savings balance, paid on the last day of the month."""
        rng, g, U = self.rng, self.grid, self.U
        opening = np.where(
            self.saver, rng.uniform(500, 20_000, U) * self.rel, rng.uniform(0, 3_000, U)
        )
        balance = np.rint(opening * 100)[:, None] + np.cumsum(self._savings_flow, axis=1)
        apy = rng.uniform(0.005, 0.045, U)
        interest = np.rint(np.maximum(balance, 0) * apy[:, None] / 12).astype(np.int64)
        u, m = self.user_months(interest > 0)
        self.ledger.add(
            u,
            g.starts[m + 1] - 1,
            interest[u, m],
            cat.SAVINGS,
            cat.payee_codes("interest")[0],
            D["INTEREST PAYMENT"],
            C["income"],
        )
