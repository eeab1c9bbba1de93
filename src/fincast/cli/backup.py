"""`fincast backup` and `fincast restore`: the whole database to one file and back."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console


def backup_command(
    out: Path = typer.Option(..., "--out", dir_okay=False, help="Backup file to write (0600)."),
) -> None:
    """Write every row of every table (all users) to one backup file."""
    from fincast.services.backup import backup
    from fincast.services.database import migrated_engine

    summary = backup(migrated_engine(), out)
    Console().print(
        f"{summary.path}: {summary.total} rows in {len(summary.rows)} tables "
        f"(schema {summary.schema_revision})",
        highlight=False,
    )


def restore_command(
    file: Path = typer.Argument(..., exists=True, dir_okay=False, help="Backup file to load."),
    force: bool = typer.Option(
        False, "--force", help="Empty every table first when the database is not empty."
    ),
) -> None:
    """Load a backup file into the configured database, all or nothing."""
    from fincast.services.backup import restore
    from fincast.services.database import migrated_engine

    summary = restore(migrated_engine(), file, force=force)
    Console().print(
        f"{summary.path}: restored {summary.total} rows in {len(summary.rows)} tables",
        highlight=False,
    )


def register(app: typer.Typer) -> None:
    """Add ``backup`` and ``restore`` to the main app."""
    app.command("backup")(backup_command)
    app.command("restore")(restore_command)
