"""Ledger commands: database migrations, users, loading a household, exporting the panel."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import typer

from fincast.cli.common import migrated_engine, print_json, progress_bar
from fincast.errors import InputError
from fincast.services import database

db_app = typer.Typer(help="Database schema migrations.", no_args_is_help=True)
users_app = typer.Typer(help="Manage users.", no_args_is_help=True)


@db_app.command("upgrade")
def db_upgrade(revision: str = typer.Argument("head", help="Target revision.")) -> None:
    """Migrate the configured database up to REVISION (default: newest)."""
    typer.echo(f"database at revision {database.upgrade(target=revision).current}")


@db_app.command("downgrade")
def db_downgrade(revision: str = typer.Argument(..., help="Target revision, or 'base'.")) -> None:
    """Migrate the configured database down to REVISION."""
    typer.echo(f"database at revision {database.downgrade(revision).current}")


@db_app.command("current")
def db_current() -> None:
    """Print the database's revision and whether it is the newest."""
    rev = database.revision()
    state = "up to date" if rev.up_to_date else "BEHIND"
    typer.echo(f"current: {rev.current}  head: {rev.head}  {state}")


@users_app.command("create")
def users_create(
    email: str = typer.Argument(..., help="Email address (the login)."),
    password: str = typer.Option(
        None,
        prompt=True,
        hide_input=True,
        confirmation_prompt=True,
        help="Password (12+ characters, not a common one).",
    ),
) -> None:
    """Create a user who can log in to the API and dashboard."""
    from fincast.services.users import create_user

    user = create_user(migrated_engine(), email, password)
    typer.echo(f"created user {user.email} (id {user.id})")


def load_household(
    path: Path = typer.Argument(..., help="Mint-style CSV (date,description,amount,...)."),
    user: str = typer.Option("local@fincast.invalid", "--user", help="Owner's email."),
) -> None:
    """Load a Mint-style household export into the ledger (idempotent)."""
    from fincast.services.households import load_household as load
    from fincast.services.households import read_household

    household = read_household(path)
    with progress_bar("loading", len(household)) as advance:
        result = load(migrated_engine(), household, email=user, progress=advance)
    print_json(result)


def panel(
    out: Path = typer.Option(..., "--out", help="Where to write the long CSV."),
    user: str | None = typer.Option(None, "--user", help="Only this user's series (email)."),
    as_of: str | None = typer.Option(None, help="Treat this date (YYYY-MM-DD) as today."),
    include_partial: bool = typer.Option(False, help="Keep the incomplete current month."),
) -> None:
    """Write the monthly panel (unique_id,ds,y) of the ledger to a CSV."""
    from fincast.services.panels import ledger_panel

    try:
        day = dt.date.fromisoformat(as_of) if as_of else None
    except ValueError as exc:
        raise InputError(f"--as-of {as_of!r} is not a date (YYYY-MM-DD)") from exc
    frame = ledger_panel(migrated_engine(), email=user, as_of=day, include_partial=include_partial)
    frame.to_csv(out, index=False, date_format="%Y-%m-%d")
    typer.echo(
        f"wrote {len(frame)} rows, {frame['unique_id'].nunique()} series to {out}"
        + (
            f" (incomplete month {frame.attrs['partial_month']} left out)"
            if frame.attrs.get("partial_month")
            else ""
        )
    )


def register(app: typer.Typer) -> None:
    """Add the ledger commands to the main app."""
    app.add_typer(db_app, name="db")
    app.add_typer(users_app, name="users")
    app.command("load-household")(load_household)
    app.command("panel")(panel)
