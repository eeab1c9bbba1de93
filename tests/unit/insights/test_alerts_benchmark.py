"""`fincast benchmark alerts`: the projections' formulas and a small scored run."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from fincast.benchmarks.alerts import METHODS, projections
from fincast.cli.main import app
from tests.support.population import worker_models_dir


def test_projection_formulas() -> None:
    # rent paid on the 1st: the capped forecast expects nothing more, the others do
    p = projections(1960.0, 1960.0, 10, 30)
    assert p["forecast"] == 1960.0
    assert p["forecast_uniform"] == pytest.approx(1960 + 1960 * 20 / 30)
    assert p["pace"] == pytest.approx(5880.0)
    assert p["forecast_only"] == 1960.0
    # on track: capped and uniform agree
    p = projections(100.0, 300.0, 10, 30)
    assert p["forecast"] == pytest.approx(300.0) == p["forecast_uniform"]
    # a negative forecast counts as nothing expected
    assert projections(50.0, -10.0, 15, 30)["forecast"] == 50.0


def test_cli_scores_every_method(tmp_path) -> None:  # type: ignore[no-untyped-def]
    res = CliRunner().invoke(
        app,
        [
            "benchmark", "alerts", "--households", "2", "--cutoffs", "1",
            "--models-dir", str(worker_models_dir()), "--json",
        ],
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    body = json.loads(res.output.strip().splitlines()[-1])
    rows = body["summary"]
    assert {(r["day"], r["method"]) for r in rows} == {(d, m) for d in (10, 20) for m in METHODS}
    assert all(r["n"] > 0 and r["mae"] >= 0 for r in rows)
