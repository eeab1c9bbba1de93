"""`fincast insights goal|disposable|health|readiness` on a SQLite data folder."""

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
from fincast.errors import NotFoundError
from fincast.ledger.models import SavingsGoal
from fincast.services.database import migrated_engine
from fincast.services.forecasting.cache import CACHE
from fincast.services.users import create_user
from tests.api.test_predictions import seed_history
from tests.support.population import worker_models_dir

runner = CliRunner()
EMAIL = "saver@example.com"


@pytest.fixture()
def saver(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[int]:
    """A user with 24 months of history and one goal (its id)."""
    worker_models_dir()  # the household model, trained once per test process
    monkeypatch.setenv("FINCAST_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.delenv("FINCAST_DATABASE_URL", raising=False)
    get_settings.cache_clear()
    get_engine.cache_clear()
    CACHE.clear()
    engine = migrated_engine()
    user = create_user(engine, EMAIL, "correct horse battery staple")
    seed_history(engine, user.id)
    with session_scope(engine) as s:
        goal = SavingsGoal(
            user_id=user.id,
            name="holiday",
            target_amount=Decimal("3000"),
            target_date=dt.date.today() + dt.timedelta(days=200),
            currency="USD",
        )
        s.add(goal)
        s.flush()
        goal_id = goal.id
    yield goal_id
    get_settings.cache_clear()
    get_engine.cache_clear()
    CACHE.clear()


def test_goal_json_and_text(saver: int) -> None:
    res = runner.invoke(app, ["insights", "goal", str(saver), "--user", EMAIL, "--json"])
    assert res.exit_code == 0, res.output
    g = json.loads(res.output)
    assert g["goal_id"] == saver and g["name"] == "holiday"
    assert g["probability"] > 0.95 and g["status"] == "on_track"
    text = runner.invoke(app, ["insights", "goal", str(saver), "--user", EMAIL])
    assert text.exit_code == 0 and "holiday" in text.output and "on_track" in text.output
    missing = runner.invoke(app, ["insights", "goal", "999", "--user", EMAIL])
    assert isinstance(missing.exception, NotFoundError)


def test_health_disposable_readiness(saver: int) -> None:
    res = runner.invoke(app, ["insights", "health", "--user", EMAIL, "--json"])
    assert res.exit_code == 0, res.output
    h = json.loads(res.output)
    assert h["measured"] == 8 and h["tier"] == "Healthy" and len(h["history"]) == 12
    text = runner.invoke(app, ["insights", "health", "--user", EMAIL])
    assert "Liquid savings" in text.output and "Healthy" in text.output
    d = json.loads(runner.invoke(app, ["insights", "disposable", "--user", EMAIL, "--json"]).output)
    assert 2000 < d["disposable"] < 2400
    r = json.loads(runner.invoke(app, ["insights", "readiness", "--user", EMAIL, "--json"]).output)
    assert r["verdict"] == "ready"
