"""`fincast benchmark <name>`: every benchmark recorded in docs/benchmarks.md.

This is the only module that imports ``fincast.benchmarks``, and each command does so inside
its function, so the API and the other commands never load benchmark code.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from fincast.cli.common import print_json, progress_bar
from fincast.cli.forecast import _progress

benchmark_app = typer.Typer(
    help="Reproducible benchmarks; their results are in docs/benchmarks.md.",
    no_args_is_help=True,
)
console = Console()


@benchmark_app.command("forecast")
def forecast(
    dataset: list[str] = typer.Option(
        ["m1", "households"], "--dataset", help="m1|households|builtin"
    ),
    scenario: list[str] = typer.Option(["full", "last24", "last12"], "--scenario"),
    limit: int | None = typer.Option(None, "--limit", help="First N series only."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
    write_docs: Path | None = typer.Option(None, "--write-docs", help="Update benchmarks.md."),
) -> None:
    """Forecast accuracy, calibration and speed against AutoETS and friends."""
    from fincast.benchmarks import forecast as bench

    results: dict[str, dict[str, Any]] = {}
    sections = []
    for ds in dataset:
        with _progress(not as_json) as cb:
            tables = bench.run_benchmark(ds, scenario, limit, progress=cb)
        for sc, table in tables.items():
            results[f"{ds}/{sc}"] = {
                "table": table.to_dict(orient="index"),
                "targets": bench.targets(table, sc),
            }
            sections.append(bench.section(ds, sc, table))
    if as_json:
        typer.echo(json.dumps(results, indent=2, default=float))
    else:
        typer.echo("\n".join(sections))  # plain text: markdown must not wrap at the terminal
    if write_docs is not None:
        command = bench.command_line(dataset, scenario, limit)
        bench.write_docs(write_docs, sections, command, dt.date.today().isoformat())


@benchmark_app.command("generate")
def generate(
    users: int = typer.Option(10_000, "--users", help="Number of households."),
    months: int = typer.Option(36, "--months", help="Number of calendar months."),
    seed: int = typer.Option(42, "--seed", help="Random seed."),
    out: Path | None = typer.Option(
        None, "--out", help="Keep the files here (default: a temporary folder, removed)."
    ),
) -> None:
    """Time generating and writing synthetic households; print a result table."""
    from fincast.benchmarks.generate import bench_generate
    from fincast.synth import GENERATION_STEPS, validate_arguments

    validate_arguments(users, months, seed, "2023-01")
    with progress_bar("generating", len(GENERATION_STEPS)) as advance:
        result = bench_generate(users, months, seed, out_dir=out, progress=lambda _: advance())
    table = Table(title="fincast benchmark generate")
    table.add_column("measure")
    table.add_column("value", justify="right")
    for key, value in result.items():
        table.add_row(key, f"{value:,}" if isinstance(value, int) else str(value))
    console.print(table)


@benchmark_app.command("import")
def import_(
    rows: int = typer.Option(1_000_000, "--rows", min=1, help="Rows in the generated CSV."),
    database_url: str | None = typer.Option(
        None, "--database-url", help="Database to measure on (default: a temporary SQLite file)."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """Measure importing a generated CSV of --rows transactions (seconds, rows/s, peak RSS)."""
    from fincast.benchmarks.imports import bench_import

    result = bench_import(rows=rows, database_url=database_url)
    if as_json:
        typer.echo(json.dumps(result))
        return
    typer.echo(
        f"{result['rows']} rows into {result['backend']}: {result['import_seconds']:.1f} s "
        f"({result['import_cpu_seconds']:.1f} s CPU), "
        f"{result['rows_per_second']:.0f} rows/s, peak RSS {result['peak_rss_mb']:.0f} MiB "
        f"(re-import {result['reimport_seconds']:.1f} s, {result['duplicates']} duplicates)"
    )


@benchmark_app.command("panel")
def panel(
    users: int = typer.Option(10_000, help="Synthetic households."),
    months: int = typer.Option(36, help="Months of history."),
    database_url: str | None = typer.Option(
        None, help="Database to use (default: the configured one); it should start empty."
    ),
    repeats: int = typer.Option(3, help="Timed panel builds."),
) -> None:
    """Time the monthly panel build for many households (loads them first if the DB is empty)."""
    from fincast.benchmarks.panel import bench_panel
    from fincast.services import database

    engine = database.engine(database_url, fresh=True)
    print_json(bench_panel(engine, users=users, months=months, repeats=repeats))


@benchmark_app.command("api")
def api(
    clients: int = typer.Option(50, "--clients", min=2, max=1000, help="Connections per phase."),
    seconds: float = typer.Option(10.0, "--seconds", min=1.0, help="Length of each phase."),
    workers: int = typer.Option(2, "--workers", min=1, max=16, help="Server processes."),
    users: int = typer.Option(21, "--users", min=1, help="Seeded users (the first is measured)."),
    months: int = typer.Option(36, "--months", min=4, help="Months of history per seeded user."),
    database_url: str | None = typer.Option(
        None,
        "--database-url",
        help="PostgreSQL to run on (a fresh schema, dropped after); default a temporary SQLite.",
    ),
    tool: str = typer.Option("auto", "--tool", help="wrk, python, or auto (wrk if installed)."),
    checks: int = typer.Option(20, "--checks", min=1, help="Write-then-read checks at the end."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """Load-test the API on loopback: rps, p50/p99, errors per endpoint, read-after-write."""
    from fincast.benchmarks.api_load import run, to_markdown

    if tool not in {"auto", "wrk", "python"}:
        raise typer.BadParameter("--tool must be wrk, python or auto")
    report = run(
        clients,
        seconds,
        workers,
        users=users,
        months=months,
        database_url=database_url,
        tool=tool,
        checks=checks,
    )
    typer.echo(json.dumps(report) if as_json else to_markdown(report))


def register(app: typer.Typer) -> None:
    """Add the ``benchmark`` command group to the main app."""
    app.add_typer(benchmark_app, name="benchmark")


@benchmark_app.command("served")
def served(
    households: int = typer.Option(120, "--households", min=1, help="Fresh synthetic households."),
    months: int = typer.Option(51, "--months", min=16, help="Months each household spans."),
    seed: int | None = typer.Option(None, "--seed", help="Generator seed (default: unused)."),
    per_length: int = typer.Option(12, "--cutoffs", min=1, help="Cutoffs per history length."),
    baseline: bool = typer.Option(True, "--baseline/--no-baseline", help="Fit AutoETS beside."),
    models_dir: Path | None = typer.Option(
        None, "--models-dir", help="Household model to score (default: train a fresh one)."
    ),
    real: Path | None = typer.Option(
        None, "--real", help="Also a real household's Mint-style export (time split)."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Score what users are served (POST /api/forecast's path) beside AutoETS."""
    from fincast.benchmarks import served as bench

    with progress_bar("households", households) as advance:
        result = bench.run(
            households,
            months,
            bench.SERVED_SEED if seed is None else seed,
            per_length=per_length,
            baseline=baseline,
            models_dir=models_dir,
            progress=lambda done, total: advance(1),
        )
    summary = result.pop("summary")
    rows = result.pop("rows")
    result["fixed_amounts"] = bench.fixed_amounts(rows)
    real_summary = None
    if real is not None:
        household = bench.real_household(real, models_dir=models_dir)
        real_summary = bench.summarize(household.pop("rows"))
        result["real_household"] = household
    if as_json:
        result["summary"] = _records(summary)
        if real_summary is not None:
            result["real_household"]["summary"] = _records(real_summary)
        typer.echo(json.dumps(result, default=float))
        return
    typer.echo(bench.to_markdown(summary))
    if real_summary is not None:
        typer.echo("\nReal household (time split):\n")
        typer.echo(bench.to_markdown(real_summary))
    typer.echo(json.dumps(result, default=float))


def _records(summary: Any) -> list[dict[str, Any]]:
    """A summary table as JSON records."""
    table = summary.reset_index().astype({"history": str, "step": str})
    records: list[dict[str, Any]] = table.to_dict(orient="records")
    return records


@benchmark_app.command("goals")
def goals(
    households: int = typer.Option(20, "--households", min=1, help="Fresh synthetic households."),
    per_length: int = typer.Option(4, "--cutoffs", min=1, help="Cutoffs per history length."),
    models_dir: Path | None = typer.Option(
        None, "--models-dir", help="Household model to score (default: train a fresh one)."
    ),
    real: Path | None = typer.Option(
        None, "--real", help="Also a real household's Mint-style export (time split)."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Brier scores and reliability of the savings-goal probabilities, beside the base rate."""
    from fincast.benchmarks import goals as bench

    with progress_bar("households", households) as advance:
        result = bench.run(
            households,
            per_length=per_length,
            models_dir=models_dir,
            progress=lambda done, total: advance(1),
        )
    results = {"synthetic": result}
    if real is not None:
        results["real_household"] = bench.real_household(real, models_dir=models_dir)
    for part in results.values():
        part.pop("rows")
    if as_json:
        for part in results.values():
            part["summary"] = part["summary"].reset_index().to_dict(orient="records")
            part["reliability"] = part["reliability"].to_dict(orient="records")
        typer.echo(json.dumps(results, default=str))
        return
    for name, part in results.items():
        typer.echo(f"## {name}\n")
        typer.echo(bench.to_markdown(part["summary"]))
        typer.echo("")
        typer.echo(bench.to_markdown(part["reliability"]))
        typer.echo("")


@benchmark_app.command("overspending")
def overspending(
    households: int = typer.Option(40, "--households", min=1, help="Fresh synthetic households."),
    per_length: int = typer.Option(12, "--cutoffs", min=1, help="Cutoffs per history length."),
    models_dir: Path | None = typer.Option(
        None, "--models-dir", help="Household model to score (default: train a fresh one)."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
    real: Path | None = typer.Option(
        None, "--real", help="Also a real household's Mint-style export (every cutoff)."
    ),
    synthetic: bool = typer.Option(
        True, "--synthetic/--no-synthetic", help="Score the synthetic households too."
    ),
) -> None:
    """Brier scores and reliability of the overspending probabilities, beside the rule."""
    from fincast.benchmarks import overspending as bench

    parts: dict[str, dict[str, Any]] = {}
    if synthetic:
        with progress_bar("households", households) as advance:
            parts["synthetic"] = bench.run(
                households,
                per_length=per_length,
                models_dir=models_dir,
                progress=lambda done, total: advance(1),
            )
    if real is not None:
        parts["real_household"] = bench.real_household(real, models_dir=models_dir)
    out: dict[str, Any] = {}
    for name, result in parts.items():
        result.pop("rows")
        summary, table = result.pop("summary"), result.pop("reliability")
        raw = result.pop("reliability_raw")
        if as_json:
            result["summary"] = summary.reset_index().to_dict(orient="records")
            result["reliability"] = table.to_dict(orient="records")
            result["reliability_raw"] = raw.to_dict(orient="records")
            out[name] = result
            continue
        typer.echo(f"## {name}\n")
        typer.echo(bench.to_markdown(summary))
        for title, frame in (("recalibrated (served)", table), ("raw", raw)):
            typer.echo(f"\nreliability, {title}:\n")
            typer.echo(bench.to_markdown(frame))
        typer.echo("")
    if as_json:
        # one part alone keeps the earlier shape (the synthetic result at the top level)
        typer.echo(json.dumps(out["synthetic"] if list(out) == ["synthetic"] else out, default=str))


@benchmark_app.command("alerts")
def alerts(
    households: int = typer.Option(20, "--households", min=1, help="Fresh synthetic households."),
    cutoffs: int = typer.Option(6, "--cutoffs", min=1, help="Months scored per household."),
    models_dir: Path | None = typer.Option(
        None, "--models-dir", help="Household model to score (default: train a fresh one)."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Errors of the budget alerts' month-end projections on days 10 and 20, per method."""
    from fincast.benchmarks import alerts as bench
    from fincast.benchmarks import overspending as tables

    result = bench.run(households, cutoffs=cutoffs, models_dir=models_dir)
    result.pop("rows")
    summary = result.pop("summary")
    if as_json:
        result["summary"] = summary.to_dict(orient="records")
        typer.echo(json.dumps(result, default=str))
        return
    typer.echo(tables.to_markdown(summary))


@benchmark_app.command("dashboard")
def dashboard(
    rounds: int = typer.Option(3, "--rounds", min=1, max=20, help="Visits per page."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """Time each dashboard page's first paint after a data change, in headless Chromium."""
    from fincast.benchmarks.dashboard import run, to_markdown

    with progress_bar("dashboard pages", None) as advance:
        report = run(rounds, progress=lambda _done, _total: advance(1))
    typer.echo(json.dumps(report) if as_json else to_markdown(report))


@benchmark_app.command("batch")
def batch(
    households: int = typer.Option(1_000, "--households", min=1, help="Synthetic households."),
    database_url: str | None = typer.Option(
        None, "--database-url", help="An empty database (default: a temporary SQLite file)."
    ),
    partition_size: int = typer.Option(500, "--partition-size", min=1, help="Users per task."),
    workers: int | None = typer.Option(None, "--workers", min=1, help="Local Dask workers."),
    ets_sample: int = typer.Option(200, "--ets-sample", min=1, help="Households for AutoETS."),
    loaded: bool = typer.Option(
        False,
        "--loaded",
        help="Score again the N households an earlier run loaded into --database-url.",
    ),
) -> None:
    """Generate, bulk-load and batch-score N households x 36 months; AutoETS beside."""
    from fincast.benchmarks.batch import run

    result = run(
        households,
        database_url=database_url,
        partition_size=partition_size,
        workers=workers,
        ets_sample=ets_sample,
        progress=lambda msg: console.print(f"[bold]{msg}[/bold]", highlight=False),
        loaded=loaded,
    )
    print_json(result)
