import pandas as pd

from fincast.dashboard import charts


def _monthly() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "year_month": ["2024-01", "2024-02", "2024-03"],
            "total_income": [3000.0, 3000.0, 3100.0],
            "groceries": [400.0, 380.0, 420.0],
            "dining": [100.0, 150.0, 90.0],
            "total_expense": [500.0, 530.0, 510.0],
            "savings": [2500.0, 2470.0, 2590.0],
        }
    )


def test_interval_accepts_pairs_and_mappings() -> None:
    assert charts.interval([1, 2]) == (1.0, 2.0)
    assert charts.interval({"lower": 1, "upper": 3}) == (1.0, 3.0)


def test_history_figures_have_one_trace_per_series() -> None:
    assert len(charts.income_vs_expense(_monthly()).data) == 3
    stack = charts.category_stack(_monthly())
    assert [t.name for t in stack.data] == ["groceries", "dining"]


def test_expense_forecast_error_bar_matches_interval() -> None:
    fig = charts.expense_forecast(
        _monthly(),
        {
            "predicted_expense": 520.0,
            "confidence_interval": [470.0, 600.0],
            "confidence_level": 0.95,
            "month": "2024-04",
        },
    )
    point = fig.data[1]
    assert list(point.error_y.array) == [80.0] and list(point.error_y.arrayminus) == [50.0]


def test_category_table_joins_forecasts_risks_and_budgets() -> None:
    answer = {
        "forecasts": {
            "dining": {
                "predicted": 200.0,
                "lower": 120.0,
                "upper": 260.0,
                "historical_average": 110.0,
            },
            "groceries": {
                "predicted": 400.0,
                "lower": 350.0,
                "upper": 450.0,
                "historical_average": 400.0,
            },
        },
        "risks": {"dining": {"at_risk": True}, "groceries": {"at_risk": False}},
        "budget_recommendations": {"categories": {"dining": {"recommended_budget": 220.0}}},
    }
    table = charts.category_table(answer)
    assert table["category"].tolist() == ["groceries", "dining"]
    assert table.set_index("category").loc["dining", "at risk"]
    assert table.set_index("category").loc["dining", "recommended budget"] == 220.0
    assert len(charts.category_forecast_bars(table).data) == 2


def test_savings_trajectory_orders_horizons() -> None:
    answer = {
        "trajectory": {
            "current_savings": 100.0,
            "confidence_level": 0.95,
            "12_months": {"projected_savings": 900.0, "lower": 500, "upper": 1300},
            "3_months": {"projected_savings": 300.0, "lower": 200, "upper": 400},
        }
    }
    fig = charts.savings_trajectory(answer)
    assert list(fig.data[1].x) == [0, 3, 12]
    assert list(fig.data[1].y) == [100.0, 300.0, 900.0]
