"""`fincast recurring evaluate` and `fincast anomalies evaluate` on a small generated folder."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from fincast.cli.main import app
from fincast.synth import generate_households, write_households

runner = CliRunner()


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("generated")
    write_households(generate_households(30, 24, 8, "2023-01", detector_events=True), out)
    return out


def test_recurring_evaluate_json(folder: Path) -> None:
    result = runner.invoke(app, ["recurring", "evaluate", "--data", str(folder), "--json"])
    assert result.exit_code == 0, result.output
    scores = json.loads(result.output)
    assert scores["households"] == 30
    series = scores["series"]
    assert series["truth"] > 300 and series["precision"] >= 0.95 and series["recall"] >= 0.95
    assert set(series["by_cadence"]) == {"weekly", "biweekly", "monthly", "quarterly", "annual"}
    assert scores["price_changes"]["truth"] > 30
    assert scores["price_changes"]["precision"] >= 0.9 and scores["price_changes"]["recall"] >= 0.9


def test_anomalies_evaluate_json(folder: Path) -> None:
    result = runner.invoke(app, ["anomalies", "evaluate", "--data", str(folder), "--json"])
    assert result.exit_code == 0, result.output
    scores = json.loads(result.output)
    tx = scores["transactions"]
    assert set(tx["by_injected_kind"]) == {
        "medical_bill",
        "car_repair",
        "fraud_like_spike",
        "duplicate_charge",
        "unusual_amount",
        "new_merchant_large",
    }
    assert tx["by_injected_kind"]["duplicate_charge"]["recall"] == 1.0
    assert tx["by_detector"]["duplicate"]["precision"] == 1.0
    assert 0 < tx["all"]["precision"] <= 1 and tx["all"]["recall"] >= 0.5
    assert set(scores["months"]) == {"robust", "isolation_forest"}
    assert scores["months"]["robust"]["recall"]["out_of_work"] is not None


def test_a_folder_that_is_not_generated_is_refused(tmp_path: Path) -> None:
    result = runner.invoke(app, ["recurring", "evaluate", "--data", str(tmp_path), "--json"])
    assert result.exit_code != 0
    assert "is not a `fincast generate` folder" in str(result.exception)
