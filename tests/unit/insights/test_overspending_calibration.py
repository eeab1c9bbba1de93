"""The recalibration of the rule-line probabilities: monotone, flat above, off on request."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd

from fincast.insights.overspending import (
    RULE_LINE_CALIBRATION,
    calibrate_rule_line,
    overspending,
    trailing_averages,
)
from fincast.services.forecasting.household import population_model
from tests.support.population import worker_models_dir


def test_map_is_monotone_and_pulls_high_probabilities_down() -> None:
    xs = np.linspace(0, 1, 101)
    ys = [calibrate_rule_line(float(x)) for x in xs]
    assert all(b >= a for a, b in itertools.pairwise(ys))
    assert calibrate_rule_line(0.0) == 0.001
    assert calibrate_rule_line(0.3) == 0.313
    assert calibrate_rule_line(0.325) == 0.33  # halfway between 0.313 and 0.347
    assert calibrate_rule_line(0.9) == 0.511 and calibrate_rule_line(1.0) == 0.511
    assert [x for x, _ in RULE_LINE_CALIBRATION] == [round(0.05 * k, 2) for k in range(20)]


def test_budgets_keep_raw_probabilities_rule_lines_are_recalibrated() -> None:
    model = population_model(worker_models_dir())
    rng = np.random.default_rng(2)
    months = 24
    table = pd.DataFrame(
        {
            "year_month": pd.period_range("2022-01", periods=months, freq="M").strftime("%Y-%m"),
            "total_income": np.full(months, 3000.0),
            "groceries": rng.normal(450, 40, months).round(2),
            "dining": rng.normal(200, 60, months).round(2),
        }
    )
    table["total_expense"] = table[["groceries", "dining"]].sum(axis=1)
    fc = model.forecast(table, 1)
    trailing = trailing_averages(table)
    raw = overspending(fc, trailing, budgets={"groceries": 200.0}, calibrate=False)
    served = overspending(fc, trailing, budgets={"groceries": 200.0})
    r, s = (
        {c.category: c for c in raw.categories},
        {c.category: c for c in served.categories},
    )
    assert s["groceries"].probability_over_limit == r["groceries"].probability_over_limit > 0.97
    assert s["groceries"].probability_over_rule_line == calibrate_rule_line(
        r["groceries"].probability_over_rule_line
    )
    assert s["dining"].limit_source == "rule"
    assert s["dining"].probability_over_limit == s["dining"].probability_over_rule_line
    assert s["dining"].probability_over_rule_line == calibrate_rule_line(
        r["dining"].probability_over_rule_line
    )
