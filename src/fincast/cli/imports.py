"""`fincast import` (one bank file into one account) and `fincast bench-import`."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.console import Console
from sqlalchemy import Engine

DEFAULT_USER = "local@fincast.invalid"


def _engine(database_url: str | None = None) -> Engine:
    from fincast.db import migrate
    from fincast.db.engine import get_engine

    engine = get_engine(database_url)
    if not migrate.is_current(engine):
        migrate.upgrade(engine)
    return engine


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
    from fincast.db.engine import session_scope
    from fincast.ingest.service import import_file
    from fincast.ledger import service as ledger

    engine = _engine()
    with session_scope(engine) as session:
        owner = ledger.get_or_create_user(session, user)
        acc = ledger.get_or_create_account(
            session, owner.id, account, type=account_type, currency=currency.upper()
        )
        user_id, account_id = owner.id, acc.id
    result = import_file(
        engine,
        user_id=user_id,
        account_id=account_id,
        data=file,
        filename=file.name,
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


def bench_import_command(
    rows: int = typer.Option(1_000_000, "--rows", min=1, help="Rows in the generated CSV."),
    database_url: str | None = typer.Option(
        None, "--database-url", help="Database to measure on (default: a temporary SQLite file)."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """Measure importing a generated CSV of --rows transactions (seconds, rows/s, peak RSS)."""
    from fincast.bench.imports import bench_import

    result = bench_import(rows=rows, database_url=database_url)
    if as_json:
        typer.echo(json.dumps(result))
        return
    typer.echo(
        f"{result['rows']} rows into {result['backend']}: {result['import_seconds']:.1f} s "
        f"({result['import_cpu_seconds']:.1f} s CPU), "
        f"{result['rows_per_second']:.0f} rows/s, peak RSS {result['peak_rss_mb']:.0f} MiB "
        f"(re-import {result['reimport_seconds']:.1f} s, {result['duplicates']} duplicates)"
    )


def register(app: typer.Typer) -> None:
    """Add ``import`` and ``bench-import`` to the main app."""
    app.command("import")(import_command)
    app.command("bench-import")(bench_import_command)
