"""The dashboard's figures: pure functions of API answers, checked trace by trace."""

import pandas as pd

from fincast.dashboard import charts
from fincast.dashboard.data import colour


def _monthly() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "year_month": ["2024-01", "2024-02", "2024-03"],
            "total_income": [3000.0, 3000.0, 3100.0],
            "groceries": [400.0, 380.0, 420.0],
            "debt_payments": [100.0, 150.0, 900.0],
            "total_expense": [500.0, 530.0, 1320.0],
            "savings": [2500.0, 2470.0, 1780.0],
        }
    )


def test_interval_accepts_pairs_and_mappings() -> None:
    assert charts.interval([1, 2]) == (1.0, 2.0)
    assert charts.interval({"lower": 1, "upper": 3}) == (1.0, 3.0)


def test_income_vs_expense_has_income_spending_and_savings() -> None:
    fig = charts.income_vs_expense(_monthly(), currency="EUR")
    assert [t.name for t in fig.data] == ["Income", "Spending", "Saved"]
    assert list(fig.data[2].y) == [2500.0, 2470.0, 1780.0]
    assert fig.layout.yaxis.tickprefix == "€"


def test_category_stack_uses_human_names_biggest_first_and_fixed_colours() -> None:
    fig = charts.category_stack(_monthly(), names={"groceries": "Food shop"})
    # debt payments total 1,150 and groceries 1,200: groceries first, named by the user.
    assert [t.name for t in fig.data] == ["Food shop", "Debt payments"]
    assert fig.data[0].marker.color == colour("groceries")
    assert fig.data[1].marker.color == colour("debt_payments")


def test_a_category_has_the_same_colour_on_every_chart() -> None:
    donut = charts.category_donut({"groceries": 10.0, "debt_payments": 5.0, "travel": 0.0})
    assert list(donut.data[0].labels) == ["Groceries", "Debt payments"]  # nothing for zero
    stack = charts.category_stack(_monthly())
    by_name = {t.name: t.marker.color for t in stack.data}
    assert list(donut.data[0].marker.colors) == [by_name["Groceries"], by_name["Debt payments"]]


def test_household_forecast_shades_the_range_around_the_forecast() -> None:
    series = {
        "name": "total_expense",
        "method": "ets",
        "months": [
            {"month": "2024-04", "forecast": 600.0, "lower": 450.0, "upper": 900.0},
            {"month": "2024-05", "forecast": 610.0, "lower": 440.0, "upper": 950.0},
        ],
    }
    fig = charts.household_forecast(
        _monthly(), series, history_column="total_expense", level=0.95, name="Spending"
    )
    actual, band, point = fig.data
    assert list(actual.y) == [500.0, 530.0, 1320.0]
    assert list(band.y) == [900.0, 950.0, 440.0, 450.0]  # upper out, lower back
    assert band.name == "95% range"
    assert list(point.y) == [600.0, 610.0]
    assert fig.layout.title.text == "Spending: history and forecast"


def test_forecast_table_has_one_row_per_series_and_month() -> None:
    answer = {
        "series": [
            {
                "name": "groceries",
                "method": "seasonal",
                "months": [{"month": "2024-04", "forecast": 1, "lower": 0, "upper": 2}],
            },
            {
                "name": "debt_payments",
                "method": "fixed",
                "months": [
                    {"month": "2024-04", "forecast": 3, "lower": 3, "upper": 3},
                    {"month": "2024-05", "forecast": 3, "lower": 3, "upper": 3},
                ],
            },
        ]
    }
    table = charts.forecast_table(answer)
    assert table["series"].tolist() == ["Groceries", "Debt payments", "Debt payments"]
    assert table["month"].tolist() == ["2024-04", "2024-04", "2024-05"]
    assert charts.forecast_table({}).empty
