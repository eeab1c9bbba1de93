"""`fincast import` (a bank file into an account) and `fincast import-export` (a JSON export)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import typer
from rich.console import Console

from fincast.errors import NotFoundError

DEFAULT_USER = "local@fincast.invalid"


#: Environment variable naming the default owner of ``fincast import`` (an existing user).
USER_ENV = "FINCAST_USER"


def _owner(user: str | None) -> str:
    """The owner's email: ``--user``, else the configured default; either must exist.

    Data filed under an email nobody registered could never be seen (no one can log in as
    that user), so an unknown owner is refused rather than created.
    """
    email = user or os.environ.get(USER_ENV, "").strip()
    if email:
        return email
    raise typer.BadParameter(
        "say whose data this is: --user EMAIL (create the user first with "
        f"`fincast users create EMAIL` to log in), or set {USER_ENV} to an existing user",
        param_hint="--user",
    )


def import_command(
    file: Path = typer.Argument(..., exists=True, dir_okay=False, help="Bank export to import."),
    account: str = typer.Option(..., "--account", help="Account name (created if missing)."),
    user: str | None = typer.Option(
        None,
        "--user",
        help=f"Owner's email, an existing user (required, or set {USER_ENV}).",
        show_default=False,
    ),
    format: str = typer.Option("auto", "--format", help="auto, csv, ofx, qfx, qif, camt or mt940."),
    mapping: str | None = typer.Option(
        None, "--mapping", help="CSV preset name or a JSON/TOML mapping file."
    ),
    save_mapping: bool = typer.Option(
        False, "--save-mapping", help="Keep --mapping for this account's next CSV files."
    ),
    create_accounts: bool = typer.Option(
        False,
        "--create-accounts",
        help="Create the accounts of a multi-account file (Mint, OFX) that you have not.",
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

    email = _owner(user)
    try:
        result = import_into_account(
            migrated_engine(),
            file,
            email=email,
            account=account,
            account_type=account_type,
            currency=currency,
            format=format,
            mapping=mapping,
            create_user=False,
            create_accounts=create_accounts,
            save_mapping=save_mapping,
        )
    except NotFoundError as exc:
        if "user" not in str(exc):
            raise
        raise typer.BadParameter(
            f"no user {email!r}: create it first with `fincast users create {email}` "
            "(the login for the API and dashboard), then import",
            param_hint="--user",
        ) from exc
    keep = ("file", "format", "imported", "duplicates", "skipped", "errors", "warnings")
    payload = {k: v for k, v in result.to_dict().items() if k in keep}
    if len(result.accounts) > 1 or result.created_accounts:
        payload["accounts"] = result.accounts
        payload["created_accounts"] = result.created_accounts
    if as_json:
        typer.echo(json.dumps(payload))
        return
    console = Console()
    console.print(
        f"{result.file} ({result.format}): {result.imported} imported, "
        f"{result.duplicates} duplicates, {result.skipped} skipped",
        highlight=False,
    )
    if len(result.accounts) > 1:
        for name, n in result.accounts.items():
            new = " (created)" if name in result.created_accounts else ""
            console.print(f"  {name}{new}: {n} rows", highlight=False)
    for warning in result.warnings:
        console.print(f"  warning: {warning}", style="yellow", highlight=False)
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
