"""The budgets, goals and debts forms offer the user's currencies; lists show each row's."""

from __future__ import annotations

from typing import Any

from fincast.dashboard.session import DashboardApi


def test_a_single_currency_user_gets_no_currency_picker(
    user_with_data: DashboardApi, page: Any
) -> None:
    at = page("goals", user_with_data)
    assert not at.exception, at.exception
    assert "Currency" not in [s.label for s in at.selectbox]


def test_goals_and_debts_are_made_in_the_currency_picked(
    user_with_data: DashboardApi, page: Any
) -> None:
    user_with_data.write("create_account", "Dollars", currency="USD")
    at = page("goals", user_with_data)
    assert not at.exception, at.exception
    goal_currency = at.selectbox(key="goal_currency")
    assert goal_currency.options == ["EUR", "USD"] and goal_currency.value == "EUR"
    at.text_input[0].input("Trip")
    goal_currency.set_value("USD")
    next(b for b in at.button if b.label == "Create goal").click().run()
    at.text_input[1].input("Card")
    next(b for b in at.button if b.label == "Create debt").click().run()
    assert not at.exception, at.exception
    goals = user_with_data.call("goals")["data"]
    debts = user_with_data.call("debts")["data"]
    assert [(g["name"], g["currency"]) for g in goals] == [("Trip", "USD")]
    assert [(d["name"], d["currency"]) for d in debts] == [("Card", "EUR")]  # the primary
    tables = [str(t.value) for t in at.table]
    assert any("USD" in t and "Trip" in t for t in tables)
    assert any("EUR" in t and "Card" in t for t in tables)


def test_a_budget_is_made_in_the_currency_picked(user_with_data: DashboardApi, page: Any) -> None:
    user_with_data.write("create_account", "Dollars", currency="USD")
    at = page("budgets", user_with_data)
    at.selectbox(key="budget_currency").set_value("USD")
    at.number_input[0].set_value(250.0)
    next(b for b in at.button if b.label == "Create budget").click().run()
    assert not at.exception, at.exception
    (budget,) = user_with_data.call("budgets")["data"]
    assert (budget["amount"], budget["currency"]) == ("250.00", "USD")
    (bar,) = at.get("progress")
    # Against the USD spending alone: the user's transactions are all in EUR.
    assert "$0.00 of $250.00" in bar.proto.text and bar.proto.value == 0
