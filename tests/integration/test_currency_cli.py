"""`fincast insights ... --currency` for a user with a USD and a EUR account (SQLite folder)."""

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
from fincast.services.database import migrated_engine
from fincast.services.forecasting.cache import CACHE
from fincast.services.users import create_user
from tests.api.test_currency_answers import seed_eur
from tests.api.test_predictions import seed_history
from tests.support.population import worker_models_dir

runner = CliRunner()
EMAIL = "two-currencies@example.com"


@pytest.fixture()
def two_currencies(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    worker_models_dir()
    monkeypatch.setenv("FINCAST_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.delenv("FINCAST_DATABASE_URL", raising=False)
    get_settings.cache_clear()
    get_engine.cache_clear()
    CACHE.clear()
    engine = migrated_engine()
    user = create_user(engine, EMAIL, "correct horse battery staple")
    seed_history(engine, user.id, months=15)
    seed_eur(engine, user.id)
    yield
    get_settings.cache_clear()
    get_engine.cache_clear()
    CACHE.clear()


@pytest.mark.usefixtures("two_currencies")
def test_insight_commands_answer_in_the_currency_asked_for() -> None:
    for command in ("disposable", "health", "readiness", "alerts", "budget", "overspending"):
        default = runner.invoke(app, ["insights", command, "--user", EMAIL, "--json"])
        assert default.exit_code == 0, (command, default.output)
        assert json.loads(default.output)["currency"] == "USD", command
        eur = runner.invoke(
            app, ["insights", command, "--user", EMAIL, "--currency", "eur", "--json"]
        )
        assert eur.exit_code == 0, (command, eur.output)
        body = json.loads(eur.output)
        assert (body["currency"], body["currencies"]) == ("EUR", ["EUR", "USD"]), command
    d = json.loads(
        runner.invoke(
            app, ["insights", "disposable", "--user", EMAIL, "--currency", "EUR", "--json"]
        ).output
    )
    assert abs(d["expected_income"] - 2500) < 100  # the EUR account's income alone
    text = runner.invoke(app, ["insights", "disposable", "--user", EMAIL])
    assert "amounts in USD; also: EUR" in text.output
    refused = runner.invoke(app, ["insights", "health", "--user", EMAIL, "--currency", "GBP"])
    assert isinstance(refused.exception, InputError)
    assert "currency GBP: you have no account in GBP" in str(refused.exception)
