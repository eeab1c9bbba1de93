"""POST /api/imports/preview and the mapping fields of POST /api/imports."""

from __future__ import annotations

import json
from pathlib import Path

from tests.api.client import ApiClient
from tests.api.conftest import LoggedIn

DATA = Path(__file__).resolve().parents[1] / "unit" / "ingest" / "data"
UNSIGNED = b"When;What;Sum\n2024-01-12;Shop;5.00\n2024-01-13;Pay;7.00\n"


def _account(client: ApiClient, user: LoggedIn, currency: str = "USD") -> int:
    r = client.post(
        "/api/accounts", headers=user.headers, json={"name": "Wallet", "currency": currency}
    )
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


def _post(
    client: ApiClient, user: LoggedIn | None, path: str, account: int, body: bytes, **form: str
):
    return client.post(
        path,
        headers=user.headers if user else {},
        data={"account_id": str(account), **form},
        files={"file": ("f.csv", body, "text/csv")},
    )


def _count(client: ApiClient, user: LoggedIn) -> int:
    r = client.get("/api/transactions", headers=user.headers)
    assert r.status_code == 200, r.text
    return int(r.json()["count"])


def test_preview_shows_layout_rows_and_skips_and_writes_nothing(
    client: ApiClient, alice: LoggedIn
) -> None:
    account = _account(client, alice)
    body = (DATA / "venmo_statement.csv").read_bytes()
    r = _post(client, alice, "/api/imports/preview", account, body)
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["format"] == "csv" and out["error"] is None
    assert out["layout"]["source"] == "inferred"
    assert out["layout"]["mapping"]["amount"] == "Amount (total)"
    assert out["layout"]["confidence"]["date"] == 1.0
    assert out["total"] == 4 and out["skipped"] == 3
    assert "line 7: status 'Pending' is not completed; not imported" in out["skipped_reasons"]
    first = out["rows"][0]
    assert (first["date"], first["amount"], first["payee"], first["line"]) == (
        "2024-02-03",
        "-22.00",
        "Sam Park",
        5,
    )
    assert out["rows"][2]["kind"] == "transfer"
    assert _count(client, alice) == 0
    r = client.get("/api/imports", headers=alice.headers)
    assert r.json()["count"] == 0  # not even a batch record


def test_preview_needs_a_login_and_the_users_own_account(
    client: ApiClient, alice: LoggedIn, bob: LoggedIn
) -> None:
    account = _account(client, alice)
    assert _post(client, None, "/api/imports/preview", account, UNSIGNED).status_code == 401
    r = _post(client, bob, "/api/imports/preview", account, UNSIGNED)
    assert r.status_code == 404
    assert "Wallet" not in r.text


def test_a_fixed_mapping_is_previewed_imported_saved_and_reused(
    client: ApiClient, alice: LoggedIn
) -> None:
    account = _account(client, alice)
    r = _post(client, alice, "/api/imports/preview", account, UNSIGNED)
    out = r.json()
    assert "'Sum' holds amounts without signs" in out["error"]
    assert out["layout"]["headers"] == ["When", "What", "Sum"] and out["rows"] == []
    refused = _post(client, alice, "/api/imports", account, UNSIGNED)
    assert refused.status_code == 422
    mapping = json.dumps({"date": "When", "debit": "Sum", "payee": "What"})
    r = _post(client, alice, "/api/imports/preview", account, UNSIGNED, mapping=mapping)
    assert [row["amount"] for row in r.json()["rows"]] == ["-5.00", "-7.00"]
    r = _post(
        client, alice, "/api/imports", account, UNSIGNED, mapping=mapping, save_mapping="true"
    )
    assert r.status_code == 201, r.text
    assert r.json()["imported"] == 2 and r.json()["warnings"] == []
    later = b"When;What;Sum\n2024-02-12;Shop;9.00\n"
    r = _post(client, alice, "/api/imports/preview", account, later)
    assert r.json()["layout"]["name"] == "saved"
    assert r.json()["rows"][0]["amount"] == "-9.00"


def test_bad_mapping_is_a_clear_error(client: ApiClient, alice: LoggedIn) -> None:
    account = _account(client, alice)
    r = _post(client, alice, "/api/imports/preview", account, UNSIGNED, mapping="{not json")
    assert r.status_code == 422 and "mapping: not valid JSON" in r.text
    # A name that is no preset is refused, never opened as a file on the server.
    for name in ("/etc/passwd", "0" * 1000):
        r = _post(client, alice, "/api/imports/preview", account, UNSIGNED, mapping=name)
        assert r.status_code == 422 and "neither a JSON object nor a CSV preset" in r.text
    r = _post(client, alice, "/api/imports/preview", account, UNSIGNED, mapping="Chase")
    assert r.status_code == 200 and r.json()["layout"] is None  # chase's Date column is absent
    assert "no header row names the date column 'Posting Date'" in r.json()["error"]
    r = _post(client, alice, "/api/imports", account, UNSIGNED, mapping=json.dumps({"dat": "When"}))
    assert r.status_code == 422 and "unknown CSV mapping keys: ['dat']" in r.text
    assert _count(client, alice) == 0


def test_import_result_reports_currency_refusals_and_gaps(
    client: ApiClient, alice: LoggedIn
) -> None:
    account = _account(client, alice)
    r = _post(client, alice, "/api/imports", account, (DATA / "santander_es.csv").read_bytes())
    assert r.status_code == 422
    assert "are in EUR" in r.text and "'Wallet' is in USD" in r.text
    new = b"Date,Payee,Amount\n2016-03-02,A,-3.00\n"
    old = b"Date,Payee,Amount\n2011-01-05,B,-3.00\n"
    assert _post(client, alice, "/api/imports", account, new).status_code == 201
    r = _post(client, alice, "/api/imports", account, old)
    assert r.status_code == 201
    (warning,) = r.json()["warnings"]
    assert "62 months before the first transaction (2016-03-02)" in warning
