"""Ledger commands: database migrations, users, loading a household, exporting the panel."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import typer

from fincast.cli.common import migrated_engine, print_json, progress_bar
from fincast.db import migrate
from fincast.db.engine import get_engine, session_scope
from fincast.errors import InputError
from fincast.ledger import service

db_app = typer.Typer(help="Database schema migrations.", no_args_is_help=True)
users_app = typer.Typer(help="Manage users.", no_args_is_help=True)


@db_app.command("upgrade")
def db_upgrade(revision: str = typer.Argument("head", help="Target revision.")) -> None:
    """Migrate the configured database up to REVISION (default: newest)."""
    engine = get_engine()
    migrate.upgrade(engine, revision)
    typer.echo(f"database at revision {migrate.current_revision(engine)}")


@db_app.command("downgrade")
def db_downgrade(revision: str = typer.Argument(..., help="Target revision, or 'base'.")) -> None:
    """Migrate the configured database down to REVISION."""
    engine = get_engine()
    migrate.downgrade(engine, revision)
    typer.echo(f"database at revision {migrate.current_revision(engine)}")


@db_app.command("current")
def db_current() -> None:
    """Print the database's revision and whether it is the newest."""
    engine = get_engine()
    cur, head = migrate.current_revision(engine), migrate.head_revision()
    typer.echo(f"current: {cur}  head: {head}  {'up to date' if cur == head else 'BEHIND'}")


@users_app.command("create")
def users_create(
    email: str = typer.Argument(..., help="Email address (the login)."),
    password: str = typer.Option(
        None, prompt=True, hide_input=True, confirmation_prompt=True, help="Password (min 8)."
    ),
) -> None:
    """Create a user who can log in to the API and dashboard."""
    from fincast.services.auth import register

    if len(password) < 8:
        raise InputError("password must be at least 8 characters")
    with session_scope(migrated_engine()) as s:
        user = register(s, email, password)
        typer.echo(f"created user {user.email} (id {user.id})")


def load_household(
    path: Path = typer.Argument(..., help="Mint-style CSV (date,description,amount,...)."),
    user: str = typer.Option("local@fincast.invalid", "--user", help="Owner's email."),
) -> None:
    """Load a Mint-style household export into the ledger (idempotent)."""
    from fincast.ledger.bulk import load_transactions_frame
    from fincast.ledger.household import read_mint_csv

    tx = read_mint_csv(path, user_id="household")
    with progress_bar("loading", len(tx)) as advance:
        result = load_transactions_frame(
            migrated_engine(), tx, progress=advance, emails={"household": user}
        )
    print_json(result)


def panel(
    out: Path = typer.Option(..., "--out", help="Where to write the long CSV."),
    user: str | None = typer.Option(None, "--user", help="Only this user's series (email)."),
    as_of: str | None = typer.Option(None, help="Treat this date (YYYY-MM-DD) as today."),
    include_partial: bool = typer.Option(False, help="Keep the incomplete current month."),
) -> None:
    """Write the monthly panel (unique_id,ds,y) of the ledger to a CSV."""
    from fincast.panel import build_panel

    engine = migrated_engine()
    ids = None
    if user is not None:
        with session_scope(engine) as s:
            ids = [service.get_user_by_email(s, user).id]
    try:
        day = dt.date.fromisoformat(as_of) if as_of else None
    except ValueError as exc:
        raise InputError(f"--as-of {as_of!r} is not a date (YYYY-MM-DD)") from exc
    frame = build_panel(engine, ids, as_of=day, include_partial=include_partial)
    frame.to_csv(out, index=False, date_format="%Y-%m-%d")
    typer.echo(
        f"wrote {len(frame)} rows, {frame['unique_id'].nunique()} series to {out}"
        + (
            f" (incomplete month {frame.attrs['partial_month']} left out)"
            if frame.attrs.get("partial_month")
            else ""
        )
    )


def bench_panel_cmd(
    users: int = typer.Option(10_000, help="Synthetic households."),
    months: int = typer.Option(36, help="Months of history."),
    database_url: str | None = typer.Option(
        None, help="Database to use (default: the configured one); it should start empty."
    ),
    repeats: int = typer.Option(3, help="Timed panel builds."),
) -> None:
    """Time the monthly panel build for many households (loads them first if the DB is empty)."""
    from fincast.bench.panel import bench_panel
    from fincast.db.engine import make_engine

    engine = make_engine(database_url) if database_url else get_engine()
    print_json(bench_panel(engine, users=users, months=months, repeats=repeats))


def register(app: typer.Typer) -> None:
    """Add the ledger commands to the main app."""
    app.add_typer(db_app, name="db")
    app.add_typer(users_app, name="users")
    app.command("load-household")(load_household)
    app.command("panel")(panel)
    app.command("bench-panel")(bench_panel_cmd)
