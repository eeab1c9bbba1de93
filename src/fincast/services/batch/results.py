"""Stored batch results: written per partition, read back by the API when still current.

A stored household forecast is served only when it was computed from the user's current
data version and the current shared household model; otherwise the caller scores on demand.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, cast

from sqlalchemy import Connection, Table, delete, insert, select
from sqlalchemy.orm import Session

from fincast.db.dialect import BulkInsertIgnore
from fincast.ledger.models import BatchForecast, BatchHousehold, BatchInsight
from fincast.services.forecasting.household import POPULATION_MODEL
from fincast.services.forecasting.modelfiles import read_metadata

#: What the batch computes: every series, 1-12 months ahead, 95 % ranges.
HORIZON = 12
LEVEL = 95.0

_FORECAST_COLUMNS = (
    "user_id",
    "series",
    "month",
    "horizon",
    "point",
    "lo_95",
    "hi_95",
    "data_version",
    "model_version",
    "computed_at",
)
_INSIGHT_COLUMNS = ("user_id", "kind", "subject", "month", "value", "data_version", "computed_at")


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
    forecasts: Sequence[tuple[Any, ...]],
    insights: Sequence[tuple[Any, ...]],
) -> None:
    """Replace the stored results of ``user_ids`` (upsert by replacement, idempotent)."""
    ids = list(user_ids)
    for model in (BatchForecast, BatchInsight, BatchHousehold):
        conn.execute(delete(model).where(model.user_id.in_(ids)))
    if households:
        conn.execute(insert(BatchHousehold), list(households))
    if forecasts:
        table = cast(Table, BatchForecast.__table__)
        BulkInsertIgnore(conn, table, _FORECAST_COLUMNS).write(forecasts)
    if insights:
        table = cast(Table, BatchInsight.__table__)
        BulkInsertIgnore(conn, table, _INSIGHT_COLUMNS).write(insights)


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
