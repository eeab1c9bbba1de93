"""`fincast debts plan` on a SQLite data folder: the table, --json, and bad input."""

from __future__ import annotations

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
from fincast.ledger.models import Debt
from fincast.services.database import migrated_engine
from fincast.services.users import create_user

runner = CliRunner()
EMAIL = "debtor@example.com"


@pytest.fixture()
def debtor(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    monkeypatch.setenv("FINCAST_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.delenv("FINCAST_DATABASE_URL", raising=False)
    get_settings.cache_clear()
    get_engine.cache_clear()
    engine = migrated_engine()
    user = create_user(engine, EMAIL, "correct horse battery staple")
    with session_scope(engine) as s:
        rows = [
            Debt(
                user_id=user.id,
                name="card",
                balance=Decimal("5000"),
                apr=Decimal("22.9"),
                minimum_payment=Decimal("150"),
                currency="USD",
            ),
            Debt(
                user_id=user.id,
                name="car",
                balance=Decimal("12000"),
                apr=Decimal("6.5"),
                minimum_payment=Decimal("300"),
                currency="USD",
            ),
        ]
        s.add_all(rows)
        s.flush()
        ids = [r.id for r in rows]
    yield ids
    get_settings.cache_clear()
    get_engine.cache_clear()


def test_plan_json(debtor: list[int]) -> None:
    res = runner.invoke(app, ["debts", "plan", "--user", EMAIL, "--extra", "200", "--json"])
    assert res.exit_code == 0, res.output
    body = json.loads(res.output)
    card, car = debtor
    assert body["extra"] == "200.00"
    assert body["strategies"]["avalanche"]["order"] == [card, car]
    assert body["strategies"]["snowball"]["order"] == [card, car]
    for s in body["strategies"].values():
        paid = Decimal(s["total_paid"])
        assert paid == Decimal("17000.00") + Decimal(s["total_interest"])
    assert body["surplus"] is None  # no transactions, no surplus


def test_plan_table_own_order_and_errors(debtor: list[int]) -> None:
    card, car = debtor
    res = runner.invoke(app, ["debts", "plan", "--user", EMAIL, "--order", f"{car},{card}"])
    assert res.exit_code == 0, res.output
    assert "avalanche" in res.output and "snowball" in res.output and "own" in res.output
    assert f"{car},{card}" in res.output
    bad = runner.invoke(app, ["debts", "plan", "--user", EMAIL, "--extra", "lots"])
    assert isinstance(bad.exception, InputError)
    assert "--extra" in str(bad.exception)
    bad = runner.invoke(app, ["debts", "plan", "--user", EMAIL, "--extra", "-1"])
    assert isinstance(bad.exception, InputError)
    assert "extra" in str(bad.exception)


PROFILE = {
    "Income": 26858.6,
    "Age": 34,
    "Dependents": 2,
    "Occupation": "Retired",
    "City_Tier": "Tier_2",
    "Rent": 5371.72,
    "Loan_Repayment": 0.0,
    "Insurance": 869.52,
    "Groceries": 2818.44,
    "Transport": 1543.02,
    "Eating_Out": 649.38,
    "Entertainment": 1050.24,
    "Utilities": 1626.14,
    "Healthcare": 1137.35,
    "Education": 1551.72,
    "Miscellaneous": 564.24,
    "Desired_Savings_Percentage": 7.16,
}


def test_train_peers_then_profile_and_peers(debtor: list[int], tmp_path: Path) -> None:
    models = tmp_path / "models"
    res = runner.invoke(
        app, ["insights", "train-peers", "--synthetic-only", "--models-dir", str(models), "--json"]
    )
    assert res.exit_code == 0, res.output
    meta = json.loads(res.output)
    assert meta["sources"] == ["synthetic"] and sum(meta["segment_sizes"]) == 400
    path = tmp_path / "profile.json"
    path.write_text(json.dumps(PROFILE))
    args = ["insights", "profile", "--file", str(path), "--models-dir", str(models)]
    res = runner.invoke(app, [*args, "--json"])
    assert res.exit_code == 0, res.output
    body = json.loads(res.output)
    # the dataset's Disposable_Income for this row is 9676.82
    assert body["disposable_income"] == pytest.approx(9676.83, abs=0.01)
    assert body["overspending"]["status"] == "on_track"
    assert any("synthetic" in n for n in body["notes"])
    res = runner.invoke(app, args)
    assert res.exit_code == 0 and "disposable income: 9676.83" in res.output
    path.write_text(json.dumps({**PROFILE, "City_Tier": 3}))
    bad = runner.invoke(app, args)
    assert isinstance(bad.exception, InputError) and "City_Tier" in str(bad.exception)
    # the debtor has no ledger: peer targets say what is missing
    res = runner.invoke(app, ["insights", "peers", "--user", EMAIL, "--models-dir", str(models)])
    assert isinstance(res.exception, InputError) and "complete month" in str(res.exception)
