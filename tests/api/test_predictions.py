"""Training and the prediction endpoints, on stored ledger data and on inline monthly rows."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import Engine

from fincast.api import create_app
from fincast.db.engine import session_scope
from fincast.ledger import service as ledger
from fincast.ledger.models import CategorySource, Transaction
from fincast.services.forecasting import predictions, versions
from fincast.services.forecasting.cache import CACHE
from tests.api.client import ApiClient
from tests.api.conftest import LoggedIn, make_settings, register_and_login
from tests.support.population import with_population

MONTHS = 24


def seed_history(engine: Engine, user_id: int, months: int = MONTHS, seed: int = 0) -> None:
    """``months`` complete months of income and categorized spending before this month."""
    rng = np.random.default_rng(seed)
    today = dt.date.today().replace(day=1)
    start = (today - dt.timedelta(days=31 * months)).replace(day=1)
    with session_scope(engine) as s:
        acc = ledger.get_or_create_account(s, user_id, "Checking")
        cats = ledger.category_ids(s, user_id)
        rows = []
        day = start
        n = 0
        while day < today:
            plan = [
                ("income", Decimal("4200.00")),
                ("housing", Decimal("-1500.00")),
                ("groceries", -Decimal(str(round(380 + rng.normal(0, 25), 2)))),
                ("dining", -Decimal(str(round(160 + rng.normal(0, 30), 2)))),
                ("utilities", -Decimal(str(round(120 + 30 * np.cos(day.month / 2), 2)))),
            ]
            for slug, amount in plan:
                n += 1
                rows.append(
                    Transaction(
                        user_id=user_id,
                        account_id=acc.id,
                        posted_date=day.replace(day=5),
                        amount=amount,
                        currency="USD",
                        payee=slug,
                        category_id=cats[slug],
                        category_source=CategorySource.RULE,
                        fingerprint=f"{user_id}-{n:08d}",
                    )
                )
            day = (day + dt.timedelta(days=32)).replace(day=1)
        s.add_all(rows)


def monthly_rows(n: int = 18) -> list[dict]:
    rng = np.random.default_rng(1)
    out = []
    for i in range(n):
        g, d = 400 + rng.normal(0, 20), 150 + rng.normal(0, 25)
        out.append(
            {
                "year_month": f"{2022 + i // 12}-{i % 12 + 1:02d}",
                "total_income": 4000.0,
                "groceries": round(g, 2),
                "housing": 1200.0,
                "dining": round(d, 2),
                "total_expense": round(g + d + 1200.0, 2),
            }
        )
    return out


@pytest.fixture(scope="module")
def pclient(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ApiClient, Engine]]:
    """One SQLite-backed app for the module (prediction calls are CPU work, not DB work)."""
    from fincast.db import migrate
    from tests.support.databases import isolated_engine

    tmp = tmp_path_factory.mktemp("pred")
    with isolated_engine("sqlite", tmp) as eng:
        migrate.upgrade(eng)
        settings = make_settings(models_dir=with_population(Path(tmp) / "models"))
        CACHE.clear()
        with ApiClient(create_app(eng, settings)) as c:
            yield c, eng


@pytest.fixture(scope="module")
def carol(pclient: tuple[ApiClient, Engine]) -> LoggedIn:
    client, eng = pclient
    user = register_and_login(client)
    seed_history(eng, user.id)
    return user


def test_predict_expense_from_ledger_on_each_backend(
    client: ApiClient, alice: LoggedIn, engine: Engine
) -> None:
    seed_history(engine, alice.id, months=15)
    r = client.post("/api/predict/expense", headers=alice.headers, json={})
    assert r.status_code == 200, r.text
    body = r.json()
    lo, hi = body["confidence_interval"]
    assert lo <= body["predicted_expense"] <= hi
    assert body["confidence_level"] == 0.95
    assert 1900 < body["predicted_expense"] < 2500


def test_predict_expense_inline_and_cached(
    pclient: tuple[ApiClient, Engine], carol: LoggedIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    client, _ = pclient
    fits: list[int] = []
    real = predictions.PREDICTORS["expense"]

    def counting(df, **params):  # type: ignore[no-untyped-def]
        fits.append(len(df))
        return real(df, **params)

    monkeypatch.setitem(predictions.PREDICTORS, "expense", counting)
    body = {"monthly_data": monthly_rows(), "confidence_level": 0.8}
    first = client.post("/api/predict/expense", headers=carol.headers, json=body)
    assert first.status_code == 200, first.text
    assert first.json()["confidence_level"] == 0.8
    second = client.post("/api/predict/expense", headers=carol.headers, json=body)
    assert second.json() == first.json()
    assert fits == [18], "the repeated request must be answered from the cache"
    changed = {"monthly_data": monthly_rows(17), "confidence_level": 0.8}
    assert client.post("/api/predict/expense", headers=carol.headers, json=changed).is_success
    assert fits == [18, 17], "different data must not be served from the cache"


def test_predict_categories(pclient: tuple[ApiClient, Engine], carol: LoggedIn) -> None:
    client, _ = pclient
    r = client.post(
        "/api/predict/categories",
        headers=carol.headers,
        json={"risk_threshold": 1.3, "total_budget": 3000, "safety_margin": 0.1},
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert {"groceries", "dining", "housing"} <= set(body["forecasts"])
    assert body["risks"]["groceries"]["threshold"] == 1.3
    assert body["budget_recommendations"]["total_budget"] == 3000


def test_predict_savings(pclient: tuple[ApiClient, Engine], carol: LoggedIn) -> None:
    client, _ = pclient
    r = client.post(
        "/api/predict/savings",
        headers=carol.headers,
        json={"monthly_data": monthly_rows(), "periods": [3, 6]},
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert {"3_months", "6_months"} <= set(body["trajectory"])
    assert body["financial_health"]["status"] in {
        "critical",
        "needs_attention",
        "good",
        "excellent",
    }


def test_prediction_input_errors_are_422(pclient: tuple[ApiClient, Engine]) -> None:
    client, _ = pclient
    empty = register_and_login(client)
    r = client.post("/api/predict/expense", headers=empty.headers)
    assert r.status_code == 422 and "months" in r.json()["detail"]
    bad_rows = [
        [{"year_month": "2024-13", "total_income": 1, "total_expense": 1}],
        [{"year_month": "2024-01", "total_income": "x", "total_expense": 1}],
        [{"year_month": "2024-01", "total_income": 1e300, "total_expense": 1}],
        [{"year_month": "2024-01", "total_income": 1, "total_expense": 1, "": 5}],
        [{"year_month": "2024-01", "total_income": 1}],
        monthly_rows(2),
        [*monthly_rows(3), monthly_rows(3)[0]],  # duplicate month
    ]
    for rows in bad_rows:
        r = client.post("/api/predict/expense", headers=empty.headers, json={"monthly_data": rows})
        assert r.status_code == 422, (rows, r.text)
    assert (
        client.post(
            "/api/predict/savings", headers=empty.headers, json={"periods": [0]}
        ).status_code
        == 422
    )
    assert (
        client.post(
            "/api/predict/expense", headers=empty.headers, json={"confidence_level": 1.5}
        ).status_code
        == 422
    )


def test_train_prepares_the_served_forecast_and_reports_the_own_record(
    pclient: tuple[ApiClient, Engine], carol: LoggedIn
) -> None:
    client, _ = pclient
    r = client.post("/api/train", headers=carol.headers, json={})
    assert r.status_code == 200, r.text
    body = r.json()
    model = body["models"][0]
    assert model["model_id"] == "household" and body["retrained"] is True
    assert model["shared_model"]["name"] == "population"
    assert "signature" not in model["shared_model"]
    assert "payload_sha256" not in model["shared_model"]
    own = model["own_backtest"]
    assert own["cutoffs"] > 0 and own["level"] == 0.95
    total = own["groups"]["total_expense"]["1"]
    assert total["n"] == own["cutoffs"] and 0 <= total["inside"] <= total["n"]
    # what /api/forecast serves carries the same record: one model, one path
    served = client.post("/api/forecast", headers=carol.headers, json={"horizon": 12}).json()
    assert served["own_backtest"] == own
    assert served["months"] == model["months"]
    again = client.post("/api/train", headers=carol.headers).json()
    assert again["retrained"] is False
    forced = client.post("/api/train", headers=carol.headers, json={"force": True}).json()
    assert forced["retrained"] is True
    info = client.get("/api/models/household", headers=carol.headers)
    assert info.status_code == 200 and info.json()["own_backtest"] == own
    # another user gets their own record (or the reason there is none), never carol's
    other = register_and_login(client)
    assert client.get("/api/models/nope", headers=carol.headers).status_code == 404
    assert client.get("/api/models/panel", headers=carol.headers).status_code == 404
    assert client.post("/api/train", headers=other.headers).status_code == 422


def test_ledger_changes_through_the_api_invalidate_the_cache(
    pclient: tuple[ApiClient, Engine], carol: LoggedIn
) -> None:
    client, engine = pclient

    def version() -> tuple[object, ...]:
        with session_scope(engine) as s:
            return versions.current_version(s, carol.id)

    def cached() -> list[object]:
        return [k for k in CACHE.cached_keys() if isinstance(k, tuple) and k[0] == carol.id]

    assert client.post("/api/predict/expense", headers=carol.headers).status_code == 200
    before = version()
    assert any(before in k for k in cached())  # the answer is cached under the data version
    tx = client.get("/api/transactions", headers=carol.headers, params={"limit": 1}).json()
    dining = next(
        c["id"]
        for c in client.get("/api/categories", headers=carol.headers).json()["data"]
        if c["slug"] == "dining"
    )
    client.patch(
        f"/api/transactions/{tx['data'][0]['id']}",
        headers=carol.headers,
        json={"category_id": dining},
    )
    assert version() != before
    assert cached() == []  # this process drops what can no longer be asked for


def test_forecast_labels_every_series_with_months_method_and_calibration(
    pclient: tuple[ApiClient, Engine], carol: LoggedIn
) -> None:
    client, _ = pclient
    r = client.post("/api/forecast", headers=carol.headers, json={"horizon": 3})
    assert r.status_code == 200, r.text
    body = r.json()
    this_month = dt.date.today().replace(day=1)
    assert body["month"] == this_month.strftime("%Y-%m")  # the month after the last complete one
    assert body["history"]["months"] >= MONTHS and body["warnings"] == []
    names = {s["name"] for s in body["series"]}
    assert {"total_income", "total_expense", "savings", "housing", "groceries"} <= names
    for s in body["series"]:
        assert len(s["months"]) == 3 and s["method"]
        cal = s["calibration"]
        assert cal["level"] == 0.95 and cal["n"] > 0 and 0.9 <= cal["coverage"] <= 1.0
        for m in s["months"]:
            assert m["lower"] <= m["forecast"] <= m["upper"]
    housing = next(s for s in body["series"] if s["name"] == "housing")
    assert housing["method"] == "last amount"  # 1500.00 every month
    assert all(m["forecast"] == m["lower"] == 1500.0 for m in housing["months"])
    # Bills do go up now and then; next month's range stays within 5% of the bill.
    assert housing["months"][0]["upper"] - housing["months"][0]["lower"] < 0.05 * 1500
    total = next(s for s in body["series"] if s["name"] == "total_expense")
    cats = [s for s in body["series"] if s["kind"].startswith("category/")]
    assert total["months"][0]["forecast"] == pytest.approx(
        sum(c["months"][0]["forecast"] for c in cats), abs=0.05
    )


def test_stale_and_short_histories_are_named(
    pclient: tuple[ApiClient, Engine], carol: LoggedIn
) -> None:
    client, _ = pclient
    old = [dict(row, year_month=f"2016-{i + 1:02d}") for i, row in enumerate(monthly_rows(3))]
    r = client.post("/api/forecast", headers=carol.headers, json={"monthly_data": old})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["month"] == "2016-04"
    warnings = " ".join(body["warnings"])
    assert "2016-03" in warnings and "not next month" in warnings
    assert "only 3 months of history" in warnings
    expense = client.post(
        "/api/predict/expense", headers=carol.headers, json={"monthly_data": old}
    ).json()
    assert expense["month"] == "2016-04" and len(expense["warnings"]) == 2


def test_predictions_come_from_the_stored_model_without_refitting(
    pclient: tuple[ApiClient, Engine], carol: LoggedIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    from fincast.ml.household import HouseholdForecaster

    client, _ = pclient
    client.post("/api/forecast", headers=carol.headers, json={"horizon": 1})  # warm
    fits: list[int] = []
    real_fit = HouseholdForecaster.fit

    def counting_fit(self, tables):  # type: ignore[no-untyped-def]
        fits.append(1)
        return real_fit(self, tables)

    monkeypatch.setattr(HouseholdForecaster, "fit", counting_fit)
    for horizon in (2, 4, 6):
        r = client.post("/api/forecast", headers=carol.headers, json={"horizon": horizon})
        assert r.status_code == 200, r.text
    rows = {"monthly_data": monthly_rows(12)}
    assert client.post("/api/predict/categories", headers=carol.headers, json=rows).is_success
    assert fits == []
