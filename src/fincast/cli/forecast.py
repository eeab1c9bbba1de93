"""`fincast` forecasting commands: train, predict, forecast, evaluate."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pandas as pd
import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from fincast.errors import InputError
from fincast.panel.readers import read_csv_file, read_long_csv

console = Console()
DEMO_CSV = Path(__file__).resolve().parents[1] / "data" / "sample_monthly_data.csv"


@contextmanager
def _progress(enabled: bool = True) -> Iterator[Any]:
    """A rich progress bar; yields a ``(stage, done, total)`` callback."""
    if not enabled:
        yield None
        return
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=True,
    ) as bar:
        tasks: dict[str, Any] = {}

        def update(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(stage, total=total)
            bar.update(tasks[stage], completed=done, total=total)

        yield update


def _monthly(data: Path | None) -> pd.DataFrame:
    path = data or DEMO_CSV
    if data is None and not path.exists():
        raise InputError("--data is required (no demo monthly file is installed)")
    return read_csv_file(path)


def _models_dir(models_dir: Path | None) -> Path:
    from fincast.config import get_settings

    return models_dir or get_settings().resolved_models_dir


def forecast_cmd(
    data: Path = typer.Option(..., "--data", help="Long CSV with unique_id,ds,y."),
    horizon: int = typer.Option(..., "--horizon", "-h", help="Months to forecast."),
    level: list[int] = typer.Option([95], "--level", help="Interval level (repeatable)."),
    history: int | None = typer.Option(None, "--history", help="Use only the last N months."),
    out: Path = typer.Option(..., "--out", help="Where to write the forecast CSV."),
) -> None:
    """Forecast every series of a monthly long CSV with calibrated intervals."""
    from fincast.services.forecasting.store import forecast_panel

    frame = read_long_csv(data, history=history)
    with _progress() as cb:
        fc = forecast_panel(frame, horizon, level, progress=cb)
    fc["ds"] = fc["ds"].dt.strftime("%Y-%m-%d")
    out.parent.mkdir(parents=True, exist_ok=True)
    fc.to_csv(out, index=False)
    console.print(f"wrote {len(fc)} rows for {fc['unique_id'].nunique()} series to {out}")


def evaluate_cmd(
    data: Path = typer.Option(..., "--data", help="Long CSV with unique_id,ds,y."),
    horizon: int = typer.Option(..., "--horizon", "-h", help="Points held out per series."),
    history: int | None = typer.Option(None, "--history", help="Use only the last N months."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
    level: int = typer.Option(95, "--level", help="Interval level."),
) -> None:
    """Hold out the last H points and score fincast beside the baselines."""
    from fincast.ml.evaluation import compare_models, holdout, last_points

    hist, test = holdout(read_long_csv(data), horizon)
    if history is not None:
        hist = last_points(hist, history)
    with _progress(not as_json) as cb:
        table = compare_models(hist, test, horizon, level=level, progress=cb)
    if as_json:
        typer.echo(json.dumps(table.to_dict(orient="index"), indent=2))
    else:
        console.print(_scores_table(table))


def _scores_table(table: pd.DataFrame) -> Table:
    formats = {"coverage": "{:.1%}", "MAPE_skipped": "{:,.0f}"}
    out = Table("model")
    for col in table.columns:
        out.add_column(str(col), justify="right")
    for model, row in table.iterrows():
        out.add_row(str(model), *(formats.get(c, "{:,.3f}").format(v) for c, v in row.items()))
    return out


def train_cmd(
    model_type: str = typer.Option("all", "--model-type", help="expense|category|savings|all"),
    data: Path | None = typer.Option(None, "--data", help="Monthly CSV (source layout)."),
    models_dir: Path | None = typer.Option(None, "--models-dir", help="Where to save models."),
) -> None:
    """Train the compatible API's models on a monthly CSV; save signed model files."""
    from fincast.services.forecasting.compat import (
        CategorySpendingPredictor,
        ExpenseForecaster,
        SavingsForecaster,
    )

    kinds = {
        "expense": ExpenseForecaster,
        "category": CategorySpendingPredictor,
        "savings": SavingsForecaster,
    }
    if model_type != "all" and model_type not in kinds:
        raise InputError(f"--model-type must be expense, category, savings or all: {model_type}")
    df = _monthly(data)
    target = _models_dir(models_dir)
    for name, cls in kinds.items():
        if model_type not in ("all", name):
            continue
        model = cls()
        X, y = model.prepare_data(df)
        model.train(X, y)
        meta = model.save(target / f"{name}_model.npz")
        console.print(f"saved {name} model to {target / (name + '_model.npz')} ({meta['kind']})")


def predict_cmd(
    data: Path | None = typer.Option(None, "--data", help="Monthly CSV (source layout)."),
    models_dir: Path | None = typer.Option(None, "--models-dir", help="Saved models."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Next-month expense, category forecasts and risks, savings trajectory and health."""
    from fincast.services.forecasting.compat import (
        CategorySpendingPredictor,
        ExpenseForecaster,
        SavingsForecaster,
    )

    df = _monthly(data)
    target = _models_dir(models_dir)
    exp, cat, sav = ExpenseForecaster(), CategorySpendingPredictor(), SavingsForecaster()
    for model, name in ((exp, "expense"), (cat, "category"), (sav, "savings")):
        if (target / f"{name}_model.meta.json").exists():
            model.load(target / f"{name}_model.npz")  # verifies signature and hash
    result = {
        "expense": exp.forecast_next_month(df),
        "categories": cat.forecast_categories(df),
        "risks": cat.detect_overspending_risks(df),
        "savings": sav.forecast_trajectory(df),
        "health": sav.assess_financial_health(df),
    }
    if as_json:
        typer.echo(json.dumps(result, indent=2, default=float))
        return
    e = result["expense"]
    lo, hi = e["confidence_interval"]
    console.print(
        f"Next month ({e['month']}) expense: {e['predicted_expense']:,.2f} "
        f"[{lo:,.2f}, {hi:,.2f}] at {e['confidence_level']:.0%}"
    )
    for c, info in result["categories"].items():
        flag = " AT RISK" if result["risks"][c]["at_risk"] else ""
        console.print(
            f"  {c}: {info['predicted']:,.2f} [{info['lower']:,.2f}, {info['upper']:,.2f}]{flag}"
        )
    for key, val in result["savings"].items():
        if key.endswith("_months"):
            console.print(
                f"Savings after {key.replace('_', ' ')}: "
                f"{val['projected_savings']:,.2f} [{val['lower']:,.2f}, "
                f"{val['upper']:,.2f}]"
            )
    console.print(f"Health: {result['health']['status']} - {result['health']['message']}")


def train_population_cmd(
    households: int = typer.Option(300, "--households", min=3, help="Synthetic households."),
    months: int = typer.Option(60, "--months", min=6, max=600, help="Months each spans."),
    seed: int | None = typer.Option(None, "--seed", help="Generator seed (default: fixed)."),
    models_dir: Path | None = typer.Option(None, "--models-dir", help="Where to save it."),
    ledgers: bool = typer.Option(
        True,
        "--ledgers/--no-ledgers",
        help="Also learn from every user's ledger with a year or more of data.",
    ),
    min_months: int = typer.Option(12, "--min-months", min=4, help="Fewest months a ledger needs."),
) -> None:
    """Train the shared household model every served forecast uses (a signed model file)."""
    from fincast.services import database
    from fincast.services.forecasting.household import POPULATION_SEED, train_population
    from fincast.services.panels import ledger_tables

    target = _models_dir(models_dir)
    with console.status("reading users' ledgers" if ledgers else "preparing"):
        tables = ledger_tables(database.migrated_engine(), min_months=min_months) if ledgers else []
    with console.status("learning from synthetic households and ledgers"):
        meta = train_population(
            target,
            households=households,
            months=months,
            seed=POPULATION_SEED if seed is None else seed,
            ledgers=tables,
        )
    console.print(f"saved {meta['name']} ({meta['trained_on']}) to {target}")


def register(app: typer.Typer) -> None:
    """Add this module's commands to the main app."""
    app.command("forecast")(forecast_cmd)
    app.command("evaluate")(evaluate_cmd)
    app.command("train")(train_cmd)
    app.command("predict")(predict_cmd)
    app.command("train-population")(train_population_cmd)
