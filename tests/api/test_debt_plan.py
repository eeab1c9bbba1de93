"""GET /api/debts/plan: strategies, the surplus split, edge cases, auth and isolation."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import Engine

from tests.api.client import ApiClient
from tests.api.conftest import LoggedIn
from tests.api.test_predictions import seed_history


def add_debt(
    client: ApiClient, who: LoggedIn, name: str, balance: str, apr: str, minimum: str
) -> int:
    r = client.post(
        "/api/debts",
        json={"name": name, "balance": balance, "apr": apr, "minimum_payment": minimum},
        headers=who.headers,
    )
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


def test_plan_needs_authentication(client: ApiClient) -> None:
    assert client.get("/api/debts/plan").status_code == 401


def test_plan_is_not_read_as_a_debt_id(client: ApiClient, alice: LoggedIn) -> None:
    r = client.get("/api/debts/plan", headers=alice.headers)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["debts"] == []
    assert body["strategies"]["avalanche"]["months"] == 0
    assert "no debts: nothing to plan" in body["notes"]
    assert body["surplus"] is None  # no history, no surplus to split


def test_three_strategies_with_extra(client: ApiClient, alice: LoggedIn, bob: LoggedIn) -> None:
    card = add_debt(client, alice, "card", "5000.00", "22.9", "150.00")
    car = add_debt(client, alice, "car", "12000.00", "6.5", "300.00")
    store = add_debt(client, alice, "store", "800.00", "28", "40.00")
    r = client.get("/api/debts/plan", params={"extra": "200"}, headers=alice.headers)
    assert r.status_code == 200, r.text
    body = r.json()
    assert Decimal(body["extra"]) == Decimal("200.00")
    assert body["extra_source"] == "query"
    assert Decimal(body["monthly_budget"]) == Decimal("690.00")
    s = body["strategies"]
    assert s["avalanche"]["order"] == [store, card, car]
    assert s["snowball"]["order"] == [store, card, car]
    assert s["own"]["order"] == [card, car, store]
    assert s["avalanche"]["months"] == 30
    assert Decimal(s["avalanche"]["total_interest"]) == Decimal("2315.26")
    assert Decimal(s["own"]["total_interest"]) == Decimal("2395.85")
    for plan in s.values():
        assert Decimal(plan["total_paid"]) == Decimal("17800.00") + Decimal(plan["total_interest"])
        assert Decimal(plan["schedule"][-1]["balance"]) == 0
        assert len(plan["schedule"]) == plan["months"]
    assert any("created in" in n for n in body["notes"])
    # an own order given explicitly
    r = client.get(
        "/api/debts/plan", params={"extra": "200", "order": f"{car},{store}"}, headers=alice.headers
    )
    assert r.json()["strategies"]["own"]["order"] == [car, store, card]
    # bob sees none of alice's debts
    r = client.get("/api/debts/plan", headers=bob.headers)
    assert r.json()["debts"] == []
    r = client.get("/api/debts/plan", params={"order": str(card)}, headers=bob.headers)
    assert r.status_code == 422
    assert "order" in r.text


def test_minimum_below_interest_is_never_paid_off(client: ApiClient, alice: LoggedIn) -> None:
    bad = add_debt(client, alice, "payday", "10000.00", "24", "150.00")
    r = client.get("/api/debts/plan", params={"extra": "0"}, headers=alice.headers)
    body = r.json()
    for plan in body["strategies"].values():
        assert plan["months"] is None
        assert plan["never_paid_off"] is True
        assert plan["schedule"] == []
    assert body["shortfalls"] == [
        {
            "id": bad,
            "name": "payday",
            "monthly_interest": "200.00",
            "minimum_payment": "150.00",
            "extra_needed": "50.01",
        }
    ]
    assert Decimal(body["extra_needed"]) == Decimal("50.01")
    # with 60 more a month it ends, after 154 months
    r = client.get("/api/debts/plan", params={"extra": "60"}, headers=alice.headers)
    assert r.json()["strategies"]["own"]["months"] == 154


def test_bad_extra_names_the_field(client: ApiClient, alice: LoggedIn) -> None:
    for value in ("-5", "abc"):
        r = client.get("/api/debts/plan", params={"extra": value}, headers=alice.headers)
        assert r.status_code == 422
        assert "extra" in r.text
    r = client.get("/api/debts/plan", params={"order": "1,x"}, headers=alice.headers)
    assert r.status_code == 422
    assert "order" in r.text


def test_surplus_split_from_recent_months(
    client: ApiClient, alice: LoggedIn, engine: Engine
) -> None:
    seed_history(engine, alice.id, months=8)
    add_debt(client, alice, "card", "3000.00", "19.9", "90.00")
    body = client.get("/api/debts/plan", headers=alice.headers).json()
    split = body["surplus"]
    assert split["months_measured"] == 6
    # income 4200 minus about 2160 of spending: a surplus near 2040
    assert 1900 < float(split["monthly_surplus"]) < 2150
    # the checking account holds every month's savings: the fund is past the full target
    assert Decimal(split["emergency_fund"]) > Decimal(split["full_fund_target"])
    assert split["stage"] == "high_interest_debt"
    assert split["to_debt"] == split["monthly_surplus"]
    assert body["extra_source"] == "surplus_split"
    assert body["extra"] == split["to_debt"]
    assert body["strategies"]["avalanche"]["months"] == 2
