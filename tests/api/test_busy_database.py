"""A busy database answers 503 with Retry-After, never 500, and other requests go on."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from fincast.api import create_app
from fincast.db import migrate
from fincast.db.engine import make_engine
from tests.api.client import ApiClient
from tests.api.conftest import make_settings, register_and_login


@pytest.fixture()
def locked_app(tmp_path: Path) -> Iterator[tuple[ApiClient, Path]]:
    db = tmp_path / "busy.db"
    # A short lock wait, so the test does not sit out the default 30 s.
    engine = make_engine(
        f"sqlite:///{db}", connect_args={"check_same_thread": False, "timeout": 0.2}
    )
    migrate.upgrade(engine)
    with ApiClient(create_app(engine, make_settings())) as client:
        yield client, db
    engine.dispose()


def test_a_write_while_another_process_holds_the_lock_is_503_with_retry_after(
    locked_app: tuple[ApiClient, Path],
) -> None:
    client, db = locked_app
    user = register_and_login(client)
    other = sqlite3.connect(db, timeout=0.2)
    try:
        other.execute("BEGIN IMMEDIATE")  # another writer holds the database
        r = client.post(
            "/api/accounts", headers=user.headers, json={"name": "Checking", "type": "checking"}
        )
        assert r.status_code == 503, r.text
        assert r.headers["Retry-After"].isdigit()
        assert r.headers["content-type"].startswith("application/problem+json")
        assert "busy" in r.json()["detail"]
        assert client.get("/healthz").status_code == 200  # the service itself is fine
    finally:
        other.rollback()
        other.close()
    r = client.post(
        "/api/accounts", headers=user.headers, json={"name": "Checking", "type": "checking"}
    )
    assert r.status_code == 201, r.text


def test_503_is_documented_on_every_operation(locked_app: tuple[ApiClient, Path]) -> None:
    client, _ = locked_app
    spec = client.get("/openapi.json").json()
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            assert "503" in op["responses"], (method, path)
