"""The budget plan: floors first, essentials next, savings last, never over the budget."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fincast.errors import InputError
from fincast.insights.budget import CategoryNeed, plan_budget

D = Decimal


def _issue_needs() -> list[CategoryNeed]:
    # The issue's household: rent 1,960 and a 349 minimum debt payment are fixed.
    return [
        CategoryNeed("housing", D("1960"), True, D("1960"), "Rent 1,960.00"),
        CategoryNeed("debt_payments", D("349"), True, D("349"), "minimum payments"),
        CategoryNeed("groceries", D("600"), True),
        CategoryNeed("dining", D("400"), False),
        CategoryNeed("entertainment", D("200"), False),
    ]


def _by(plan, name):  # type: ignore[no-untyped-def]
    return next(line for line in plan.lines if line.category == name)


def test_fixed_bills_are_never_cut_under_a_tight_budget() -> None:
    plan = plan_budget(_issue_needs(), D("3000"))
    assert _by(plan, "housing").amount == D("1960.00")
    assert _by(plan, "debt_payments").amount == D("349.00")
    # essentials get their forecast before any discretionary money: 3000-1960-349 = 691
    assert _by(plan, "groceries").amount == D("600.00")
    # 91 left for 600 of discretionary wishes: each gets the same 15.16..% share
    assert _by(plan, "dining").amount == D("60.67")  # with the leftover cent
    assert _by(plan, "entertainment").amount == D("30.33")
    assert _by(plan, "dining").basis == "cut"
    assert plan.planned_spending + plan.savings == D("3000.00")
    assert plan.savings == D("0.00")
    assert "covers the fixed bills" in _by(plan, "housing").reason
    assert "Rent 1,960.00" in _by(plan, "housing").reason
    assert plan.warnings == (
        "the lines' targets (3,509.00: your budgets where set, else the forecast) do not fit "
        "in 3,000.00: 2 line(s) were cut",
        "nothing is left to save this month",
    )


def test_plenty_of_budget_keeps_forecasts_and_saves_the_rest() -> None:
    plan = plan_budget(_issue_needs(), D("5000"), safety_margin=D("0.1"))
    assert plan.available == D("4500.00")
    assert [ln.amount for ln in plan.lines[:-1]] == [
        D("1960.00"),
        D("600.00"),
        D("349.00"),
        D("400.00"),
        D("200.00"),
    ]
    assert plan.lines[-1].category == "savings"
    assert plan.savings == D("991.00")
    assert "10% safety margin of 500.00" in plan.lines[-1].reason
    ref = plan.reference_50_30_20
    assert ref["needs"]["reference"] == D("2500.00")
    assert ref["needs"]["planned"] == D("2909.00")
    assert ref["wants"]["planned"] == D("600.00")
    assert ref["savings"]["reference"] == D("1000.00")
    assert ref["savings"]["planned_share"] == D("0.198")
    assert plan.warnings == ()


def test_own_budget_is_used_but_not_below_the_fixed_bills() -> None:
    needs = [
        CategoryNeed("housing", D("1900"), True, D("1960"), "Rent", own_budget=D("1500")),
        CategoryNeed("dining", D("300"), False, own_budget=D("450")),
    ]
    plan = plan_budget(needs, D("4000"))
    housing, dining = _by(plan, "housing"), _by(plan, "dining")
    assert housing.amount == D("1960.00")
    assert housing.basis == "fixed"
    assert "your budget of 1,500.00 is below them" in housing.reason
    assert dining.amount == D("450.00")
    assert dining.basis == "own_budget"
    assert plan.savings == D("1590.00")


def test_budget_below_the_fixed_bills_names_total_budget() -> None:
    expected = r"total_budget: 2,000.00 leaves 1,800.00 after the 10% safety margin, and is less"
    with pytest.raises(InputError, match=expected) as exc:
        plan_budget(_issue_needs(), D("2000"), safety_margin=D("0.1"))
    assert "2,309.00" in str(exc.value)
    assert "at least 2,565.56" in str(exc.value)


def test_bad_inputs_name_the_field() -> None:
    with pytest.raises(InputError, match="total_budget"):
        plan_budget(_issue_needs(), D("-1"))
    with pytest.raises(InputError, match="safety_margin"):
        plan_budget(_issue_needs(), D("5000"), safety_margin=D("0.9"))


def test_no_spending_and_zero_budget() -> None:
    plan = plan_budget([CategoryNeed("dining", D("0"), False)], D("0"))
    assert _by(plan, "dining").amount == D("0.00")
    assert plan.savings == D("0.00")
    assert "nothing is left to save this month" in plan.warnings
    assert plan.reference_50_30_20["needs"]["planned_share"] == D("0")


def test_forecast_above_income_gives_zero_savings_not_negative() -> None:
    needs = [CategoryNeed("groceries", D("900"), True), CategoryNeed("travel", D("800"), False)]
    plan = plan_budget(needs, D("1000"))
    assert _by(plan, "groceries").amount == D("900.00")
    assert _by(plan, "travel").amount == D("100.00")
    assert plan.savings == D("0.00")


amounts = st.decimals(min_value=0, max_value=5000, places=2)
need = st.builds(
    CategoryNeed,
    category=st.sampled_from(["a", "b", "c", "d", "e", "f"]),
    expected=amounts,
    essential=st.booleans(),
    fixed=amounts,
    own_budget=st.none() | amounts,
)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(need, min_size=1, max_size=6, unique_by=lambda n: n.category),
    st.decimals(min_value=0, max_value=30000, places=2),
    st.decimals(min_value=0, max_value=D("0.5"), places=2),
)
def test_never_over_budget_never_below_floors(needs, total, margin) -> None:  # type: ignore[no-untyped-def]
    floors = sum(n.fixed for n in needs)
    available = (total * (1 - margin)).quantize(D("0.01"), rounding="ROUND_DOWN")
    if floors > available:
        with pytest.raises(InputError, match="total_budget"):
            plan_budget(needs, total, safety_margin=margin)
        return
    plan = plan_budget(needs, total, safety_margin=margin)
    spend = [ln for ln in plan.lines if ln.category != "savings"]
    assert sum(ln.amount for ln in spend) + plan.savings == plan.available
    assert plan.available <= total
    assert plan.savings >= 0
    for n in needs:
        line = _by(plan, n.category)
        assert line.amount >= n.fixed
        assert line.amount <= max(n.target, n.fixed)
        assert line.reason
    # essentials are cut only once the discretionary lines are at their floors
    if any(ln.basis == "cut" and ln.essential for ln in spend):
        assert all(ln.amount == ln.floor for ln in spend if not ln.essential)
