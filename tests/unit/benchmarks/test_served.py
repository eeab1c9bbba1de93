"""The served-forecast benchmark: protocol pieces and a tiny run through the CLI."""

from __future__ import annotations

import json

import numpy as np
from typer.testing import CliRunner

from fincast.benchmarks import served
from fincast.cli.main import app
from tests.support.population import worker_models_dir

runner = CliRunner()


def test_cutoffs_are_consecutive_months_that_leave_room_for_the_truth() -> None:
    ends = served.cutoffs(51, 36, 12)
    assert ends == list(range(48, 36, -1))
    assert all(e + max(served.STEPS) <= 51 and e - 36 >= 0 for e in ends)
    assert served.cutoffs(20, 36, 12) == []


def test_winkler_score_follows_the_evaluation_formula() -> None:
    y = np.array([5.0, 0.0, 12.0])
    lo, hi = np.array([4.0, 1.0, 8.0]), np.array([6.0, 2.0, 10.0])
    np.testing.assert_allclose(served.winkler(y, lo, hi), [2.0, 1 + 40 * 1, 2 + 40 * 2])


def test_a_tiny_run_scores_every_group_beside_autoets() -> None:
    result = served.run(
        3, 40, served.SERVED_SEED, per_length=2, lengths=(3, 12), models_dir=worker_models_dir()
    )
    summary = result["summary"]
    groups = set(summary.index.get_level_values("group"))
    assert groups == {"category", "savings", "total_expense", "total_income"}
    overall = summary.xs(("all", "all"), level=("history", "step"))
    assert overall["n"].min() > 0
    assert overall["coverage"].between(0, 1).all() and overall["ets_coverage"].between(0, 1).all()
    assert np.isfinite(overall["winkler_ratio"]).all()
    rows = result["rows"]
    assert set(rows["history"]) == {3, 12} and set(rows["step"]) == {1, 3}


def test_cli_benchmark_served_prints_json() -> None:
    res = runner.invoke(
        app,
        ["benchmark", "served", "--households", "2", "--cutoffs", "1", "--no-baseline", "--json"],
    )
    assert res.exit_code == 0, res.output
    body = json.loads(res.output.strip().splitlines()[-1])
    assert body["households"] == 2 and body["summary"]
    assert {"coverage", "winkler", "smape"} <= set(body["summary"][0])


def test_bills_served_as_their_last_amount_are_scored_per_shape() -> None:
    import pandas as pd

    rows = pd.DataFrame(
        {
            "kind": ["category/steady", "category/steady", "category/fixed", "category/variable"],
            "y": [100.0, 100.0, 106.0, 50.0],
            "f": [100.0, 100.0, 100.0, 40.0],
            "lo": [100.0, 99.0, 100.0, 0.0],
            "hi": [102.0, 106.0, 107.0, 90.0],
        }
    )
    out = served.fixed_amounts(rows)
    assert out["steady"] == {
        "n": 2,
        "share_within_1pct": 1.0,
        "share_range_under_5pct": 0.5,
        "coverage": 1.0,
    }
    assert out["fixed"]["share_within_1pct"] == 0.0 and out["fixed"]["coverage"] == 1.0
    assert out["last_amount"]["n"] == 3
