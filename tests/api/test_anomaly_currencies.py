"""GET /api/anomalies?currency=: the flags of one currency only (issue 14), per backend.

The ledger is tests/integration/test_anomaly_currencies.py's: a USD account and a EUR one
with a EUR dining spike in August.
"""

from __future__ import annotations

from sqlalchemy import Engine, select

from fincast.db.engine import session_scope
from fincast.ledger.models import AnomalyRecord
from fincast.services import anomalies
from tests.api.client import ApiClient
from tests.api.conftest import register_and_login
from tests.integration.test_anomaly_currencies import _seed


def test_the_api_filters_flags_by_currency(client: ApiClient, engine: Engine) -> None:
    me, other = register_and_login(client), register_and_login(client)
    _seed(engine, me.id)
    anomalies.forget()
    r = client.get("/api/anomalies", headers=me.headers, params={"currency": "EUR", "limit": 500})
    assert r.status_code == 200, r.text
    body = r.json()
    subjects = {f["kind"]: f for f in body["data"]}
    assert subjects["category_spike"]["reason"].startswith("EUR: ")
    with session_scope(engine) as s:
        ids = set(s.scalars(select(AnomalyRecord.id).where(AnomalyRecord.user_id == me.id)))
    usd = client.get("/api/anomalies", headers=me.headers, params={"currency": "usd"}).json()
    eur_ids, usd_ids = {f["id"] for f in body["data"]}, {f["id"] for f in usd["data"]}
    assert eur_ids and usd_ids and not eur_ids & usd_ids and eur_ids | usd_ids == ids
    assert any(f["transaction_id"] is not None for f in usd["data"])  # the 2,900 grocery run
    assert not any(f["reason"].startswith("EUR") for f in usd["data"])
    assert usd["count"] == len(usd_ids)
    r = client.get("/api/anomalies", headers=me.headers, params={"currency": "JPY"})
    assert r.status_code == 422 and "JPY" in r.json()["detail"]
    # another user has no account in EUR, and sees none of these flags
    r = client.get("/api/anomalies", headers=other.headers, params={"currency": "EUR"})
    assert r.status_code == 422
    assert client.get("/api/anomalies", headers=other.headers).json()["count"] == 0
