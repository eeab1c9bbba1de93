"""Stored batch results: written per partition, read back by the API when still current.

A stored household forecast is served only when it was computed from the user's current
data version and the current shared household model; otherwise the caller scores on demand.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, cast

from sqlalchemy import Connection, Table, delete, insert, select
from sqlalchemy.orm import Session

from fincast.db.dialect import BulkInsertIgnore, copy_rows, copy_text
from fincast.ledger.models import BatchHousehold, BatchInsight
from fincast.services.forecasting.household import POPULATION_MODEL
from fincast.services.forecasting.modelfiles import read_metadata

#: What the batch computes: every series, 1-12 months ahead, 95 % ranges.
HORIZON = 12
LEVEL = 95.0

#: An insight row: its key, then its value.
INSIGHT_COLUMNS = ("user_id", "kind", "subject", "month", "value")
_HOUSEHOLD_COLUMNS = ("user_id", "data_version", "model_version", "payload", "computed_at")


def digest(version: Sequence[Any]) -> str:
    """A data version (:func:`~fincast.services.forecasting.versions.data_version`) as 16 hex."""
    return hashlib.sha256(repr(tuple(version)).encode()).hexdigest()[:16]


def model_version(models_dir: Path) -> str:
    """The shared household model's identity: the SHA-256 of its signed payload."""
    return str(read_metadata(models_dir, POPULATION_MODEL)["payload_sha256"])


def write_results(
    conn: Connection,
    user_ids: Sequence[int],
    households: Sequence[Mapping[str, Any]],
    insights: Sequence[tuple[Any, ...]],
) -> None:
    """Replace the stored results of ``user_ids`` (upsert by replacement, idempotent).

    ``households`` are the stored answers (their payload is also what the
    ``batch_forecasts`` view reads as rows); ``insights`` are tuples in
    :data:`INSIGHT_COLUMNS` order, rows of those households (their stamps are the
    household row's). A row that repeats the key of an earlier one is skipped (the first is
    kept). On PostgreSQL the rows are ``COPY``-ed straight into the tables: the users' old
    rows were deleted in this transaction and the rows are unique, so nothing can conflict.
    """
    ids = list(user_ids)
    for model in (BatchInsight, BatchHousehold):  # children first
        conn.execute(delete(model).where(model.user_id.in_(ids)))
    insights = _first_of_each(insights, 4)
    if conn.dialect.driver == "psycopg2":
        rows = [tuple(h[c] for c in _HOUSEHOLD_COLUMNS) for h in _first_households(households)]
        _copy(conn, cast(Table, BatchHousehold.__table__), _HOUSEHOLD_COLUMNS, rows)
        _copy(conn, cast(Table, BatchInsight.__table__), INSIGHT_COLUMNS, insights)
        return
    if households:
        conn.execute(insert(BatchHousehold), list(_first_households(households)))
    if insights:
        table = cast(Table, BatchInsight.__table__)
        BulkInsertIgnore(conn, table, INSIGHT_COLUMNS).write(insights)


def _first_of_each(rows: Sequence[tuple[Any, ...]], key: int) -> list[tuple[Any, ...]]:
    """``rows`` without those whose first ``key`` values repeat an earlier row's."""
    seen: set[tuple[Any, ...]] = set()
    out = []
    for row in rows:
        k = row[:key]
        if k not in seen:
            seen.add(k)
            out.append(row)
    return out


def _first_households(households: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    seen: set[Any] = set()
    out = []
    for h in households:
        if h["user_id"] not in seen:
            seen.add(h["user_id"])
            out.append(h)
    return out


def _copy(
    conn: Connection, table: Table, columns: Sequence[str], rows: Sequence[tuple[Any, ...]]
) -> None:
    """``COPY`` rows (Python values; dicts as JSON) into ``table`` in its text format."""
    if not rows:
        return
    columns_text = [_column_text(values) for values in zip(*rows, strict=True)]
    copy_rows(conn, table, columns, zip(*columns_text, strict=True))


def _column_text(values: Sequence[Any]) -> list[str]:
    """One column's values as ``COPY`` text: numbers as Python writes them, the rest once each."""
    if set(map(type, values)) <= {int, float}:
        return list(map(str, values))
    text = {
        v: copy_text(json.dumps(v) if isinstance(v, dict) else v)
        for v in set(v for v in values if not isinstance(v, dict))
    }
    return [copy_text(json.dumps(v)) if isinstance(v, dict) else text[v] for v in values]


def batch_prediction(
    session: Session,
    user_id: int,
    version: Sequence[Any],
    kind: str,
    params: Mapping[str, Any],
    models_dir: Path,
) -> dict[str, Any] | None:
    """The stored household forecast for ``(user, data version, model)``, or None.

    Only the ``household`` prediction at the batch's level (95 %) and a horizon up to
    :data:`HORIZON` months is stored; its first ``horizon`` months are what on-demand
    scoring returns for that horizon.
    """
    if kind != "household":
        return None
    level = float(params.get("level", LEVEL))
    horizon = params.get("horizon", 1)
    if not math.isclose(level, LEVEL) or not isinstance(horizon, int):
        return None
    if not 1 <= horizon <= HORIZON:
        return None
    row = session.execute(
        select(
            BatchHousehold.payload, BatchHousehold.data_version, BatchHousehold.model_version
        ).where(BatchHousehold.user_id == user_id)
    ).first()
    if row is None or row.data_version != digest(version):
        return None
    if row.model_version != model_version(models_dir):
        return None
    payload: dict[str, Any] = dict(row.payload)
    return {
        **payload,
        "months": payload["months"][:horizon],
        "series": [{**s, "months": s["months"][:horizon]} for s in payload["series"]],
    }
