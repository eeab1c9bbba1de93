import pytest

from fincast.errors import InputError
from fincast.ml.features import SOURCE_FEATURES
from fincast.services.forecasting.compat import (
    CategorySpendingPredictor,
    ExpenseForecaster,
    SavingsForecaster,
)


def test_expense_forecaster_keys_and_interval(monthly):
    out = ExpenseForecaster().forecast_next_month(monthly, confidence_level=0.9)
    assert {"predicted_expense", "confidence_interval", "confidence_level", "month"} <= out.keys()
    lo, hi = out["confidence_interval"]
    assert 0 <= lo <= out["predicted_expense"] <= hi
    assert out["confidence_level"] == 0.9
    assert out["month"] == "2024-01"  # the month after the last of 24 months from 2022-01
    wider = ExpenseForecaster().forecast_next_month(monthly, confidence_level=0.99)
    assert wider["confidence_interval"][1] - wider["confidence_interval"][0] > hi - lo


def test_feature_importance_comes_from_the_trained_forest(monthly):
    model = ExpenseForecaster(n_estimators=20)
    with pytest.raises(InputError, match="train the model"):
        model.feature_importance()
    X, y = model.prepare_data(monthly, target_column="total_expense")
    assert list(X.columns) == list(SOURCE_FEATURES) and len(X) == len(monthly) - 1
    model.train(X, y)
    imp = model.feature_importance()
    assert list(imp) == sorted(imp, key=lambda k: -imp[k]) and set(imp) == set(SOURCE_FEATURES)
    assert abs(sum(imp.values()) - 1) < 1e-6
    expected = dict(zip(SOURCE_FEATURES, model.forest_.feature_importances_, strict=True))
    assert imp == pytest.approx(expected)


def test_categories_reconcile_to_total_and_risks(monthly):
    model = CategorySpendingPredictor()
    fc = model.forecast_categories(monthly)
    assert set(fc) == {"food", "transport", "shopping", "travel"}
    for info in fc.values():
        assert {"predicted", "lower", "upper"} <= info.keys()
        assert info["predicted"] >= 0 and info["lower"] >= 0
    expense = ExpenseForecaster().forecast_next_month(monthly)["predicted_expense"]
    total = sum(v["predicted"] for v in fc.values())
    # Reconciled categories add to the reconciled total; close to the direct total forecast.
    assert abs(total - expense) / expense < 0.1
    risks = model.detect_overspending_risks(monthly, threshold=1.2)
    assert all(isinstance(v["at_risk"], bool) for v in risks.values())
    budget = model.generate_budget_recommendations(monthly, total_budget=3000, safety_margin=0.1)
    alloc = sum(v["recommended_budget"] for v in budget["categories"].values())
    assert alloc <= 2700 + 1e-6


def test_savings_trajectory_and_health(monthly):
    model = SavingsForecaster()
    traj = model.forecast_trajectory(monthly, periods=[3, 6, 12])
    assert "current_savings" in traj
    widths = []
    for p in (3, 6, 12):
        info = traj[f"{p}_months"]
        assert info["lower"] <= info["projected_savings"] <= info["upper"]
        widths.append(info["upper"] - info["lower"])
    assert widths[0] < widths[1] < widths[2]
    p_easy = model.probability_of_reaching(monthly, traj["current_savings"], 6)
    p_hard = model.probability_of_reaching(monthly, traj["current_savings"] * 100, 6)
    assert p_easy > 0.9 and p_hard < 0.01
    health = model.assess_financial_health(monthly)
    assert {"status", "message", "recommendations"} <= health.keys()


def test_bad_monthly_input(monthly):
    with pytest.raises(InputError, match="missing"):
        ExpenseForecaster().forecast_next_month(monthly.drop(columns=["total_expense"]))
    with pytest.raises(InputError, match="confidence_level"):
        ExpenseForecaster().forecast_next_month(monthly, confidence_level=95)
