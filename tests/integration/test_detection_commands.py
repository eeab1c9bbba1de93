"""`fincast recurring list` and `fincast anomalies list` on the real household (SQLite)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from fincast.cli.main import app
from fincast.config import get_settings
from fincast.db.engine import get_engine
from fincast.services import anomalies, recurring

runner = CliRunner()


@pytest.fixture()
def household(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, shared_data: Path) -> Iterator[str]:
    monkeypatch.setenv("FINCAST_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.delenv("FINCAST_DATABASE_URL", raising=False)
    get_settings.cache_clear()
    get_engine.cache_clear()
    recurring.forget()
    anomalies.forget()
    path = shared_data / "personal-finance" / "personal_transactions_normalized.csv"
    res = runner.invoke(app, ["load-household", str(path), "--user", "me@example.com"])
    assert res.exit_code == 0, res.output
    yield "me@example.com"
    get_settings.cache_clear()
    get_engine.cache_clear()


def test_recurring_list_json_finds_the_households_bills_and_their_price_changes(
    household: str,
) -> None:
    res = runner.invoke(app, ["recurring", "list", "--user", household, "--json"])
    assert res.exit_code == 0, res.output
    body = json.loads(res.output)
    series = {s["payee_key"]: s for s in body["data"]}
    assert body["count"] == len(series) == 10
    assert {"mortgage payment", "netflix", "spotify", "biweekly paycheck"} <= set(series)
    netflix = series["netflix"]
    assert (netflix["cadence"], netflix["expected_amount"], netflix["next_date"]) == (
        "monthly",
        "-13.90",
        "2019-10-04",
    )
    assert netflix["price_changes"] == [
        {"date": "2019-05-04", "old_amount": "-11.76", "new_amount": "-13.90"}
    ]
    pay = series["biweekly paycheck"]
    assert pay["cadence"] == "biweekly" and pay["occurrences"] == 45
    assert pay["price_changes"][-1]["new_amount"] == "2250.00"


def test_anomalies_list_json_gives_reasons(household: str) -> None:
    res = runner.invoke(app, ["anomalies", "list", "--user", household, "--json"])
    assert res.exit_code == 0, res.output
    flags = json.loads(res.output)["data"]
    kinds = sorted((f["date"], f["kind"]) for f in flags)
    assert kinds == [
        ("2018-05-01", "monthly_behaviour"),
        ("2019-03-18", "new_merchant"),
        ("2019-06-01", "monthly_behaviour"),
    ]
    june = next(f for f in flags if f["date"] == "2019-06-01")
    assert june["reason"] == "spending was 2.73x income (usually 0.53x)"
    assert june["detector"] == "robust+isolation_forest"
