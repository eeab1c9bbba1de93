"""Known bills floor a household forecast: the category, its total and the savings follow."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import norm

from fincast.ml.household_forecast import PROBS, HouseholdForecast


def _forecast() -> HouseholdForecast:
    series = ("total_income", "insurance", "total_expense", "savings", "cumulative_savings")
    classes = (
        "income/fixed",
        "category/variable",
        "expense_total",
        "savings",
        "savings_cumulative",
    )
    point = np.array(
        [[1000.0, 1000.0], [100.0, 100.0], [100.0, 100.0], [900.0, 900.0], [900.0, 1800.0]]
    )
    z = norm.ppf(PROBS)
    return HouseholdForecast(
        series=series,
        classes=classes,
        methods=("m",) * 5,
        point=point,
        likely=point.copy(),
        scale=np.full(5, 50.0),
        quantiles=np.broadcast_to(z, (5, 2, PROBS.size)).copy(),
        months=pd.period_range("2027-01", periods=2, freq="M"),
        history_months=24,
        bucket=2,
    )


def test_a_known_bill_floors_its_category_and_moves_the_totals() -> None:
    fc = _forecast()
    floored = fc.with_floors({"insurance": [200.0, 0.0], "no_such_category": [5.0, 5.0]})
    lo, _hi = floored.interval(95)
    # step 1: at least the 200 the bill takes; the distribution is max(X, 200)
    assert lo[1, 0] == pytest.approx(200.0)
    assert floored.likely[1, 0] == 200.0
    assert floored.probability_above(1, 0, 199.9) == pytest.approx(1.0)
    # E[max(X, 200)] for X ~ N(100, 50): 200 + 50 * (phi(2) - 2 * (1 - Phi(2)))
    expected = 200 + 50 * (norm.pdf(2) - 2 * norm.sf(2))
    assert floored.point[1, 0] == pytest.approx(expected, abs=0.5)
    shift = floored.point[1, 0] - 100.0
    assert floored.point[2, 0] == pytest.approx(100.0 + shift)  # the total spends it too
    assert floored.point[3, 0] == pytest.approx(900.0 - shift)  # and savings lose it
    assert floored.point[4].tolist() == pytest.approx([900.0 - shift, 1800.0 - shift])
    # step 2 knows nothing: unchanged, and so is income
    assert floored.point[1, 1] == 100.0 and floored.point[0].tolist() == [1000.0, 1000.0]
    assert fc.point[1, 0] == 100.0  # the original is left alone


def test_a_bill_below_what_is_expected_anyway_changes_nothing_that_matters() -> None:
    fc = _forecast()
    floored = fc.with_floors({"insurance": [1.0, 1.0]})
    assert floored.point[1].tolist() == pytest.approx(fc.point[1].tolist(), abs=0.1)
    assert fc.with_floors({}) is fc
    assert fc.with_floors({"total_income": [5000.0, 5000.0]}) is fc  # not a category
