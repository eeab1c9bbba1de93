"""Investment readiness: the verdict from emergency fund, high-interest debt, saving, income."""

from __future__ import annotations

import pytest

from fincast.insights.health import DebtInfo
from fincast.insights.readiness import readiness
from tests.unit.insights.wellbeing_support import table

STEADY = table(5000.0, {"housing": 2000.0, "dining": 1000.0})  # saves 40%, spends 3000


def checks(r):  # type: ignore[no-untyped-def]
    return {c.key: c for c in r.checks}


def test_ready() -> None:
    r = readiness(STEADY, liquid_balance=20_000.0, debts=[DebtInfo("car", 8000, 4.5, 250)])
    assert r.verdict == "ready"
    c = checks(r)
    assert c["emergency_fund"].value == pytest.approx(6.67, abs=0.01)
    assert c["income_stability"].value == 0.0
    assert c["saving_rate"].value == pytest.approx(0.4)
    assert c["high_interest_debt"].status == "pass"


def test_steady_income_needs_three_months_only() -> None:
    r = readiness(STEADY, liquid_balance=9_500.0, debts=[])
    assert checks(r)["emergency_fund"].status == "pass" and r.verdict == "ready"


def test_high_interest_debt_means_not_ready_and_says_which() -> None:
    r = readiness(STEADY, liquid_balance=20_000.0, debts=[DebtInfo("card", 3000, 22.9, 90)])
    assert r.verdict == "not ready"
    assert checks(r)["high_interest_debt"].value == 3000
    assert "card (22.9%)" in r.reasons[0]


def test_unstable_income_and_a_small_fund_is_building() -> None:
    income = [
        5000.0,
        2000.0,
        7000.0,
        0.0,
        6000.0,
        5000.0,
        3000.0,
        8000.0,
        4000.0,
        5000.0,
        6000.0,
        9000.0,
    ]
    t = table(income, {"housing": 2000.0, "dining": 1000.0})
    r = readiness(t, liquid_balance=12_000.0, debts=[])  # 4 months: enough only if stable
    c = checks(r)
    assert c["income_stability"].status == "building"
    assert "1 month(s) without income" in c["income_stability"].reason
    assert c["emergency_fund"].status == "building"
    assert r.verdict == "building"


def test_negative_savings_fail() -> None:
    t = table(3000.0, {"housing": 2500.0, "dining": 800.0})
    r = readiness(t, liquid_balance=50_000.0, debts=[])
    assert checks(r)["saving_rate"].status == "fail"
    assert checks(r)["saving_rate"].value == pytest.approx(-0.1)
    assert r.verdict == "not ready"


def test_unknown_balance_or_short_history_is_not_enough_data() -> None:
    assert readiness(STEADY, liquid_balance=None, debts=[]).verdict == "not enough data"
    one = table(5000.0, {"housing": 2000.0}, months=1)
    r = readiness(one, liquid_balance=10_000.0, debts=[])
    assert r.verdict == "not enough data"
    assert checks(r)["saving_rate"].status == "unknown"


def test_debt_payments_with_no_debt_recorded_are_unknown() -> None:
    t = table(5000.0, {"housing": 2000.0, "debt_payments": 350.0})
    r = readiness(t, liquid_balance=30_000.0, debts=[])
    assert checks(r)["high_interest_debt"].status == "unknown"
    assert r.verdict == "not enough data"
    assert "no debt is recorded" in r.reasons[0]
