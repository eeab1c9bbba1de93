"""Overspending: the source's rule beside probabilities read off the served forecast."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
from typer.testing import CliRunner

from fincast.cli.main import app
from fincast.insights.overspending import overspending, trailing_averages
from fincast.services.forecasting.household import population_model
from tests.support.population import worker_models_dir


def _table(months: int = 24) -> pd.DataFrame:
    rng = np.random.default_rng(4)
    ym = pd.period_range("2022-01", periods=months, freq="M").strftime("%Y-%m")
    df = pd.DataFrame(
        {
            "year_month": ym,
            "total_income": np.full(months, 3000.0),
            "insurance": np.full(months, 128.10),
            "groceries": rng.normal(450, 40, months).round(2),
        }
    )
    df["total_expense"] = df[["insurance", "groceries"]].sum(axis=1)
    return df


def test_a_budget_far_below_usual_spending_is_almost_surely_exceeded():
    model = population_model(worker_models_dir())
    table = _table()
    fc = model.forecast(table, 1)
    out = overspending(fc, trailing_averages(table), budgets={"groceries": 200.0})
    risk = {r.category: r for r in out.categories}
    assert risk["groceries"].limit_source == "budget" and risk["groceries"].limit == 200.0
    assert risk["groceries"].probability_over_limit > 0.97
    # no budget for insurance: the rule's line, 1.2x a bill that never moves, is never crossed
    assert risk["insurance"].limit_source == "rule" and not risk["insurance"].rule_flag
    assert risk["insurance"].probability_over_limit < 0.05
    # spending well under income
    assert out.probability_expense_over_income < 0.05
    assert out.to_dict()["categories"][0]["category"] == "groceries"  # riskiest first


def test_spending_over_income_is_likely_when_income_falls_short():
    model = population_model(worker_models_dir())
    table = _table()
    table["total_income"] = 500.0
    out = overspending(model.forecast(table, 1), trailing_averages(table))
    assert out.probability_expense_over_income > 0.9


def test_benchmark_overspending_scores_brier_beside_the_rule():
    res = CliRunner().invoke(
        app, ["benchmark", "overspending", "--households", "2", "--cutoffs", "2", "--json"]
    )
    assert res.exit_code == 0, res.output
    body = json.loads(res.output.strip().splitlines()[-1])
    rows = {(r["question"], r["history"]): r for r in body["summary"]}
    overall = rows["category over 1.2x its average", "all"]
    assert overall["n"] > 0 and 0 <= overall["brier"] <= 1 and 0 <= overall["rule_brier"] <= 1
    assert {r["question"] for r in body["reliability"]} >= {"spending over income"}
