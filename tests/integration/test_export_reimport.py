"""A user's own JSON export, loaded into a fresh account of a fresh installation, round-trips
every row and every field (SQLite, PostgreSQL, MariaDB), through the service, the CLI and the
API."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, delete, func, select
from typer.testing import CliRunner

from fincast.cli.main import app as cli
from fincast.config import get_settings
from fincast.db import migrate
from fincast.db.engine import get_engine, session_scope
from fincast.errors import ConflictError, InputError
from fincast.ledger import service as ledger
from fincast.ledger.models import (
    Account,
    AccountType,
    AnomalyRecord,
    AuthToken,
    Budget,
    CategorizationRule,
    Category,
    CategorySource,
    Debt,
    RecurringSeriesRecord,
    ReviewStatus,
    SavingsGoal,
    TokenKind,
    Transaction,
)
from fincast.services.export import TABLES, export_json, import_json
from fincast.services.imports import import_file
from tests.support.databases import isolated_engine

T0 = dt.datetime(2024, 3, 5, 14, 30, 15, tzinfo=dt.UTC)
CSV = (
    "Date,Description,Amount\n"
    "2024-01-05,COFFEE \u202eSHOP,-3.50\n"
    "2024-01-06,Salary ACME,2500.00\n"
    "2024-01-07,Grocer,-84.12\n"
).encode()


def _seed(engine: Engine, email: str = "owner@example.com") -> int:
    """A user with every kind of row, corrections and odd values included."""
    with session_scope(engine) as s:
        user = ledger.create_user(s, email, password_hash="x" * 60, display_name="Ä ünïcode")
        cats = {c.slug: c for c in s.scalars(select(Category).where(Category.user_id == user.id))}
        # a renamed default, a deleted default and one of the user's own
        cats["dining"].name = "Eating out"
        cats["dining"].essential = True
        s.delete(cats.pop("pets")) if "pets" in cats else None
        own = Category(user_id=user.id, slug="climbing", name="Climbing gym", kind="expense")
        checking = Account(
            user_id=user.id,
            name="Checking",
            type=AccountType.CHECKING,
            currency="EUR",
            opening_balance=Decimal("1234.56"),
            created_at=T0,
        )
        card = Account(user_id=user.id, name="Card", type=AccountType.CREDIT_CARD)
        s.add_all([own, checking, card])
        s.flush()
        s.add_all(
            [
                CategorizationRule(
                    user_id=user.id,
                    category_id=cats["dining"].id,
                    priority=5,
                    pattern="coffee|caf[eé]",
                    amount_min=Decimal("-10.00"),
                    account_id=checking.id,
                ),
                CategorizationRule(
                    user_id=user.id,
                    category_id=own.id,
                    payee_contains="BOULDER",
                    is_active=False,
                    created_at=T0,
                ),
            ]
        )
        user_id, checking_id, card_id, own_id = user.id, checking.id, card.id, own.id
    import_file(engine, user_id=user_id, account_id=checking_id, data=CSV, filename="jan.csv")
    with session_scope(engine) as s:
        first = s.scalars(
            select(Transaction).where(Transaction.user_id == user_id).order_by(Transaction.id)
        ).first()
        assert first is not None
        first.category_id = own_id  # the user's correction
        first.category_source = CategorySource.USER
        first.suggested_category_id = own_id
        first.category_confidence = 0.75
        s.add_all(
            [
                Transaction(
                    user_id=user_id,
                    account_id=card_id,
                    posted_date=dt.date(1999, 12, 31),
                    amount=Decimal("9999999999999999.99"),
                    currency="EUR",
                    payee_raw="PAYEE\tRAW",
                    payee="Payee",
                    description_raw='line "one"\nline two',
                    description="line one",
                    fingerprint="manual-1",
                    created_at=T0,
                ),
                Budget(
                    user_id=user_id,
                    category_id=own_id,
                    amount=Decimal("300.00"),
                    start_month=dt.date(2024, 1, 1),
                    end_month=dt.date(2024, 12, 1),
                    currency="EUR",
                ),
                Budget(
                    user_id=user_id, category_id=None, amount=Decimal("2000.00"), currency="EUR"
                ),
                SavingsGoal(
                    user_id=user_id,
                    name="Holiday",
                    target_amount=Decimal("5000.00"),
                    target_date=dt.date(2025, 6, 30),
                    start_amount=Decimal("12.50"),
                    currency="EUR",
                ),
                Debt(
                    user_id=user_id,
                    account_id=card_id,
                    name="Card debt",
                    balance=Decimal("812.40"),
                    apr=Decimal("19.9900"),
                    minimum_payment=Decimal("25.00"),
                    currency="USD",
                ),
                Debt(
                    user_id=user_id,
                    account_id=None,
                    name="Family loan",
                    balance=Decimal("100.00"),
                    apr=Decimal("0.0000"),
                    minimum_payment=Decimal("10.00"),
                    currency="EUR",
                ),
                RecurringSeriesRecord(
                    user_id=user_id,
                    payee_key="netflix",
                    cadence="monthly",
                    currency="EUR",
                    status=ReviewStatus.DISMISSED,
                    payee="NETFLIX.COM",
                    category_id=own_id,
                    account_id=checking_id,
                    amount=Decimal("-15.99"),
                    expected_amount=Decimal("-17.99"),
                    amount_varies=True,
                    first_date=dt.date(2023, 1, 3),
                    last_date=dt.date(2024, 1, 3),
                    next_date=dt.date(2024, 2, 3),
                    occurrences=13,
                    state="active",
                    missed=["2023-07-03"],
                    price_changes=[
                        {"date": "2023-10-03", "old_amount": "-15.99", "new_amount": "-17.99"}
                    ],
                    confidence=0.875,
                    detected_at=T0,
                ),
                RecurringSeriesRecord(
                    user_id=user_id,
                    payee_key="gym",
                    cadence="weekly",
                    currency="USD",
                    status=ReviewStatus.CONFIRMED,
                    payee="Gym",
                    category_id=None,
                    account_id=None,
                    amount=Decimal("-9.00"),
                    expected_amount=Decimal("-9.00"),
                    first_date=dt.date(2023, 11, 1),
                    last_date=dt.date(2024, 1, 3),
                    next_date=dt.date(2024, 1, 10),
                    occurrences=10,
                    state="lapsed",
                    confidence=0.5,
                ),
                AnomalyRecord(
                    user_id=user_id,
                    kind="transaction",
                    subject=first.fingerprint,
                    status=ReviewStatus.DISMISSED,
                    detector="robust_z",
                    transaction_id=first.id,
                    category_id=own_id,
                    posted_date=first.posted_date,
                    month="2024-01",
                    amount=Decimal("-3.50"),
                    currency="EUR",
                    payee="COFFEE SHOP",
                    score=7.25,
                    reason="3.50 is 7.3 MADs above your usual climbing spend",
                    detected_at=T0,
                ),
                AnomalyRecord(
                    user_id=user_id,
                    kind="category_spike",
                    subject=f"{own_id}:2024-01",
                    status=ReviewStatus.CONFIRMED,
                    detector="seasonal",
                    transaction_id=None,
                    category_id=None,
                    posted_date=dt.date(2024, 1, 31),
                    month="2024-01",
                    amount=None,
                    currency="EUR",
                    payee=None,
                    score=3.5,
                    reason="January spend is twice the usual",
                ),
                AuthToken(
                    user_id=user_id,
                    kind=TokenKind.PERSONAL,
                    name="script",
                    token_hash="f" * 64,
                    expires_at=T0,
                ),
            ]
        )
    return user_id


def _export(engine: Engine, user_id: int) -> dict[str, Any]:
    with session_scope(engine) as s:
        return json.loads(json.dumps(export_json(s, user_id)))  # as a file holds it


def _refs(model: Any) -> dict[str, str]:
    names = {m.__tablename__: n for n, m, _ in TABLES}
    return {
        c.name: names[fk.column.table.name]
        for c in model.__table__.columns
        for fk in c.foreign_keys
        if fk.column.table.name != "users"
    }


def _normalized(doc: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """The export with ids and owners replaced by positions: what must survive a round trip.

    Fingerprints name their account, so they change with the account's id (re-keyed on
    import; `test_the_reimported_ledger_works_like_the_original` checks they still match).
    """
    position = {name: {r["id"]: i for i, r in enumerate(doc[name])} for name, _, _ in TABLES}
    out: dict[str, list[dict[str, Any]]] = {}
    for name, model, _ in TABLES:
        if name == "api_tokens":
            continue
        refs = _refs(model)
        rows = []
        fingerprint = {t["id"]: t["fingerprint"] for t in doc["transactions"]}
        for row in doc[name]:
            r = {k: v for k, v in row.items() if k not in ("id", "user_id", "fingerprint")}
            tx = r.get("transaction_id")
            if name == "anomalies" and tx is not None and r["subject"] == fingerprint[tx]:
                r["subject"] = "fingerprint of its transaction"
            for col, target in refs.items():
                if r.get(col) is not None:
                    r[col] = position[target][r[col]]
            rows.append(r)
        out[name] = rows
    return out


def _backend(engine: Engine) -> str:
    return engine.dialect.name.replace("mysql", "mariadb")


@pytest.fixture()
def fresh(engine: Engine, tmp_path: Path) -> Iterator[Engine]:
    """Another installation: a database of its own, same backend, migrated, empty."""
    with isolated_engine(_backend(engine), tmp_path) as other:
        migrate.upgrade(other)
        yield other


def _new_user(engine: Engine, email: str = "me@example.org") -> int:
    with session_scope(engine) as s:
        return ledger.create_user(s, email).id


def test_an_export_round_trips_into_a_fresh_installation(engine: Engine, fresh: Engine) -> None:
    before = _export(engine, _seed(engine))
    assert all(before[name] for name, _, _ in TABLES), "every table has rows to carry"
    assert any(t["category_source"] == "user" for t in before["transactions"])
    assert any("\u202e" in (t["payee_raw"] or "") for t in before["transactions"])
    assert {r["status"] for r in before["recurring_series"]} == {"dismissed", "confirmed"}
    assert {r["status"] for r in before["anomalies"]} == {"dismissed", "confirmed"}
    target = _new_user(fresh)
    result = import_json(fresh, target, before)
    after = _export(fresh, target)
    assert _normalized(after) == _normalized(before)
    assert after["user"]["display_name"] == "Ä ünïcode"
    assert after["api_tokens"] == []  # credentials are never carried over
    assert "manual-1" in {t["fingerprint"] for t in after["transactions"]}  # not fincast's: kept
    assert result.left_out == ["api_tokens"]
    assert result.rows == {name: len(before[name]) for name, _, _ in TABLES if name != "api_tokens"}
    # Field by field for the reviewed detections (the normalized comparison covers them too).
    series = {r["payee_key"]: r for r in after["recurring_series"]}
    assert series["netflix"]["status"] == "dismissed"
    assert series["netflix"]["missed"] == ["2023-07-03"]
    assert series["netflix"]["price_changes"] == [
        {"date": "2023-10-03", "old_amount": "-15.99", "new_amount": "-17.99"}
    ]
    assert Decimal(series["netflix"]["expected_amount"]) == Decimal("-17.99")
    assert series["netflix"]["amount_varies"] is True and series["netflix"]["confidence"] == 0.875
    assert dt.datetime.fromisoformat(series["netflix"]["detected_at"]) == T0
    assert series["gym"]["status"] == "confirmed" and series["gym"]["account_id"] is None
    flag = next(r for r in after["anomalies"] if r["kind"] == "transaction")
    flagged = next(t for t in after["transactions"] if t["id"] == flag["transaction_id"])
    assert flag["status"] == "dismissed" and flag["subject"] == flagged["fingerprint"]
    assert flagged["category_source"] == "user" and flag["score"] == 7.25


def test_the_reimported_ledger_works_like_the_original(engine: Engine, fresh: Engine) -> None:
    doc = _export(engine, _seed(engine))
    target = _new_user(fresh)
    import_json(fresh, target, doc)
    with session_scope(fresh) as s:
        account = ledger.find_account(s, target, "Checking")
        assert account is not None
        account_id = account.id
    again = import_file(fresh, user_id=target, account_id=account_id, data=CSV, filename="jan.csv")
    assert (again.imported, again.duplicates) == (0, 3)  # fingerprints came along


def test_an_account_with_data_is_refused_and_left_as_it_was(engine: Engine, fresh: Engine) -> None:
    doc = _export(engine, _seed(engine))
    target = _new_user(fresh)
    import_json(fresh, target, doc)
    with pytest.raises(ConflictError, match="fresh account"):
        import_json(fresh, target, doc)
    with session_scope(fresh) as s:
        n = s.scalar(select(func.count()).select_from(Transaction))
    assert n == len(doc["transactions"])


def test_a_broken_export_loads_nothing(engine: Engine, fresh: Engine) -> None:
    doc = _export(engine, _seed(engine))
    doc["debts"][0]["account_id"] = 10**9  # refers to no exported account
    target = _new_user(fresh)
    with pytest.raises(InputError, match="debts"):
        import_json(fresh, target, doc)
    with session_scope(fresh) as s:
        assert s.scalar(select(func.count()).select_from(Transaction)) == 0
        slugs = set(s.scalars(select(Category.slug).where(Category.user_id == target)))
    assert "climbing" not in slugs and slugs  # the default categories are still there
    bad = dict(doc, transactions=[{**doc["transactions"][0], "colour": "red"}])
    with pytest.raises(InputError, match="unknown columns"):
        import_json(fresh, target, bad)
    with pytest.raises(InputError, match="version"):
        import_json(fresh, target, {**doc, "version": 99})


@pytest.fixture()
def cli_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    monkeypatch.setenv("FINCAST_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("FINCAST_DATABASE_URL", url)
    get_settings.cache_clear()
    get_engine.cache_clear()
    yield url
    get_settings.cache_clear()
    get_engine.cache_clear()


def test_the_cli_loads_an_export(sqlite_engine: Engine, cli_db: str, tmp_path: Path) -> None:
    before = _export(sqlite_engine, _seed(sqlite_engine))
    path = tmp_path / "export.json"
    path.write_text(json.dumps(before))
    runner = CliRunner()
    result = runner.invoke(cli, ["import-export", str(path), "--user", "me@example.org"])
    assert result.exit_code == 0, result.output
    assert "loaded" in result.output
    target = get_engine(cli_db)
    with session_scope(target) as s:
        user_id = ledger.get_user_by_email(s, "me@example.org").id
    assert _normalized(_export(target, user_id)) == _normalized(before)
    again = runner.invoke(cli, ["import-export", str(path), "--user", "me@example.org"])
    assert again.exit_code != 0 and "fresh account" in str(again.exception)


def test_only_the_users_own_rows_are_touched(engine: Engine) -> None:
    owner = _seed(engine)
    doc = _export(engine, owner)
    other = _new_user(engine)
    with session_scope(engine) as s:  # the other user gives up a default category too
        s.execute(delete(Category).where(Category.user_id == other, Category.slug == "income"))
    import_json(engine, other, doc)
    assert _normalized(_export(engine, other)) == _normalized(doc)
    assert _export(engine, owner)["transactions"] == doc["transactions"]
    with session_scope(engine) as s:
        account = ledger.find_account(s, other, "Checking")
        assert account is not None
        account_id = account.id
    # the account has a new id here too: the re-keyed fingerprints still match the file
    again = import_file(engine, user_id=other, account_id=account_id, data=CSV, filename="jan.csv")
    assert (again.imported, again.duplicates) == (0, 3)
