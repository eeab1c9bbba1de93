"""`fincast recurring`: a user's recurring payments, and the detector's score on truth."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from fincast.cli.common import migrated_engine, print_json

recurring_app = typer.Typer(
    help="Recurring payments and subscriptions: list them, score the detector.",
    no_args_is_help=True,
)
console = Console()


@recurring_app.command("list")
def list_cmd(
    user: str = typer.Option("local@fincast.invalid", "--user", help="Owner's email."),
    status: str | None = typer.Option(None, "--status", help="new|confirmed|dismissed"),
    currency: str | None = typer.Option(
        None, "--currency", help="Only the series of this currency of your accounts."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """List a user's recurring series, each in its currency (detected again if needed)."""
    from fincast.services import recurring

    rows = recurring.list_for_cli(migrated_engine(), user, status=status, currency=currency)
    if as_json:
        print_json({"data": rows, "count": len(rows)})
        return
    of = f" in {currency.upper()}" if currency else ""
    table = Table(title=f"recurring series of {user}{of}")
    columns = ("id", "payee", "cadence", "currency", "expected", "next", "state", "status")
    for column in (*columns, "changes"):
        table.add_column(column)
    for r in rows:
        changes = ", ".join(
            f"{c['old_amount']} -> {c['new_amount']} ({c['date']})" for c in r["price_changes"]
        )
        table.add_row(
            str(r["id"]),
            r["payee"],
            r["cadence"],
            r["currency"],
            r["expected_amount"],
            r["next_date"],
            r["state"],
            r["status"],
            changes,
        )
    console.print(table)


@recurring_app.command("evaluate")
def evaluate_cmd(
    data: Path = typer.Option(..., "--data", help="A `fincast generate` folder."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Precision and recall of series (payee, cadence) and price changes against the truth."""
    from fincast.services import recurring

    scores = recurring.evaluate_folder(data)
    if as_json:
        print_json(scores)
        return
    console.print(scores_table(scores))


def scores_table(scores: dict[str, Any]) -> Table:
    """The scores as a table: one row per measure."""
    table = Table(title=f"recurring detection on {scores['households']} households")
    for column in ("measure", "precision", "recall", "detected", "truth"):
        table.add_column(column, justify="right")

    def row(name: str, s: dict[str, Any]) -> None:
        table.add_row(
            name,
            *(str(s[k]) if s.get(k) is not None else "-" for k in ("precision", "recall")),
            str(s["detected"]),
            str(s["truth"]),
        )

    row("series", scores["series"])
    for cadence, s in scores["series"]["by_cadence"].items():
        row(f"  {cadence}", s)
    row("price changes", scores["price_changes"])
    row("pay changes (raises)", scores["pay_changes"])
    row("ended series", scores["ended"])
    return table


def register(app: typer.Typer) -> None:
    """Add this module's commands to the main app."""
    app.add_typer(recurring_app, name="recurring")
