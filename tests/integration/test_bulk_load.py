"""The bulk loader stores exactly what the normal loader stores, on every backend."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import psycopg2
import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import IntegrityError

from fincast.db import migrate
from fincast.errors import ConflictError, InputError
from fincast.ledger.bulk import bulk_load_transactions
from fincast.ledger.loader import load_transactions_frame
from fincast.synth import generate_households
from tests.support.databases import BACKENDS, isolated_engine

TX = (
    "id, user_id, account_id, posted_date, amount, currency, payee_raw, payee, "
    "description_raw, description, category_id, category_source, external_id, fingerprint, "
    "import_batch_id"
)
QUERIES = {
    "users": "SELECT id, email, password_hash, display_name, is_active FROM users ORDER BY id",
    "categories": "SELECT id, user_id, slug, name, kind, essential FROM categories ORDER BY id",
    "accounts": (
        "SELECT id, user_id, name, type, currency, opening_balance, archived "
        "FROM accounts ORDER BY id"
    ),
    "transactions": f"SELECT {TX} FROM transactions ORDER BY id",
}


def _stored(engine: Engine) -> dict[str, list[tuple[object, ...]]]:
    with engine.connect() as conn:
        return {name: [tuple(r) for r in conn.execute(text(q))] for name, q in QUERIES.items()}


def _frame() -> pd.DataFrame:
    df = generate_households(6, 14, 2024).transactions
    # Twins (same account, day, amount and payee) must get distinct occurrence fingerprints,
    # and free text with COPY's special characters must survive.
    twin = df.iloc[[0]].copy()
    df = pd.concat([df.iloc[:1], twin, df.iloc[1:]], ignore_index=True)
    df["description"] = df["description"].astype(str)
    df.loc[2, "description"] = "tab\there back\\slash new\nline"
    df.loc[3, "payee"] = None
    return df


@pytest.mark.parametrize("backend", BACKENDS)
def test_bulk_rows_equal_the_normal_loaders(backend: str, tmp_path: Path) -> None:
    df = _frame()
    stored = {}
    for name, load in (("normal", load_transactions_frame), ("bulk", bulk_load_transactions)):
        with isolated_engine(backend, tmp_path / name) as engine:
            migrate.upgrade(engine)
            result = load(engine, df)
            assert result == {"rows": len(df), "imported": len(df), "duplicates": 0, "users": 6}
            stored[name] = _stored(engine)
    for table in QUERIES:
        assert stored["bulk"][table] == stored["normal"][table], table
    fingerprints = [r[13] for r in stored["bulk"]["transactions"]]
    assert len(set(fingerprints)) == len(df)
    descriptions = {r[8] for r in stored["bulk"]["transactions"]}
    assert "tab\there back\\slash new\nline" in descriptions


@pytest.mark.parametrize("backend", BACKENDS)
def test_bulk_of_several_frames_equals_loading_them_in_turn(backend: str, tmp_path: Path) -> None:
    """Frames given together are one load (one transaction, indexes rebuilt once on
    PostgreSQL) that stores what the normal loader stores loading them one after another."""
    df = _frame()
    users = list(pd.unique(df["user_id"]))
    parts = [df[df["user_id"].isin(users[:2])], df[df["user_id"].isin(users[2:])]]
    stored = {}
    with isolated_engine(backend, tmp_path / "normal") as engine:
        migrate.upgrade(engine)
        for part in parts:
            load_transactions_frame(engine, part)
        stored["normal"] = _stored(engine)
    with isolated_engine(backend, tmp_path / "bulk") as engine:
        migrate.upgrade(engine)
        result = bulk_load_transactions(engine, iter(parts))
        assert result == {"rows": len(df), "imported": len(df), "duplicates": 0, "users": 6}
        stored["bulk"] = _stored(engine)
    for table in QUERIES:
        assert stored["bulk"][table] == stored["normal"][table], table


def test_bulk_refuses_households_that_exist(sqlite_engine: Engine) -> None:
    df = generate_households(2, 4, 1).transactions
    bulk_load_transactions(sqlite_engine, df)
    with pytest.raises(ConflictError, match="2 households exist already"):
        bulk_load_transactions(sqlite_engine, df)


def test_bulk_names_the_bad_row_and_field(sqlite_engine: Engine) -> None:
    df = generate_households(1, 3, 1).transactions
    df["amount"] = df["amount"].astype(str)
    df.loc[4, "amount"] = "12,5x"
    with pytest.raises(InputError, match=r"row 6: field 'amount' is not a number: '12,5x'"):
        bulk_load_transactions(sqlite_engine, df)
    df = generate_households(1, 3, 1).transactions
    df["category"] = df["category"].astype(str)
    df.loc[0, "category"] = "yachts"
    with pytest.raises(InputError, match=r"unknown category slugs: \['yachts'\]"):
        bulk_load_transactions(sqlite_engine, df)
    df = generate_households(1, 3, 1).transactions.drop(columns=["account_type"])
    with pytest.raises(InputError, match="missing"):
        bulk_load_transactions(sqlite_engine, df)


_SCHEMA = {
    "indexes": (
        "SELECT indexname, indexdef FROM pg_indexes "
        "WHERE tablename = 'transactions' AND schemaname = current_schema() ORDER BY 1"
    ),
    "constraints": (
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE conrelid = 'transactions'::regclass ORDER BY 1"
    ),
}


def _schema(engine: Engine) -> dict[str, list[tuple[object, ...]]]:
    with engine.connect() as conn:
        return {name: [tuple(r) for r in conn.execute(text(q))] for name, q in _SCHEMA.items()}


def test_postgresql_rebuilds_what_it_dropped_for_an_empty_table(tmp_path: Path) -> None:
    """Into an empty table the indexes and keys go and come back the same, and they hold."""
    df = _frame()
    with isolated_engine("postgresql", tmp_path) as engine:
        migrate.upgrade(engine)
        before = _schema(engine)
        assert len(before["indexes"]) >= 5 and len(before["constraints"]) >= 5
        bulk_load_transactions(engine, df[df["user_id"] != df["user_id"].iloc[-1]])
        assert _schema(engine) == before
        # A second load goes into a table with rows: indexes kept, rows checked as they come.
        bulk_load_transactions(engine, df[df["user_id"] == df["user_id"].iloc[-1]])
        assert _schema(engine) == before
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM transactions")).scalar() == len(df)
        with engine.connect() as conn:
            # The rebuilt unique key and foreign keys are enforced.
            with pytest.raises(IntegrityError), conn.begin():
                conn.execute(
                    text(
                        "INSERT INTO transactions (user_id, account_id, posted_date, amount, "
                        "currency, fingerprint, created_at) SELECT user_id, account_id, "
                        "posted_date, amount, currency, fingerprint, created_at "
                        "FROM transactions LIMIT 1"
                    )
                )
            with pytest.raises(IntegrityError), conn.begin():
                conn.execute(
                    text(
                        "UPDATE transactions SET account_id = -1 "
                        "WHERE id = (SELECT min(id) FROM transactions)"
                    )
                )


def test_postgresql_load_that_fails_leaves_the_table_as_it_was(tmp_path: Path) -> None:
    """A load into an empty table that fails rolls back, indexes and keys included."""
    df = _frame()
    # Fails inside the load (COPY refuses a 4-letter currency), after the indexes went.
    df["currency"] = "USD"
    df.loc[len(df) - 1, "currency"] = "EURO"
    with isolated_engine("postgresql", tmp_path) as engine:
        migrate.upgrade(engine)
        before = _schema(engine)
        with pytest.raises(psycopg2.DataError):
            bulk_load_transactions(engine, df)
        assert _schema(engine) == before
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM transactions")).scalar() == 0
            assert conn.execute(text("SELECT count(*) FROM users")).scalar() == 0
