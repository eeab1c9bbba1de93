"""``fincast batch train|score``: every user's model and forecasts on a Dask cluster."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from fincast.cli.common import migrated_engine

batch_app = typer.Typer(
    help="Batch jobs on Dask: train the shared model, score every user (docs/scaling.md).",
    no_args_is_help=True,
)
console = Console(stderr=True)

SCHEDULER_HELP = "Dask scheduler address (tcp://HOST:8786); default: a local cluster."


def _database_url() -> str:
    from fincast.config import get_settings

    engine = migrated_engine()
    url = get_settings().resolved_database_url
    engine.dispose()
    return url


def _models_dir(models_dir: Path | None) -> Path:
    from fincast.config import get_settings

    return models_dir or get_settings().resolved_models_dir


@contextmanager
def _users_bar(show: bool) -> Iterator[tuple[Any, Any]]:
    """A progress bar over users; yields (set the total, advance by users)."""
    columns = [
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    ]
    with Progress(*columns, console=console, disable=not show) as progress:
        task = progress.add_task("users", total=None)

        def total(n: int) -> None:
            progress.update(task, total=n)

        def advance(_done: int, users: int) -> None:
            progress.advance(task, users)

        yield total, advance


@batch_app.command("train")
def train_cmd(
    scheduler: str | None = typer.Option(None, "--scheduler", help=SCHEDULER_HELP),
    partition_size: int = typer.Option(2_000, "--partition-size", min=1, help="Users per task."),
    models_dir: Path | None = typer.Option(None, "--models-dir", help="Where the model goes."),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
) -> None:
    """Train the shared household model across every user's ledger and publish it."""
    from fincast.services.batch.train import train

    url = _database_url()
    with _users_bar(not as_json) as (_, advance):
        result = train(
            url,
            _models_dir(models_dir),
            scheduler=scheduler,
            partition_size=partition_size,
            progress=advance,
        )
    if as_json:
        typer.echo(json.dumps(result, default=str))
        return
    typer.echo(
        f"published the household model learned from {result['users']} users' ledgers "
        f"({result['n_households']} households in all) in {result['seconds']:.1f} s"
    )


@batch_app.command("score")
def score_cmd(
    scheduler: str | None = typer.Option(None, "--scheduler", help=SCHEDULER_HELP),
    users: str = typer.Option("all", "--users", help="all, or user ids: ID,ID,..."),
    partition_size: int = typer.Option(500, "--partition-size", min=1, help="Users per task."),
    models_dir: Path | None = typer.Option(None, "--models-dir", help="The household model."),
    as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
) -> None:
    """Forecast (1-12 months, 95 % ranges) and score insights for users; store the results."""
    from fincast.services.batch.score import score

    url = _database_url()
    with _users_bar(not as_json) as (set_total, advance):
        result = score(
            url,
            _models_dir(models_dir),
            users=users,
            partition_size=partition_size,
            scheduler=scheduler,
            progress=advance,
            on_start=lambda run: set_total(sum(len(p.user_ids) for p in run.pending)),
        )
    if as_json:
        typer.echo(json.dumps(result, default=str))
        return
    _print_summary(result)


def _print_summary(result: dict[str, Any]) -> None:
    table = Table("users", "series", "seconds", "series/s", "failures", "partitions skipped")
    table.add_row(
        f"{result['users']:,}",
        f"{result['series']:,}",
        f"{result['seconds']:.1f}",
        f"{result['series_per_second'] or 0:,.0f}",
        f"{len(result['failures']):,}",
        f"{result['skipped_partitions']} of {result['partitions']}"
        + (" (resumed)" if result["resumed"] else ""),
    )
    out = Console()
    out.print(table)
    for failure in result["failures"][:20]:
        who = failure.get("user_id") or f"partition {failure.get('partition')}"
        out.print(f"[red]failed[/red] user {who}: {failure['reason']}", highlight=False)
    if len(result["failures"]) > 20:
        out.print(f"... and {len(result['failures']) - 20} more (--json lists them all)")


def register(app: typer.Typer) -> None:
    """Add the ``batch`` command group to the main app."""
    app.add_typer(batch_app, name="batch")
