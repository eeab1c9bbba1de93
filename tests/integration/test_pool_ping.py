"""Pooled server connections are pinged only after sitting idle, and a dead one is replaced.

``make_engine`` swaps SQLAlchemy's ping-on-every-checkout for a ping after
``PING_AFTER_IDLE_SECONDS`` idle (fincast/db/engine.py): the server is killed under an idle
pooled connection here, and the next use must still succeed.
"""

from __future__ import annotations

import pytest
from sqlalchemy import text

from fincast.db import engine as engine_module
from fincast.db.engine import make_engine
from tests.support.databases import SERVER_URLS, require_backend

_BACKEND_ID = {
    "postgresql": ("SELECT pg_backend_pid()", "SELECT pg_terminate_backend({})"),
    "mariadb": ("SELECT CONNECTION_ID()", "KILL {}"),
}


@pytest.mark.parametrize("backend", sorted(_BACKEND_ID))
def test_a_connection_killed_while_idle_is_replaced(
    backend: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    require_backend(backend)
    own_id, kill = _BACKEND_ID[backend]
    engine = make_engine(SERVER_URLS[backend], pool_size=1, max_overflow=0)
    killer = make_engine(SERVER_URLS[backend], pool_size=1, max_overflow=0)
    try:
        with engine.connect() as conn:
            victim = conn.execute(text(own_id)).scalar_one()
        with killer.connect() as conn:
            conn.execute(text(kill.format(int(victim))))
            conn.commit()
        monkeypatch.setattr(engine_module, "PING_AFTER_IDLE_SECONDS", 0.0)
        with engine.connect() as conn:  # the pool's one connection is dead: pinged, replaced
            assert conn.execute(text("SELECT 41 + 1")).scalar_one() == 42
            assert conn.execute(text(own_id)).scalar_one() != victim
    finally:
        engine.dispose()
        killer.dispose()


def test_only_an_idle_connection_is_pinged(monkeypatch: pytest.MonkeyPatch) -> None:
    require_backend("postgresql")
    engine = make_engine(SERVER_URLS["postgresql"], pool_size=1, max_overflow=0)
    pings: list[object] = []
    real_ping = engine_module._ping
    monkeypatch.setattr(engine_module, "_ping", lambda c: pings.append(c) or real_ping(c))
    try:
        for _ in range(3):  # back-to-back checkouts of a connection in use a moment ago
            with engine.connect() as conn:
                conn.execute(text("SELECT 2"))
        assert pings == []
        monkeypatch.setattr(engine_module, "PING_AFTER_IDLE_SECONDS", 0.0)
        for _ in range(2):
            with engine.connect() as conn:
                conn.execute(text("SELECT 3"))
        assert len(pings) == 2
    finally:
        engine.dispose()
