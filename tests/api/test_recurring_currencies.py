"""GET /api/recurring and /api/anomalies name each series' and flag's currency (issue 14).

The ledger is tests/integration/test_recurring_currencies.py's: Spotify paid monthly from a
USD account (11.99) and from a EUR one (9.99), and one 900-euro shop among 150-euro ones.
"""

from __future__ import annotations

from sqlalchemy import Engine

from fincast.services import anomalies, recurring
from tests.api.client import ApiClient
from tests.api.conftest import register_and_login
from tests.integration.test_recurring_currencies import seed_two_currencies


def test_the_api_names_each_series_currency_and_filters_by_it(
    client: ApiClient, engine: Engine
) -> None:
    me, other = register_and_login(client), register_and_login(client)
    seed_two_currencies(engine, me.id)
    recurring.forget()
    r = client.get("/api/recurring", headers=me.headers, params={"limit": 500})
    assert r.status_code == 200, r.text
    spotify = {s["currency"]: s for s in r.json()["data"] if s["payee_key"] == "spotify"}
    assert {c: (s["amount"], s["expected_amount"]) for c, s in spotify.items()} == {
        "EUR": ("-9.99", "-9.99"),
        "USD": ("-11.99", "-11.99"),
    }
    eur = client.get("/api/recurring", headers=me.headers, params={"currency": "eur"}).json()
    assert eur["count"] == len(eur["data"]) >= 1
    assert {s["currency"] for s in eur["data"]} == {"EUR"}
    # dismissing the EUR series leaves the USD one as it was
    r = client.patch(
        f"/api/recurring/{spotify['EUR']['id']}", headers=me.headers, json={"status": "dismissed"}
    )
    assert r.status_code == 200 and r.json()["currency"] == "EUR", r.text
    after = {
        s["currency"]: s["status"]
        for s in client.get("/api/recurring", headers=me.headers).json()["data"]
        if s["payee_key"] == "spotify"
    }
    assert after == {"EUR": "dismissed", "USD": "new"}
    r = client.get("/api/recurring", headers=me.headers, params={"currency": "JPY"})
    assert r.status_code == 422 and "JPY" in r.json()["detail"]
    assert client.get("/api/recurring", headers=other.headers).json()["count"] == 0


def test_every_anomaly_names_the_currency_of_its_amount(client: ApiClient, engine: Engine) -> None:
    me = register_and_login(client)
    seed_two_currencies(engine, me.id, big_eur_shop=True)
    anomalies.forget()
    r = client.get("/api/anomalies", headers=me.headers, params={"limit": 500})
    assert r.status_code == 200, r.text
    flags = r.json()["data"]
    assert flags and all(f["currency"] in ("EUR", "USD") for f in flags)
    unusual = [(f["amount"], f["currency"]) for f in flags if f["kind"] == "unusual_amount"]
    assert unusual == [("-900.00", "EUR")]
    eur = client.get("/api/anomalies", headers=me.headers, params={"currency": "EUR"}).json()
    assert {f["currency"] for f in eur["data"]} == {"EUR"}
