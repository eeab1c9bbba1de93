"""POST /api/export/import: a user's JSON export loaded into a fresh account over the API."""

from __future__ import annotations

import json

from fastapi import FastAPI
from sqlalchemy import Engine

from fincast.api import create_app
from tests.api.client import ApiClient
from tests.api.conftest import LoggedIn, make_settings, register_and_login
from tests.integration.test_export_reimport import _normalized

CSV = b"Date,Description,Amount\n2024-01-05,Coffee,-3.50\n2024-01-06,Salary,2000.00\n"


def _fill(client: ApiClient, user: LoggedIn) -> None:
    h = user.headers
    r = client.post("/api/accounts", headers=h, json={"name": "Checking", "type": "checking"})
    assert r.status_code == 201, r.text
    account = r.json()["id"]
    r = client.post(
        "/api/imports",
        headers=h,
        data={"account_id": str(account)},
        files={"file": ("jan.csv", CSV, "text/csv")},
    )
    assert r.status_code == 201, r.text
    cats = client.get("/api/categories", headers=h).json()["data"]
    dining = next(c["id"] for c in cats if c["slug"] == "dining")
    r = client.post("/api/rules", headers=h, json={"category_id": dining, "pattern": "coffee"})
    assert r.status_code == 201, r.text
    r = client.post("/api/budgets", headers=h, json={"category_id": dining, "amount": "120.00"})
    assert r.status_code == 201, r.text


def _upload(client: ApiClient, user: LoggedIn, body: bytes):  # type: ignore[no-untyped-def]
    return client.post(
        "/api/export/import",
        headers=user.headers,
        files={"file": ("export.json", body, "application/json")},
    )


def test_an_export_loads_into_another_users_fresh_account(
    client: ApiClient, alice: LoggedIn, bob: LoggedIn
) -> None:
    _fill(client, alice)
    exported = client.get("/api/export", headers=alice.headers)
    assert exported.status_code == 200
    r = _upload(client, bob, exported.content)
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["rows"]["transactions"] == 2 and body["rows"]["budgets"] == 1
    assert body["left_out"] == ["api_tokens"]
    mine = client.get("/api/export", headers=bob.headers).json()
    assert _normalized(mine) == _normalized(exported.json())
    again = _upload(client, bob, exported.content)
    assert again.status_code == 409 and "fresh account" in again.json()["detail"]


def test_a_file_that_is_not_an_export_is_422(client: ApiClient, alice: LoggedIn) -> None:
    for body in (b"not json", json.dumps({"hello": 1}).encode(), b"[1, 2]"):
        r = _upload(client, alice, body)
        assert r.status_code == 422, r.text
        assert "export" in r.json()["detail"]


def test_an_oversized_export_is_413_naming_the_limit(engine: Engine) -> None:
    app: FastAPI = create_app(engine, make_settings(max_upload_bytes=2000))
    with ApiClient(app) as client:
        alice = register_and_login(client)
        r = _upload(client, alice, b" " * 1500 + b"{}" + b" " * 1000)
    assert r.status_code == 413, r.text
    assert "2000" in r.json()["detail"]
