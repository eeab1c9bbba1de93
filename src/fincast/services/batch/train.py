"""``fincast batch train``: the shared household model learned across every user's ledger.

Each partition's users' monthly tables are read by a Dask task (one panel query per
partition); the tables come back to this process, where the one household model
(:func:`fincast.services.forecasting.household.train_population`, the same fit as
``fincast train-population``) learns from the synthetic population and them, and is
published as the model file every prediction loads. Only users with at least
``min_months`` complete months enter (the model learns from windows of their months).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
from dask.distributed import Client, as_completed

from fincast.services.batch import runs
from fincast.services.batch.cluster import batch_client
from fincast.services.batch.score import _engine, monthly_tables
from fincast.services.database import engine as database_engine
from fincast.services.forecasting.household import train_population

KIND = "train"
PARTITION_SIZE = 2_000
MIN_MONTHS = 12


def train(
    database_url: str,
    models_dir: Path,
    *,
    scheduler: str | None = None,
    client: Client | None = None,
    partition_size: int = PARTITION_SIZE,
    min_months: int = MIN_MONTHS,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, Any]:
    """Learn the shared household model from every user's tables; publish it.

    Returns:
        The published model's metadata plus ``users`` (ledgers learned from), ``partitions``
        and ``seconds``.
    """
    started = time.perf_counter()
    engine = database_engine(database_url, fresh=True)
    try:
        parts = runs.partition(runs.select_users(engine, "all"), partition_size)
    finally:
        engine.dispose()
    if client is not None:
        tables = _gather(client, database_url, parts, min_months, progress)
    else:
        with batch_client(scheduler) as own:
            tables = _gather(own, database_url, parts, min_months, progress)
    meta = train_population(models_dir, ledgers=tables)
    return {
        **meta,
        "users": len(tables),
        "partitions": len(parts),
        "seconds": round(time.perf_counter() - started, 3),
    }


def _gather(
    client: Client,
    database_url: str,
    parts: Sequence[runs.Partition],
    min_months: int,
    progress: Callable[[int, int], None] | None,
) -> list[pd.DataFrame]:
    futures = {
        client.submit(partition_tables, database_url, p.user_ids, min_months, pure=False): p
        for p in parts
    }
    found: dict[int, list[pd.DataFrame]] = {}
    for done, future in enumerate(as_completed(futures), start=1):
        part = futures[future]
        found[part.number] = future.result()
        if progress is not None:
            progress(done, len(part.user_ids))
    # In partition order, so the same ledgers always give the same model.
    return [t for n in sorted(found) for t in found[n]]


def partition_tables(
    database_url: str, user_ids: Sequence[int], min_months: int
) -> list[pd.DataFrame]:
    """One partition's monthly tables with at least ``min_months`` months (a worker task)."""
    tables = monthly_tables(_engine(database_url), user_ids)
    return [tables[u] for u in sorted(tables) if len(tables[u]) >= min_months]


__all__ = ["train"]
