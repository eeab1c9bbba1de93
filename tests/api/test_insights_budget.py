"""Overspending risks, the budget plan and budget alerts over the API: values, errors, isolation."""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine

from fincast.api import create_app
from fincast.db.engine import session_scope
from fincast.ledger import service as ledger
from fincast.ledger.models import CategorySource, Transaction
from fincast.services.forecasting.cache import CACHE
from tests.api.client import ApiClient
from tests.api.conftest import LoggedIn, make_settings, register_and_login
from tests.api.test_predictions import seed_history
from tests.support.population import with_population

D = Decimal


@pytest.fixture(scope="module")
def bclient(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ApiClient, Engine]]:
    """One SQLite-backed app for the module (the forecasts are CPU work, not DB work)."""
    from fincast.db import migrate
    from tests.support.databases import isolated_engine

    tmp = tmp_path_factory.mktemp("insights-budget")
    with isolated_engine("sqlite", tmp) as eng:
        migrate.upgrade(eng)
        settings = make_settings(models_dir=with_population(Path(tmp) / "models"))
        CACHE.clear()
        with ApiClient(create_app(eng, settings)) as c:
            yield c, eng


def add_budget(client: ApiClient, who: LoggedIn, eng: Engine, slug: str | None, amount: str) -> int:
    with session_scope(eng) as s:
        category_id = ledger.category_ids(s, who.id)[slug] if slug else None
    r = client.post(
        "/api/budgets", json={"category_id": category_id, "amount": amount}, headers=who.headers
    )
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


def add_spending(eng: Engine, user_id: int, day: dt.date, slug: str, amount: str) -> None:
    with session_scope(eng) as s:
        acc = ledger.get_or_create_account(s, user_id, "Checking")
        s.add(
            Transaction(
                user_id=user_id,
                account_id=acc.id,
                posted_date=day,
                amount=-D(amount),
                currency="USD",
                payee=f"{slug} shop",
                category_id=ledger.category_ids(s, user_id)[slug],
                category_source=CategorySource.RULE,
                fingerprint=f"extra-{user_id}-{day}-{slug}-{amount}",
            )
        )


@pytest.fixture(scope="module")
def carol(bclient: tuple[ApiClient, Engine]) -> LoggedIn:
    """24 months of history, a debt with a 349 minimum, own budgets for groceries and dining."""
    client, eng = bclient
    user = register_and_login(client)
    seed_history(eng, user.id)
    r = client.post(
        "/api/debts",
        json={"name": "card", "balance": "9000", "apr": "21.9", "minimum_payment": "349"},
        headers=user.headers,
    )
    assert r.status_code == 201, r.text
    add_budget(client, user, eng, "groceries", "300")
    add_budget(client, user, eng, "dining", "250")
    return user


def test_authentication_is_required(bclient: tuple[ApiClient, Engine]) -> None:
    client, _ = bclient
    assert client.get("/api/insights/overspending").status_code == 401
    assert client.post("/api/insights/budget", json={}).status_code == 401
    assert client.get("/api/alerts").status_code == 401


def test_overspending_uses_own_budgets_and_the_rule(
    bclient: tuple[ApiClient, Engine], carol: LoggedIn
) -> None:
    client, _ = bclient
    r = client.get("/api/insights/overspending", headers=carol.headers)
    assert r.status_code == 200, r.text
    body = r.json()
    cats = {c["category"]: c for c in body["categories"]}
    assert set(cats) == {"housing", "groceries", "dining", "utilities"}
    probs = [c["probability_over_limit"] for c in body["categories"]]
    assert probs == sorted(probs, reverse=True)
    g = cats["groceries"]
    assert g["limit_source"] == "budget" and g["limit"] == 300.0
    assert 350 < g["expected"] < 450
    assert g["probability_over_limit"] > 0.95  # ~390 a month against a 300 budget
    assert g["rule_flag"] is False and g["probability_over_rule_line"] < 0.2
    h = cats["housing"]
    assert h["limit_source"] == "rule" and h["trailing_average"] == 1500.0
    assert h["limit"] == 1800.0 and h["rule_flag"] is False
    assert h["probability_over_limit"] < 0.05
    assert body["expected_income"] == pytest.approx(4200, abs=1)
    assert body["probability_expense_over_income"] < 0.01
    assert body["history_months"] >= 23
    assert body["notes"] == []
    # a lower threshold moves the rule's line
    low = client.get(
        "/api/insights/overspending", params={"threshold": 0.5}, headers=carol.headers
    ).json()
    assert {c["category"]: c for c in low["categories"]}["housing"]["rule_flag"] is True
    bad = client.get("/api/insights/overspending", params={"threshold": 0}, headers=carol.headers)
    assert bad.status_code == 422 and "threshold" in bad.text


def test_budget_plan_keeps_fixed_bills_and_minimums(
    bclient: tuple[ApiClient, Engine], carol: LoggedIn
) -> None:
    client, _ = bclient
    r = client.post("/api/insights/budget", json={}, headers=carol.headers)
    assert r.status_code == 200, r.text
    body = r.json()
    lines = {ln["category"]: ln for ln in body["lines"]}
    assert body["total_budget_source"] == "expected income"
    assert D(body["total_budget"]) == D("4200.00")
    assert D(lines["housing"]["amount"]) == D("1500.00")
    assert lines["housing"]["basis"] in ("fixed", "forecast")
    debt = lines["debt_payments"]
    assert D(debt["amount"]) == D("349.00") and D(debt["floor"]) == D("349.00")
    assert "minimum payments on your debts 349.00" in debt["reason"]
    assert D(lines["groceries"]["amount"]) == D("300.00")
    assert lines["groceries"]["basis"] == "own_budget"
    assert D(lines["dining"]["amount"]) == D("250.00")
    assert body["lines"][-1]["category"] == "savings"
    spend = sum(D(ln["amount"]) for ln in body["lines"][:-1])
    assert spend + D(body["savings"]) == D(body["available"]) == D("4200.00")
    assert all(ln["reason"] for ln in body["lines"])
    ref = body["reference_50_30_20"]
    assert D(ref["needs"]["reference"]) == D("2100.00")
    assert D(ref["savings"]["reference"]) == D("840.00")
    assert D(ref["savings"]["planned"]) == D(body["savings"])


def test_tight_budget_cuts_discretionary_first_and_too_tight_is_422(
    bclient: tuple[ApiClient, Engine], carol: LoggedIn
) -> None:
    client, _ = bclient
    r = client.post(
        "/api/insights/budget",
        json={"total_budget": "2400", "safety_margin": "0.05"},
        headers=carol.headers,
    )
    assert r.status_code == 200, r.text
    body = r.json()
    lines = {ln["category"]: ln for ln in body["lines"]}
    assert D(body["available"]) == D("2280.00")
    assert D(lines["housing"]["amount"]) == D("1500.00")
    assert D(lines["debt_payments"]["amount"]) == D("349.00")
    assert sum(D(ln["amount"]) for ln in body["lines"]) == D("2280.00")
    assert lines["dining"]["basis"] == "cut"
    assert D(lines["dining"]["amount"]) < D("250.00")
    assert body["warnings"]
    r = client.post("/api/insights/budget", json={"total_budget": "1500"}, headers=carol.headers)
    assert r.status_code == 422
    detail = r.json()["detail"]
    assert detail.startswith("total_budget: 1,500.00 is less than the 1,849.00 of fixed bills")
    assert "debt_payments 349.00" in detail and "housing 1,500.00" in detail
    r = client.post("/api/insights/budget", json={"safety_margin": "0.9"}, headers=carol.headers)
    assert r.status_code == 422 and "safety_margin" in r.text
    r = client.post("/api/insights/budget", json={"total_budget": "-5"}, headers=carol.headers)
    assert r.status_code == 422 and "total_budget" in r.text


def test_another_user_sees_only_their_own(
    bclient: tuple[ApiClient, Engine], carol: LoggedIn
) -> None:
    client, eng = bclient
    dave = register_and_login(client)
    r = client.get("/api/insights/overspending", headers=dave.headers)
    assert r.status_code == 422
    assert "at least 3 complete months" in r.json()["detail"]
    assert client.get("/api/alerts", headers=dave.headers).json()["budgets"] == []
    seed_history(eng, dave.id, seed=7)
    body = client.post("/api/insights/budget", json={}, headers=dave.headers).json()
    lines = {ln["category"]: ln for ln in body["lines"]}
    assert "debt_payments" not in lines  # carol's debt is not dave's
    assert all(ln["own_budget"] is None for ln in body["lines"])
    risks = client.get("/api/insights/overspending", headers=dave.headers).json()
    assert all(c["limit_source"] == "rule" for c in risks["categories"])


def test_one_month_of_history_is_a_clear_error(bclient: tuple[ApiClient, Engine]) -> None:
    client, eng = bclient
    erin = register_and_login(client)
    seed_history(eng, erin.id, months=1)
    for r in (
        client.get("/api/insights/overspending", headers=erin.headers),
        client.post("/api/insights/budget", json={}, headers=erin.headers),
    ):
        assert r.status_code == 422
        assert "at least 3 complete months of data are needed" in r.json()["detail"]
    # alerts need no forecast: this month's spending projected at its pace
    add_budget(client, erin, eng, "dining", "100")
    today = dt.date.today()
    add_spending(eng, erin.id, today, "dining", "60")
    body = client.get("/api/alerts", headers=erin.headers).json()
    (dining,) = body["budgets"]
    days = calendar.monthrange(today.year, today.month)[1]
    if today.day < days:
        assert dining["projection"] == "pace"
        assert D(dining["projected"]) == (D("60") * days / today.day).quantize(
            D("0.01"), "ROUND_HALF_UP"
        )
        assert any(n.startswith("projection by pace: no forecast") for n in body["notes"])
    assert D(dining["spent"]) == D("60.00") and dining["level"] is None


def test_no_income_needs_a_total_budget(bclient: tuple[ApiClient, Engine]) -> None:
    client, eng = bclient
    frank = register_and_login(client)
    today = dt.date.today().replace(day=1)
    for back in range(1, 8):
        month = (today - dt.timedelta(days=31 * back)).replace(day=10)
        add_spending(eng, frank.id, month, "groceries", "300")
    r = client.post("/api/insights/budget", json={}, headers=frank.headers)
    assert r.status_code == 422
    assert r.json()["detail"].startswith("total_budget: no income is expected")
    r = client.post("/api/insights/budget", json={"total_budget": "500"}, headers=frank.headers)
    assert r.status_code == 200, r.text
    body = r.json()
    assert D(body["savings"]) >= 0
    assert D(body["planned_spending"]) + D(body["savings"]) == D("500.00")
    risks = client.get("/api/insights/overspending", headers=frank.headers).json()
    assert risks["expected_income"] == 0.0
    assert risks["probability_expense_over_income"] > 0.95  # spending with no income


def test_alerts_this_month(bclient: tuple[ApiClient, Engine]) -> None:
    client, eng = bclient
    gina = register_and_login(client)
    seed_history(eng, gina.id, seed=3)
    groceries = add_budget(client, gina, eng, "groceries", "300")
    add_budget(client, gina, eng, "travel", "200")  # a category with no spending
    add_budget(client, gina, eng, None, "5000")
    today = dt.date.today()
    add_spending(eng, gina.id, today, "groceries", "270")
    r = client.get("/api/alerts", headers=gina.headers)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["month"] == f"{today.year:04d}-{today.month:02d}"
    assert body["as_of"] == today.isoformat()
    days = calendar.monthrange(today.year, today.month)[1]
    assert (body["days_elapsed"], body["days_in_month"]) == (today.day, days)
    by = {b["category"]: b for b in body["budgets"]}
    g = by["groceries"]
    assert g["budget_id"] == groceries
    assert D(g["spent"]) == D("270.00") and g["used_pct"] == 90.0 and g["level"] == 90
    if today.day < days:
        assert g["projection"] == "forecast"
        assert D(g["projected"]) > D("270.00")
    else:
        assert g["projection"] == "month_complete"
    assert "groceries: 270.00 of 300.00 spent, 90% of the budget reached" in g["message"]
    t = by["travel"]
    assert D(t["spent"]) == D("0.00") and t["level"] is None
    total = by["total"]
    assert D(total["spent"]) == D("270.00") and total["level"] is None
    assert "groceries" in {a["category"] for a in body["alerts"]}
    assert "travel" not in {a["category"] for a in body["alerts"]}
    # the travel budget names a category with no spending at all
    risks = client.get("/api/insights/overspending", headers=gina.headers).json()
    assert risks["notes"] == ["travel: a budget is set but there is no spending in it to forecast"]
    assert risks["total_budget"] == 5000.0
    assert risks["probability_over_total_budget"] < 0.05
    plan = client.post("/api/insights/budget", json={}, headers=gina.headers).json()
    assert plan["total_budget_source"] == "your total budget"
    assert D(plan["total_budget"]) == D("5000.00")
    travel = next(ln for ln in plan["lines"] if ln["category"] == "travel")
    assert D(travel["amount"]) == D("200.00") and D(travel["expected"]) == D("0.00")
    assert travel["basis"] == "own_budget"
    assert travel["reason"] == "discretionary: your budget of 200.00 (forecast 0.00)"
