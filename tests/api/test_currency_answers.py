"""Answers per currency through the real routes (issue 14), on every database backend.

Alice has one USD account. Bob has the same USD account and a EUR one: his default answers
are Alice's (his primary currency is USD), his EUR answers hold the EUR account alone, and
nothing ever adds euros to dollars.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import Engine

from fincast.db.engine import session_scope
from fincast.ledger import service as ledger
from fincast.ledger.models import CategorySource, Transaction
from tests.api.client import ApiClient
from tests.api.conftest import LoggedIn, register_and_login
from tests.api.test_predictions import seed_history

MONTHS = 15
#: The EUR account's month: income and spending about a third of the USD account's.
EUR_PLAN = (
    ("income", Decimal("2500.00")),
    ("housing", Decimal("-700.00")),
    ("groceries", Decimal("-210.00")),
    ("dining", Decimal("-90.00")),
)


def seed_eur(engine: Engine, user_id: int, months: int = MONTHS) -> Decimal:
    """``months`` complete months in a EUR account; returns what they moved in total."""
    today = dt.date.today().replace(day=1)
    day = (today - dt.timedelta(days=31 * months)).replace(day=1)
    moved = Decimal("0")
    with session_scope(engine) as s:
        acc = ledger.get_or_create_account(s, user_id, "Girokonto", currency="EUR")
        cats = ledger.category_ids(s, user_id)
        n = 0
        while day < today:
            for slug, amount in EUR_PLAN:
                n += 1
                moved += amount
                s.add(
                    Transaction(
                        user_id=user_id,
                        account_id=acc.id,
                        posted_date=day.replace(day=7),
                        amount=amount,
                        currency="EUR",
                        payee=f"{slug} eur",
                        category_id=cats[slug],
                        category_source=CategorySource.RULE,
                        fingerprint=f"eur-{user_id}-{n:06d}",
                    )
                )
            day = (day + dt.timedelta(days=32)).replace(day=1)
    return moved


@pytest.fixture()
def pair(client: ApiClient, engine: Engine) -> tuple[LoggedIn, LoggedIn, Decimal]:
    alice, bob = register_and_login(client), register_and_login(client)
    seed_history(engine, alice.id, months=MONTHS)
    seed_history(engine, bob.id, months=MONTHS)
    moved = seed_eur(engine, bob.id)
    return alice, bob, moved


def _ok(client: ApiClient, method: str, path: str, user: LoggedIn, **kw: object) -> dict:
    r = client.request(method, path, headers=user.headers, **kw)
    assert r.status_code == 200, (path, r.text)
    body: dict = r.json()
    return body


def test_two_currencies_two_answers_and_the_primary_one_is_the_single_users(
    client: ApiClient, pair: tuple[LoggedIn, LoggedIn, Decimal]
) -> None:
    alice, bob, _ = pair
    a = _ok(client, "GET", "/api/insights/monthly", alice)
    b = _ok(client, "GET", "/api/insights/monthly", bob)
    assert (a["currency"], a["currencies"]) == ("USD", ["USD"])
    assert (b["currency"], b["currencies"]) == ("USD", ["EUR", "USD"])
    assert b["data"] == a["data"], "the EUR account must not change the USD months"
    e = _ok(client, "GET", "/api/insights/monthly", bob, params={"currency": "eur"})
    assert e["currency"] == "EUR" and e["count"] == a["count"] >= MONTHS
    assert {row["total_income"] for row in e["data"]} == {2500.0}
    assert {row["total_expense"] for row in e["data"]} == {1000.0}
    assert "utilities" not in e["data"][0]  # a USD-only category

    usd_a = _ok(client, "POST", "/api/predict/expense", alice, json={})
    usd_b = _ok(client, "POST", "/api/predict/expense", bob, json={})
    assert usd_b["predicted_expense"] == usd_a["predicted_expense"]
    assert usd_b["currency"] == "USD" and usd_a["currencies"] == ["USD"]
    eur = _ok(client, "POST", "/api/predict/expense", bob, params={"currency": "EUR"}, json={})
    assert eur["currency"] == "EUR" and eur["currencies"] == ["EUR", "USD"]
    # about the EUR month's 1,000; never the sum with the USD month's ~2,200
    assert 800 < eur["predicted_expense"] < 1300 < 1900 < usd_b["predicted_expense"]

    fa = _ok(client, "POST", "/api/forecast", alice, json={"horizon": 2})
    fb = _ok(client, "POST", "/api/forecast", bob, json={"horizon": 2})
    assert fb["series"] == fa["series"] and fb["currency"] == "USD"
    fe = _ok(client, "POST", "/api/forecast", bob, params={"currency": "EUR"}, json={"horizon": 2})
    income = next(s for s in fe["series"] if s["name"] == "total_income")
    assert abs(income["months"][0]["forecast"] - 2500) < 100
    assert "utilities" not in {s["name"] for s in fe["series"]}


def test_every_panel_answer_takes_and_names_the_currency(
    client: ApiClient, pair: tuple[LoggedIn, LoggedIn, Decimal]
) -> None:
    _, bob, moved = pair
    calls = [
        ("GET", "/api/insights/monthly", {}),
        ("POST", "/api/predict/expense", {"json": {}}),
        ("POST", "/api/predict/categories", {"json": {}}),
        ("POST", "/api/predict/savings", {"json": {}}),
        ("POST", "/api/forecast", {"json": {}}),
        ("GET", "/api/insights/overspending", {}),
        ("POST", "/api/insights/budget", {"json": {}}),
        ("GET", "/api/alerts", {}),
        ("GET", "/api/insights/disposable-income", {}),
        ("GET", "/api/insights/health", {}),
        ("GET", "/api/insights/investment-readiness", {}),
    ]
    for method, path, kw in calls:
        body = _ok(client, method, path, bob, params={"currency": "EUR"}, **kw)
        assert (body["currency"], body["currencies"]) == ("EUR", ["EUR", "USD"]), path
        r = client.request(method, path, headers=bob.headers, params={"currency": "GBP"}, **kw)
        assert r.status_code == 422, (path, r.text)
        assert "GBP" in r.json()["detail"], path
    savings = _ok(client, "POST", "/api/predict/savings", bob, params={"currency": "EUR"}, json={})
    # the EUR accounts' balance alone, not the USD checking account's added to it
    assert savings["trajectory"]["current_savings"] == float(moved)
    plan = _ok(client, "POST", "/api/insights/budget", bob, params={"currency": "EUR"}, json={})
    assert float(plan["expected_income"]) == pytest.approx(2500, abs=100)
    # the EUR recurring bills count in the EUR plan: nothing is left out any more
    assert not any("primary currency" in w for w in plan["warnings"])
    bad = client.get("/api/insights/monthly", headers=bob.headers, params={"currency": "E1"})
    assert bad.status_code == 422


def test_inline_rows_carry_no_currency(client: ApiClient, alice: LoggedIn) -> None:
    rows = [
        {"year_month": f"2024-{m:02d}", "total_income": 3000, "total_expense": 2000, "food": 2000}
        for m in range(1, 7)
    ]
    r = client.post("/api/predict/expense", headers=alice.headers, json={"monthly_data": rows})
    assert r.status_code == 200, r.text
    assert (r.json()["currency"], r.json()["currencies"]) == (None, [])
    r = client.post(
        "/api/predict/expense",
        headers=alice.headers,
        params={"currency": "USD"},
        json={"monthly_data": rows},
    )
    assert r.status_code == 422 and "currency" in r.json()["detail"]
