"""Alembic environment: runs migrations on the connection fincast hands it, or on a URL."""

from __future__ import annotations

from alembic import context
from sqlalchemy import engine_from_config, pool

import fincast.ledger.models  # noqa: F401 - registers the tables on Base.metadata
from fincast.db.base import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_offline() -> None:
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is None:
        engine = engine_from_config(
            config.get_section(config.config_ini_section) or {},
            prefix="sqlalchemy.",
            poolclass=pool.NullPool,
        )
        with engine.connect() as conn:
            _run(conn)
    else:
        _run(connection)


def _run(connection):
    # Writes made by migrations get no new data-revision tokens (fincast/ledger/revisions.py):
    # the column may not exist yet at that revision. (The key is spelled out: db may not
    # import ledger.)
    connection.info["fincast_revisions_off"] = True
    try:
        _configure_and_run(connection)
    finally:
        connection.info.pop("fincast_revisions_off", None)
        connection.info.pop("fincast_ledger_dirty", None)
        connection.info.pop("fincast_ledger_users", None)


def _configure_and_run(connection):
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
