"""The ``fincast`` command: one Typer app, one place that turns errors into exit codes."""

from __future__ import annotations

import sys

import typer
from rich.console import Console

from fincast import __version__
from fincast.cli import (
    anomalies,
    backup,
    batch,
    benchmark,
    categorize,
    dashboard,
    debts,
    forecast,
    generate,
    imports,
    insights,
    insights_health,  # noqa: F401  (imported: its commands join `insights`)
    insights_plans,  # noqa: F401  (imported: its commands join `insights`)
    ledger,
    recurring,
    run,
    serve,
)
from fincast.errors import FincastError

app = typer.Typer(
    name="fincast",
    help="Self-hosted personal-finance intelligence: ledger, imports, forecasts, insights.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
err_console = Console(stderr=True)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"fincast {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """Self-hosted personal-finance intelligence."""


for _module in (
    run,
    ledger,
    generate,
    imports,
    forecast,
    serve,
    benchmark,
    batch,
    backup,
    recurring,
    anomalies,
    categorize,
    dashboard,
    debts,
    insights,
):
    _module.register(app)


def main() -> None:
    """Run the CLI; fincast errors become one red line on stderr and exit code 2."""
    try:
        app()
    except FincastError as exc:
        err_console.print(f"[red]error:[/red] {exc}", highlight=False, soft_wrap=True)
        sys.exit(2)


if __name__ == "__main__":
    main()
