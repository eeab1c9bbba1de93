"""Backup and restore on SQLite, PostgreSQL and MariaDB: every row, every field, all or nothing."""

from __future__ import annotations

import datetime as dt
import json
import stat
import zipfile
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, insert, select

from fincast.db import migrate
from fincast.db.base import Base
from fincast.db.engine import session_scope
from fincast.errors import ConflictError, InputError
from fincast.ledger import service as ledger
from fincast.ledger.models import (
    Account,
    AccountType,
    AnomalyRecord,
    AuthToken,
    BatchHousehold,
    BatchInsight,
    BatchPartition,
    BatchRun,
    Budget,
    CategorizationRule,
    Category,
    CategorySource,
    Debt,
    ImportBatch,
    ImportStatus,
    RateLimitCounter,
    RecurringSeriesRecord,
    ReviewStatus,
    SavingsGoal,
    TokenKind,
    Transaction,
)
from fincast.services.backup import MANIFEST, backup, restore
from tests.support.databases import isolated_engine

T0 = dt.datetime(2024, 3, 5, 14, 30, 15, 123456, tzinfo=dt.UTC)


def _seed(engine: Engine) -> None:
    with session_scope(engine) as s:
        for email in ("a@example.com", "b@example.com"):
            user = ledger.create_user(s, email, password_hash="x" * 60, display_name="Ä ünïcode")
            ledger.seed_categories(s, user.id)
            s.flush()
            cats = s.scalars(select(Category).where(Category.user_id == user.id)).all()
            acct = Account(
                user_id=user.id,
                name="Checking",
                type=AccountType.CHECKING,
                currency="EUR",
                opening_balance=Decimal("1234.56"),
                created_at=T0,
            )
            card = Account(user_id=user.id, name="Card", type=AccountType.CREDIT_CARD)
            s.add_all([acct, card])
            s.flush()
            batch = ImportBatch(
                user_id=user.id,
                account_id=acct.id,
                file_name="bank.csv",
                format="csv",
                sha256="f" * 64,
                status=ImportStatus.COMPLETED,
                n_rows=3,
                n_imported=2,
                errors=["line 3: bad date", "ünï"],
                created_at=T0,
            )
            failed = ImportBatch(
                user_id=user.id,
                account_id=card.id,
                file_name="empty.ofx",
                format="ofx",
                sha256="0" * 64,
                status=ImportStatus.FAILED,
                errors=None,
            )
            s.add_all([batch, failed])
            s.flush()
            s.add(
                CategorizationRule(
                    user_id=user.id,
                    category_id=cats[0].id,
                    priority=5,
                    payee_contains="COFFEE",
                    amount_min=Decimal("-10.00"),
                    amount_max=None,
                    account_id=acct.id,
                    is_active=False,
                )
            )
            s.add_all(
                [
                    Transaction(
                        user_id=user.id,
                        account_id=acct.id,
                        posted_date=dt.date(2024, 1, 31),
                        amount=Decimal("-12.34"),
                        currency="EUR",
                        payee_raw="COFFEE\tSHOP",
                        payee="Coffee Shop",
                        description_raw='line "one"\nline two',
                        category_id=cats[1].id,
                        category_source=CategorySource.USER,
                        fingerprint=f"{user.id}-1",
                        import_batch_id=batch.id,
                        created_at=T0,
                    ),
                    Transaction(
                        user_id=user.id,
                        account_id=card.id,
                        posted_date=dt.date(1999, 12, 31),
                        amount=Decimal("9999999999999999.99"),
                        currency="EUR",
                        fingerprint=f"{user.id}-2",
                    ),
                ]
            )
            s.add(
                Budget(
                    user_id=user.id,
                    category_id=cats[1].id,
                    amount=Decimal("300.00"),
                    currency="EUR",
                    start_month=dt.date(2024, 1, 1),
                )
            )
            s.add(
                Budget(user_id=user.id, category_id=None, amount=Decimal("2000.00"), currency="EUR")
            )
            s.add(
                SavingsGoal(
                    user_id=user.id,
                    name="Holiday",
                    target_amount=Decimal("5000.00"),
                    target_date=dt.date(2025, 6, 30),
                    currency="EUR",
                )
            )
            s.add(
                Debt(
                    user_id=user.id,
                    account_id=card.id,
                    name="Card debt",
                    balance=Decimal("812.40"),
                    apr=Decimal("19.9900"),
                    minimum_payment=Decimal("25.00"),
                    currency="USD",
                )
            )
            # recurring_series and anomalies (migration 0004): JSON lists, a review status
            s.add(
                RecurringSeriesRecord(
                    user_id=user.id,
                    payee_key="coffee shop",
                    cadence="monthly",
                    currency="EUR",
                    status=ReviewStatus.DISMISSED,
                    payee="Coffee Shop ünï",
                    category_id=cats[1].id,
                    account_id=acct.id,
                    amount=Decimal("-12.34"),
                    expected_amount=Decimal("-12.99"),
                    amount_varies=False,
                    first_date=dt.date(2023, 1, 31),
                    last_date=dt.date(2024, 1, 31),
                    next_date=dt.date(2024, 2, 29),
                    occurrences=13,
                    state="active",
                    missed=["2023-06-30"],
                    price_changes=[
                        {"date": "2023-09-30", "old_amount": "-11.99", "new_amount": "-12.34"}
                    ],
                    confidence=0.875,
                    detected_at=T0,
                )
            )
            s.add(
                AnomalyRecord(
                    user_id=user.id,
                    kind="category_spike",
                    subject="dining:2024-01",
                    status=ReviewStatus.CONFIRMED,
                    detector="robust",
                    category_id=cats[1].id,
                    posted_date=dt.date(2024, 1, 1),
                    month="2024-01",
                    amount=Decimal("-1095.00"),
                    currency="EUR",
                    score=5.25,
                    reason="dining spending 5.6x your usual month (1,095.00 against 195.00)",
                    detected_at=T0,
                )
            )
            s.add(
                AuthToken(
                    user_id=user.id,
                    kind=TokenKind.REFRESH,
                    name=None,
                    token_hash=f"{user.id:064d}",
                    expires_at=T0 + dt.timedelta(days=14),
                    session_id=7,
                    parent_id=None,
                )
            )
            # batch results (migration 0007): derived, but a backup still holds every table
            s.add(
                BatchHousehold(
                    user_id=user.id,
                    data_version="0123456789abcdef",
                    model_version="1700000000000000000",
                    payload={"month": "2024-02", "series": [{"id": "ünï", "value": 1.5}]},
                    computed_at=T0,
                )
            )
            s.flush()  # the household row first: its insight rows refer to it
            s.add(
                BatchInsight(
                    user_id=user.id,
                    kind="overspending",
                    subject="dining",
                    month="2024-02",
                    value=0.375,
                )
            )
        run = BatchRun(
            kind="score",
            params_key="p" * 64,
            status="finished",
            model_version="1700000000000000000",
            n_partitions=1,
            summary={"users": 2, "series": 24},
            started_at=T0,
            finished_at=T0,
        )
        s.add(run)
        s.flush()
        s.add(
            BatchPartition(
                run_id=run.id,
                number=0,
                user_ids=[1, 2],
                status="done",
                users=2,
                series=24,
                failures=[{"user_id": 3, "reason": "2 months of history"}],
                seconds=1.25,
                finished_at=T0,
            )
        )
        s.add(RateLimitCounter(key="k" * 64, count=3, expires_at=T0))


def _dump(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    out: dict[str, list[tuple[Any, ...]]] = {}
    with engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            stmt = select(table).order_by(*table.primary_key.columns)
            out[table.name] = [tuple(row) for row in conn.execute(stmt)]
    return out


@pytest.fixture()
def seeded(engine: Engine) -> Engine:
    _seed(engine)
    return engine


def _other(engine: Engine, tmp_path: Path) -> Any:
    return isolated_engine(engine.dialect.name.replace("mysql", "mariadb"), tmp_path)


def test_round_trip_preserves_every_row_and_field(seeded: Engine, tmp_path: Path) -> None:
    before = _dump(seeded)
    assert all(before[t.name] for t in Base.metadata.sorted_tables)
    path = tmp_path / "fincast.backup"
    summary = backup(seeded, path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert summary.rows == {name: len(rows) for name, rows in before.items()}
    with zipfile.ZipFile(path) as zf:
        manifest = json.loads(zf.read(MANIFEST))
    assert manifest["schema_revision"] == migrate.head_revision()
    assert [t["name"] for t in manifest["tables"]] == [t.name for t in Base.metadata.sorted_tables]
    with _other(seeded, tmp_path) as fresh:
        migrate.upgrade(fresh)
        restore(fresh, path)
        after = _dump(fresh)
    assert after == before
    assert not list(tmp_path.glob("*.partial"))
    source = list(Transaction.__table__.columns.keys()).index("category_source")
    user_tx = [r for r in after["transactions"] if r[source] == CategorySource.USER]
    assert len(user_tx) == 2
    # the plans' own currencies (migration 0010) and the detections' (0011) come back
    for model, expected in (
        (Budget, {"EUR"}),
        (SavingsGoal, {"EUR"}),
        (Debt, {"USD"}),
        (RecurringSeriesRecord, {"EUR"}),
        (AnomalyRecord, {"EUR"}),
    ):
        column = list(model.__table__.columns.keys()).index("currency")
        rows = after[model.__tablename__]
        assert {r[column] for r in rows} == expected, model.__tablename__


def test_force_replaces_and_new_rows_get_fresh_ids(seeded: Engine, tmp_path: Path) -> None:
    before = _dump(seeded)
    path = tmp_path / "b.zip"
    backup(seeded, path)
    with pytest.raises(ConflictError, match="--force"):
        restore(seeded, path)
    assert _dump(seeded) == before
    with session_scope(seeded) as s:  # a row the restore must remove
        s.add(ledger.create_user(s, "extra@example.com"))
    restore(seeded, path, force=True)
    assert _dump(seeded) == before
    top = max(r[0] for r in before["accounts"])
    with session_scope(seeded) as s:
        user_id = ledger.get_user_by_email(s, "a@example.com").id
        account = Account(user_id=user_id, name="New", type=AccountType.SAVINGS)
        s.add(account)
        s.flush()
        assert account.id > top


def test_restore_into_fresh_database_then_insert(seeded: Engine, tmp_path: Path) -> None:
    path = tmp_path / "b.zip"
    backup(seeded, path)
    top_user = max(r[0] for r in _dump(seeded)["users"])
    with _other(seeded, tmp_path) as fresh:
        migrate.upgrade(fresh)
        restore(fresh, path)
        with session_scope(fresh) as s:
            user = ledger.create_user(s, "new@example.com")
            s.flush()
            assert user.id > top_user


def _rewrite(src: Path, dst: Path, edit: Any) -> None:
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        manifest = json.loads(zin.read(MANIFEST))
        members = {n: zin.read(n) for n in zin.namelist() if n != MANIFEST}
        edit(manifest, members)
        for name, data in members.items():
            zout.writestr(name, data)
        zout.writestr(MANIFEST, json.dumps(manifest))


def test_refuses_tampered_file_and_leaves_database_alone(seeded: Engine, tmp_path: Path) -> None:
    path = tmp_path / "b.zip"
    backup(seeded, path)

    def change_amount(manifest: dict[str, Any], members: dict[str, bytes]) -> None:
        key = "tables/transactions.jsonl"
        members[key] = members[key].replace(b'"-12.34"', b'"-99.34"', 1)

    def drop_row(manifest: dict[str, Any], members: dict[str, bytes]) -> None:
        key = "tables/debts.jsonl"
        members[key] = b"".join(members[key].splitlines(keepends=True)[1:])

    with _other(seeded, tmp_path) as fresh:
        migrate.upgrade(fresh)
        for edit, table in ((change_amount, "transactions"), (drop_row, "debts")):
            bad = tmp_path / f"bad-{table}.zip"
            _rewrite(path, bad, edit)
            with pytest.raises(InputError, match=f"table {table}"):
                restore(fresh, bad)
            assert not any(_dump(fresh).values())
        garbage = tmp_path / "garbage.zip"
        garbage.write_bytes(b"not a zip")
        with pytest.raises(InputError, match="not a fincast backup"):
            restore(fresh, garbage)


def test_refuses_another_schema_revision(seeded: Engine, tmp_path: Path) -> None:
    path = tmp_path / "b.zip"
    backup(seeded, path)
    old = tmp_path / "old.zip"
    _rewrite(path, old, lambda m, _members: m.update(schema_revision="0001"))
    with pytest.raises(InputError, match="schema revision '0001'"):
        restore(seeded, old, force=True)
    assert _dump(seeded)["users"]


def test_failed_restore_rolls_back_everything(seeded: Engine, tmp_path: Path) -> None:
    before = _dump(seeded)
    path = tmp_path / "b.zip"
    backup(seeded, path)

    def duplicate_email(manifest: dict[str, Any], members: dict[str, bytes]) -> None:
        import hashlib

        key = "tables/users.jsonl"
        lines = members[key].splitlines(keepends=True)
        first = json.loads(lines[0])
        second = json.loads(lines[1])
        second["email"] = first["email"]
        lines[1] = (json.dumps(second, ensure_ascii=False) + "\n").encode()
        members[key] = b"".join(lines)
        for entry in manifest["tables"]:
            if entry["name"] == "users":
                entry["sha256"] = hashlib.sha256(members[key]).hexdigest()

    bad = tmp_path / "dup.zip"
    _rewrite(path, bad, duplicate_email)
    with pytest.raises(Exception, match=r"(?i)unique|duplicate"):
        restore(seeded, bad, force=True)
    assert _dump(seeded) == before


def test_sequences_continue_after_restore_with_raw_insert(seeded: Engine, tmp_path: Path) -> None:
    path = tmp_path / "b.zip"
    backup(seeded, path)
    top = max(r[0] for r in _dump(seeded)["users"])
    restore(seeded, path, force=True)
    users = Base.metadata.tables["users"]
    with seeded.begin() as conn:  # Core, no ORM: the database picks the id
        result = conn.execute(
            insert(users).values(email="raw@example.com", is_active=True, created_at=T0)
        )
        new_id = result.inserted_primary_key[0]
    assert new_id > top
