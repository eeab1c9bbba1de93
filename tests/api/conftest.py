"""API fixtures: the app over each database, a ApiClient, and logged-in users."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from argon2 import PasswordHasher
from fastapi import FastAPI
from sqlalchemy import Engine

from fincast.api import create_app
from fincast.config import Settings
from fincast.services import auth as auth_service
from fincast.services.forecasting.cache import CACHE
from tests.api.client import ApiClient
from tests.conftest import _truncate

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
    assert r.status_code == 202, r.text
    r = client.post("/api/auth/token", data={"username": email, "password": PASSWORD})
    assert r.status_code == 200, r.text
    body = r.json()
    # registration answers alike for new and taken emails, so the id comes from /me
    me = client.get("/api/auth/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.status_code == 200, me.text
    return LoggedIn(me.json()["id"], email, body["access_token"], body["refresh_token"])


@pytest.fixture(scope="session", autouse=True)
def cheap_password_hashing() -> Iterator[None]:
    """Argon2 at its cheapest: the tests exercise the flow, not the cost parameters."""
    saved = auth_service.HASHER
    auth_service.HASHER = PasswordHasher(time_cost=1, memory_cost=64, parallelism=1)
    yield
    auth_service.HASHER = saved


@pytest.fixture(scope="module")
def module_engine(migrated_engine: Engine) -> Iterator[Engine]:
    """One database per backend shared by a whole module (tests that only read)."""
    _truncate(migrated_engine)
    yield migrated_engine
    _truncate(migrated_engine)


@pytest.fixture()
def app(engine: Engine) -> FastAPI:
    CACHE.clear()
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
