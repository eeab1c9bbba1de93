"""Budgets, goals and debts in a currency of their own (issue 14), on every database backend.

Bob has a USD checking account (his primary currency: it holds most of his transactions)
and a EUR one. His plans are each in one of the two, and every answer in a currency counts
only the plans in it: a EUR goal is forecast on the EUR savings, USD budget alerts ignore
the EUR budget, the EUR debt plan holds the EUR debt alone. Alice has USD only.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import Engine, select

from fincast.db.engine import session_scope
from fincast.ledger.models import Account
from tests.api.client import ApiClient
from tests.api.conftest import LoggedIn, register_and_login
from tests.api.test_currency_answers import MONTHS, seed_eur
from tests.api.test_predictions import seed_history


def _post(client: ApiClient, who: LoggedIn, path: str, body: dict[str, Any]) -> dict[str, Any]:
    r = client.post(path, headers=who.headers, json=body)
    assert r.status_code == 201, (path, r.text)
    out: dict[str, Any] = r.json()
    return out


def _get(client: ApiClient, who: LoggedIn, path: str, **params: str) -> dict[str, Any]:
    r = client.get(path, headers=who.headers, params=params)
    assert r.status_code == 200, (path, r.text)
    out: dict[str, Any] = r.json()
    return out


def _account_ids(engine: Engine, user_id: int) -> dict[str, int]:
    with session_scope(engine) as s:
        rows = s.execute(select(Account.currency, Account.id).where(Account.user_id == user_id))
        return {str(c): int(i) for c, i in rows}


def _category(client: ApiClient, who: LoggedIn, slug: str) -> int:
    cats = _get(client, who, "/api/categories", limit="500")["data"]
    return int(next(c["id"] for c in cats if c["slug"] == slug))


@pytest.fixture()
def users(client: ApiClient, engine: Engine) -> tuple[LoggedIn, LoggedIn, Decimal]:
    alice, bob = register_and_login(client), register_and_login(client)
    seed_history(engine, alice.id, months=MONTHS)
    seed_history(engine, bob.id, months=MONTHS)
    moved = seed_eur(engine, bob.id)
    return alice, bob, moved


def test_plans_are_in_the_primary_currency_or_one_the_user_holds(
    client: ApiClient, engine: Engine, users: tuple[LoggedIn, LoggedIn, Decimal]
) -> None:
    alice, bob, _ = users
    accounts = _account_ids(engine, bob.id)
    groceries = _category(client, bob, "groceries")
    plain = _post(client, bob, "/api/budgets", {"category_id": groceries, "amount": "300"})
    assert plain["currency"] == "USD"  # the primary currency
    eur = _post(
        client, bob, "/api/budgets", {"category_id": groceries, "amount": "90", "currency": "eur"}
    )
    assert eur["currency"] == "EUR"
    assert _get(client, bob, f"/api/budgets/{eur['id']}")["currency"] == "EUR"
    listed = {b["id"]: b["currency"] for b in _get(client, bob, "/api/budgets")["data"]}
    assert listed == {plain["id"]: "USD", eur["id"]: "EUR"}
    goal = {"name": "trip", "target_amount": "500", "target_date": "2030-01-01"}
    debt = {"name": "card", "balance": "900", "apr": "19.9", "minimum_payment": "30"}
    assert _post(client, bob, "/api/goals", goal)["currency"] == "USD"
    assert _post(client, bob, "/api/goals", {**goal, "currency": "EUR"})["currency"] == "EUR"
    assert _post(client, bob, "/api/debts", {**debt, "currency": "EUR"})["currency"] == "EUR"
    # a currency none of the user's accounts is in: 422 naming it
    for path, body in (
        ("/api/budgets", {"amount": "10", "currency": "GBP"}),
        ("/api/goals", {**goal, "currency": "GBP"}),
        ("/api/debts", {**debt, "currency": "GBP"}),
    ):
        r = client.post(path, headers=bob.headers, json=body)
        assert r.status_code == 422, (path, r.text)
        assert "GBP" in r.json()["detail"] and "EUR, USD" in r.json()["detail"]
    r = client.patch(f"/api/budgets/{eur['id']}", headers=bob.headers, json={"currency": "JPY"})
    assert r.status_code == 422 and "JPY" in r.json()["detail"]
    r = client.patch(f"/api/budgets/{eur['id']}", headers=bob.headers, json={"currency": "usd"})
    assert r.status_code == 200 and r.json()["currency"] == "USD"
    r = client.patch(f"/api/budgets/{eur['id']}", headers=bob.headers, json={"amount": "95"})
    assert r.json()["currency"] == "USD"  # left as it was
    # a debt tied to an account is in the account's currency
    tied = _post(client, bob, "/api/debts", {**debt, "account_id": accounts["EUR"]})
    assert tied["currency"] == "EUR"
    r = client.post(
        "/api/debts",
        headers=bob.headers,
        json={**debt, "account_id": accounts["EUR"], "currency": "USD"},
    )
    assert r.status_code == 422 and "EUR" in r.json()["detail"] and "USD" in r.json()["detail"]
    loose = _post(client, bob, "/api/debts", debt)
    assert loose["currency"] == "USD"
    r = client.patch(
        f"/api/debts/{loose['id']}", headers=bob.headers, json={"account_id": accounts["EUR"]}
    )
    assert r.status_code == 200 and r.json()["currency"] == "EUR"
    r = client.patch(f"/api/debts/{loose['id']}", headers=bob.headers, json={"currency": "USD"})
    assert r.status_code == 422
    r = client.patch(
        f"/api/debts/{loose['id']}",
        headers=bob.headers,
        json={"account_id": None, "currency": "USD"},
    )
    assert r.status_code == 200 and r.json()["currency"] == "USD"
    # ownership: alice holds USD only, sees none of bob's rows, cannot use his account
    r = client.post("/api/budgets", headers=alice.headers, json={"amount": "5", "currency": "EUR"})
    assert r.status_code == 422 and "EUR" in r.json()["detail"]
    assert client.get(f"/api/budgets/{plain['id']}", headers=alice.headers).status_code == 404
    assert _get(client, alice, "/api/budgets")["count"] == 0
    r = client.post(
        "/api/debts", headers=alice.headers, json={**debt, "account_id": accounts["EUR"]}
    )
    assert r.status_code == 404


def test_a_user_without_accounts_plans_in_usd_only(client: ApiClient) -> None:
    new = register_and_login(client)
    assert _post(client, new, "/api/budgets", {"amount": "50"})["currency"] == "USD"
    assert _post(client, new, "/api/budgets", {"amount": "50", "currency": "usd"})["currency"] == (
        "USD"
    )
    r = client.post("/api/budgets", headers=new.headers, json={"amount": "5", "currency": "EUR"})
    assert r.status_code == 422 and "EUR" in r.json()["detail"]


def test_goals_are_forecast_on_the_savings_in_their_currency(
    client: ApiClient, users: tuple[LoggedIn, LoggedIn, Decimal]
) -> None:
    _, bob, _ = users
    due = (dt.date.today() + dt.timedelta(days=300)).isoformat()
    goal = {"name": "g", "target_amount": "9000", "target_date": due}
    eur = _post(client, bob, "/api/goals", {**goal, "name": "eur", "currency": "EUR"})["id"]
    usd = _post(client, bob, "/api/goals", {**goal, "name": "usd"})["id"]
    e = _get(client, bob, f"/api/goals/{eur}/forecast")
    u = _get(client, bob, f"/api/goals/{usd}/forecast")
    assert (e["currency"], u["currency"]) == ("EUR", "USD")
    # EUR months save 2,500 - 1,000 = 1,500; USD months about 4,200 - 2,160 = 2,040
    assert 1350 < e["expected_monthly_savings"] < 1650
    assert 1850 < u["expected_monthly_savings"] < 2250
    assert _get(client, bob, f"/api/goals/{eur}/forecast", currency="eur")["currency"] == "EUR"
    r = client.get(f"/api/goals/{eur}/forecast", headers=bob.headers, params={"currency": "USD"})
    assert r.status_code == 422 and "EUR" in r.json()["detail"]
    # the health score's planning counts the goals in its currency only
    for currency in ("EUR", "USD"):
        health = _get(client, bob, "/api/insights/health", currency=currency)
        planning = next(c for c in health["components"] if c["key"] == "planning")
        assert "1 goal(s)" in planning["display"], (currency, planning)
        assert f"the {currency} debts, budgets and goals" in health["basis"]


def test_budget_alerts_plan_and_overspending_count_the_budgets_of_their_currency(
    client: ApiClient, users: tuple[LoggedIn, LoggedIn, Decimal]
) -> None:
    _, bob, _ = users
    groceries = _category(client, bob, "groceries")
    usd = _post(client, bob, "/api/budgets", {"category_id": groceries, "amount": "300"})
    eur = _post(
        client, bob, "/api/budgets", {"category_id": groceries, "amount": "150", "currency": "EUR"}
    )
    # the latest month with transactions is complete: EUR groceries 210, USD about 380
    a_usd = _get(client, bob, "/api/alerts")
    a_eur = _get(client, bob, "/api/alerts", currency="EUR")
    assert [(b["budget_id"], b["limit"]) for b in a_usd["budgets"]] == [(usd["id"], "300.00")]
    assert [(b["budget_id"], b["limit"]) for b in a_eur["budgets"]] == [(eur["id"], "150.00")]
    assert a_eur["budgets"][0]["spent"] == "210.00" and a_eur["currency"] == "EUR"
    assert not any("primary currency" in n for n in a_eur["notes"])
    p_usd = client.post("/api/insights/budget", headers=bob.headers, json={}).json()
    p_eur = client.post(
        "/api/insights/budget", headers=bob.headers, params={"currency": "EUR"}, json={}
    ).json()
    line = {
        p: next(x for x in b["lines"] if x["category"] == "groceries")
        for p, b in (("USD", p_usd), ("EUR", p_eur))
    }
    assert (line["USD"]["own_budget"], line["EUR"]["own_budget"]) == ("300.00", "150.00")
    # the EUR groceries are a steady 210 a month: a EUR recurring bill, the EUR plan's
    # floor above the 150 budget; the USD plan counts no EUR bill (issue 14, 0011)
    assert (line["EUR"]["basis"], line["EUR"]["floor"]) == ("fixed", "210.00")
    assert "groceries eur" in line["EUR"]["reason"]
    assert line["USD"]["floor"] == "0.00"
    o_eur = _get(client, bob, "/api/insights/overspending", currency="EUR")
    risk = next(c for c in o_eur["categories"] if c["category"] == "groceries")
    assert (risk["limit"], risk["limit_source"]) == (150.0, "budget")
    o_usd = _get(client, bob, "/api/insights/overspending")
    risk = next(c for c in o_usd["categories"] if c["category"] == "groceries")
    assert (risk["limit"], risk["limit_source"]) == (300.0, "budget")


def test_the_debt_plan_holds_the_debts_of_its_currency(
    client: ApiClient, users: tuple[LoggedIn, LoggedIn, Decimal]
) -> None:
    alice, bob, moved = users
    debt = {"balance": "3000", "apr": "19.9", "minimum_payment": "90"}
    usd = _post(client, bob, "/api/debts", {**debt, "name": "usd card"})["id"]
    eur = _post(client, bob, "/api/debts", {**debt, "name": "eur card", "currency": "EUR"})["id"]
    p_usd = _get(client, bob, "/api/debts/plan")
    p_eur = _get(client, bob, "/api/debts/plan", currency="EUR")
    assert [d["id"] for d in p_usd["debts"]] == [usd] and p_usd["currency"] == "USD"
    assert [d["id"] for d in p_eur["debts"]] == [eur] and p_eur["currency"] == "EUR"
    assert p_eur["currencies"] == ["EUR", "USD"]
    # the EUR surplus (1,500 a month) and the EUR account's balance, nothing in dollars
    assert p_eur["surplus"]["monthly_surplus"] == "1500.00"
    assert Decimal(p_eur["surplus"]["emergency_fund"]) == moved
    r = client.get("/api/debts/plan", headers=bob.headers, params={"order": str(usd)})
    assert r.status_code == 200
    r = client.get(
        "/api/debts/plan", headers=bob.headers, params={"order": str(usd), "currency": "EUR"}
    )
    assert r.status_code == 422  # the USD debt is not in the EUR plan
    r = client.get("/api/debts/plan", headers=bob.headers, params={"currency": "GBP"})
    assert r.status_code == 422 and "GBP" in r.json()["detail"]
    assert _get(client, alice, "/api/debts/plan")["debts"] == []
    # disposable income and readiness answer in the currency asked for as well
    d_eur = _get(client, bob, "/api/insights/disposable-income", currency="EUR")
    assert d_eur["currency"] == "EUR"
    ready = _get(client, bob, "/api/insights/investment-readiness", currency="EUR")
    assert not any("primary currency" in reason for reason in ready["reasons"])


def test_an_accounts_new_currency_moves_its_debts(
    client: ApiClient, engine: Engine, users: tuple[LoggedIn, LoggedIn, Decimal]
) -> None:
    _, bob, _ = users
    accounts = _account_ids(engine, bob.id)
    debt = {"name": "card", "balance": "900", "apr": "19.9", "minimum_payment": "30"}
    tied = _post(client, bob, "/api/debts", {**debt, "account_id": accounts["EUR"]})
    loose = _post(client, bob, "/api/debts", {**debt, "currency": "EUR"})
    r = client.patch(
        f"/api/accounts/{accounts['EUR']}", headers=bob.headers, json={"currency": "chf"}
    )
    assert r.status_code == 200, r.text
    assert _get(client, bob, f"/api/debts/{tied['id']}")["currency"] == "CHF"
    assert _get(client, bob, f"/api/debts/{loose['id']}")["currency"] == "EUR"  # not tied
    assert [d["id"] for d in _get(client, bob, "/api/debts/plan", currency="CHF")["debts"]] == [
        tied["id"]
    ]
