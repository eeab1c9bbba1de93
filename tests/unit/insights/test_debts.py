"""The debt plan's simulation and the surplus split: exact figures, edge cases, invariants."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fincast.errors import InputError
from fincast.insights.debts import (
    MAX_MONTHS,
    DebtInput,
    plan,
    shortfalls,
    simulate,
    split_surplus,
)

CARD = DebtInput(1, "card", D("5000"), D("22.9"), D("150"))
CAR = DebtInput(2, "car", D("12000"), D("6.5"), D("300"))
STORE = DebtInput(3, "store", D("800"), D("28"), D("40"))


def test_one_debt_by_hand() -> None:
    # 1000 at 12% APR (1% a month), 500 a month: 1010 - 500 = 510; 515.10 - 500 = 15.10;
    # 15.25 paid off in the third month
    p = simulate([DebtInput(1, "loan", D("1000"), D("12"), D("500"))], D("0"), "own")
    assert p.months == 3
    assert [m.interest for m in p.schedule] == [D("10.00"), D("5.10"), D("0.15")]
    assert [m.payment for m in p.schedule] == [D("500"), D("500"), D("15.25")]
    assert [m.balance for m in p.schedule] == [D("510"), D("15.10"), D("0.00")]
    assert p.total_interest == D("15.25")
    assert p.total_paid == D("1015.25")


def test_avalanche_pays_least_interest_and_snowball_clears_smallest_first() -> None:
    result = plan([CARD, CAR, STORE], D("200"))
    a, s, o = (result.strategies[k] for k in ("avalanche", "snowball", "own"))
    assert a.order == (3, 1, 2) and s.order == (3, 1, 2) and o.order == (1, 2, 3)
    assert (a.months, a.total_interest) == (30, D("2315.26"))
    assert (o.months, o.total_interest) == (30, D("2395.85"))
    assert a.total_interest <= o.total_interest
    assert s.payoff_month[3] == 4  # the smallest is gone first
    # rolled-over minimums: after the store card, its 40 goes to the next debt
    assert all(m.payment == D("690") for m in a.schedule[:-1])


def test_snowball_differs_from_avalanche_when_the_small_debt_is_cheap() -> None:
    small_cheap = DebtInput(1, "small", D("500"), D("3"), D("25"))
    big_dear = DebtInput(2, "big", D("6000"), D("24"), D("120"))
    result = plan([small_cheap, big_dear], D("100"))
    a, s = result.strategies["avalanche"], result.strategies["snowball"]
    assert a.order == (2, 1) and s.order == (1, 2)
    assert s.payoff_month[1] < a.payoff_month[1]  # type: ignore[operator]
    assert a.total_interest < s.total_interest


def test_minimum_below_interest_is_never_paid_off_and_says_what_is_needed() -> None:
    bad = DebtInput(7, "payday", D("10000"), D("24"), D("150"))
    assert shortfalls([bad])[0].extra_needed == D("50.01")
    result = plan([bad], D("0"))
    for p in result.strategies.values():
        assert p.months is None and p.never_paid_off and not p.capped and p.schedule == ()
    assert result.extra_needed == D("50.01")
    assert any("never paid off" in n for n in result.notes)
    # 50.01 more is enough to end it, within the cap
    ends = plan([bad], D("50.01")).strategies["own"]
    assert ends.months is not None and ends.months <= MAX_MONTHS
    # the growing debt is carried by the rest of the budget in a bigger plan
    mixed = plan([bad, STORE], D("100"))
    assert mixed.extra_needed == 0
    assert mixed.shortfalls[0].id == 7
    assert mixed.strategies["avalanche"].months is not None


def test_cap_stops_a_plan_that_ends_too_late() -> None:
    slow = DebtInput(1, "slow", D("100000"), D("5"), D("420"))  # interest 416.67
    p = simulate([slow], D("0"), "avalanche", max_months=60)
    assert p.capped and p.months is None and not p.never_paid_off and len(p.schedule) == 60
    assert p.schedule[-1].balance < slow.balance
    notes = plan([slow], D("0"), max_months=60).notes
    assert any("stops at 60 months" in n for n in notes)


def test_zero_balance_zero_apr_and_no_debts() -> None:
    assert plan([], D("50")).strategies["own"].months == 0
    paid = simulate([DebtInput(1, "done", D("0"), D("10"), D("20"))], D("0"), "snowball")
    assert paid.months == 0 and paid.payoff_month == {1: 0}
    free = simulate([DebtInput(1, "family", D("1000"), D("0"), D("100"))], D("0"), "own")
    assert free.months == 10 and free.total_interest == 0


def test_bad_input_names_the_field() -> None:
    with pytest.raises(InputError, match="extra"):
        plan([CARD], D("-1"))
    with pytest.raises(InputError, match="apr"):
        plan([DebtInput(1, "x", D("10"), D("-1"), D("5"))], D("0"))
    with pytest.raises(InputError, match="order"):
        plan([CARD], D("0"), own_order=[99])
    with pytest.raises(InputError, match="strategy"):
        simulate([CARD], D("0"), "fastest")


debt_st = st.builds(
    DebtInput,
    id=st.integers(1, 1_000_000),
    name=st.just("d"),
    balance=st.decimals(D("0"), D("50000"), places=2),
    apr=st.decimals(D("0"), D("36"), places=2),
    minimum_payment=st.decimals(D("0"), D("2000"), places=2),
)


@settings(max_examples=60, deadline=None)
@given(
    debts=st.lists(debt_st, min_size=1, max_size=4, unique_by=lambda d: d.id),
    extra=st.decimals(D("0"), D("3000"), places=2),
    strategy=st.sampled_from(["avalanche", "snowball", "own"]),
)
def test_schedule_invariants(debts: list[DebtInput], extra: D, strategy: str) -> None:
    p = simulate(debts, extra, strategy, max_months=240)
    principal = sum((d.balance for d in debts), D("0"))
    budget = sum((d.minimum_payment for d in debts), D("0")) + extra
    for m in p.schedule:
        assert all(line.balance >= 0 for line in m.debts)
        assert m.payment <= budget
    if p.months is not None:
        assert p.total_paid == principal + p.total_interest
        assert p.schedule == () or p.schedule[-1].balance == 0
    else:
        # open at the end: what was paid plus what is left is principal plus interest
        left = p.schedule[-1].balance if p.schedule else principal
        assert p.total_paid + left == principal + p.total_interest


def test_surplus_split_stages() -> None:
    essentials = D("2000")
    nothing = split_surplus(D("-50"), emergency_fund=D("0"), essential_monthly=essentials, debts=[])
    assert (nothing.stage, nothing.to_debt, nothing.to_savings) == ("no_surplus", 0, 0)
    starter = split_surplus(
        D("500"), emergency_fund=D("1500"), essential_monthly=essentials, debts=[CARD]
    )
    assert (starter.stage, starter.to_debt, starter.to_savings) == ("starter_fund", 0, D("500"))
    paying = split_surplus(
        D("500"), emergency_fund=D("2500"), essential_monthly=essentials, debts=[CARD]
    )
    assert (paying.stage, paying.to_debt, paying.to_savings) == (
        "high_interest_debt",
        D("400.00"),
        D("100.00"),
    )
    full = split_surplus(
        D("500"), emergency_fund=D("6000"), essential_monthly=essentials, debts=[CARD]
    )
    assert (full.to_debt, full.to_savings) == (D("500"), D("0"))
    low = split_surplus(
        D("500"), emergency_fund=D("2500"), essential_monthly=essentials, debts=[CAR]
    )
    assert (low.stage, low.to_debt) == ("full_fund", 0)
    low_full = split_surplus(
        D("500"), emergency_fund=D("6000"), essential_monthly=essentials, debts=[CAR]
    )
    assert (low_full.stage, low_full.to_debt, low_full.to_savings) == (
        "low_interest_debt",
        D("250.00"),
        D("250.00"),
    )
    free = split_surplus(D("500"), emergency_fund=D("6000"), essential_monthly=essentials, debts=[])
    assert (free.stage, free.to_savings) == ("no_debt", D("500"))
