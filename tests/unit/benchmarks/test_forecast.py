"""`fincast benchmark forecast`: datasets from fincast.synth, scenarios, targets, the docs."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from fincast.benchmarks import forecast as bench
from fincast.cli.main import app
from fincast.errors import InputError
from fincast.frames import DS, UID, Y
from fincast.ml.evaluation import MODELS, holdout
from fincast.panel import split_uid
from fincast.synth import generate_households

runner = CliRunner()


def test_household_panel_is_the_synth_monthly_frame_in_long_form() -> None:
    panel = bench.household_panel(n_households=3, n_months=6, seed=2)
    monthly = generate_households(n_users=3, n_months=6, seed=2).monthly
    wide = panel.assign(
        user=panel[UID].map(lambda u: split_uid(u)[0]),
        series=panel[UID].map(lambda u: split_uid(u)[1].removeprefix("cat:")),
    ).pivot_table(index=["user", DS], columns="series", values=Y)
    expected = monthly.assign(
        user=monthly["user_id"].astype(str),
        **{DS: pd.to_datetime(monthly["year_month"].astype(str), format="%Y-%m")},
    ).set_index(["user", DS])
    assert len(wide) == 3 * 6
    for col in wide.columns:
        got = wide[col].fillna(0.0)  # a category a household never uses is not a series
        assert got.to_numpy() == pytest.approx(expected.loc[wide.index, col].astype(float))


def test_builtin_keeps_the_seven_series_of_the_first_runs() -> None:
    panel = bench.DATASETS["builtin"](None)
    series = set(panel[UID].map(lambda u: split_uid(u)[1]))
    assert series <= bench.BUILTIN_SERIES and {"total_income", "total_expense"} <= series
    assert panel[UID].map(lambda u: split_uid(u)[0]).nunique() == bench.SYNTH_HOUSEHOLDS
    assert bench.DATASETS["builtin"](5)[UID].nunique() == 5


def test_scenarios_cut_history_and_test() -> None:
    hist, fut = holdout(bench.DATASETS["builtin"](4), bench.SYNTH_TEST_POINTS)
    h, t = bench.split_scenario(hist, fut, bench.SCENARIOS["last24"])
    assert h.groupby(UID).size().eq(24).all() and t.groupby(UID).size().eq(12).all()
    assert (t.groupby(UID)[DS].min() > h.groupby(UID)[DS].max()).all()


def test_unknown_names_are_input_errors() -> None:
    with pytest.raises(InputError, match="unknown dataset 'nope'"):
        bench.run_benchmark("nope", ["full"])
    with pytest.raises(InputError, match="unknown scenario 'last6'"):
        bench.run_benchmark("builtin", ["last6"])


def test_cli_benchmark_forecast_on_a_tiny_panel() -> None:
    args = ["--dataset", "builtin", "--scenario", "last12", "--limit", "3", "--json"]
    result = runner.invoke(app, ["benchmark", "forecast", *args])
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert set(out) == {"builtin/last12"}
    table, targets = out["builtin/last12"]["table"], out["builtin/last12"]["targets"]
    assert set(table) == set(MODELS)
    assert set(targets) == {"sMAPE", "MASE", "coverage", "MSIS", "speed"}
    for scores in table.values():
        assert 0 <= scores["coverage"] <= 1 and 0 <= scores["sMAPE"] <= 200
        assert scores["MASE"] >= 0 and scores["MAE"] >= 0
        assert scores["series_per_second"] > 0 and scores["seconds"] > 0


def test_write_docs_replaces_only_the_forecasting_section(tmp_path: Path) -> None:
    docs = tmp_path / "benchmarks.md"
    docs.write_text("# b\n\n## Forecasting\n\nold tables\n\n## API load\n\nkept\n", "utf-8")
    command = bench.command_line(["builtin"], ["last12"], 3)
    assert command == "fincast benchmark forecast --dataset builtin --scenario last12 --limit 3"
    bench.write_docs(docs, ["### builtin / last12\n\n| t |\n"], command, "2026-12-01")
    text = docs.read_text("utf-8")
    assert "old tables" not in text and text.endswith("## API load\n\nkept\n")
    assert f"Command: `{command}` (run 2026-12-01" in text and "### builtin / last12" in text
