"""CRUD behaviour, filters, validation (422 not 500), export, uploads, observability."""

from __future__ import annotations

import csv
import io
import zipfile

from sqlalchemy import Engine

from fincast.api import create_app
from tests.api.client import ApiClient
from tests.api.conftest import LoggedIn, make_settings


def _account(client: ApiClient, user: LoggedIn, name: str = "Checking") -> int:
    r = client.post("/api/accounts", headers=user.headers, json={"name": name})
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


def _category(client: ApiClient, user: LoggedIn, slug: str) -> int:
    cats = client.get("/api/categories", headers=user.headers, params={"limit": 1000}).json()
    return next(c["id"] for c in cats["data"] if c["slug"] == slug)


def test_new_user_has_default_categories(client: ApiClient, alice: LoggedIn) -> None:
    cats = client.get("/api/categories", headers=alice.headers).json()
    assert cats["count"] >= 15
    assert {"groceries", "income", "transfers"} <= {c["slug"] for c in cats["data"]}


def test_account_crud_and_conflict(client: ApiClient, alice: LoggedIn) -> None:
    h = alice.headers
    r = client.post(
        "/api/accounts",
        headers=h,
        json={"name": "Main", "currency": "eur", "opening_balance": "-12.5"},
    )
    assert r.status_code == 201
    acc = r.json()
    assert acc["currency"] == "EUR" and acc["opening_balance"] == "-12.50"
    assert client.post("/api/accounts", headers=h, json={"name": "Main"}).status_code == 409
    r = client.patch(f"/api/accounts/{acc['id']}", headers=h, json={"type": "savings"})
    assert r.json()["type"] == "savings" and r.json()["name"] == "Main"
    # an explicit null on a required column changes nothing
    r = client.patch(f"/api/accounts/{acc['id']}", headers=h, json={"name": None})
    assert r.status_code == 200 and r.json()["name"] == "Main"
    assert client.delete(f"/api/accounts/{acc['id']}", headers=h).status_code == 204
    assert client.get(f"/api/accounts/{acc['id']}", headers=h).status_code == 404


def test_an_archived_account_keeps_its_history_and_refuses_imports(
    client: ApiClient, alice: LoggedIn
) -> None:
    h = alice.headers
    acc = _account(client, alice, "Old savings")
    csv_bytes = b"Date,Description,Amount\n2024-01-05,Green Grocer,-10.00\n"
    r = client.post(
        "/api/imports",
        headers=h,
        data={"account_id": str(acc)},
        files={"file": ("a.csv", csv_bytes, "text/csv")},
    )
    assert r.status_code == 201, r.text
    assert client.get(f"/api/accounts/{acc}", headers=h).json()["archived"] is False
    r = client.patch(f"/api/accounts/{acc}", headers=h, json={"archived": True})
    assert r.status_code == 200 and r.json()["archived"] is True
    # the history stays ...
    txs = client.get("/api/transactions", headers=h, params={"account_id": acc}).json()
    assert txs["count"] == 1
    # ... and a new file is refused, naming the account
    r = client.post(
        "/api/imports",
        headers=h,
        data={"account_id": str(acc)},
        files={"file": ("b.csv", csv_bytes.replace(b"-10.00", b"-11.00"), "text/csv")},
    )
    assert r.status_code == 409, r.text
    assert "Old savings" in r.json()["detail"] and "archived" in r.json()["detail"]
    r = client.patch(f"/api/accounts/{acc}", headers=h, json={"archived": False})
    assert r.json()["archived"] is False


def test_balances_run_from_the_opening_balance_month_by_month(
    client: ApiClient, alice: LoggedIn, bob: LoggedIn
) -> None:
    h = alice.headers
    r = client.post(
        "/api/accounts", headers=h, json={"name": "Balanced", "opening_balance": "100.00"}
    )
    acc = r.json()["id"]
    for day, amount in (("2024-01-05", "-10.00"), ("2024-01-20", "50.25"), ("2024-03-02", "-0.25")):
        body = {"account_id": acc, "posted_date": day, "amount": amount, "payee": "x" + day}
        assert client.post("/api/transactions", headers=h, json=body).status_code == 201
    mine = {b["account_id"]: b for b in client.get("/api/balances", headers=h).json()["data"]}
    assert mine[acc]["balance"] == "140.00"
    assert mine[acc]["months"] == {"2024-01": "140.25", "2024-03": "140.00"}
    assert mine[acc]["archived"] is False
    theirs = client.get("/api/balances", headers=bob.headers).json()["data"]
    assert acc not in {b["account_id"] for b in theirs}
    assert client.get("/api/balances").status_code == 401


def test_transactions_filters_and_pagination(client: ApiClient, alice: LoggedIn) -> None:
    h = alice.headers
    a1, a2 = _account(client, alice, "A1"), _account(client, alice, "A2")
    groceries = _category(client, alice, "groceries")
    rows = [
        (a1, "2024-01-05", "-10.00", "Green Grocer", groceries),
        (a1, "2024-01-20", "-55.10", "Fuel 100%_station", None),
        (a2, "2024-02-03", "2500.00", "ACME payroll", None),
        (a2, "2024-02-10", "-10.00", "Green Grocer", groceries),
        (a2, "2024-02-10", "-10.00", "Green Grocer", groceries),  # a real twin
    ]
    for acc, day, amount, payee, cat in rows:
        body = {"account_id": acc, "posted_date": day, "amount": amount, "payee": payee}
        if cat:
            body["category_id"] = cat
        assert client.post("/api/transactions", headers=h, json=body).status_code == 201

    def count(**params: object) -> int:
        r = client.get("/api/transactions", headers=h, params=params)
        assert r.status_code == 200, r.text
        return int(r.json()["count"])

    assert count() == 5
    assert count(account_id=a2) == 3
    assert count(category_id=groceries) == 3
    assert count(date_from="2024-02-01") == 3
    assert count(date_from="2024-01-06", date_to="2024-02-05") == 2
    assert count(q="grocer") == 3
    assert count(q="100%_") == 1  # LIKE wildcards are literal
    assert count(amount_min="0") == 1
    assert count(amount_max="-20", amount_min="-100") == 1
    page = client.get("/api/transactions", headers=h, params={"limit": 2, "offset": 1}).json()
    assert page["count"] == 5 and len(page["data"]) == 2
    newest = client.get("/api/transactions", headers=h, params={"limit": 1}).json()["data"][0]
    assert newest["posted_date"] == "2024-02-10"


def test_category_correction_marks_user_source(client: ApiClient, alice: LoggedIn) -> None:
    h = alice.headers
    acc = _account(client, alice)
    tx = client.post(
        "/api/transactions",
        headers=h,
        json={"account_id": acc, "posted_date": "2024-05-01", "amount": "-3.20", "payee": "Cafe"},
    ).json()
    assert tx["category_id"] is None and tx["category_source"] is None
    dining = _category(client, alice, "dining")
    r = client.patch(f"/api/transactions/{tx['id']}", headers=h, json={"category_id": dining})
    assert r.status_code == 200
    assert r.json()["category_id"] == dining and r.json()["category_source"] == "user"
    r = client.patch(f"/api/transactions/{tx['id']}", headers=h, json={"payee": None})
    assert r.json()["payee"] is None and r.json()["category_id"] == dining
    assert client.delete(f"/api/transactions/{tx['id']}", headers=h).status_code == 204


def test_export_json_and_csv(client: ApiClient, alice: LoggedIn) -> None:
    h = alice.headers
    acc = _account(client, alice, "=HYPERLINK(1)")
    client.post(
        "/api/transactions",
        headers=h,
        json={
            "account_id": acc,
            "posted_date": "2024-01-02",
            "amount": "-7.25",
            "payee": "@evil",
            "description": "+1 more",
        },
    )
    data = client.get("/api/export", headers=h, params={"format": "json"}).json()
    assert data["transactions"][0]["amount"] == "-7.25"
    assert data["accounts"][0]["name"] == "=HYPERLINK(1)"
    assert all("token_hash" not in t for t in data["api_tokens"])
    r = client.get("/api/export", headers=h, params={"format": "csv"})
    assert r.status_code == 200 and r.headers["content-type"] == "application/zip"
    zf = zipfile.ZipFile(io.BytesIO(r.content))
    assert "transactions.csv" in zf.namelist() and "accounts.csv" in zf.namelist()
    tx = list(csv.DictReader(io.StringIO(zf.read("transactions.csv").decode())))
    assert tx[0]["amount"] == "-7.25"  # numbers stay numbers
    assert tx[0]["payee"] == "'@evil" and tx[0]["description"] == "'+1 more"
    accounts = list(csv.DictReader(io.StringIO(zf.read("accounts.csv").decode())))
    assert accounts[0]["name"] == "'=HYPERLINK(1)"


def test_upload_too_large_is_413(engine: Engine) -> None:
    app = create_app(engine, make_settings(max_upload_bytes=1000))
    with ApiClient(app) as c:
        from tests.api.conftest import register_and_login

        user = register_and_login(c)
        acc = c.post("/api/accounts", headers=user.headers, json={"name": "A"}).json()["id"]
        r = c.post(
            "/api/imports",
            headers=user.headers,
            data={"account_id": str(acc)},
            files={"file": ("big.csv", b"x" * 5000, "text/csv")},
        )
        assert r.status_code == 413
        assert r.headers["content-type"] == "application/problem+json"

        # a streamed body without Content-Length is cut off as it arrives
        async def chunks():  # type: ignore[no-untyped-def]
            yield b'--b\r\nContent-Disposition: form-data; name="file"; filename="a"\r\n\r\n'
            for _ in range(10):
                yield b"y" * 500

        r = c.post(
            "/api/imports",
            headers={**user.headers, "Content-Type": "multipart/form-data; boundary=b"},
            content=chunks(),
        )
        assert r.status_code == 413


def test_health_ready_metrics_request_id(client: ApiClient, alice: LoggedIn) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/readyz").json() == {"status": "ready"}
    r = client.get("/api/accounts", headers={**alice.headers, "X-Request-ID": "abc-123"})
    assert r.headers["x-request-id"] == "abc-123"
    generated = client.get("/healthz", headers={"X-Request-ID": "bad id with spaces"})
    assert len(generated.headers["x-request-id"]) == 32
    metrics = client.get("/metrics").text
    assert 'fincast_http_requests_total{method="GET",route="/api/accounts",status="200"}' in metrics


def test_readyz_reports_unmigrated_database(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from fincast.db.engine import make_engine

    eng = make_engine(f"sqlite:///{tmp_path / 'empty.db'}")
    with ApiClient(create_app(eng, make_settings())) as c:
        r = c.get("/readyz")
        assert r.status_code == 503 and r.headers["content-type"] == "application/problem+json"
    eng.dispose()


def test_cors_is_explicit(client: ApiClient) -> None:
    pre = {"Access-Control-Request-Method": "GET"}
    ok = client.options("/api/accounts", headers={"Origin": "http://dashboard.test", **pre})
    assert ok.headers["access-control-allow-origin"] == "http://dashboard.test"
    assert ok.headers["access-control-allow-credentials"] == "true"
    bad = client.options("/api/accounts", headers={"Origin": "http://evil.test", **pre})
    assert "access-control-allow-origin" not in bad.headers


def test_wildcard_origin_is_never_combined_with_credentials(engine: Engine) -> None:
    app = create_app(engine, make_settings(cors_origins=["*"]))
    with ApiClient(app) as c:
        r = c.options(
            "/api/accounts",
            headers={"Origin": "http://evil.test", "Access-Control-Request-Method": "GET"},
        )
        assert r.headers.get("access-control-allow-origin") not in ("*", "http://evil.test")
