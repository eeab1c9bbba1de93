"""`fincast generate`: synthetic households to files or a database."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn

console = Console()


def _progress() -> Progress:
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TaskProgressColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    )


def generate(
    users: int = typer.Option(100, "--users", help="Number of households."),
    months: int = typer.Option(36, "--months", help="Number of calendar months."),
    seed: int = typer.Option(42, "--seed", help="Random seed; one seed gives identical files."),
    out: Path = typer.Option(..., "--out", help="Folder to write the files into."),
    start: str = typer.Option("2023-01", "--start", help="First month, YYYY-MM."),
    into_db: bool = typer.Option(
        False, "--into-db", help="Also load the transactions into the configured database."
    ),
    detector_events: bool = typer.Option(
        False,
        "--detector-events",
        help="Also inject the labelled events the recurring and anomaly detectors are scored "
        "on (weekly, quarterly and annual bills, duplicates, spikes, ...).",
    ),
) -> None:
    """Generate synthetic households: transactions, monthly panel, samples and ground truth."""
    from fincast.synth import GENERATION_STEPS, generate_households, validate_arguments
    from fincast.synth import write_households as write

    validate_arguments(users, months, seed, start)
    with _progress() as bar:
        task = bar.add_task("generating", total=len(GENERATION_STEPS))
        households = generate_households(
            users,
            months,
            seed,
            start,
            progress=lambda step: bar.update(task, advance=1, description=f"generating {step}"),
            detector_events=detector_events,
        )
        bar.update(task, description="generated")
        rows = len(households.transactions)
        wtask = bar.add_task("writing transactions.csv", total=rows)
        paths = write(households, out, progress=lambda n: bar.update(wtask, advance=n))
        bar.update(wtask, description="written")
        if into_db:
            from fincast.services import database
            from fincast.services.households import load_transactions

            dtask = bar.add_task("loading into database", total=rows)
            result = load_transactions(
                database.engine(),
                households.transactions,
                progress=lambda n: bar.update(dtask, advance=n),
            )
            console.print(f"database: {result}")
    console.print(
        f"{users} households x {months} months from {households.start}: {rows:,} transactions "
        f"in {out}"
    )
    for path in paths.values():
        console.print(f"  {path}")


def register(app: typer.Typer) -> None:
    """Add this module's commands to the main app."""
    app.command("generate")(generate)
