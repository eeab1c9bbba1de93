"""`fincast insights goal|disposable|health|readiness`: a user's financial wellbeing.

The commands join the ``insights`` sub-app of :mod:`fincast.cli.insights` when this module
is imported (``cli/main.py`` imports it); each calls :mod:`fincast.services.wellbeing`, the
same functions the API answers with.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from fincast.cli.common import migrated_engine, print_json
from fincast.cli.insights import CURRENCY, app, print_currency

console = Console()
USER = typer.Option("local@fincast.invalid", "--user", help="Owner's email.")
JSON = typer.Option(False, "--json", help="Print JSON.")
MODELS = typer.Option(None, "--models-dir", help="Folder of the household model.")


def _answer(
    what: str,
    user: str,
    models_dir: Path | None,
    currency: str | None,
    goal_id: int | None = None,
    *,
    as_json: bool,
) -> Any:
    from fincast.config import get_settings
    from fincast.services import wellbeing

    folder = models_dir or get_settings().resolved_models_dir
    answer = wellbeing.for_cli(
        migrated_engine(), user, what, models_dir=folder, goal_id=goal_id, currency=currency
    )
    if not as_json:
        print_currency(answer)
    return answer


def _money(x: float | None) -> str:
    return "-" if x is None else f"{x:,.2f}"


@app.command("goal")
def goal_cmd(
    goal_id: int = typer.Argument(..., help="The goal's id."),
    user: str = USER,
    as_json: bool = JSON,
    models_dir: Path | None = MODELS,
    currency: str | None = CURRENCY,
) -> None:
    """A savings goal: chance of reaching it by its date, monthly amount needed, pace date."""
    g = _answer("goal", user, models_dir, currency, goal_id, as_json=as_json)
    if as_json:
        print_json(g)
        return
    p = "-" if g["probability"] is None else f"{g['probability']:.0%}"
    console.print(f"[bold]{g['name']}[/bold]: {_money(g['target_amount'])} by {g['target_date']}")
    console.print(f"  status {g['status']}, probability {p}; {g['message']}")
    need = g["monthly_savings_needed"] or {}
    for level, amount in need.items():
        extra = (g["extra_per_month_needed"] or {}).get(level)
        console.print(f"  save {_money(amount)} a month for {level} ({_money(extra)} extra)")
    console.print(f"  at the current pace: {g['pace_month'] or 'not reached'}")
    for a in g["assumptions"]:
        console.print(f"  [dim]assumes {a}[/dim]")


@app.command("disposable")
def disposable_cmd(
    user: str = USER,
    as_json: bool = JSON,
    models_dir: Path | None = MODELS,
    currency: str | None = CURRENCY,
) -> None:
    """Next month's income minus essential spending, with its range."""
    d = _answer("disposable", user, models_dir, currency, as_json=as_json)
    if as_json:
        print_json(d)
        return
    console.print(
        f"{d['month']}: disposable {_money(d['disposable'])} "
        f"(80%: {_money(d['lower_80'])} to {_money(d['upper_80'])}; "
        f"95%: {_money(d['lower_95'])} to {_money(d['upper_95'])})"
    )
    console.print(
        f"  income {_money(d['expected_income'])} - essentials "
        f"{_money(d['essential_spending'])}; P(negative) {d['probability_negative']:.0%}"
    )


@app.command("health")
def health_cmd(
    user: str = USER,
    as_json: bool = JSON,
    models_dir: Path | None = MODELS,
    currency: str | None = CURRENCY,
) -> None:
    """Financial health score 0-100: eight indicators, their points and one step each."""
    h = _answer("health", user, models_dir, currency, as_json=as_json)
    if as_json:
        print_json(h)
        return
    score = "-" if h["score"] is None else str(h["score"])
    console.print(f"[bold]score {score}[/bold] ({h['tier']}), {h['basis']}")
    table = Table(title=f"health of {user} as of {h['month']}")
    for column in ("indicator", "value", "points", "step"):
        table.add_column(column)
    for c in h["components"]:
        pts = "-" if c["points"] is None else f"{c['points']:g}/{c['max_points']:g}"
        table.add_row(c["name"], c["display"], pts, c["step"])
    console.print(table)
    console.print(
        "history: " + ", ".join(f"{m['month']} {m['score'] or '-'}" for m in h["history"])
    )


@app.command("readiness")
def readiness_cmd(
    user: str = USER,
    as_json: bool = JSON,
    models_dir: Path | None = MODELS,
    currency: str | None = CURRENCY,
) -> None:
    """Investment readiness: not ready, building or ready, with the reasons."""
    r = _answer("readiness", user, models_dir, currency, as_json=as_json)
    if as_json:
        print_json(r)
        return
    console.print(f"[bold]{r['verdict']}[/bold]")
    for reason in r["reasons"]:
        console.print(f"  - {reason}")
