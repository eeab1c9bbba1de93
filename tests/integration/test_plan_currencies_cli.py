"""`fincast debts plan`, `insights alerts` and `insights goal` per currency (issue 14).

A SQLite data folder: a user with a USD account (primary) and a EUR one, and a debt, a
budget and a goal in each currency.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from fincast.cli.main import app
from fincast.config import get_settings
from fincast.db.engine import get_engine, session_scope
from fincast.errors import InputError
from fincast.ledger import service as ledger
from fincast.ledger.models import Budget, Debt, SavingsGoal
from fincast.services.database import migrated_engine
from fincast.services.forecasting.cache import CACHE
from fincast.services.users import create_user
from tests.api.test_currency_answers import seed_eur
from tests.api.test_predictions import seed_history
from tests.support.population import worker_models_dir

runner = CliRunner()
EMAIL = "two-currencies@example.com"


@pytest.fixture()
def plans(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, int]]:
    """Ids of the user's plans: ``debt_usd``, ``debt_eur``, ``budget_usd``, ... ."""
    worker_models_dir()
    monkeypatch.setenv("FINCAST_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.delenv("FINCAST_DATABASE_URL", raising=False)
    get_settings.cache_clear()
    get_engine.cache_clear()
    CACHE.clear()
    engine = migrated_engine()
    user = create_user(engine, EMAIL, "correct horse battery staple")
    seed_history(engine, user.id, months=15)
    seed_eur(engine, user.id, months=15)
    ids: dict[str, int] = {}
    with session_scope(engine) as s:
        groceries = ledger.category_ids(s, user.id)["groceries"]
        due = dt.date.today() + dt.timedelta(days=300)
        for cur, limit in (("USD", "300"), ("EUR", "150")):
            rows: dict[str, Debt | Budget | SavingsGoal] = {
                "debt": Debt(
                    user_id=user.id,
                    name=f"card {cur}",
                    balance=Decimal("3000"),
                    apr=Decimal("19.9"),
                    minimum_payment=Decimal("90"),
                    currency=cur,
                ),
                "budget": Budget(
                    user_id=user.id, category_id=groceries, amount=Decimal(limit), currency=cur
                ),
                "goal": SavingsGoal(
                    user_id=user.id,
                    name=f"goal {cur}",
                    target_amount=Decimal("9000"),
                    target_date=due,
                    currency=cur,
                ),
            }
            s.add_all(rows.values())
            s.flush()
            ids.update({f"{k}_{cur.lower()}": r.id for k, r in rows.items()})
    yield ids
    get_settings.cache_clear()
    get_engine.cache_clear()
    CACHE.clear()


def _json(*args: str) -> dict:
    res = runner.invoke(app, [*args, "--user", EMAIL, "--json"])
    assert res.exit_code == 0, res.output
    body: dict = json.loads(res.output)
    return body


def test_debt_plan_per_currency(plans: dict[str, int]) -> None:
    usd = _json("debts", "plan")
    eur = _json("debts", "plan", "--currency", "eur")
    assert [d["id"] for d in usd["debts"]] == [plans["debt_usd"]] and usd["currency"] == "USD"
    assert [d["id"] for d in eur["debts"]] == [plans["debt_eur"]] and eur["currency"] == "EUR"
    assert eur["surplus"]["monthly_surplus"] == "1500.00"
    res = runner.invoke(app, ["debts", "plan", "--user", EMAIL, "--currency", "EUR"])
    assert res.exit_code == 0, res.output
    assert "debt plan EUR" in res.output and "also: USD" in res.output
    bad = runner.invoke(app, ["debts", "plan", "--user", EMAIL, "--currency", "GBP"])
    assert isinstance(bad.exception, InputError) and "GBP" in str(bad.exception)


def test_alerts_and_goals_per_currency(plans: dict[str, int]) -> None:
    usd = _json("insights", "alerts")
    eur = _json("insights", "alerts", "--currency", "EUR")
    assert [(b["budget_id"], b["limit"]) for b in usd["budgets"]] == [
        (plans["budget_usd"], "300.00")
    ]
    assert [(b["budget_id"], b["limit"]) for b in eur["budgets"]] == [
        (plans["budget_eur"], "150.00")
    ]
    goal = _json("insights", "goal", str(plans["goal_eur"]))
    assert goal["currency"] == "EUR"
    assert 1350 < goal["expected_monthly_savings"] < 1650
    bad = runner.invoke(
        app, ["insights", "goal", str(plans["goal_eur"]), "--user", EMAIL, "--currency", "USD"]
    )
    assert isinstance(bad.exception, InputError) and "EUR" in str(bad.exception)


def test_anomalies_list_by_currency(plans: dict[str, int]) -> None:
    every = _json("anomalies", "list")["data"]
    eur = _json("anomalies", "list", "--currency", "EUR")["data"]
    usd = _json("anomalies", "list", "--currency", "usd")["data"]
    assert sorted(f["id"] for f in eur + usd) == sorted(f["id"] for f in every)
    assert all(f["transaction_id"] is not None or f["reason"].startswith("EUR: ") for f in eur)
    res = runner.invoke(app, ["anomalies", "list", "--user", EMAIL, "--currency", "EUR"])
    assert res.exit_code == 0 and "in EUR" in res.output
    bad = runner.invoke(app, ["anomalies", "list", "--user", EMAIL, "--currency", "GBP"])
    assert isinstance(bad.exception, InputError) and "GBP" in str(bad.exception)
