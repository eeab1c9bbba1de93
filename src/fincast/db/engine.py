"""Engine and session factory; one place that knows about database dialect quirks."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError
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
#: most one connection at a time, so the pool keeps one per thread: a connection opened
#: beyond the pool's size is closed again when it is handed back, and on PostgreSQL every
#: such open is a new server process. With 8 kept and 8 more allowed, a worker under load
#: opened and closed connections all the time, and its requests waited seconds behind them
#: (docs/benchmarks.md, "API under load"). A server database sees at most 20 connections
#: per worker process.
POOL_SIZE = 16
POOL_OVERFLOW = 4


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
    _pool_defaults(kwargs)
    engine = create_engine(url, **kwargs)
    if not kwargs.get("pool_pre_ping"):
        _ping_after_idle(engine)
    return engine


def _ping(dbapi_conn: Any) -> None:
    cursor = dbapi_conn.cursor()
    try:
        cursor.execute("SELECT 1")
        dbapi_conn.rollback()  # leave no transaction open behind the ping
    except Exception as exc:  # any driver's error: this connection is gone
        raise DisconnectionError(f"pooled connection failed its ping: {exc}") from exc
    finally:
        with suppress(Exception):
            cursor.close()


#: A pooled server connection idle longer than this is pinged before it is handed out.
PING_AFTER_IDLE_SECONDS = 10.0


def _ping_after_idle(engine: Engine) -> None:
    """Ping a pooled connection before use only when it sat idle, not on every checkout.

    SQLAlchemy's ``pool_pre_ping`` pings on every checkout: a round trip (and server work)
    before each of a request's one or two checkouts, while a cached answer needs only the
    token look-up itself (docs/benchmarks.md, "API under load"). A connection that was in
    use a moment ago is alive; one that sat idle may have been dropped (a server restart,
    MySQL's ``wait_timeout``). This is SQLAlchemy's documented pessimistic-disconnect
    recipe with an idle bound: raising ``DisconnectionError`` at checkout makes the pool
    discard the connection and hand out a fresh one.
    """

    @event.listens_for(engine, "checkin")
    def _checked_in(_dbapi_conn: Any, record: Any) -> None:
        record.info["fincast_idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checked_out(dbapi_conn: Any, record: Any, _proxy: Any) -> None:
        since = record.info.get("fincast_idle_since")
        if since is None or time.monotonic() - since < PING_AFTER_IDLE_SECONDS:
            return
        _ping(dbapi_conn)


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
