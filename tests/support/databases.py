"""Isolated test databases on SQLite, PostgreSQL and MariaDB.

Each test session gets its own PostgreSQL schema / MariaDB database, migrated with Alembic;
each test starts from empty tables. A server that is not reachable makes its tests skip with a
reason, unless ``FINCAST_TEST_REQUIRE_DBS=1`` (set by CI), where it is an error.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from fincast.db.engine import make_engine

BACKENDS = ("sqlite", "postgresql", "mariadb")
SERVER_URLS = {
    "postgresql": os.environ.get(
        "FINCAST_TEST_PG_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/test"
    ),
    "mariadb": os.environ.get("FINCAST_TEST_MYSQL_URL", "mysql+pymysql://root@127.0.0.1:3306/test"),
}
REQUIRE = os.environ.get("FINCAST_TEST_REQUIRE_DBS") == "1"


def _reachable(url: str) -> str | None:
    try:
        eng = create_engine(url, connect_args={"connect_timeout": 3})
        with eng.connect() as conn:
            conn.execute(text("SELECT 1"))
        eng.dispose()
        return None
    except Exception as exc:
        return f"{type(exc).__name__}: {str(exc).splitlines()[0][:200]}"


_REACH: dict[str, str | None] = {}


def require_backend(backend: str) -> None:
    """Skip (or fail, in CI) when ``backend``'s server cannot be reached."""
    if backend == "sqlite":
        return
    if backend not in _REACH:
        _REACH[backend] = _reachable(SERVER_URLS[backend])
    reason = _REACH[backend]
    if reason is not None:
        msg = f"{backend} server at {SERVER_URLS[backend]} not reachable ({reason})"
        if REQUIRE:
            pytest.fail(msg + "; FINCAST_TEST_REQUIRE_DBS=1 requires it", pytrace=False)
        pytest.skip(msg)


@contextmanager
def isolated_engine(backend: str, tmp_dir: Path) -> Iterator[Engine]:
    """A fresh, empty database of ``backend`` that is dropped afterwards."""
    require_backend(backend)
    name = f"fincast_t_{uuid.uuid4().hex[:12]}"
    if backend == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_dir / (name + '.db')}")
        try:
            yield engine
        finally:
            engine.dispose()
        return
    admin = create_engine(SERVER_URLS[backend], isolation_level="AUTOCOMMIT")
    url = make_url(SERVER_URLS[backend])
    if backend == "postgresql":
        with admin.connect() as conn:
            conn.execute(text(f'CREATE SCHEMA "{name}"'))
        engine = make_engine(
            url.render_as_string(hide_password=False),
            connect_args={"options": f"-csearch_path={name}"},
        )
    else:
        with admin.connect() as conn:
            conn.execute(text(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4"))
        engine = make_engine(url.set(database=name).render_as_string(hide_password=False))
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.connect() as conn:
            if backend == "postgresql":
                conn.execute(text(f'DROP SCHEMA "{name}" CASCADE'))
            else:
                conn.execute(text(f"DROP DATABASE `{name}`"))
        admin.dispose()
