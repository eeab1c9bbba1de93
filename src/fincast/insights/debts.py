"""Debt payoff plans: avalanche, snowball and the user's own order, simulated month by month.

Every month, for every open debt: interest ``round(balance x APR / 1200, 2)`` is added, then
the minimum payment (or the whole balance when less) is paid. The month's payment budget is
the sum of every debt's minimum plus ``extra``; what the minimums leave over (``extra`` and
the minimums of debts already paid off, the "rollover") goes to the open debts in the
strategy's order until it runs out:

* ``avalanche`` - highest APR first (ties: smaller balance first), the least interest;
* ``snowball`` - smallest current balance first (ties: higher APR first), the quickest wins;
* ``own`` - the order the caller gives (the user's order).

A plan whose budget does not cover the interest would never end: it is answered at once as
"never paid off" with the extra needed, and every simulation stops at :data:`MAX_MONTHS`.

Money is ``Decimal`` throughout, to the cent: the total paid is exactly the principal plus
the interest. Pure: plain values in, dataclasses out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from fincast.errors import InputError

#: The simulation stops here (50 years); a plan still open then is reported as capped.
MAX_MONTHS = 600
#: An APR at or above this (percent) is high-interest: paid before saving past a starter fund.
HIGH_INTEREST_APR = Decimal("8")
STRATEGIES = ("avalanche", "snowball", "own")
CENT = Decimal("0.01")
ZERO = Decimal("0")


def cents(value: Decimal) -> Decimal:
    """``value`` rounded half up to the cent."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class DebtInput:
    """One debt as the plan sees it: balance, APR in percent, minimum monthly payment."""

    id: int
    name: str
    balance: Decimal
    apr: Decimal
    minimum_payment: Decimal

    def monthly_interest(self, balance: Decimal | None = None) -> Decimal:
        """One month's interest on ``balance`` (default: the debt's balance)."""
        b = self.balance if balance is None else balance
        return cents(b * self.apr / Decimal(1200))


@dataclass(frozen=True)
class DebtMonth:
    """One debt in one month: interest added, payment made, balance after."""

    id: int
    interest: Decimal
    payment: Decimal
    balance: Decimal


@dataclass(frozen=True)
class PlanMonth:
    """One month of a plan: every debt's line and the totals."""

    month: int
    interest: Decimal
    payment: Decimal
    balance: Decimal
    debts: tuple[DebtMonth, ...]


@dataclass(frozen=True)
class StrategyPlan:
    """One strategy's outcome.

    ``months`` is the number of months to debt-free, ``None`` when the plan never ends
    (``never_paid_off``) or is still open at :data:`MAX_MONTHS` (``capped``).
    """

    strategy: str
    order: tuple[int, ...]
    months: int | None
    total_interest: Decimal
    total_paid: Decimal
    payoff_month: dict[int, int | None]
    capped: bool
    never_paid_off: bool
    schedule: tuple[PlanMonth, ...]


@dataclass(frozen=True)
class MinimumShortfall:
    """A debt whose minimum does not cover its interest: it grows when only the minimum is paid."""

    id: int
    name: str
    monthly_interest: Decimal
    minimum_payment: Decimal
    extra_needed: Decimal  # the least more per month for its balance to go down


@dataclass(frozen=True)
class DebtPlan:
    """Every strategy for the same debts and the same monthly extra."""

    extra: Decimal
    monthly_budget: Decimal
    first_month_interest: Decimal
    principal: Decimal
    strategies: dict[str, StrategyPlan]
    shortfalls: tuple[MinimumShortfall, ...]
    extra_needed: Decimal  # least extra for the plan to end at all (0 when it does)
    notes: tuple[str, ...] = field(default=())


def validate_debts(debts: Sequence[DebtInput]) -> None:
    """Refuse debts a plan cannot use, naming the debt and the field."""
    for d in debts:
        if d.balance < 0:
            raise InputError(f"debt {d.id} ({d.name}): balance must not be negative")
        if d.apr < 0:
            raise InputError(f"debt {d.id} ({d.name}): apr must not be negative")
        if d.minimum_payment < 0:
            raise InputError(f"debt {d.id} ({d.name}): minimum_payment must not be negative")
    ids = [d.id for d in debts]
    if len(set(ids)) != len(ids):
        raise InputError("debts: each debt id may appear only once")


def shortfalls(debts: Sequence[DebtInput]) -> tuple[MinimumShortfall, ...]:
    """The open debts whose minimum payment does not cover their first month's interest."""
    out = []
    for d in debts:
        if d.balance <= 0:
            continue
        interest = d.monthly_interest()
        if d.minimum_payment <= interest:
            out.append(
                MinimumShortfall(
                    id=d.id,
                    name=d.name,
                    monthly_interest=interest,
                    minimum_payment=d.minimum_payment,
                    extra_needed=interest - d.minimum_payment + CENT,
                )
            )
    return tuple(out)


def strategy_order(debts: Sequence[DebtInput], strategy: str, own: Sequence[int]) -> list[int]:
    """The ids in the order ``strategy`` pays extra to, for the current balances."""
    if strategy == "avalanche":
        ranked = sorted(debts, key=lambda d: (-d.apr, d.balance, d.id))
    elif strategy == "snowball":
        ranked = sorted(debts, key=lambda d: (d.balance, -d.apr, d.id))
    elif strategy == "own":
        return list(own)
    else:
        raise InputError(f"strategy must be one of {', '.join(STRATEGIES)}; got {strategy!r}")
    return [d.id for d in ranked]


def simulate(
    debts: Sequence[DebtInput],
    extra: Decimal,
    strategy: str,
    *,
    own_order: Sequence[int] | None = None,
    max_months: int = MAX_MONTHS,
) -> StrategyPlan:
    """Pay ``debts`` off: minimums plus ``extra`` a month, the extra in ``strategy``'s order."""
    validate_debts(debts)
    if extra < 0:
        raise InputError("extra must not be negative")
    own = _own_order(debts, own_order)
    by_id = {d.id: d for d in debts}
    balance = {d.id: d.balance for d in debts}
    budget = sum((d.minimum_payment for d in debts), ZERO) + extra
    payoff: dict[int, int | None] = {d.id: (0 if d.balance <= 0 else None) for d in debts}
    schedule: list[PlanMonth] = []
    total_interest = ZERO
    total_paid = ZERO
    never = _budget_short(debts, budget)
    month = 0
    while not never and any(b > 0 for b in balance.values()) and month < max_months:
        month += 1
        interest = {i: by_id[i].monthly_interest(b) if b > 0 else ZERO for i, b in balance.items()}
        for i in balance:
            balance[i] += interest[i]
        paid = {i: ZERO for i in balance}
        for i, b in balance.items():
            if b > 0:
                paid[i] = min(by_id[i].minimum_payment, b)
                balance[i] = b - paid[i]
        left = budget - sum(paid.values(), ZERO)
        current = [
            DebtInput(i, by_id[i].name, balance[i], by_id[i].apr, by_id[i].minimum_payment)
            for i in balance
            if balance[i] > 0
        ]
        for i in strategy_order(current, strategy, [i for i in own if balance[i] > 0]):
            if left <= 0:
                break
            pay = min(left, balance[i])
            paid[i] += pay
            balance[i] -= pay
            left -= pay
        for i, b in balance.items():
            if b <= 0 and payoff[i] is None:
                payoff[i] = month
        month_interest = sum(interest.values(), ZERO)
        month_paid = sum(paid.values(), ZERO)
        total_interest += month_interest
        total_paid += month_paid
        schedule.append(
            PlanMonth(
                month=month,
                interest=month_interest,
                payment=month_paid,
                balance=sum(balance.values(), ZERO),
                debts=tuple(DebtMonth(i, interest[i], paid[i], balance[i]) for i in balance),
            )
        )
    done = all(b <= 0 for b in balance.values())
    return StrategyPlan(
        strategy=strategy,
        order=tuple(strategy_order(debts, strategy, own)),
        months=month if done and not never else None,
        total_interest=total_interest,
        total_paid=total_paid,
        payoff_month=payoff,
        capped=not done and not never,
        never_paid_off=never,
        schedule=tuple(schedule),
    )


def _own_order(debts: Sequence[DebtInput], own_order: Sequence[int] | None) -> list[int]:
    ids = [d.id for d in debts]
    if own_order is None:
        return ids
    unknown = [i for i in own_order if i not in ids]
    if unknown:
        raise InputError(f"order: no debt with id {unknown[0]} among the user's debts")
    if len(set(own_order)) != len(own_order):
        raise InputError("order: each debt id may appear only once")
    # debts the caller left out follow in their original (creation) order
    return [*own_order, *(i for i in ids if i not in own_order)]


def _budget_short(debts: Sequence[DebtInput], budget: Decimal) -> bool:
    """True when the month's budget does not beat the interest, so the total never falls."""
    open_debts = [d for d in debts if d.balance > 0]
    if not open_debts:
        return False
    return budget <= sum((d.monthly_interest() for d in open_debts), ZERO)


def plan(
    debts: Sequence[DebtInput],
    extra: Decimal,
    *,
    own_order: Sequence[int] | None = None,
    max_months: int = MAX_MONTHS,
) -> DebtPlan:
    """Every strategy for ``debts`` with ``extra`` a month on top of the minimums."""
    validate_debts(debts)
    if extra < 0:
        raise InputError("extra must not be negative")
    strategies = {
        s: simulate(debts, extra, s, own_order=own_order, max_months=max_months) for s in STRATEGIES
    }
    first_interest = sum((d.monthly_interest() for d in debts if d.balance > 0), ZERO)
    minimums = sum((d.minimum_payment for d in debts), ZERO)
    budget = minimums + extra
    short = shortfalls(debts)
    needed = max(ZERO, first_interest - budget + CENT) if _budget_short(debts, budget) else ZERO
    notes = []
    for s in short:
        notes.append(
            f"{s.name}: the minimum {s.minimum_payment} does not cover the monthly interest "
            f"{s.monthly_interest}; paid at the minimum alone it is never paid off (at least "
            f"{s.extra_needed} more a month is needed for its balance to go down)"
        )
    if needed > 0:
        notes.append(
            f"the monthly budget {budget} does not cover the interest {first_interest}: the "
            f"debts are never paid off; at least {needed} more a month is needed"
        )
    if any(p.capped for p in strategies.values()):
        notes.append(
            f"the simulation stops at {max_months} months; a strategy still open then is "
            "reported with months = null and capped = true"
        )
    return DebtPlan(
        extra=extra,
        monthly_budget=budget,
        first_month_interest=first_interest,
        principal=sum((d.balance for d in debts if d.balance > 0), ZERO),
        strategies=strategies,
        shortfalls=short,
        extra_needed=needed,
        notes=tuple(notes),
    )


# --- splitting a monthly surplus between debt and savings ----------------------------------

#: The starter emergency fund, in months of essential spending, saved before any extra to debt.
STARTER_FUND_MONTHS = Decimal("1")
#: The full emergency fund, in months of essential spending.
FULL_FUND_MONTHS = Decimal("3")
#: The share of the surplus kept for savings while high-interest debt is paid past the starter.
SAVINGS_SHARE_WHILE_PAYING = Decimal("0.2")


@dataclass(frozen=True)
class SurplusSplit:
    """How a monthly surplus is split between extra debt payments and savings, and why."""

    surplus: Decimal
    to_debt: Decimal
    to_savings: Decimal
    stage: str
    reason: str
    emergency_fund: Decimal
    essential_monthly: Decimal
    starter_target: Decimal
    full_target: Decimal


def split_surplus(
    surplus: Decimal,
    *,
    emergency_fund: Decimal,
    essential_monthly: Decimal,
    debts: Sequence[DebtInput],
) -> SurplusSplit:
    """Emergency fund first, then high-interest debt, then the full fund, then low-interest debt.

    1. fund below ``STARTER_FUND_MONTHS`` of essentials: all of the surplus to savings;
    2. open debt at ``HIGH_INTEREST_APR`` or more: the surplus to that debt, keeping
       ``SAVINGS_SHARE_WHILE_PAYING`` for savings while the fund is below the full fund;
    3. fund below ``FULL_FUND_MONTHS``: all to savings;
    4. only low-interest debt left: half to debt, half to savings;
    5. no debt: all to savings.
    """
    starter = cents(max(essential_monthly, ZERO) * STARTER_FUND_MONTHS)
    full = cents(max(essential_monthly, ZERO) * FULL_FUND_MONTHS)
    fund = max(emergency_fund, ZERO)
    open_debts = [d for d in debts if d.balance > 0]
    high = [d for d in open_debts if d.apr >= HIGH_INTEREST_APR]

    def answer(to_debt: Decimal, stage: str, reason: str) -> SurplusSplit:
        to_debt = cents(to_debt)
        return SurplusSplit(
            surplus=cents(surplus),
            to_debt=to_debt,
            to_savings=cents(max(surplus, ZERO)) - to_debt,
            stage=stage,
            reason=reason,
            emergency_fund=cents(fund),
            essential_monthly=cents(essential_monthly),
            starter_target=starter,
            full_target=full,
        )

    if surplus <= 0:
        return answer(
            ZERO,
            "no_surplus",
            "income does not exceed spending, so there is no surplus to split; "
            "only the minimum payments are covered",
        )
    if fund < starter:
        return answer(
            ZERO,
            "starter_fund",
            f"the emergency fund {cents(fund)} is below one month of essential spending "
            f"({starter}): save the whole surplus first",
        )
    if high:
        if fund < full:
            return answer(
                surplus * (1 - SAVINGS_SHARE_WHILE_PAYING),
                "high_interest_debt",
                f"{len(high)} debt(s) at {HIGH_INTEREST_APR}% APR or more cost more than "
                f"savings earn: {int((1 - SAVINGS_SHARE_WHILE_PAYING) * 100)}% of the surplus "
                f"to them, the rest to the fund until it holds {full} "
                f"({FULL_FUND_MONTHS} months of essentials)",
            )
        return answer(
            surplus,
            "high_interest_debt",
            f"the emergency fund is full and {len(high)} debt(s) are at "
            f"{HIGH_INTEREST_APR}% APR or more: the whole surplus to them",
        )
    if fund < full:
        return answer(
            ZERO,
            "full_fund",
            f"no high-interest debt; the emergency fund {cents(fund)} is below "
            f"{FULL_FUND_MONTHS} months of essentials ({full}): save the surplus",
        )
    if open_debts:
        return answer(
            surplus / 2,
            "low_interest_debt",
            f"the fund is full and every debt is below {HIGH_INTEREST_APR}% APR: half of the "
            "surplus to paying them off early, half to savings",
        )
    return answer(ZERO, "no_debt", "no debt and the fund is full: save or invest the surplus")
