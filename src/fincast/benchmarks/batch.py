"""Benchmark: ``fincast batch score`` end to end on N synthetic households (issue 16).

Generates N households x 36 months, bulk-loads them (:mod:`fincast.ledger.bulk`), trains
the shared household model as a fresh install does, scores every user on a local Dask
cluster (:func:`fincast.services.batch.score.score`: panels from the database, forecasts
h = 1..12 with 95 % ranges, insights, results written), and times statsforecast
``AutoETS(season_length=12)`` on the same monthly series of a sample of the households in
the same run. Peak memory is the highest sum of resident memory of this process and its
children (the Dask scheduler's process is this one; the workers are children), sampled
every 0.2 s; the database server's memory is not included.
"""

from __future__ import annotations

import os
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pandas as pd
import psutil
from sqlalchemy import Engine, delete, func, select

from fincast.db import migrate
from fincast.ledger.bulk import bulk_load_transactions
from fincast.ledger.models import (
    BatchHousehold,
    BatchInsight,
    BatchPartition,
    BatchRun,
    Transaction,
    User,
)
from fincast.services.batch.cluster import batch_client, local_workers
from fincast.services.batch.score import monthly_tables, score
from fincast.services.database import engine as database_engine
from fincast.services.forecasting.household import train_population

#: Generator seed of the benchmark's households (used by no model and no test).
BATCH_SEED = 16_160_016
MONTHS = 36
#: Households generated (and held in memory) at a time.
GENERATION_CHUNK = 10_000


@contextmanager
def peak_rss() -> Iterator[Callable[[], float]]:
    """Track the peak resident memory (MiB) of this process plus its children."""
    me = psutil.Process()
    peak = [0.0]
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            total = 0
            for proc in [me, *me.children(recursive=True)]:
                try:
                    total += proc.memory_info().rss
                except psutil.Error:
                    continue
            peak[0] = max(peak[0], total / 2**20)
            stop.wait(0.2)

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    try:
        yield lambda: peak[0]
    finally:
        stop.set()
        thread.join()


def autoets_rate(tables: dict[int, pd.DataFrame], workers: int) -> dict[str, Any]:
    """AutoETS (statsforecast) on every series of ``tables`` (h = 12, 95 %): series, seconds."""
    from statsforecast import StatsForecast
    from statsforecast.models import AutoETS

    frames = []
    for user, table in tables.items():
        long = table.melt(id_vars="year_month", var_name="series", value_name="y")
        long["unique_id"] = f"{user}/" + long["series"]
        long["ds"] = pd.to_datetime(long["year_month"], format="%Y-%m")
        frames.append(long[["unique_id", "ds", "y"]])
    panel = pd.concat(frames, ignore_index=True)
    n_series = int(panel["unique_id"].nunique())
    started = time.perf_counter()
    StatsForecast(models=[AutoETS(season_length=12)], freq="MS", n_jobs=workers).forecast(
        df=panel, h=12, level=[95]
    )
    seconds = time.perf_counter() - started
    return {
        "households": len(tables),
        "series": n_series,
        "seconds": round(seconds, 2),
        "series_per_second": round(n_series / seconds, 1),
        "n_jobs": workers,
    }


def _generated(
    households: int, seconds: list[float], say: Callable[[str], None]
) -> Iterator[pd.DataFrame]:
    """The benchmark's households, :data:`GENERATION_CHUNK` at a time (memory stays flat).

    Chunk k is generated with seed ``BATCH_SEED + k`` and its user keys continue the
    numbering of the chunks before it, so the first chunk is the whole data of a run of up
    to :data:`GENERATION_CHUNK` households. ``seconds[0]`` accumulates the generation time.
    """
    from fincast.synth import generate_households

    for k, start in enumerate(range(0, households, GENERATION_CHUNK)):
        n = min(GENERATION_CHUNK, households - start)
        t0 = time.perf_counter()
        tx = generate_households(n, MONTHS, BATCH_SEED + k).transactions
        if start:
            number = tx["user_id"].astype(str).str.removeprefix("u").astype(int) + start
            tx["user_id"] = "u" + number.astype(str).str.zfill(5)
        seconds[0] += time.perf_counter() - t0
        if households > GENERATION_CHUNK:
            say(f"households {start + 1:,}-{start + n:,}: {len(tx):,} transactions")
        yield tx
        del tx


def _forget_results(engine: Engine) -> dict[str, Any]:
    """Delete the stored batch results and runs (so that everyone is scored); count rows."""
    with engine.begin() as conn:
        for model in (BatchInsight, BatchHousehold, BatchPartition, BatchRun):
            conn.execute(delete(model))
        rows = conn.execute(select(func.count()).select_from(Transaction)).scalar_one()
    return {"transactions": int(rows), "reused_loaded_database": True}


def run(
    households: int,
    *,
    database_url: str | None = None,
    partition_size: int = 500,
    workers: int | None = None,
    ets_sample: int = 200,
    models_dir: Path | None = None,
    progress: Callable[[str], None] | None = None,
    loaded: bool = False,
) -> dict[str, Any]:
    """Generate, bulk-load and score ``households``; AutoETS on ``ets_sample`` of them.

    ``database_url`` must name an empty database (default: a temporary SQLite file), or,
    with ``loaded``, one an earlier run of the benchmark loaded with the same number of
    households: its stored results and runs are deleted and everyone is scored again
    (loading 100,000 households takes half an hour here).
    """
    say = progress or (lambda _msg: None)
    folder = Path(tempfile.mkdtemp(prefix="fincast-bench-batch-"))
    url = database_url or f"sqlite:///{folder / 'batch.db'}"
    engine = database_engine(url, fresh=True)
    migrate.upgrade(engine)
    with engine.connect() as conn:
        n_users = conn.execute(select(func.count()).select_from(User)).scalar_one()
    if loaded and n_users != households:
        raise ValueError(f"{url}: holds {n_users:,} users, not the {households:,} asked for")
    if not loaded and n_users:
        raise ValueError(f"{url}: the benchmark needs an empty database")
    n_workers = workers or local_workers()
    load_before = os.getloadavg()
    result: dict[str, Any] = {
        "households": households,
        "months": MONTHS,
        "backend": engine.dialect.name,
        "workers": n_workers,
        "partition_size": partition_size,
        "cpus": os.cpu_count(),
    }
    with peak_rss() as peak:
        if loaded:
            say(f"scoring the {households:,} households loaded before, again")
            result |= _forget_results(engine)
        else:
            say(f"generating and bulk-loading {households:,} households")
            generation = [0.0]
            t0 = time.perf_counter()
            rows = bulk_load_transactions(engine, _generated(households, generation, say))
            load = time.perf_counter() - t0 - generation[0]
            result["generate_seconds"] = round(generation[0], 1)
            result["transactions"] = rows["rows"]
            result["load_seconds"] = round(load, 1)
            result["load_rows_per_second"] = round(result["transactions"] / load)
        models = models_dir or folder / "models"
        if not (models / "population.meta.json").exists():
            say("training the household model (fresh-install population)")
            t0 = time.perf_counter()
            train_population(models)
            result["train_seconds"] = round(time.perf_counter() - t0, 1)
        say("starting the local Dask cluster")
        t0 = time.perf_counter()
        with batch_client(workers=n_workers) as client:
            result["cluster_start_seconds"] = round(time.perf_counter() - t0, 1)
            say("scoring")
            summary = score(url, models, partition_size=partition_size, client=client)
        result["score_peak_rss_mib"] = round(peak())
    result |= {
        "users": summary["users"],
        "series": summary["series"],
        "score_seconds": summary["seconds"],
        "series_per_second": summary["series_per_second"],
        "failures": len(summary["failures"]),
    }
    say(f"AutoETS on {min(ets_sample, households)} households' series")
    with engine.connect() as conn:
        ids = [int(u) for u in conn.execute(select(User.id).order_by(User.id)).scalars()]
    sample = ids[:: max(1, len(ids) // max(1, ets_sample))][:ets_sample]
    result["autoets"] = autoets_rate(monthly_tables(engine, sample), n_workers)
    result["load_average_before"] = [round(x, 2) for x in load_before]
    result["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    engine.dispose()
    return result


__all__ = ["BATCH_SEED", "GENERATION_CHUNK", "autoets_rate", "peak_rss", "run"]
