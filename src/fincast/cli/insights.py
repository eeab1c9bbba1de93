"""`fincast insights`: forward-looking answers about a user's money, one command per question.

This module owns the ``insights`` Typer sub-app. Other modules add their commands to it by
importing ``app`` from here (``from fincast.cli.insights import app``) and decorating with
``@app.command("name")``; ``cli/main.py`` registers the sub-app once through ``register``.
The commands in this file: ``overspending``, ``budget`` and ``alerts``.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from fincast.cli.common import migrated_engine, parse_decimal, print_json

app = typer.Typer(
    help="Insights: overspending risk, budgets and alerts, and more, explained.",
    no_args_is_help=True,
)
console = Console()
_USER = typer.Option("local@fincast.invalid", "--user", help="Owner's email.")
_JSON = typer.Option(False, "--json", help="Print JSON.")
_MODELS = typer.Option(None, "--models-dir", help="Folder of the household model.")
CURRENCY = typer.Option(
    None, "--currency", help="Answer in this currency of your accounts (default: primary)."
)


def print_currency(result: dict[str, Any]) -> None:
    """Say which currency the amounts are in, and how to see the user's others."""
    others = [c for c in result.get("currencies") or [] if c != result.get("currency")]
    if others:
        console.print(
            f"[dim]amounts in {result['currency']}; also: {', '.join(others)} "
            "(--currency; never added together)[/dim]"
        )


def _models(models_dir: Path | None) -> Path:
    from fincast.config import get_settings

    return models_dir or get_settings().resolved_models_dir


def _bar(p: float, width: int = 20) -> str:
    filled = round(p * width)
    return "#" * filled + "." * (width - filled)


@app.command("overspending")
def overspending_cmd(
    user: str = _USER,
    threshold: float = typer.Option(1.2, "--threshold", help="The rule's multiple of average."),
    as_json: bool = _JSON,
    models_dir: Path | None = _MODELS,
    currency: str | None = CURRENCY,
) -> None:
    """Next month per category: the rule's flag and the chance of going over, riskiest first."""
    from fincast.services import overspending

    result = overspending.overspending_for_cli(
        migrated_engine(),
        user,
        models_dir=_models(models_dir),
        threshold=threshold,
        currency=currency,
    )
    if as_json:
        print_json(result)
        return
    print_currency(result)
    console.print(overspending_table(result))
    console.print(
        f"P(spending > income) in {result['month']}: "
        f"{result['probability_expense_over_income']:.0%} "
        f"(expected {result['expected_expense']:,.2f} of {result['expected_income']:,.2f})"
    )
    if result["probability_over_total_budget"] is not None:
        console.print(
            f"P(spending > your total budget {result['total_budget']:,.2f}): "
            f"{result['probability_over_total_budget']:.0%}"
        )
    for note in result["notes"]:
        console.print(f"[dim]{note}[/dim]")


def overspending_table(result: dict[str, Any]) -> Table:
    """The categories as a table, riskiest first."""
    table = Table(title=f"overspending risk in {result['month']} (rule: {result['threshold']}x)")
    for column in ("category", "expected", "average", "limit", "P(over limit)", "", "rule"):
        table.add_column(column, justify="left" if column in ("category", "") else "right")
    for c in result["categories"]:
        table.add_row(
            c["category"],
            f"{c['expected']:,.2f}",
            f"{c['trailing_average']:,.2f}",
            f"{c['limit']:,.2f} ({'budget' if c['limit_source'] == 'budget' else 'rule'})",
            f"{c['probability_over_limit']:.0%}",
            _bar(c["probability_over_limit"]),
            "over" if c["rule_flag"] else "-",
        )
    return table


@app.command("budget")
def budget_cmd(
    user: str = _USER,
    total_budget: str | None = typer.Option(
        None, "--total-budget", help="Money to plan for (default: your total budget or income)."
    ),
    safety_margin: str = typer.Option(
        "0", "--safety-margin", help="Share of the total kept unplanned, 0 to 0.5."
    ),
    as_json: bool = _JSON,
    models_dir: Path | None = _MODELS,
    currency: str | None = CURRENCY,
) -> None:
    """Next month's budget: fixed bills and debt minimums first, essentials, then the rest."""
    from fincast.services import budgeting

    margin = parse_decimal(safety_margin, "--safety-margin")
    plan = budgeting.budget_for_cli(
        migrated_engine(),
        user,
        models_dir=_models(models_dir),
        total_budget=parse_decimal(total_budget, "--total-budget"),
        safety_margin=margin if margin is not None else Decimal("0"),
        currency=currency,
    )
    if as_json:
        print_json(plan)
        return
    print_currency(plan)
    console.print(budget_table(plan))
    ref = plan["reference_50_30_20"]
    console.print(
        "50/30/20 reference: "
        + ", ".join(
            f"{k} {v['reference']:,.2f} (planned {v['planned']:,.2f}, {v['planned_share']:.0%})"
            for k, v in ref.items()
        )
    )
    for warning in plan["warnings"]:
        console.print(f"[yellow]warning:[/yellow] {warning}")


def budget_table(plan: dict[str, Any]) -> Table:
    """The plan's lines as a table, savings last."""
    table = Table(
        title=f"budget for {plan['month']}: {plan['available']:,.2f} of "
        f"{plan['total_budget']:,.2f} ({plan['total_budget_source']})"
    )
    for column in ("category", "amount", "expected", "floor", "why"):
        table.add_column(
            column, justify="right" if column in ("amount", "expected", "floor") else "left"
        )
    for line in plan["lines"]:
        table.add_row(
            line["category"],
            f"{line['amount']:,.2f}",
            f"{line['expected']:,.2f}",
            f"{line['floor']:,.2f}",
            line["reason"],
        )
    return table


@app.command("alerts")
def alerts_cmd(
    user: str = _USER,
    as_json: bool = _JSON,
    models_dir: Path | None = _MODELS,
    currency: str | None = CURRENCY,
) -> None:
    """Your budgets this month: spent so far, projected month end, 80/90/100 % reached."""
    from fincast.services import budgeting

    result = budgeting.alerts_for_cli(
        migrated_engine(), user, models_dir=_models(models_dir), currency=currency
    )
    if as_json:
        print_json(result)
        return
    print_currency(result)
    table = Table(
        title=f"budgets in {result['month']} (day {result['days_elapsed']} of "
        f"{result['days_in_month']})"
    )
    for column in ("budget", "limit", "spent", "level", "projected", "by", "message"):
        table.add_column(column)
    for b in result["budgets"]:
        table.add_row(
            b["category"],
            f"{b['limit']:,.2f}",
            f"{b['spent']:,.2f}",
            "-" if b["level"] is None else f"{b['level']}%",
            f"{b['projected']:,.2f}",
            b["projection"],
            b["message"],
        )
    console.print(table)
    for note in result["notes"]:
        console.print(f"[dim]{note}[/dim]")


def register(root: typer.Typer) -> None:
    """Add the ``insights`` sub-app to the main app."""
    root.add_typer(app, name="insights")
