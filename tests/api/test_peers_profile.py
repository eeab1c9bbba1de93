"""GET /api/insights/peers and POST /api/insights/profile: answers, validation, auth, isolation."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from sqlalchemy import Engine

from fincast.api import create_app
from fincast.services import peers as peers_service
from fincast.services.forecasting.cache import CACHE
from tests.api.client import ApiClient
from tests.api.conftest import LoggedIn, make_settings, register_and_login
from tests.api.test_predictions import seed_history

PROFILE = {
    "Income": 44637.25,
    "Age": 49,
    "Dependents": 0,
    "Occupation": "Self_Employed",
    "City_Tier": "Tier_1",
    "Rent": 13391.17,
    "Loan_Repayment": 0.0,
    "Insurance": 2206.49,
    "Groceries": 6658.77,
    "Transport": 2636.97,
    "Eating_Out": 1651.8,
    "Entertainment": 1536.18,
    "Utilities": 2911.79,
    "Healthcare": 1546.91,
    "Education": 0.0,
    "Miscellaneous": 831.53,
    "Desired_Savings_Percentage": 13.89,
}


@pytest.fixture()
def peers_app(engine: Engine, tmp_path: Path) -> FastAPI:
    """The app with an empty models folder: the peer model is trained on first use."""
    CACHE.clear()
    peers_service.forget()
    return create_app(engine, make_settings(models_dir=tmp_path / "models"))


@pytest.fixture()
def pclient(peers_app: FastAPI) -> Iterator[ApiClient]:
    with ApiClient(peers_app) as c:
        yield c


def test_both_need_authentication(pclient: ApiClient) -> None:
    assert pclient.get("/api/insights/peers").status_code == 401
    assert pclient.post("/api/insights/profile", json=PROFILE).status_code == 401


def test_peers_of_a_ledger_and_of_nobody(
    pclient: ApiClient, engine: Engine, tmp_path: Path
) -> None:
    alice = register_and_login(pclient)
    bob = register_and_login(pclient)
    seed_history(engine, alice.id, months=14)
    r = pclient.get("/api/insights/peers", headers=alice.headers)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["measured"]["months"] == 12
    assert body["income"] == 4200.0
    assert body["model"]["sources"] == ["synthetic"]  # trained on first use
    assert (tmp_path / "models" / "peer-segments.meta.json").is_file()
    assert body["total_target"] <= body["income"]
    assert body["total_target"] + body["target_savings_rate"] * body["income"] <= 4200.01
    by_field = {t["field"]: t for t in body["targets"]}
    assert by_field["rent"]["current"] == 1500.0
    for t in body["targets"]:
        assert 0 <= t["target"] <= t["current"] + 0.01
    # a user with no ledger gets a clear error, not someone else's figures
    r = pclient.get("/api/insights/peers", headers=bob.headers)
    assert r.status_code == 422
    assert "complete month" in r.text
    r = pclient.get("/api/insights/peers", params={"dependents": -1}, headers=alice.headers)
    assert r.status_code == 422 and "dependents" in r.text


def test_profile_answers(pclient: ApiClient) -> None:
    who = register_and_login(pclient)
    r = pclient.post("/api/insights/profile", json=PROFILE, headers=who.headers)
    assert r.status_code == 200, r.text
    body = r.json()
    # the dataset's own Disposable_Income for this row is 11265.63
    assert body["disposable_income"] == pytest.approx(11265.64, abs=0.01)
    assert body["savings_target"]["desired_savings"] == pytest.approx(6200.11, abs=0.01)
    assert body["savings_target"]["met"] is True
    assert body["overspending"]["status"] == "on_track"
    assert body["savings_rate"] == pytest.approx(0.2524, abs=1e-4)
    assert body["health"]["tier"] in {"Healthy", "Coping", "Vulnerable"}
    assert 0 <= body["health"]["score"] <= 100
    assert body["unusualness"]["label"] in {"typical", "uncommon", "unusual"}
    assert body["peers"]["total_target"] <= PROFILE["Income"]
    assert body["recommendations"]


def test_profile_over_income_and_no_income(pclient: ApiClient) -> None:
    who = register_and_login(pclient)
    broke = {**PROFILE, "Income": 20000.0}
    body = pclient.post("/api/insights/profile", json=broke, headers=who.headers).json()
    assert body["disposable_income"] == pytest.approx(20000 - 33371.61, abs=0.01)
    assert body["overspending"]["status"] == "spending_over_income"
    assert body["health"]["components"][0]["points"] == 0
    assert body["recommendations"][0].startswith("spending is 13371.61 above income")
    zero = {**PROFILE, "Income": 0}
    body = pclient.post("/api/insights/profile", json=zero, headers=who.headers).json()
    assert body["health"]["score"] is None
    assert body["health"]["tier"] == "not enough data"
    assert body["peers"] is None
    assert body["unusualness"]["label"] == "not enough data"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"Income": -1}, "Income"),
        ({"Income": 1.272128196017395e-271}, "Income"),  # schemathesis found it: overflowed
        ({"Rent": 0.004}, "Rent"),
        ({"City_Tier": "Tier_9"}, "City_Tier"),
        ({"Occupation": "Astronaut"}, "Occupation"),
        ({"Desired_Savings_Percentage": 140}, "Desired_Savings_Percentage"),
        ({"Rent": "lots"}, "Rent"),
        ({"Pets": 3}, "Pets"),
    ],
)
def test_profile_validation_names_the_field(
    pclient: ApiClient, change: dict[str, object], field: str
) -> None:
    who: LoggedIn = register_and_login(pclient)
    r = pclient.post("/api/insights/profile", json={**PROFILE, **change}, headers=who.headers)
    assert r.status_code == 422
    assert field in r.text
    missing = {k: v for k, v in PROFILE.items() if k != "Groceries"}
    r = pclient.post("/api/insights/profile", json=missing, headers=who.headers)
    assert r.status_code == 422 and "Groceries" in r.text


def test_one_month_without_income(pclient: ApiClient, engine: Engine) -> None:
    """One complete month of spending and no income: peers say so; the plan has no surplus."""
    import datetime as dt
    from decimal import Decimal

    from fincast.db.engine import session_scope
    from fincast.ledger import service as ledger
    from fincast.ledger.models import CategorySource, Transaction

    who = register_and_login(pclient)
    last = dt.date.today().replace(day=1) - dt.timedelta(days=1)
    with session_scope(engine) as s:
        acc = ledger.get_or_create_account(s, who.id, "Checking")
        cats = ledger.category_ids(s, who.id)
        s.add(
            Transaction(
                user_id=who.id,
                account_id=acc.id,
                posted_date=last.replace(day=10),
                amount=Decimal("-250.00"),
                currency="USD",
                payee="grocer",
                category_id=cats["groceries"],
                category_source=CategorySource.RULE,
                fingerprint=f"{who.id}-one",
            )
        )
    r = pclient.get("/api/insights/peers", headers=who.headers)
    assert r.status_code == 422
    assert "need income" in r.text and "1 complete months" in r.text
    plan = pclient.get("/api/debts/plan", headers=who.headers).json()
    assert plan["surplus"]["stage"] == "no_surplus"
    assert plan["surplus"]["monthly_surplus"] == "-250.00"
    assert plan["surplus"]["to_debt"] == "0.00" and plan["extra"] == "0.00"
