"""Engine and session factory; one place that knows about database dialect quirks."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from fincast.config import get_settings, private_dir

# SQLite's companions of a database file; they hold the same data, so the same mode.
_SQLITE_COMPANIONS = ("-wal", "-shm", "-journal")


def _private_sqlite_file(db: str) -> None:
    """Create the database file as 0600 before SQLite opens it, and tighten an existing one."""
    path = Path(db)
    private_dir(path.parent)
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        with suppress(PermissionError):  # someone else's file: leave its mode to its owner
            os.chmod(path, 0o600)
        return
    try:
        os.fchmod(fd, 0o600)
    finally:
        os.close(fd)


def _private_companions(db: str) -> None:
    for suffix in _SQLITE_COMPANIONS:
        with suppress(FileNotFoundError, PermissionError):
            os.chmod(f"{db}{suffix}", 0o600)


#: Connections one process keeps open, and how many more it may open under a burst. The API
#: runs sync routes in 16 threads per worker (``FINCAST_REQUEST_THREADS``), each using at
#: most one connection at a time, so 8 + 8 lets every thread have one; a server database sees
#: at most 16 connections per worker process.
POOL_SIZE = 8
POOL_OVERFLOW = 8


def _pool_defaults(kwargs: dict[str, Any]) -> None:
    if kwargs.get("poolclass") is None:
        kwargs.setdefault("pool_size", POOL_SIZE)
        kwargs.setdefault("max_overflow", POOL_OVERFLOW)


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine for ``url``; SQLite gets foreign keys, WAL and private (0600) files.

    Pooled engines keep :data:`POOL_SIZE` connections (plus :data:`POOL_OVERFLOW` in a burst).

    A SQLite file database is created 0600 (its folder 0700 when created) before the engine
    opens it, and its -wal/-shm files are set to 0600 on every connect.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        db = parsed.database
        file_db = bool(db) and db != ":memory:" and not str(db).startswith("file:")
        if file_db:
            assert db is not None
            _private_sqlite_file(db)
        kwargs.setdefault("connect_args", {"check_same_thread": False, "timeout": 30})
        if file_db:
            _pool_defaults(kwargs)
        engine = create_engine(url, **kwargs)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            if db and db != ":memory:":
                cur.execute("PRAGMA journal_mode=WAL")
                cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()
            if file_db and db:
                _private_companions(db)

        return engine
    if parsed.get_backend_name() in {"mysql", "mariadb"}:
        kwargs.setdefault("pool_recycle", 3600)
        if "charset" not in parsed.query:
            url = parsed.update_query_dict({"charset": "utf8mb4"}).render_as_string(
                hide_password=False
            )
    kwargs.setdefault("pool_pre_ping", True)
    _pool_defaults(kwargs)
    return create_engine(url, **kwargs)


@lru_cache(maxsize=4)
def get_engine(url: str | None = None) -> Engine:
    """Return the process-wide engine for ``url`` (default: the configured database)."""
    return make_engine(url or get_settings().resolved_database_url)


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """Return a session factory bound to ``engine``."""
    return sessionmaker(bind=engine, expire_on_commit=False, autoflush=False)


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A session that commits on success and rolls back on any error."""
    session = session_factory(engine)()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
