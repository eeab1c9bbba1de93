"""Rows encoded a column at a time are what the row-at-a-time encoder makes, on every dialect."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, cast

import pytest
from sqlalchemy import Engine, Table

from fincast.db.dialect import BulkInsertIgnore
from fincast.ingest.rows import TRANSACTION_COLUMNS
from fincast.ledger.models import Transaction

_TABLE = cast(Table, Transaction.__table__)
_COLUMNS = [c for c in TRANSACTION_COLUMNS if c != "import_batch_id"]


def _rows() -> list[tuple[Any, ...]]:
    made = dt.datetime(2026, 12, 6, 22, 30, 1, 250)
    rows = []
    for i in range(60):
        values = {
            "user_id": 1,
            "account_id": 1 + i % 2,
            "posted_date": dt.date(2024, 1, 1) + dt.timedelta(days=i % 9),
            "amount": Decimal(f"-{i % 7}.{i % 100:02d}"),
            "currency": "USD",
            "payee_raw": f"SHOP\t{i % 5}" if i % 3 else None,
            "payee": f"shop {i % 5}",
            "description_raw": "line\\nbreak" if i % 4 == 0 else None,
            "description": None,
            "category_id": None if i % 5 == 0 else 3,
            "category_source": None if i % 5 == 0 else "rule",
            "external_id": f"ext-{i}" if i % 6 == 0 else None,
            "fingerprint": f"{i:064x}",
            "created_at": made,
        }
        rows.append(tuple(values[c] for c in _COLUMNS))
    return rows


def test_columns_encode_like_rows(engine: Engine) -> None:
    rows = _rows()
    with engine.connect() as conn:
        writer = BulkInsertIgnore(conn, _TABLE, _COLUMNS, fixed={"import_batch_id": 0})
        by_row = [writer.encode(row) for row in rows]
        by_column = writer.encode_columns(list(zip(*rows, strict=True)))
    assert by_column == by_row
    assert len(by_column) == 60 and by_column[0] != by_column[1]


def test_columns_must_be_the_writers(engine: Engine) -> None:
    with engine.connect() as conn:
        writer = BulkInsertIgnore(conn, _TABLE, _COLUMNS, fixed={"import_batch_id": 0})
        if writer.mode == "core":
            pytest.skip("the core path takes whatever rows the statement takes")
        with pytest.raises(ValueError, match="columns given"):
            writer.encode_columns([[1], [2]])
