"""Real processes killed in the middle of their work, and the database they leave behind.

A :class:`CrashDatabase` is a fresh SQLite file or PostgreSQL schema that a ``fincast``
subprocess can open by URL. Its probes tell, from outside, when the process has begun to
write: on SQLite another connection cannot take the write lock; on PostgreSQL the process's
backend (found by its ``application_name``) holds a transaction id, which PostgreSQL
assigns at a transaction's first write. The tests wait for that, then send SIGKILL, so
the kill lands inside the write transaction without any hook in fincast itself.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from fincast.db.engine import make_engine
from tests.support.databases import SERVER_URLS, require_backend

CRASH_BACKENDS = ("sqlite", "postgresql")


@dataclass
class CrashDatabase:
    """A database for subprocesses: its URL, an engine for the test, and write probes."""

    backend: str
    url: str
    engine: Engine
    app_name: str
    sqlite_path: Path | None = None
    admin: Engine | None = None

    def env(self, tmp: Path, **extra: str) -> dict[str, str]:
        """The environment of a ``fincast`` subprocess using this database."""
        return {
            **os.environ,
            "FINCAST_DATABASE_URL": self.url,
            "FINCAST_DATA_DIR": str(tmp / "var"),
            "FINCAST_ENV": "test",
            **extra,
        }

    def writing(self) -> bool:
        """True while a write transaction of the subprocess is open."""
        if self.sqlite_path is not None:
            con = sqlite3.connect(self.sqlite_path, timeout=0, isolation_level=None)
            try:
                con.execute("BEGIN IMMEDIATE")
                con.execute("ROLLBACK")
                return False
            except sqlite3.OperationalError as exc:
                if "locked" in str(exc) or "busy" in str(exc):
                    return True
                raise
            finally:
                con.close()
        assert self.admin is not None
        with self.admin.connect() as conn:
            n = conn.scalar(
                text(
                    "SELECT count(*) FROM pg_stat_activity "
                    "WHERE application_name = :a AND backend_xid IS NOT NULL"
                ),
                {"a": self.app_name},
            )
        return bool(n)

    def wait_for_no_backend(self, timeout: float = 60) -> None:
        """Wait until PostgreSQL has noticed the killed client and rolled its work back."""
        if self.admin is None:
            return
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.admin.connect() as conn:
                n = conn.scalar(
                    text("SELECT count(*) FROM pg_stat_activity WHERE application_name = :a"),
                    {"a": self.app_name},
                )
            if not n:
                return
            time.sleep(0.05)
        raise AssertionError("the killed process's PostgreSQL backend did not go away")

    def check_integrity(self) -> None:
        """SQLite's own consistency checks (PostgreSQL keeps its files consistent itself)."""
        if self.sqlite_path is None:
            return
        con = sqlite3.connect(self.sqlite_path)
        try:
            assert con.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
            assert con.execute("PRAGMA foreign_key_check").fetchall() == []
        finally:
            con.close()


@contextmanager
def crash_database(backend: str, tmp: Path) -> Iterator[CrashDatabase]:
    """A fresh, empty database of ``backend`` that subprocesses reach by URL."""
    require_backend(backend)
    app_name = f"fincast-crash-{uuid.uuid4().hex[:12]}"
    if backend == "sqlite":
        path = tmp / "crash.db"
        url = f"sqlite:///{path}"
        engine = make_engine(url)
        try:
            yield CrashDatabase(backend, url, engine, app_name, sqlite_path=path)
        finally:
            engine.dispose()
        return
    schema = f"fincast_c_{uuid.uuid4().hex[:12]}"
    admin = create_engine(SERVER_URLS[backend], isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    base = make_url(SERVER_URLS[backend])
    url = base.update_query_dict(
        {"options": f"-csearch_path={schema}", "application_name": app_name}
    ).render_as_string(hide_password=False)
    engine = make_engine(
        base.render_as_string(hide_password=False),
        connect_args={"options": f"-csearch_path={schema}"},
    )
    try:
        yield CrashDatabase(backend, url, engine, app_name, admin=admin)
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def fincast(
    *args: str, env: dict[str, str], timeout: float = 600
) -> subprocess.CompletedProcess[str]:
    """Run ``fincast ARGS`` to the end."""
    return subprocess.run(
        [sys.executable, "-m", "fincast.cli.main", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def start_fincast(*args: str, env: dict[str, str]) -> subprocess.Popen[bytes]:
    """Start ``fincast ARGS`` in the background, in a process group of its own.

    ``fincast serve`` runs a supervisor and one worker process per core; :func:`kill_when`
    kills the whole group, as a crash of the machine's service would.
    """
    return subprocess.Popen(
        [sys.executable, "-m", "fincast.cli.main", *args],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )


def held_for(probe: Callable[[], bool], seconds: float) -> Callable[[], bool]:
    """A probe that is true once ``probe`` has been true without a break for ``seconds``.

    SQLite commits some DDL on its own, each statement holding the write lock for a few
    milliseconds; a write transaction holds it throughout. Waiting for a lock held this long
    lands the kill inside the transaction rather than between two of those statements.
    """
    since: list[float] = []

    def ready() -> bool:
        if not probe():
            since.clear()
            return False
        if not since:
            since.append(time.monotonic())
        return time.monotonic() - since[0] >= seconds

    return ready


def kill_when(
    proc: subprocess.Popen[bytes], ready: Callable[[], bool], what: str, timeout: float = 300
) -> None:
    """SIGKILL ``proc``'s process group as soon as ``ready()``; fail if it ends (or stalls)
    before that."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            err = proc.stderr.read().decode()[-2000:] if proc.stderr else ""
            if proc.stderr:
                proc.stderr.close()
            pytest.fail(f"the process ended (code {proc.returncode}) before {what}: {err}")
        if ready():
            os.killpg(proc.pid, signal.SIGKILL)  # the process and any workers it started
            proc.wait(timeout=30)
            if proc.stderr:
                proc.stderr.close()
            assert proc.returncode == -signal.SIGKILL
            return
        time.sleep(0.005)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    if proc.stderr:
        proc.stderr.close()
    pytest.fail(f"{what} did not happen within {timeout:.0f} s")
