"""Untrusted input at the API: rule patterns, import dates, uncategorised ledgers, bidi text."""

from __future__ import annotations

import pytest

from tests.api.client import ApiClient
from tests.api.conftest import LoggedIn


def _account(client: ApiClient, user: LoggedIn) -> int:
    r = client.post("/api/accounts", headers=user.headers, json={"name": "Checking"})
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


def _category(client: ApiClient, user: LoggedIn) -> int:
    r = client.post("/api/categories", headers=user.headers, json={"slug": "mine", "name": "Mine"})
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


def _upload(client: ApiClient, user: LoggedIn, account: int, body: bytes):
    return client.post(
        "/api/imports",
        headers=user.headers,
        data={"account_id": str(account)},
        files={"file": ("a.csv", body, "text/csv")},
    )


# Run in a child process: with a backtracking engine ``^(a+)+$`` against 100 "a" then "!"
# takes about 2**100 steps (it never ends), so the child is killed at the timeout and the
# test fails; RE2 answers in microseconds. The timeout is far above any load, so the test
# cannot be flaky, and it measures no time at all on the passing path.
_CATASTROPHIC_CHILD = """
import sys
from types import SimpleNamespace
from decimal import Decimal
from fincast.ingest.categorize import Categorizer

rule = SimpleNamespace(
    id=1, category_id=7, account_id=None, payee_contains=None, pattern="^(a+)+$",
    amount_min=None, amount_max=None,
)
cat = Categorizer.from_stored([rule], {})
assert not cat.notes, cat.notes
print(type(cat.rules[0].pattern).__module__)
print(cat.rule_category(1, Decimal("-1"), "a" * 100 + "!", None))
print(cat.rule_category(1, Decimal("-1"), "a" * 255, None))
"""


def test_catastrophic_rule_pattern_is_matched_by_a_linear_engine() -> None:
    import subprocess
    import sys

    try:
        done = subprocess.run(
            [sys.executable, "-c", _CATASTROPHIC_CHILD],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    except subprocess.TimeoutExpired:
        pytest.fail("matching ^(a+)+$ did not finish in 60 s: the rule engine backtracks")
    assert done.returncode == 0, done.stderr
    module, no_match, match = done.stdout.split()
    assert module.startswith("re2"), module
    assert no_match == "None"
    assert match == "7"


def test_catastrophic_rule_pattern_imports_and_does_not_match(
    client: ApiClient, alice: LoggedIn
) -> None:
    account, category = _account(client, alice), _category(client, alice)
    r = client.post(
        "/api/rules", headers=alice.headers, json={"category_id": category, "pattern": "^(a+)+$"}
    )
    assert r.status_code == 201, r.text
    payee = "a" * 27 + "!"
    body = f"date,amount,payee\n2024-01-01,-1.00,{payee}\n2024-01-02,-2.00,{'a' * 30}\n"
    r = _upload(client, alice, account, body.encode())
    assert r.status_code == 201, r.text
    assert r.json()["imported"] == 2
    r = client.get("/api/transactions", headers=alice.headers)
    assert r.status_code == 200, r.text
    by_payee = {t["payee_raw"]: t for t in r.json()["data"]}
    assert by_payee[payee]["category_id"] != category
    assert by_payee["a" * 30]["category_id"] == category


@pytest.mark.parametrize(
    ("pattern", "words"),
    [
        ("a" * 201, "200"),
        (r"(a)\1", "RE2"),
        (r"foo(?=bar)", "RE2"),
    ],
)
def test_unsafe_rule_patterns_are_422(
    client: ApiClient, alice: LoggedIn, pattern: str, words: str
) -> None:
    category = _category(client, alice)
    r = client.post(
        "/api/rules", headers=alice.headers, json={"category_id": category, "pattern": pattern}
    )
    assert r.status_code == 422, r.text
    errors = r.json()["errors"]
    assert "body.pattern" in {e["field"] for e in errors}
    assert any(words in str(e) for e in errors), errors
    ok = client.post(
        "/api/rules", headers=alice.headers, json={"category_id": category, "pattern": "coffee"}
    )
    assert ok.status_code == 201, ok.text
    r = client.patch(
        f"/api/rules/{ok.json()['id']}", headers=alice.headers, json={"pattern": pattern}
    )
    assert r.status_code == 422, r.text
    assert "body.pattern" in {e["field"] for e in r.json()["errors"]}


ENDPOINTS = [
    ("get", "/api/insights/monthly"),
    ("post", "/api/predict/expense"),
    ("post", "/api/predict/savings"),
    ("post", "/api/train"),
    ("post", "/api/forecast"),
]


def _call(client: ApiClient, user: LoggedIn, method: str, url: str):
    if method == "get":
        return client.get(url, headers=user.headers)
    return client.post(url, headers=user.headers, json={})


@pytest.mark.parametrize(("method", "url"), ENDPOINTS)
def test_uncategorised_only_ledger_is_not_500(
    client: ApiClient, alice: LoggedIn, method: str, url: str
) -> None:
    account = _account(client, alice)
    r = client.post(
        "/api/transactions",
        headers=alice.headers,
        json={"account_id": account, "posted_date": "2024-01-15", "amount": "-5.00"},
    )
    assert r.status_code == 201, r.text
    assert r.json()["category_id"] is None
    r = _call(client, alice, method, url)
    assert r.status_code in {200, 201, 422}, r.text


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
def test_import_refuses_dates_the_api_refuses(client: ApiClient, alice: LoggedIn, day: str) -> None:
    account = _account(client, alice)
    r = _upload(client, alice, account, f"date,amount,payee\n{day},-1.00,shop\n".encode())
    assert r.status_code == 422, r.text
    text = r.text
    assert "a.csv" in text and "line 2" in text and "date" in text
    for method, url in ENDPOINTS:
        assert _call(client, alice, method, url).status_code != 500


def test_bidi_controls_are_stripped_on_api_writes(client: ApiClient, alice: LoggedIn) -> None:
    account = _account(client, alice)
    r = client.post(
        "/api/transactions",
        headers=alice.headers,
        json={
            "account_id": account,
            "posted_date": "2024-01-15",
            "amount": "-5.00",
            "payee": "Shop\u202egnp.exe",
            "description": "\u2066note\u2069\u200f",
        },
    )
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["payee"] == "Shopgnp.exe"
    assert body["description"] == "note"
    assert body["payee_raw"] == "Shop\u202egnp.exe"
    r = client.patch(
        f"/api/transactions/{body['id']}", headers=alice.headers, json={"payee": "A\u202dB"}
    )
    assert r.status_code == 200, r.text
    assert r.json()["payee"] == "AB"


def test_bidi_controls_are_stripped_at_import(client: ApiClient, alice: LoggedIn) -> None:
    account = _account(client, alice)
    body = "date,amount,payee,description\n2024-01-01,-1.00,Shop\u202egnp,mem\u202eo\n"
    r = _upload(client, alice, account, body.encode())
    assert r.status_code == 201, r.text
    rows = client.get("/api/transactions", headers=alice.headers).json()["data"]
    assert len(rows) == 1
    assert "\u202e" not in (rows[0]["payee"] or "")
    assert rows[0]["description"] == "memo"


def test_date_bounds_are_the_same_for_imports_and_the_api() -> None:
    import datetime as dt

    import pydantic

    from fincast.api.schemas.ledger import TransactionCreate
    from fincast.ingest import values

    base = {"account_id": 1, "amount": "1.00"}
    for ok in (values.MIN_DATE, values.MAX_DATE):
        TransactionCreate.model_validate({**base, "posted_date": ok.isoformat()})
    for bad in (values.MIN_DATE - dt.timedelta(days=1), values.MAX_DATE + dt.timedelta(days=1)):
        with pytest.raises(pydantic.ValidationError, match="must be between"):
            TransactionCreate.model_validate({**base, "posted_date": bad.isoformat()})
