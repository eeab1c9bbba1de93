import json

import pandas as pd
from typer.testing import CliRunner

from fincast.cli.main import app

runner = CliRunner()


def test_forecast_and_evaluate_round_trip(tmp_path, panel):
    data = tmp_path / "long.csv"
    panel[panel.unique_id.isin(panel.unique_id.unique()[:6])].to_csv(data, index=False)
    out = tmp_path / "fc.csv"
    res = runner.invoke(
        app,
        [
            "forecast",
            "--data",
            str(data),
            "--horizon",
            "3",
            "--level",
            "80",
            "--level",
            "95",
            "--out",
            str(out),
        ],
    )
    assert res.exit_code == 0, res.output
    fc = pd.read_csv(out)
    assert list(fc.columns) == [
        "unique_id",
        "ds",
        "fincast",
        "fincast-lo-80",
        "fincast-hi-80",
        "fincast-lo-95",
        "fincast-hi-95",
    ]
    assert len(fc) == 18
    res = runner.invoke(app, ["evaluate", "--data", str(data), "--horizon", "3", "--json"])
    assert res.exit_code == 0, res.output
    table = json.loads(res.output)
    assert {"fincast", "seasonal_naive", "autoets", "forest"} <= table.keys()
    assert {
        "MAE",
        "RMSE",
        "MAPE",
        "sMAPE",
        "MASE",
        "R2",
        "coverage",
        "MSIS",
        "series_per_second",
    } <= table["fincast"].keys()


def test_bad_input_is_one_line_input_error(tmp_path):
    from fincast.errors import InputError

    bad = tmp_path / "bad.csv"
    bad.write_text("unique_id,ds\na,2020-01-01\n")
    res = runner.invoke(
        app, ["forecast", "--data", str(bad), "--horizon", "2", "--out", str(tmp_path / "o.csv")]
    )
    assert res.exit_code != 0
    assert isinstance(res.exception, InputError)
    assert "missing" in str(res.exception)


def test_train_and_predict_legacy(tmp_path, monthly):
    data = tmp_path / "monthly.csv"
    monthly.to_csv(data, index=False)
    res = runner.invoke(
        app,
        [
            "train",
            "--model-type",
            "expense",
            "--data",
            str(data),
            "--models-dir",
            str(tmp_path / "m"),
        ],
    )
    assert res.exit_code == 0, res.output
    assert (tmp_path / "m" / "expense_model.meta.json").exists()
    res = runner.invoke(
        app, ["predict", "--data", str(data), "--models-dir", str(tmp_path / "m"), "--json"]
    )
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    assert {"expense", "categories", "risks", "savings", "health"} <= out.keys()


def test_train_population_saves_the_model_predictions_load(tmp_path):
    from fincast.services.forecasting.household import population_info, population_model

    res = runner.invoke(
        app,
        [
            "train-population",
            "--households",
            "9",
            "--months",
            "24",
            "--models-dir",
            str(tmp_path),
            "--no-ledgers",
        ],
    )
    assert res.exit_code == 0, res.output
    info = population_info(tmp_path)
    assert info["kind"] == "fincast-household" and info["n_households"] == 9
    assert "9 synthetic households x 24 months" in info["trained_on"]
    assert population_model(tmp_path).n_households_ == 9


def test_train_population_learns_from_users_ledgers_too(tmp_path, monkeypatch):
    from fincast.config import get_settings
    from fincast.db.engine import get_engine
    from fincast.services import database
    from fincast.services.forecasting.household import population_info
    from fincast.services.households import load_transactions
    from fincast.synth import generate_households

    monkeypatch.setenv("FINCAST_DATABASE_URL", f"sqlite:///{tmp_path / 'ledgers.db'}")
    get_settings.cache_clear()
    get_engine.cache_clear()
    try:
        engine = database.migrated_engine()
        tx = generate_households(3, 18, seed=41).transactions
        short = tx["user_id"] == tx["user_id"].iloc[0]
        # one household keeps only its last 6 months: too short to learn from
        keep = ~short | (tx["date"].astype(str) >= "2024-01")
        load_transactions(engine, tx[keep])
        models = tmp_path / "models"
        args = ["train-population", "--households", "6", "--months", "24"]
        res = runner.invoke(app, [*args, "--models-dir", str(models)])
        assert res.exit_code == 0, res.output
        info = population_info(models)
        assert info["n_ledgers"] == 2 and info["n_households"] == 8
        assert "and 2 users' ledgers" in info["trained_on"]
    finally:
        get_engine.cache_clear()
        get_settings.cache_clear()
