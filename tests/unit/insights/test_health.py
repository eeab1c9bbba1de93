"""The financial health score: points per indicator, tiers, too little data, history."""

from __future__ import annotations

import datetime as dt

import pytest

from fincast.insights.health import (
    NOT_ENOUGH,
    BillSeries,
    DebtInfo,
    GoalStatus,
    HealthInputs,
    fee_matches,
    health_score,
    monthly_check,
    ramp,
    score_history,
    tier,
)
from tests.unit.insights.wellbeing_support import table

ESSENTIAL = frozenset({"housing", "groceries"})


def by_key(score):  # type: ignore[no-untyped-def]
    return {c.key: c for c in score.components}


def healthy_inputs(**changes):  # type: ignore[no-untyped-def]
    t = table(5000.0, {"housing": 1500.0, "groceries": 500.0, "dining": 1500.0}, months=24)
    base = {
        "table": t,
        "essential": ESSENTIAL,
        "liquid_balance": 25_000.0,
        "fee_dates": (),
        "bills": (BillSeries("landlord", dt.date(2024, 1, 1), dt.date(2025, 12, 1), 24, ()),),
        "debts": (),
        "budgets": {"dining": 1600.0},
        "goals": (GoalStatus("fund", 0.9),),
    }
    base.update(changes)
    return HealthInputs(**base)


def test_tiers_and_ramp() -> None:
    assert [tier(s) for s in (100, 80, 79, 40, 39, 0)] == [
        "Healthy",
        "Healthy",
        "Coping",
        "Coping",
        "Vulnerable",
        "Vulnerable",
    ]
    assert tier(None) == NOT_ENOUGH
    assert ramp(0.95, 0.85, 1.05) == pytest.approx(0.5)
    assert ramp(0.5, 0.85, 1.05) == 1.0 and ramp(2.0, 0.85, 1.05) == 0.0


def test_a_healthy_household_scores_100() -> None:
    s = health_score(healthy_inputs())
    assert s.score == 100 and s.tier == "Healthy" and s.measured == 8
    assert s.status == "excellent"
    assert s.savings_rate == pytest.approx(0.3)
    c = by_key(s)
    assert c["spend_less_than_income"].value == pytest.approx(0.7)
    assert c["liquid_savings"].value == pytest.approx(25_000 / 3500, abs=0.01)
    assert c["bills_on_time"].value == 1.0
    assert c["debt_to_income"].value == 0.0
    assert all(x.points == 12.5 for x in s.components)
    assert s.recommendations == ()


def test_partial_points_and_their_steps() -> None:
    # spending 95% of income: half the points of that indicator; no budgets, no goals
    t = table(4000.0, {"housing": 1800.0, "dining": 2000.0}, months=24)
    s = health_score(healthy_inputs(table=t, liquid_balance=3 * 3800.0, budgets={}, goals=()))
    c = by_key(s)
    assert c["spend_less_than_income"].value == pytest.approx(0.95)
    assert c["spend_less_than_income"].points == pytest.approx(6.25)
    assert "dining" in c["spend_less_than_income"].step  # the largest discretionary one
    assert c["liquid_savings"].points == pytest.approx(6.25)  # 3 of 6 months
    assert "6 months" in c["liquid_savings"].step
    assert c["long_term_saving_rate"].value == pytest.approx(0.05)
    assert c["long_term_saving_rate"].points == pytest.approx(12.5 * 0.25, abs=0.01)
    assert c["planning"].points == 0.0 and "budget" in c["planning"].step
    # 6.25 + 12.5 + 12.5 + 6.25 + 3.125 + 12.5 + 12.5 + 0 = 65.625 of 100
    assert s.score == 66 and s.tier == "Coping" and s.status == "good"
    assert s.recommendations[0] == c["planning"].step  # the biggest loss first


def test_negative_savings_fees_and_a_debt_growing_under_its_minimum() -> None:
    t = table(3000.0, {"housing": 2000.0, "dining": 1300.0}, months=12)
    debts = (DebtInfo("card", 9000.0, 24.0, 150.0),)  # interest 180 a month > 150
    fees = tuple(dt.date(2025, m, 3) for m in (3, 6, 9, 11))
    s = health_score(healthy_inputs(table=t, liquid_balance=-200.0, fee_dates=fees, debts=debts))
    c = by_key(s)
    assert c["spend_less_than_income"].points == 0.0
    assert c["no_fees"].value == 4.0 and c["no_fees"].points == 0.0
    assert c["liquid_savings"].value == 0.0
    assert c["long_term_saving_rate"].value == pytest.approx(-0.1)
    assert c["debt_to_income"].value == pytest.approx(9000 / 36000)
    assert c["debt_payments"].points == 0.0
    assert "does not cover its interest" in c["debt_payments"].step
    assert s.tier == "Vulnerable" and s.status == "critical"
    assert s.savings_rate == pytest.approx(-0.1)


def test_nine_transactions_over_five_years_is_not_enough_data() -> None:
    income = [0.0] * 60
    spend = [0.0] * 60
    for i in (0, 7, 15, 22, 30, 38):
        spend[i] = 40.0
    for i in (3, 29, 55):
        income[i] = 900.0
    t = table(income, {"other": spend})
    s = health_score(HealthInputs(table=t, liquid_balance=500.0, fee_dates=()))
    assert s.score is None and s.tier == NOT_ENOUGH and s.status == "not_enough_data"
    c = by_key(s)
    for key in ("spend_less_than_income", "no_fees", "liquid_savings", "long_term_saving_rate"):
        assert c[key].points is None and c[key].display == NOT_ENOUGH
    assert s.measured < 4
    assert "excellent" not in repr(s.to_dict())
    check = monthly_check(t)
    assert check["status"] == "not_enough_data" and check["savings_rate"] is None


def test_one_month_of_history() -> None:
    t = table(4000.0, {"housing": 1500.0}, months=1)
    s = health_score(HealthInputs(table=t, liquid_balance=1000.0, fee_dates=()))
    assert s.score is None and s.month == "2025-12"
    assert by_key(s)["spend_less_than_income"].points is None


def test_an_empty_ledger() -> None:
    t = table([], {"housing": []})
    s = health_score(HealthInputs(table=t))
    assert s.score is None and s.month is None and len(s.components) == 8


def test_a_month_without_income_counts_as_a_deficit_month() -> None:
    income = [5000.0] * 12
    income[5] = 0.0
    t = table(income, {"housing": 3000.0})
    c = by_key(health_score(healthy_inputs(table=t)))
    assert c["spend_less_than_income"].value == pytest.approx(36000 / 55000, abs=1e-4)
    assert "1 of 12 months over income" in c["spend_less_than_income"].display


def test_debt_payments_without_recorded_debts_are_unknown() -> None:
    t = table(5000.0, {"housing": 1500.0, "debt_payments": 400.0}, months=12)
    c = by_key(health_score(healthy_inputs(table=t)))
    assert c["debt_to_income"].points is None and c["debt_payments"].points is None
    assert "Record your debts" in c["debt_to_income"].step


def test_missed_bills_and_budgets_over() -> None:
    bills = (
        BillSeries(
            "gym",
            dt.date(2025, 1, 1),
            dt.date(2025, 12, 1),
            9,
            (dt.date(2025, 4, 1), dt.date(2025, 7, 1), dt.date(2025, 10, 1)),
        ),
    )
    s = health_score(healthy_inputs(bills=bills, budgets={"dining": 1000.0}))
    c = by_key(s)
    assert c["bills_on_time"].value == pytest.approx(0.75)
    assert c["bills_on_time"].points == 0.0
    # budget set, not kept, goal set and on track: 3 of 4
    assert c["planning"].value == pytest.approx(0.75)


def test_history_reads_each_month_with_its_balance() -> None:
    inp = healthy_inputs()
    balances = {m: 1000.0 * (i + 1) for i, m in enumerate(inp.table["year_month"])}
    hist = score_history(inp, balances=balances)
    assert [h["month"] for h in hist] == list(inp.table["year_month"].tail(12))
    scores = [h["score"] for h in hist]
    assert scores == sorted(scores)  # the fund grows month by month
    assert scores[-1] == 100
    assert all(h["measured"] == 8 for h in hist)


def test_fee_words() -> None:
    texts = [
        "OVERDRAFT FEE",
        "Late payment fee card",
        "NSF charge",
        "Transfer to savings",
        "Netflix",
    ]
    assert fee_matches(texts).tolist() == [True, True, True, False, False]


def test_the_compatible_check_keeps_the_source_rule_on_enough_data() -> None:
    good = monthly_check(table(5000.0, {"housing": 3500.0}, months=24))
    assert good["status"] == "excellent" and good["savings_rate"] == pytest.approx(0.3)
    assert "/api/insights/health" in good["recommendations"][-1]
    low = monthly_check(table(5000.0, {"housing": 4700.0}, months=24))
    assert low["status"] == "needs_attention" and low["savings_rate"] == pytest.approx(0.06)
    bad = monthly_check(table(5000.0, {"housing": 5500.0}, months=6))
    assert bad["status"] == "critical" and bad["savings_rate"] == pytest.approx(-0.1)
    assert [c["key"] for c in bad["components"]] == [
        "spend_less_than_income",
        "long_term_saving_rate",
    ]


def test_the_compatible_check_names_a_discretionary_category() -> None:
    check = monthly_check(table(4000.0, {"housing": 2500.0, "dining": 1300.0}, months=12))
    assert check["status"] == "needs_attention"
    assert any("starting with dining" in r for r in check["recommendations"])
