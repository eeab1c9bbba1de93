"""Anything a client sends that is out of range becomes a 422 naming the field, never a 500.

These requests are refused before any database work, so one SQLite app serves the module.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from fincast.api import create_app
from tests.api.client import ApiClient
from tests.api.conftest import LoggedIn, make_settings, register_and_login


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiClient]:
    from fincast.db import migrate
    from tests.support.databases import isolated_engine

    with isolated_engine("sqlite", tmp_path_factory.mktemp("val")) as eng:
        migrate.upgrade(eng)
        with ApiClient(create_app(eng, make_settings())) as c:
            yield c


@pytest.fixture(scope="module")
def alice(client: ApiClient) -> LoggedIn:
    return register_and_login(client)


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/api/accounts", {"name": "x" * 101}, "body.name"),
        ("/api/accounts", {"name": "a\x00b"}, "body.name"),
        ("/api/accounts", {"name": "\ud800"}, "body.name"),
        ("/api/accounts", {"name": "ok", "opening_balance": "1.001"}, "body.opening_balance"),
        ("/api/accounts", {"name": "ok", "opening_balance": "1e40"}, "body.opening_balance"),
        ("/api/accounts", {"name": "ok", "opening_balance": "NaN"}, "body.opening_balance"),
        ("/api/accounts", {"name": "ok", "currency": "EURO"}, "body.currency"),
        ("/api/accounts", {"name": "ok", "type": "piggy"}, "body.type"),
        ("/api/accounts", {"name": "ok", "extra": 1}, "body.extra"),
        (
            "/api/goals",
            {"name": "g", "target_amount": "1", "target_date": "0001-01-01"},
            "body.target_date",
        ),
        (
            "/api/goals",
            {"name": "g", "target_amount": "1", "target_date": "2024-02-30"},
            "body.target_date",
        ),
        ("/api/rules", {"category_id": 2**40}, "body.category_id"),
        ("/api/rules", {"category_id": 1, "pattern": "(unclosed"}, "body.pattern"),
        ("/api/rules", {"category_id": 1, "amount_min": "5", "amount_max": "1"}, "body"),
        (
            "/api/debts",
            {"name": "d", "balance": "1", "apr": "1000", "minimum_payment": "1"},
            "body.apr",
        ),
        ("/api/budgets", {"amount": "-1"}, "body.amount"),
        (
            "/api/transactions",
            {"account_id": 1, "posted_date": "2024-01-01", "amount": 99999999999999999999},
            "body.amount",
        ),
    ],
)
def test_bad_input_is_422_naming_the_field(
    client: ApiClient, alice: LoggedIn, path: str, body: dict, field: str
) -> None:
    # json.dumps escapes non-ASCII, so lone surrogates travel as \ud800 escapes
    r = client.post(
        path,
        headers={**alice.headers, "Content-Type": "application/json"},
        content=json.dumps(body).encode(),
    )
    assert r.status_code == 422, r.text
    assert r.headers["content-type"] == "application/problem+json"
    problem = r.json()
    assert problem["status"] == 422 and problem["title"] and problem["type"]
    assert field in {e["field"] for e in problem["errors"]}


@pytest.mark.parametrize(
    "url",
    [
        "/api/accounts/99999999999999999999",
        "/api/accounts/0",
        "/api/accounts/-1",
        "/api/accounts/abc",
        "/api/transactions?date_from=2024-13-01",
        "/api/transactions?limit=0",
        "/api/transactions?offset=-1",
        "/api/transactions?amount_min=abc",
        "/api/transactions?account_id=4294967296",
        "/api/transactions?q=a%00b",
        "/api/export?format=xml",
    ],
)
def test_bad_query_and_path_are_422(client: ApiClient, alice: LoggedIn, url: str) -> None:
    r = client.get(url, headers=alice.headers)
    assert r.status_code == 422, r.text


def test_malformed_json_is_400_and_bad_text_422(client: ApiClient, alice: LoggedIn) -> None:
    # a body that is not JSON is a bad request (400, as the schema documents) ...
    r = client.post(
        "/api/accounts",
        headers={**alice.headers, "Content-Type": "application/json"},
        content=b'{"name": ',
    )
    assert r.status_code == 400
    # ... valid JSON with a value the field refuses is a validation error
    r = client.post(
        "/api/accounts",
        headers={**alice.headers, "Content-Type": "application/json"},
        content=b'{"name": "\\u0000"}',
    )
    assert r.status_code == 422
