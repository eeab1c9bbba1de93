"""Apply, revert and inspect Alembic migrations programmatically."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine

MIGRATIONS_DIR = Path(__file__).with_name("migrations")


def alembic_config(engine: Engine) -> Config:
    """An Alembic config pointing at fincast's migrations and ``engine``'s URL."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option(
        "sqlalchemy.url", engine.url.render_as_string(hide_password=False).replace("%", "%%")
    )
    return cfg


@contextmanager
def _one_transaction(engine: Engine) -> Iterator[Connection]:
    """A connection in one transaction that holds every statement, DDL included.

    PostgreSQL runs DDL inside transactions as it is. Python's sqlite3 module does not: it
    opens a transaction only before INSERT/UPDATE/DELETE, so each ALTER/CREATE before the
    first of those commits on its own, and a process killed in the middle of a migration
    leaves half a schema change that the rerun then trips over ("duplicate column name").
    For SQLite the module's implicit transactions are switched off and one ``BEGIN
    IMMEDIATE`` covers the whole upgrade, so a kill rolls all of it back. (MariaDB commits
    DDL implicitly whatever the client does.)
    """
    with engine.connect() as conn:
        if conn.dialect.name != "sqlite":
            with conn.begin():
                yield conn
            return
        driver = conn.connection.driver_connection
        assert driver is not None
        saved = driver.isolation_level
        driver.isolation_level = None  # no implicit BEGIN/COMMIT from the sqlite3 module
        try:
            with conn.begin():
                conn.exec_driver_sql("BEGIN IMMEDIATE")
                yield conn
        finally:
            driver.isolation_level = saved


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Migrate the database behind ``engine`` up to ``revision``, all or nothing."""
    cfg = alembic_config(engine)
    with _one_transaction(engine) as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


def downgrade(engine: Engine, revision: str = "base") -> None:
    """Migrate the database behind ``engine`` down to ``revision``, all or nothing."""
    cfg = alembic_config(engine)
    with _one_transaction(engine) as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, revision)


def head_revision() -> str | None:
    """The newest migration fincast ships."""
    return ScriptDirectory(str(MIGRATIONS_DIR)).get_current_head()


def current_revision(engine: Engine) -> str | None:
    """The migration the database is at (None for an empty database)."""
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def is_current(engine: Engine) -> bool:
    """True when the database is migrated to the newest revision."""
    return current_revision(engine) == head_revision()
