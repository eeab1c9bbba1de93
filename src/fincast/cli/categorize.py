"""`fincast categorize`: score the learned categorizer, train its global model, list rule offers."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from fincast.cli.common import print_json

categorize_app = typer.Typer(
    help="Learned categorization: evaluate it on labeled data, train the global model.",
    no_args_is_help=True,
)
console = Console()


@categorize_app.command("evaluate")
def evaluate_cmd(
    data: Path = typer.Option(..., "--data", exists=True, dir_okay=False, help="Labeled CSV."),
    text_col: str = typer.Option(..., "--text-col", help="Column with the payee text."),
    label_col: str = typer.Option(..., "--label-col", help="Column with the true category."),
    amount_col: str | None = typer.Option(None, "--amount-col", help="Signed amount column."),
    date_col: str | None = typer.Option(
        None, "--date-col", help="Date column for the time split (else a seeded shuffle)."
    ),
    description_col: str | None = typer.Option(
        None, "--description-col", help="Extra free-text column."
    ),
    account_col: str | None = typer.Option(None, "--account-col", help="Account name column."),
    merchants: Path | None = typer.Option(
        None,
        "--merchants",
        exists=True,
        dir_okay=False,
        help="merchant_descriptor_categories.csv: adds the global model (synthetic households "
        "and these merchants), unless --data is that file.",
    ),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """Train on the earliest 70% of rows, test on the rest, beside two baselines."""
    from fincast.services.categorization import evaluate_csv

    result = evaluate_csv(
        data,
        text_col=text_col,
        label_col=label_col,
        amount_col=amount_col,
        date_col=date_col,
        description_col=description_col,
        account_col=account_col,
        merchants=merchants,
    )
    if as_json:
        print_json(result)
        return
    rows = result["rows"]
    table = Table(
        title=f"{result['file']}: {rows['train']} train / {rows['test']} test rows, "
        f"{result['classes']} categories, threshold {result['threshold']}"
    )
    for column in ("model", "accuracy", "macro-F1", "coverage", "accuracy (covered)"):
        table.add_column(column)
    # Every row answered is the like-for-like comparison with the baselines (never unknown).
    named = {
        f"fincast (at {result['threshold']})": result["fincast"],
        "fincast (every row)": result["fincast_full_coverage"],
        **result["baselines"],
    }
    for name, s in named.items():
        table.add_row(
            name,
            f"{s['accuracy']:.4f}",
            f"{s['macro_f1']:.4f}",
            f"{s['coverage']:.4f}",
            f"{s['accuracy_covered']:.4f}",
        )
    console.print(table)


@categorize_app.command("train")
def train_cmd(
    merchants: Path | None = typer.Option(
        None,
        "--merchants",
        exists=True,
        dir_okay=False,
        help="merchant_descriptor_categories.csv to learn from besides synthetic households.",
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the model's metadata as JSON."),
) -> None:
    """Train the global categorizer model and save it as a signed model file."""
    from fincast.services.categorization import train_global_model

    meta = train_global_model(merchants=merchants)
    public = {k: v for k, v in meta.items() if k not in {"signature", "payload_sha256"}}
    if as_json:
        print_json(public)
        return
    console.print(
        f"trained {public['name']} on {public['rows']} rows: {', '.join(public['sources'])}"
    )


@categorize_app.command("rules")
def rules_cmd(
    user: str = typer.Option("local@fincast.invalid", "--user", help="Owner's email."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Rules offered after repeated corrections ("always categorize X as Y")."""
    from fincast.cli.common import migrated_engine
    from fincast.services.categorization import rule_suggestions_for_cli

    rows = rule_suggestions_for_cli(migrated_engine(), user)
    if as_json:
        print_json({"data": rows, "count": len(rows)})
        return
    table = Table(title=f"rule suggestions of {user} (accept: POST /api/rules/suggestions/accept)")
    for column in ("payee contains", "category id", "corrections", "example"):
        table.add_column(column)
    for r in rows:
        table.add_row(
            r["payee_contains"], str(r["category_id"]), str(r["corrections"]), r["example"]
        )
    console.print(table)


def register(app: typer.Typer) -> None:
    """Add this module's commands to the main app."""
    app.add_typer(categorize_app, name="categorize")
