"""`fincast insights overspending|budget|alerts` on a SQLite data folder: tables, --json, errors."""

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
from fincast.ledger import service as ledger
from fincast.ledger.models import Budget, Debt
from fincast.services.database import migrated_engine
from fincast.services.forecasting.cache import CACHE
from fincast.services.users import create_user
from tests.api.test_predictions import seed_history
from tests.support.population import worker_models_dir

runner = CliRunner()
EMAIL = "planner@example.com"


@pytest.fixture()
def planner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[int]:
    """24 months of history, a 349 debt minimum and a 300 groceries budget."""
    worker_models_dir()
    monkeypatch.setenv("FINCAST_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.delenv("FINCAST_DATABASE_URL", raising=False)
    get_settings.cache_clear()
    get_engine.cache_clear()
    CACHE.clear()
    engine = migrated_engine()
    user = create_user(engine, EMAIL, "correct horse battery staple")
    seed_history(engine, user.id)
    with session_scope(engine) as s:
        s.add(
            Debt(
                user_id=user.id,
                name="card",
                balance=Decimal("9000"),
                apr=Decimal("21.9"),
                minimum_payment=Decimal("349"),
                currency="USD",
            )
        )
        groceries = ledger.category_ids(s, user.id)["groceries"]
        s.add(Budget(user_id=user.id, category_id=groceries, amount=Decimal("300"), currency="USD"))
    yield user.id
    get_settings.cache_clear()
    get_engine.cache_clear()
    CACHE.clear()


def test_overspending_json_and_table(planner: int) -> None:
    res = runner.invoke(app, ["insights", "overspending", "--user", EMAIL, "--json"])
    assert res.exit_code == 0, res.output
    body = json.loads(res.output)
    first = body["categories"][0]
    assert first["category"] == "groceries" and first["limit_source"] == "budget"
    assert first["limit"] == 300.0 and first["probability_over_limit"] > 0.95
    res = runner.invoke(app, ["insights", "overspending", "--user", EMAIL, "--threshold", "0.5"])
    assert res.exit_code == 0, res.output
    assert "overspending risk" in res.output and "groceries" in res.output
    assert "P(spending > income)" in res.output


def test_budget_json_table_and_too_small(planner: int) -> None:
    res = runner.invoke(
        app, ["insights", "budget", "--user", EMAIL, "--total-budget", "3000", "--json"]
    )
    assert res.exit_code == 0, res.output
    plan = json.loads(res.output)
    lines = {ln["category"]: ln for ln in plan["lines"]}
    assert Decimal(lines["debt_payments"]["amount"]) == Decimal("349.00")
    assert Decimal(lines["housing"]["amount"]) == Decimal("1500.00")
    assert Decimal(lines["groceries"]["amount"]) == Decimal("300.00")
    assert sum(Decimal(ln["amount"]) for ln in plan["lines"]) == Decimal("3000.00")
    res = runner.invoke(app, ["insights", "budget", "--user", EMAIL, "--safety-margin", "0.1"])
    assert res.exit_code == 0, res.output
    assert "50/30/20 reference" in res.output and "savings" in res.output
    res = runner.invoke(app, ["insights", "budget", "--user", EMAIL, "--total-budget", "1000"])
    assert res.exit_code != 0
    assert "total_budget: 1,000.00 is less than the 1,849.00" in str(res.exception)
    res = runner.invoke(app, ["insights", "budget", "--user", EMAIL, "--total-budget", "lots"])
    assert res.exit_code != 0 and "--total-budget" in str(res.exception)


def test_alerts_json(planner: int) -> None:
    res = runner.invoke(app, ["insights", "alerts", "--user", EMAIL, "--json"])
    assert res.exit_code == 0, res.output
    body = json.loads(res.output)
    last_month = dt.date.today().replace(day=1) - dt.timedelta(days=1)
    assert body["month"] == last_month.strftime("%Y-%m")  # no transactions this month yet
    (groceries,) = body["budgets"]
    assert groceries["projection"] == "month_complete"
    assert Decimal(groceries["spent"]) > Decimal("300")  # ~380 against 300
    assert groceries["level"] == 100
    assert "over budget" in groceries["message"]
    res = runner.invoke(app, ["insights", "alerts", "--user", EMAIL])
    assert res.exit_code == 0, res.output
    assert "groceries" in res.output
