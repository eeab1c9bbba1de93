"""Registration that tells nobody which emails exist, and rate limits per client IP, per
account and global, shared between workers, with Retry-After and trusted proxies."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from argon2 import PasswordHasher
from sqlalchemy import Engine, event

from fincast.api import create_app
from fincast.services import auth as auth_service
from tests.api.client import ApiClient
from tests.api.conftest import PASSWORD, make_settings, register_and_login

REDIS_URL = os.environ.get("FINCAST_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def _register(client: ApiClient, email: str, password: str = PASSWORD, **kw: object):
    return client.post("/api/auth/register", json={"email": email, "password": password}, **kw)


def _attempt(client: ApiClient, email: str, password: str = "wrong password!", **kw: object):
    return client.post("/api/auth/token", data={"username": email, "password": password}, **kw)


# -- registration does not tell whether an email is taken --------------------------------


def test_registration_answers_the_same_for_a_known_and_a_new_email(client: ApiClient) -> None:
    first = _register(client, "known@example.com")
    again = _register(client, "KNOWN@example.com", "some other long password")
    fresh = _register(client, "fresh@example.com")
    assert first.status_code == again.status_code == fresh.status_code == 202
    assert first.json() == again.json() == fresh.json()
    assert set(first.headers) - {"content-length"} == set(again.headers) - {"content-length"}
    # the account was created once, with the first password
    ok = _attempt(client, "known@example.com", PASSWORD)
    assert ok.status_code == 200
    assert _attempt(client, "known@example.com", "some other long password").status_code == 401


class _CountingHasher(PasswordHasher):
    def __init__(self) -> None:
        super().__init__(time_cost=1, memory_cost=64, parallelism=1)
        self.hashed = 0

    def hash(self, password: str | bytes, *, salt: bytes | None = None) -> str:
        self.hashed += 1
        return super().hash(password, salt=salt)


def test_registration_hashes_the_password_for_a_known_email_too(
    client: ApiClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    _register(client, "taken@example.com")
    counting = _CountingHasher()
    monkeypatch.setattr(auth_service, "HASHER", counting)
    _register(client, "taken@example.com")
    assert counting.hashed == 1
    _register(client, "untaken@example.com")
    assert counting.hashed == 2


def test_registration_does_the_same_database_work_for_a_known_email(
    engine: Engine, client: ApiClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Timing is hashing (counted above) plus the database work: the same statements, in
    # the same order, whether or not the email exists (its rows are rolled back). A count
    # of the work, not a stopwatch, so a busy machine cannot make it fail or pass.
    monkeypatch.setattr(auth_service, "HASHER", _CountingHasher())
    _register(client, "work@example.com")
    seen: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany) -> None:
        seen.append(" ".join(statement.split()[:4]))

    event.listen(engine, "before_cursor_execute", record)
    try:
        _register(client, "work@example.com")
        known = list(seen)
        seen.clear()
        _register(client, "other-work@example.com")
        new = list(seen)
    finally:
        event.remove(engine, "before_cursor_execute", record)
    writes = [s for s in new if s.startswith(("INSERT", "UPDATE"))]
    assert writes, new  # the user row and its categories
    assert known == new


# -- rate limits -------------------------------------------------------------------------


def test_one_client_trying_many_emails_is_limited(engine: Engine) -> None:
    app = create_app(engine, make_settings(login_attempts_per_minute=10))
    with ApiClient(app) as c:
        codes = [_attempt(c, f"victim{i}@example.com").status_code for i in range(15)]
    assert codes[:10] == [401] * 10
    assert set(codes[10:]) == {429}


def test_429_says_when_to_retry(engine: Engine) -> None:
    app = create_app(engine, make_settings(login_attempts_per_minute=2))
    with ApiClient(app) as c:
        codes = [_attempt(c, "x@example.com").status_code for _ in range(2)]
        r = _attempt(c, "x@example.com")
    assert codes == [401, 401]
    assert r.status_code == 429
    assert r.headers["content-type"] == "application/problem+json"
    retry = int(r.headers["retry-after"])
    assert 1 <= retry <= 60
    assert str(retry) in r.json()["detail"]


def test_the_limit_is_shared_between_workers(engine: Engine) -> None:
    # two app instances over one database stand for two worker processes
    settings = make_settings(login_attempts_per_minute=10)
    one, two = create_app(engine, settings), create_app(engine, settings)
    with ApiClient(one) as a, ApiClient(two) as b:
        codes = [_attempt(a if i % 2 else b, f"u{i}@example.com").status_code for i in range(12)]
    assert codes[:10] == [401] * 10
    assert codes[10:] == [429, 429]


def test_behind_a_trusted_proxy_each_client_has_its_own_limit(engine: Engine) -> None:
    app = create_app(
        engine, make_settings(login_attempts_per_minute=10, trusted_proxies=["10.0.0.0/8"])
    )
    with ApiClient(app, client_addr=("10.1.2.3", 4000)) as proxy:
        user = register_and_login(proxy)
        attacker = {"X-Forwarded-For": "203.0.113.9"}
        codes = [_attempt(proxy, user.email, headers=attacker).status_code for _ in range(12)]
        assert codes[:10] == [401] * 10 and codes[10:] == [429, 429]
        # the real user, behind the same proxy, still gets in
        real = {"X-Forwarded-For": "198.51.100.7"}
        assert _attempt(proxy, user.email, PASSWORD, headers=real).status_code == 200
        # a forged entry in front of the proxy's own does not buy a new budget
        forged = {"X-Forwarded-For": "192.0.2.1, 203.0.113.9"}
        assert _attempt(proxy, user.email, headers=forged).status_code == 429


def test_forwarded_for_from_an_untrusted_peer_is_ignored(engine: Engine) -> None:
    app = create_app(engine, make_settings(login_attempts_per_minute=5))
    with ApiClient(app, client_addr=("203.0.113.20", 5000)) as c:
        codes = [
            _attempt(c, "z@example.com", headers={"X-Forwarded-For": f"198.51.100.{i}"}).status_code
            for i in range(7)
        ]
    assert codes[5:] == [429, 429]


def test_an_account_is_limited_across_clients(engine: Engine) -> None:
    app = create_app(
        engine,
        make_settings(
            login_attempts_per_minute=100,
            login_attempts_per_account_per_hour=5,
            trusted_proxies=["127.0.0.1"],
        ),
    )
    with ApiClient(app) as c:
        codes = [
            _attempt(
                c, "target@example.com", headers={"X-Forwarded-For": f"198.51.100.{i}"}
            ).status_code
            for i in range(7)
        ]
        other = _attempt(c, "someone.else@example.com", headers={"X-Forwarded-For": "192.0.2.7"})
    assert codes[:5] == [401] * 5 and codes[5:] == [429, 429]
    assert other.status_code == 401


def test_a_global_limit_caps_all_clients_together(engine: Engine) -> None:
    app = create_app(
        engine,
        make_settings(
            login_attempts_per_minute=100,
            auth_attempts_per_minute=6,
            trusted_proxies=["127.0.0.1"],
        ),
    )
    with ApiClient(app) as c:
        codes = [
            _attempt(
                c, f"g{i}@example.com", headers={"X-Forwarded-For": f"198.51.100.{i}"}
            ).status_code
            for i in range(8)
        ]
    assert codes[:6] == [401] * 6 and codes[6:] == [429, 429]


def test_registration_is_rate_limited(engine: Engine) -> None:
    app = create_app(engine, make_settings(registrations_per_hour=3))
    with ApiClient(app) as c:
        codes = [_register(c, f"new{i}@example.com").status_code for i in range(5)]
        r = _register(c, "one.more@example.com")
    assert codes == [202, 202, 202, 429, 429]
    assert r.status_code == 429 and int(r.headers["retry-after"]) >= 1


# -- Redis as the shared store -----------------------------------------------------------


@pytest.fixture()
def redis_url() -> Iterator[str]:
    redis = pytest.importorskip("redis")
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        msg = f"Redis at {REDIS_URL} not reachable ({exc})"
        if os.environ.get("FINCAST_TEST_REQUIRE_DBS") == "1":
            pytest.fail(msg, pytrace=False)
        pytest.skip(msg)
    yield REDIS_URL


def test_the_limit_is_shared_through_redis(engine: Engine, redis_url: str) -> None:
    settings = make_settings(login_attempts_per_minute=4, rate_limit_storage=redis_url)
    # an address of its own, so runs and workers sharing the server do not meet
    peer = (f"198.18.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250 + 1}", 6000)
    one, two = create_app(engine, settings), create_app(engine, settings)
    with ApiClient(one, client_addr=peer) as a, ApiClient(two, client_addr=peer) as b:
        email = f"{uuid.uuid4().hex}@example.com"
        codes = [_attempt(a if i % 2 else b, email).status_code for i in range(6)]
    assert codes[:4] == [401] * 4 and codes[4:] == [429, 429]
