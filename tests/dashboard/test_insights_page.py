"""The Insights page: overspending risks, the budget plan and the alerts, against the real API."""

from __future__ import annotations

from fincast.dashboard import data
from fincast.dashboard.session import DashboardApi
from fincast.dashboard.views import insights


def _texts(at) -> str:  # type: ignore[no-untyped-def]
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption]
    parts += [m.label + m.value for m in at.metric]
    parts += [x.value for x in (*at.info, *at.success, *at.warning, *at.error)]
    return "\n".join(parts)


def test_insights_page_with_data(user_with_data: DashboardApi, page) -> None:  # type: ignore[no-untyped-def]
    groceries = next(c["id"] for c in data.categories(user_with_data) if c["slug"] == "groceries")
    user_with_data.write("create_budget", category_id=groceries, amount="10.00")
    at = page("insights", user_with_data)
    assert not at.exception, at.exception
    risks = user_with_data.call("overspending", threshold=1.2)
    table = at.dataframe[0].value
    chances = list(table["Chance over limit"])
    assert chances == sorted(chances, reverse=True)
    assert chances == sorted(
        (c["probability_over_limit"] for c in risks["categories"]), reverse=True
    )
    row = table[table["Category"] == "Groceries"].iloc[0]
    assert row["Limit from"] == "your budget" and row["Limit"] == "€10.00"
    assert set(table["Rule flag"]) <= {"over", "-"}
    metric = next(m for m in at.metric if m.label.startswith("Chance spending exceeds income"))
    assert metric.value == f"{risks['probability_expense_over_income']:.0%}"
    plan = user_with_data.call("budget_plan")
    lines = at.dataframe[1].value
    assert list(lines["Line"])[-1] == "Savings"
    assert list(lines["Amount"]) == [data.money(ln["amount"], "EUR") for ln in plan["lines"]]
    assert all(lines["Why"])
    reference = at.dataframe[2].value
    assert list(reference["Part"]) == ["Needs", "Wants", "Savings"]
    text = _texts(at)
    assert f"savings **{data.money(plan['savings'], 'EUR')}**" in text
    alerts = user_with_data.call("alerts")
    bars = at.get("progress")
    assert len(bars) == len(alerts["budgets"]) == 1
    assert "Groceries" in bars[0].proto.text and "€10.00" in bars[0].proto.text
    if alerts["budgets"][0]["level"] == 100:
        assert any("over budget" in e.value for e in at.error)


def test_tight_total_budget_shows_the_reason(user_with_data: DashboardApi, page) -> None:  # type: ignore[no-untyped-def]
    at = page("insights", user_with_data)
    at.number_input(key="insights_total_budget").set_value(100.0).run()
    assert not at.exception, at.exception
    assert any("total_budget: 100.00 is less than the" in w.value for w in at.warning)


def test_insights_page_without_data_says_so(new_user: DashboardApi, page) -> None:  # type: ignore[no-untyped-def]
    at = page("insights", new_user)
    assert not at.exception, at.exception
    text = _texts(at)
    assert "Not available yet" in text and "at least 3 complete months" in text
    assert "no transactions yet" in text


def test_alert_rows_and_tables_are_shaped_from_the_answer() -> None:
    result = {
        "budgets": [
            {
                "category": "total",
                "spent": "1200.00",
                "limit": "1000.00",
                "used_pct": 120.0,
                "level": 100,
                "projected": "1500.00",
                "projection": "month_complete",
                "message": "all spending: over budget",
            },
            {
                "category": "travel",
                "spent": "5.00",
                "limit": "0.00",
                "used_pct": None,
                "level": 100,
                "projected": "9.00",
                "projection": "pace",
                "message": "travel",
            },
        ]
    }
    rows = insights.alert_rows(result, {}, "USD")
    assert rows[0]["share"] == 1.0
    assert rows[0]["label"] == (
        "All spending: $1,200.00 of $1,000.00 - month end $1,500.00 (month complete)"
    )
    assert rows[1]["share"] == 1.0 and "Travel" in rows[1]["label"]
