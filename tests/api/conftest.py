"""API fixtures: the app over each database, a ApiClient, and logged-in users."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi import FastAPI
from sqlalchemy import Engine

from fincast.api import create_app
from fincast.config import Settings
from fincast.services import forecasting
from tests.api.client import ApiClient

PASSWORD = "correct horse battery"
_counter = itertools.count()


def make_settings(**overrides: object) -> Settings:
    """Test settings (no .env file, a known CORS origin)."""
    base: dict[str, object] = {
        "env": "test",
        "cors_origins": ["http://dashboard.test"],
        "login_attempts_per_minute": 10,
    }
    base.update(overrides)
    return Settings(_env_file=None, **base)  # type: ignore[call-arg]


@dataclass
class LoggedIn:
    """A registered user with a bearer token."""

    id: int
    email: str
    access_token: str
    refresh_token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.access_token}"}


def register_and_login(client: ApiClient, email: str | None = None) -> LoggedIn:
    email = email or f"user{next(_counter)}@example.com"
    r = client.post("/api/auth/register", json={"email": email, "password": PASSWORD})
    assert r.status_code == 201, r.text
    uid = r.json()["id"]
    r = client.post("/api/auth/token", data={"username": email, "password": PASSWORD})
    assert r.status_code == 200, r.text
    body = r.json()
    return LoggedIn(uid, email, body["access_token"], body["refresh_token"])


@pytest.fixture()
def app(engine: Engine) -> FastAPI:
    forecasting.CACHE.clear()
    return create_app(engine, make_settings())


@pytest.fixture()
def client(app: FastAPI) -> Iterator[ApiClient]:
    with ApiClient(app) as c:
        yield c


@pytest.fixture()
def alice(client: ApiClient) -> LoggedIn:
    return register_and_login(client)


@pytest.fixture()
def bob(client: ApiClient) -> LoggedIn:
    return register_and_login(client)
