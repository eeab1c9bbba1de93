"""`fincast recurring list` and `fincast anomalies list` name each row's currency (issue 14).

A SQLite data folder with tests/integration/test_recurring_currencies.py's ledger.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from fincast.cli.main import app
from fincast.config import get_settings
from fincast.db.engine import get_engine
from fincast.errors import InputError
from fincast.services import anomalies, recurring
from fincast.services.database import migrated_engine
from fincast.services.forecasting.cache import CACHE
from fincast.services.users import create_user
from tests.integration.test_recurring_currencies import seed_two_currencies

runner = CliRunner()
EMAIL = "two-currency-bills@example.com"


@pytest.fixture()
def ledger(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("FINCAST_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.delenv("FINCAST_DATABASE_URL", raising=False)
    get_settings.cache_clear()
    get_engine.cache_clear()
    CACHE.clear()
    recurring.forget()
    anomalies.forget()
    engine = migrated_engine()
    user = create_user(engine, EMAIL, "correct horse battery staple")
    seed_two_currencies(engine, user.id, big_eur_shop=True)
    yield
    get_settings.cache_clear()
    get_engine.cache_clear()
    CACHE.clear()


def _json(*args: str) -> dict:
    res = runner.invoke(app, [*args, "--user", EMAIL, "--json"])
    assert res.exit_code == 0, res.output
    body: dict = json.loads(res.output)
    return body


@pytest.mark.usefixtures("ledger")
def test_recurring_list_carries_each_series_currency() -> None:
    every = _json("recurring", "list")["data"]
    spotify = {s["currency"]: s["expected_amount"] for s in every if s["payee_key"] == "spotify"}
    assert spotify == {"EUR": "-9.99", "USD": "-11.99"}
    eur = _json("recurring", "list", "--currency", "eur")
    assert eur["count"] >= 1 and {s["currency"] for s in eur["data"]} == {"EUR"}
    usd = _json("recurring", "list", "--currency", "USD")["data"]
    assert sorted(s["id"] for s in eur["data"] + usd) == sorted(s["id"] for s in every)
    res = runner.invoke(app, ["recurring", "list", "--user", EMAIL, "--currency", "EUR"])
    assert res.exit_code == 0 and "in EUR" in res.output and "-9.99" in res.output
    assert "-11.99" not in res.output
    bad = runner.invoke(app, ["recurring", "list", "--user", EMAIL, "--currency", "GBP"])
    assert isinstance(bad.exception, InputError) and "GBP" in str(bad.exception)


@pytest.mark.usefixtures("ledger")
def test_anomalies_list_carries_each_flags_currency() -> None:
    flags = _json("anomalies", "list")["data"]
    assert flags and all(f["currency"] in ("EUR", "USD") for f in flags)
    unusual = [(f["amount"], f["currency"]) for f in flags if f["kind"] == "unusual_amount"]
    assert unusual == [("-900.00", "EUR")]
    res = runner.invoke(app, ["anomalies", "list", "--user", EMAIL, "--kind", "unusual_amount"])
    assert res.exit_code == 0 and "-900.00 EUR" in res.output
