"""`fincast anomalies`: a user's flags with reasons, and the detectors' scores on truth."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from fincast.cli.common import migrated_engine, print_json

anomalies_app = typer.Typer(
    help="Anomalies with reasons: list them, score the detectors.", no_args_is_help=True
)
console = Console()


@anomalies_app.command("list")
def list_cmd(
    user: str = typer.Option("local@fincast.invalid", "--user", help="Owner's email."),
    status: str | None = typer.Option(None, "--status", help="new|confirmed|dismissed"),
    kind: str | None = typer.Option(
        None,
        "--kind",
        help="unusual_amount|new_merchant|duplicate|category_spike|monthly_behaviour",
    ),
    currency: str | None = typer.Option(
        None, "--currency", help="Only the flags of this currency of your accounts."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """List a user's anomaly flags, newest first (detected again if the ledger changed)."""
    from fincast.services import anomalies

    rows = anomalies.list_for_cli(
        migrated_engine(), user, status=status, kind=kind, currency=currency
    )
    if as_json:
        print_json({"data": rows, "count": len(rows)})
        return
    of = f" in {currency.upper()}" if currency else ""
    table = Table(title=f"anomalies of {user}{of}")
    for column in ("id", "date", "kind", "amount", "score", "status", "reason"):
        table.add_column(column)
    for r in rows:
        table.add_row(
            str(r["id"]),
            r["date"],
            r["kind"],
            f"{r['amount']} {r['currency']}" if r["amount"] else "",
            f"{r['score']:.1f}",
            r["status"],
            r["reason"],
        )
    console.print(table)


@anomalies_app.command("evaluate")
def evaluate_cmd(
    data: Path = typer.Option(..., "--data", help="A `fincast generate --detector-events` folder."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Precision and recall per kind; the isolation forest beside the robust detector."""
    from fincast.services import anomalies

    scores = anomalies.evaluate_folder(data)
    if as_json:
        print_json(scores)
        return
    for table in scores_tables(scores):
        console.print(table)


def _cell(value: Any) -> str:
    return "-" if value is None else str(value)


def scores_tables(scores: dict[str, Any]) -> list[Table]:
    """Transaction flags, category spikes and months, each as a table."""
    tx = scores["transactions"]
    flags = Table(title=f"transaction flags on {scores['households']} households")
    for column in ("", "precision", "recall", "flagged / injected"):
        flags.add_column(column, justify="right")
    a = tx["all"]
    flags.add_row(
        "all", _cell(a["precision"]), _cell(a["recall"]), f"{a['detected']} / {a['truth']}"
    )
    for kind, s in tx["by_detector"].items():
        flags.add_row(f"detector {kind}", _cell(s["precision"]), "", str(s["detected"]))
    for kind, s in tx["by_injected_kind"].items():
        flags.add_row(f"injected {kind}", "", _cell(s["recall"]), str(s["injected"]))
    sp = scores["category_spikes"]
    flags.add_row(
        "category spikes",
        _cell(sp["precision"]),
        _cell(sp["recall"]),
        f"{sp['detected']} / {sp['truth']}",
    )
    months = Table(title="unusual months: robust z-score beside the isolation forest")
    for column in (
        "detector",
        "precision",
        "flagged",
        "out of work",
        "category spike",
        "large shock",
    ):
        months.add_column(column, justify="right")
    for detector, s in scores["months"].items():
        r = s["recall"]
        months.add_row(
            detector,
            _cell(s["precision"]),
            str(s["flagged"]),
            _cell(r["out_of_work"]),
            _cell(r["category_spike"]),
            _cell(r["large_shock"]),
        )
    return [flags, months]


def register(app: typer.Typer) -> None:
    """Add this module's commands to the main app."""
    app.add_typer(anomalies_app, name="anomalies")
