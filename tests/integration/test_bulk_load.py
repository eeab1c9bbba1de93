"""The bulk loader stores exactly what the normal loader stores, on every backend."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import Engine, text

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
