"""Bounded request bodies, and per-user limits on the expensive endpoints (429 + Retry-After).

Issue 10: one inline prediction could send 50 MiB of JSON (parsed whole before validation
refused it), and nothing limited how often one user could ask for predictions on sent data,
trainings, imports or exports.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator, Iterator

import pytest
from sqlalchemy import Engine

from fincast.api import create_app
from fincast.api.limits import MAX_JSON_BODY_BYTES
from fincast.errors import RateLimitError
from fincast.services.ratelimit import make_storage, work_limiter
from tests.api.client import ApiClient
from tests.api.conftest import LoggedIn, make_settings, register_and_login
from tests.api.test_predictions import monthly_rows, seed_history
from tests.support.population import worker_models_dir
from tests.support.redis import require_redis

CSV = b"Date,Description,Amount\n2024-01-05,Coffee,-3.50\n2024-01-06,Salary,2000.00\n"


@pytest.fixture()
def limited(engine: Engine) -> Iterator[ApiClient]:
    """An app where each user may do each kind of expensive work twice per window."""
    settings = make_settings(
        inline_predictions_per_minute=2,
        trainings_per_hour=2,
        imports_per_hour=2,
        exports_per_hour=2,
        models_dir=worker_models_dir(),
    )
    with ApiClient(create_app(engine, settings)) as client:
        yield client


def _assert_429(r, setting: str) -> None:  # type: ignore[no-untyped-def]
    assert r.status_code == 429, r.text
    assert int(r.headers["retry-after"]) >= 1
    assert setting in r.json()["detail"]
    assert r.headers["content-type"].startswith("application/problem+json")


def _account(client: ApiClient, user: LoggedIn) -> int:
    r = client.post(
        "/api/accounts", headers=user.headers, json={"name": "Checking", "type": "checking"}
    )
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


# -- bodies ------------------------------------------------------------------------------


def test_an_oversized_prediction_body_is_413_naming_the_limit(
    client: ApiClient, alice: LoggedIn
) -> None:
    row = monthly_rows(1)[0]
    body = json.dumps({"monthly_data": [row] * 60_000}).encode()
    assert len(body) > MAX_JSON_BODY_BYTES
    r = client.post(
        "/api/predict/expense",
        headers={**alice.headers, "content-type": "application/json"},
        content=body,
    )
    assert r.status_code == 413, r.text
    assert str(MAX_JSON_BODY_BYTES) in r.json()["detail"]


def test_an_oversized_streamed_body_is_413_too(client: ApiClient, alice: LoggedIn) -> None:
    chunk = b" " * 65536

    async def stream() -> AsyncIterator[bytes]:  # no Content-Length: sent chunked
        yield b'{"monthly_data": []'
        for _ in range(MAX_JSON_BODY_BYTES // len(chunk) + 2):
            yield chunk
        yield b"}"

    r = client.post(
        "/api/forecast",
        headers={**alice.headers, "content-type": "application/json"},
        content=stream(),
    )
    assert r.status_code == 413, r.text
    assert str(MAX_JSON_BODY_BYTES) in r.json()["detail"]


def test_too_many_months_or_categories_are_422_naming_the_limit(
    client: ApiClient, alice: LoggedIn
) -> None:
    months = [
        {"year_month": f"{1950 + i // 12}-{i % 12 + 1:02d}", "total_income": 1, "total_expense": 1}
        for i in range(601)
    ]
    r = client.post("/api/predict/expense", headers=alice.headers, json={"monthly_data": months})
    assert r.status_code == 422 and "600" in r.text
    wide = {"year_month": "2024-01", "total_income": 1, "total_expense": 1}
    wide.update({f"c{i}": 1.0 for i in range(65)})
    r = client.post("/api/predict/expense", headers=alice.headers, json={"monthly_data": [wide]})
    assert r.status_code == 422 and "64" in r.text


# -- per-user limits ----------------------------------------------------------------------


def test_inline_predictions_are_limited_per_user(limited: ApiClient) -> None:
    alice, bob = register_and_login(limited), register_and_login(limited)
    body = {"monthly_data": monthly_rows(12)}
    codes = [
        limited.post("/api/predict/expense", headers=alice.headers, json=body).status_code
        for _ in range(2)
    ]
    assert codes == [200, 200]
    r = limited.post("/api/predict/savings", headers=alice.headers, json=body)
    _assert_429(r, "FINCAST_INLINE_PREDICTIONS_PER_MINUTE")
    # another user has a budget of their own
    assert limited.post("/api/forecast", headers=bob.headers, json=body).status_code == 200


def test_predictions_on_the_ledger_are_not_counted(limited: ApiClient, engine: Engine) -> None:
    alice = register_and_login(limited)
    seed_history(engine, alice.id)
    for _ in range(3):
        assert limited.post("/api/predict/expense", headers=alice.headers).status_code == 200


def test_training_is_limited_per_user(limited: ApiClient, engine: Engine) -> None:
    alice = register_and_login(limited)
    seed_history(engine, alice.id)
    codes = [
        limited.post("/api/train", headers=alice.headers, json={"force": False}).status_code
        for _ in range(2)
    ]
    assert codes == [200, 200]
    _assert_429(limited.post("/api/train", headers=alice.headers), "FINCAST_TRAININGS_PER_HOUR")


def test_imports_are_limited_per_user(limited: ApiClient) -> None:
    alice = register_and_login(limited)
    account = _account(limited, alice)

    def upload():  # type: ignore[no-untyped-def]
        return limited.post(
            "/api/imports",
            headers=alice.headers,
            data={"account_id": str(account)},
            files={"file": ("a.csv", CSV, "text/csv")},
        )

    assert [upload().status_code for _ in range(2)] == [201, 201]
    _assert_429(upload(), "FINCAST_IMPORTS_PER_HOUR")


def test_exports_are_limited_per_user(limited: ApiClient) -> None:
    alice = register_and_login(limited)
    codes = [limited.get("/api/export", headers=alice.headers).status_code for _ in range(2)]
    assert codes == [200, 200]
    _assert_429(
        limited.get("/api/export?format=csv", headers=alice.headers), "FINCAST_EXPORTS_PER_HOUR"
    )


def test_the_budget_is_shared_between_workers(engine: Engine) -> None:
    settings = make_settings(exports_per_hour=3)
    one, two = create_app(engine, settings), create_app(engine, settings)
    with ApiClient(one) as a, ApiClient(two) as b:
        alice = register_and_login(a)
        codes = [
            (a if i % 2 else b).get("/api/export", headers=alice.headers).status_code
            for i in range(4)
        ]
    assert codes == [200, 200, 200, 429]


@pytest.fixture()
def redis_url() -> str:
    return require_redis()


def test_without_redis_ci_fails_instead_of_skipping(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FINCAST_TEST_REQUIRE_DBS", "1")
    with pytest.raises(pytest.fail.Exception, match="FINCAST_TEST_REQUIRE_DBS"):
        require_redis("redis://127.0.0.1:1/0")
    monkeypatch.delenv("FINCAST_TEST_REQUIRE_DBS")
    with pytest.raises(pytest.skip.Exception, match="not reachable"):
        require_redis("redis://127.0.0.1:1/0")


def test_the_budget_is_shared_through_redis(sqlite_engine: Engine, redis_url: str) -> None:
    settings = make_settings(exports_per_hour=3, rate_limit_storage=redis_url)
    # two workers' limiters, each with a connection of its own to the same server
    one = work_limiter(make_storage(redis_url, sqlite_engine), settings)
    two = work_limiter(make_storage(redis_url, sqlite_engine), settings)
    user_id = uuid.uuid4().int % 10**12  # runs sharing the server do not meet
    for i in range(3):
        (one if i % 2 else two).before("export", user_id)
    with pytest.raises(RateLimitError) as refused:
        one.before("export", user_id)
    assert refused.value.retry_after is not None and refused.value.retry_after >= 1
    two.before("import", user_id)  # another kind of work has its own budget
