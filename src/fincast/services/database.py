"""The database as the entry points see it: the configured engine, migrated, and its revision.

The CLI and the app factory get their engine here, so migrations run the same way
everywhere and no entry point touches :mod:`fincast.db` directly.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from fincast.config import get_settings, secure_data_dirs
from fincast.db import migrate
from fincast.db.engine import get_engine, make_engine, session_factory


def engine(url: str | None = None, *, fresh: bool = False) -> Engine:
    """The engine for ``url`` (default: the configured database), as it is.

    Args:
        url: Database URL; None means the configured database.
        fresh: A new engine of its own (for a database other than the configured one, such
            as a benchmark's) instead of the process-wide one.
    """
    return make_engine(url) if fresh and url else get_engine(url)


def migrate_if_behind(eng: Engine) -> bool:
    """Migrate ``eng``'s database to the newest schema; True if it had to."""
    if migrate.is_current(eng):
        return False
    migrate.upgrade(eng)
    return True


def sessions(eng: Engine) -> sessionmaker[Session]:
    """The session factory the API opens one session per request from."""
    return session_factory(eng)


def not_ready_reason(eng: Engine) -> str | None:
    """Why the database cannot serve requests yet, or None when it can."""
    try:
        with eng.connect() as conn:
            conn.execute(text("SELECT 1"))
        current = migrate.is_current(eng)
    except SQLAlchemyError as exc:
        return f"database unreachable: {type(exc).__name__}"
    return None if current else "database migrations are not current"


def migrated_engine(url: str | None = None) -> Engine:
    """:func:`engine`, migrated to the newest schema; the data folder tightened to 0700/0600."""
    secure_data_dirs(get_settings())
    eng = engine(url)
    migrate_if_behind(eng)
    return eng


@dataclass(frozen=True)
class Revision:
    """Where the database's schema stands against the newest migration fincast ships."""

    current: str | None
    head: str | None

    @property
    def up_to_date(self) -> bool:
        """True when the database is at the newest migration."""
        return self.current == self.head


def revision(url: str | None = None) -> Revision:
    """The database's migration revision and the newest one."""
    return Revision(migrate.current_revision(get_engine(url)), migrate.head_revision())


def upgrade(url: str | None = None, target: str = "head") -> Revision:
    """Migrate the database up to ``target``; return where it stands afterwards."""
    migrate.upgrade(get_engine(url), target)
    return revision(url)


def downgrade(target: str, url: str | None = None) -> Revision:
    """Migrate the database down to ``target``; return where it stands afterwards."""
    migrate.downgrade(get_engine(url), target)
    return revision(url)
