"""`fincast import` (a bank file into an account) and `fincast import-export` (a JSON export)."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.console import Console

DEFAULT_USER = "local@fincast.invalid"


def import_command(
    file: Path = typer.Argument(..., exists=True, dir_okay=False, help="Bank export to import."),
    account: str = typer.Option(..., "--account", help="Account name (created if missing)."),
    user: str = typer.Option(DEFAULT_USER, "--user", help="Owner's email (created if missing)."),
    format: str = typer.Option("auto", "--format", help="auto, csv, ofx, qfx, qif, camt or mt940."),
    mapping: str | None = typer.Option(
        None, "--mapping", help="CSV preset name or a JSON/TOML mapping file."
    ),
    account_type: str = typer.Option(
        "checking", "--account-type", help="Type for a new account (checking, credit_card, ...)."
    ),
    currency: str = typer.Option("USD", "--currency", help="Currency for a new account."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """Import a bank file (CSV, OFX/QFX, QIF, CAMT.053, MT940) into an account."""
    from fincast.services.database import migrated_engine
    from fincast.services.imports import import_into_account

    result = import_into_account(
        migrated_engine(),
        file,
        email=user,
        account=account,
        account_type=account_type,
        currency=currency,
        format=format,
        mapping=mapping,
    )
    payload = {k: v for k, v in result.to_dict().items() if k != "batch_id"}
    if as_json:
        typer.echo(json.dumps(payload))
        return
    console = Console()
    console.print(
        f"{result.file} ({result.format}): {result.imported} imported, "
        f"{result.duplicates} duplicates, {result.skipped} skipped",
        highlight=False,
    )
    for note in result.errors:
        console.print(f"  note: {note}", highlight=False)


def import_export_command(
    file: Path = typer.Argument(
        ..., exists=True, dir_okay=False, help="JSON export (GET /api/export) to load."
    ),
    user: str = typer.Option(
        DEFAULT_USER, "--user", help="Owner's email (created without a password if missing)."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """Load a user's JSON export into a fresh account: every row, with new ids."""
    from fincast.services.database import migrated_engine
    from fincast.services.export import import_export_file

    result = import_export_file(migrated_engine(), file, email=user)
    if as_json:
        typer.echo(json.dumps({"rows": result.rows, "left_out": result.left_out}))
        return
    counts = ", ".join(f"{n} {name}" for name, n in result.rows.items())
    Console().print(f"{file.name}: loaded {result.total} rows ({counts})", highlight=False)
    for name in result.left_out:
        Console().print(f"  note: {name} are credentials and were not imported", highlight=False)


def register(app: typer.Typer) -> None:
    """Add ``import`` and ``import-export`` to the main app."""
    app.command("import")(import_command)
    app.command("import-export")(import_export_command)
