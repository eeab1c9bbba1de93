"""Budget alerts: levels at 80/90/100 %, projections by forecast, pace or a finished month."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from fincast.insights.alerts import TOTAL, BudgetInput, crossed, month_alerts

D = Decimal


def test_levels() -> None:
    assert crossed(D("79.99"), D("100")) is None
    assert crossed(D("80"), D("100")) == 80
    assert crossed(D("95"), D("100")) == 90
    assert crossed(D("100"), D("100")) == 100
    assert crossed(D("0"), D("0")) is None
    assert crossed(D("1"), D("0")) == 100


def test_forecast_projection_and_messages() -> None:
    budgets = [
        BudgetInput(1, "groceries", D("400")),
        BudgetInput(2, "dining", D("200")),
        BudgetInput(3, TOTAL, D("3000")),
    ]
    spent = {"groceries": D("330"), "dining": D("50"), TOTAL: D("2500")}
    expected = {"groceries": D("420"), "dining": D("180"), TOTAL: D("3100")}
    result = month_alerts(budgets, spent, as_of=dt.date(2026, 4, 10), expected=expected)
    assert result.month == "2026-04"
    assert (result.days_elapsed, result.days_in_month) == (10, 30)
    by = {b.category: b for b in result.budgets}
    g = by["groceries"]
    assert g.level == 80 and g.used_pct == 82.5
    assert g.projection == "forecast"
    # 420 * 20/30 = 280 for the days left, but only 420 - 330 = 90 is left of the forecast
    assert g.projected == D("420.00")
    assert g.projected_level == 100
    assert g.message == (
        "groceries: 330.00 of 400.00 spent, 80% of the budget reached; "
        "month end 420.00 (by the forecast), heading over budget"
    )
    d = by["dining"]
    assert d.level is None and d.projected == D("170.00") and d.projected_level == 80  # 50 + 120
    t = by[TOTAL]
    assert t.projected == D("3100.00") and t.projected_level == 100
    assert t.message.startswith("all spending: 2,500.00 of 3,000.00 spent")
    assert [b.category for b in result.budgets] == ["groceries", "total", "dining"]
    assert {a.category for a in result.alerts} == {"groceries", "dining", "total"}


def test_pace_without_forecast_and_finished_month() -> None:
    budgets = [BudgetInput(1, "travel", D("300")), BudgetInput(2, "shopping", D("100"))]
    mid = month_alerts(budgets, {"travel": D("150")}, as_of=dt.date(2026, 2, 14))
    travel = next(b for b in mid.budgets if b.category == "travel")
    assert travel.projection == "pace"
    assert travel.projected == D("300.00")  # 150 * 28 / 14
    assert travel.projected_level == 100 and travel.level is None
    shopping = next(b for b in mid.budgets if b.category == "shopping")
    assert shopping.spent == D("0.00") and shopping.projected == D("0.00")
    assert shopping.level is None and shopping not in mid.alerts
    end = month_alerts(budgets, {"travel": D("310")}, as_of=dt.date(2026, 2, 28))
    travel = next(b for b in end.budgets if b.category == "travel")
    assert travel.projection == "month_complete" and travel.projected == D("310.00")
    assert travel.level == 100
    assert travel.message == "travel: 310.00 of 300.00 spent, over budget; month end 310.00 (final)"


def test_a_bill_paid_up_front_is_not_projected_twice() -> None:
    budgets = [BudgetInput(1, "housing", D("1960"))]
    result = month_alerts(
        budgets, {"housing": D("1960")}, as_of=dt.date(2026, 5, 2), expected={"housing": D("1960")}
    )
    (h,) = result.budgets
    assert h.projection == "forecast" and h.projected == D("1960.00")
    assert h.level == 100 and h.projected_level == 100
    assert h.message == (
        "housing: 1,960.00 of 1,960.00 spent, budget reached; month end 1,960.00 (by the forecast)"
    )
