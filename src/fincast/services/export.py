"""Full export of one user's data as JSON or as a zip of CSV files (one per table).

CSV cells that are text and start with ``= + - @``, a tab or a carriage return are prefixed
with ``'`` so spreadsheets do not run them as formulas; numbers (negative amounts included)
stay numbers.
"""

from __future__ import annotations

import csv
import datetime as dt
import enum
import io
import zipfile
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from sqlalchemy import Table, select
from sqlalchemy.orm import Session

from fincast.ledger.models import (
    Account,
    AuthToken,
    Budget,
    CategorizationRule,
    Category,
    Debt,
    ImportBatch,
    SavingsGoal,
    Transaction,
    User,
)

EXPORT_VERSION = 1
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Exported tables in the order a re-import would need them; secrets are never exported.
TABLES: tuple[tuple[str, Any, tuple[str, ...]], ...] = (
    ("accounts", Account, ()),
    ("categories", Category, ()),
    ("rules", CategorizationRule, ()),
    ("import_batches", ImportBatch, ()),
    ("transactions", Transaction, ()),
    ("budgets", Budget, ()),
    ("goals", SavingsGoal, ()),
    ("debts", Debt, ()),
    ("api_tokens", AuthToken, ("token_hash",)),
)


def _columns(model: Any, skip: tuple[str, ...]) -> list[str]:
    table: Table = model.__table__
    return [c.name for c in table.columns if c.name not in skip]


def iter_rows(
    session: Session, user_id: int, model: Any, cols: list[str]
) -> Iterator[tuple[Any, ...]]:
    """Rows of ``model`` owned by ``user_id`` as tuples of ``cols``, in id order."""
    table: Table = model.__table__
    stmt = (
        select(*(table.c[c] for c in cols))
        .where(table.c.user_id == user_id)
        .order_by(table.c.id)
        .execution_options(yield_per=2000)
    )
    for row in session.execute(stmt):
        yield tuple(row)


def _json_value(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    return value


def export_json(session: Session, user_id: int) -> dict[str, Any]:
    """Everything ``user_id`` owns as one JSON-ready dict (money as strings)."""
    user = session.get(User, user_id)
    out: dict[str, Any] = {
        "version": EXPORT_VERSION,
        "exported_at": dt.datetime.now(dt.UTC).isoformat(),
        "user": {
            "id": user_id,
            "email": user.email if user else None,
            "display_name": user.display_name if user else None,
        },
    }
    for name, model, skip in TABLES:
        cols = _columns(model, skip)
        out[name] = [
            {c: _json_value(v) for c, v in zip(cols, row, strict=True)}
            for row in iter_rows(session, user_id, model, cols)
        ]
    return out


def safe_cell(value: Any) -> Any:
    """A CSV cell that spreadsheets will not evaluate as a formula."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal | int | float):
        return value
    value = _json_value(value)
    if isinstance(value, list | dict):
        import json

        value = json.dumps(value, ensure_ascii=False)
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def export_csv_zip(session: Session, user_id: int) -> bytes:
    """A zip with one ``<table>.csv`` per exported table (UTF-8, header row, RFC 4180)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, model, skip in TABLES:
            cols = _columns(model, skip)
            text = io.StringIO()
            writer = csv.writer(text, lineterminator="\r\n")
            writer.writerow(cols)
            for row in iter_rows(session, user_id, model, cols):
                writer.writerow([safe_cell(v) for v in row])
            zf.writestr(f"{name}.csv", text.getvalue().encode("utf-8"))
    return buf.getvalue()
