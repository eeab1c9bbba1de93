"""`fincast debts`: a user's debt plan (avalanche, snowball, own order) and the surplus split."""

from __future__ import annotations

from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from fincast.cli.common import migrated_engine, parse_decimal, print_json
from fincast.cli.insights import CURRENCY, print_currency
from fincast.errors import InputError

debts_app = typer.Typer(help="Debts: a payoff plan per strategy.", no_args_is_help=True)
console = Console()


def _ids(text: str | None) -> list[int] | None:
    if not text:
        return None
    try:
        return [int(p) for p in text.split(",") if p.strip()]
    except ValueError as exc:
        raise InputError("--order: a comma-separated list of debt ids, e.g. 3,1,2") from exc


@debts_app.command("plan")
def plan_cmd(
    user: str = typer.Option("local@fincast.invalid", "--user", help="Owner's email."),
    extra: str | None = typer.Option(
        None, "--extra", help="Money a month on top of the minimums (default: surplus split)."
    ),
    order: str | None = typer.Option(
        None, "--order", help="Your own order as comma-separated debt ids."
    ),
    currency: str | None = CURRENCY,
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Months to debt-free and total interest per strategy, and the surplus split.

    Of the debts in one currency (default: the primary one), with its accounts' surplus.
    """
    from fincast.services import debt_plan

    result = debt_plan.plan_for_cli(
        migrated_engine(),
        user,
        extra=parse_decimal(extra, "--extra"),
        order=_ids(order),
        currency=currency,
    )
    if as_json:
        print_json(result)
        return
    console.print(strategies_table(result))
    print_currency(result)
    split = result["surplus"]
    if split is not None:
        console.print(
            f"surplus {split['monthly_surplus']}/month over {split['months_measured']} months: "
            f"{split['to_debt']} to debt, {split['to_savings']} to savings - {split['reason']}"
        )
    for note in result["notes"]:
        console.print(f"note: {note}")


def strategies_table(result: dict[str, Any]) -> Table:
    """One row per strategy: months, total interest, total paid, order."""
    cur = f" {result['currency']}" if result.get("currency") else ""
    table = Table(
        title=f"debt plan{cur}: minimums plus {result['extra']} a month "
        f"({result['monthly_budget']})"
    )
    for column in ("strategy", "months", "total interest", "total paid", "order"):
        table.add_column(column, justify="right")
    for name, s in result["strategies"].items():
        months = str(s["months"]) if s["months"] is not None else "never"
        if s["capped"]:
            months = f"> {result['max_months']}"
        table.add_row(
            name,
            months,
            str(s["total_interest"]),
            str(s["total_paid"]),
            ",".join(str(i) for i in s["order"]),
        )
    return table


def register(app: typer.Typer) -> None:
    """Add this module's commands to the main app."""
    app.add_typer(debts_app, name="debts")
