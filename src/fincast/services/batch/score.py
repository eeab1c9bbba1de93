"""``fincast batch score``: every user's forecasts and insights, partition by partition.

Each partition is one Dask task: it reads its users' data versions, confirmed bills and
monthly panel (one GROUP BY for the whole partition, :mod:`.partition`), forecasts every
series 1-12 months ahead with the served household model for all of them at once
(:func:`fincast.services.forecasting.household.serve_many`: the answers of ``serve``, the
path the API answers with, vectorised across the partition's households), computes the
overspending odds from the same forecast, and writes everything stamped with each user's
data version - results and the partition's "done" mark in one transaction. A user whose
forecast fails is listed with the reason; the others are scored.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
from dask.distributed import Client, as_completed
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from fincast.errors import InputError
from fincast.frames import DS, UID, Y
from fincast.insights.overspending import overspending
from fincast.ledger.models import utcnow
from fincast.ml.household import HouseholdForecaster
from fincast.ml.household_table import HouseholdArrays
from fincast.panel import build_panel
from fincast.panel.build import CATEGORY_PREFIX, SAVINGS, TOTAL_EXPENSE, TOTAL_INCOME
from fincast.services.batch import runs
from fincast.services.batch.cluster import batch_client
from fincast.services.batch.partition import (
    partition_bills,
    partition_households,
    partition_versions,
)
from fincast.services.batch.results import HORIZON, LEVEL, digest, model_version, write_results
from fincast.services.database import engine as database_engine
from fincast.services.forecasting.household import public, serve_many, versioned_population_model
from fincast.services.forecasting.known import KnownBills

KIND = "score"
PARTITION_SIZE = 500
#: Insight kinds written to ``batch_insights``.
OVERSPENDING = "overspending"
EXPENSE_OVER_INCOME = "expense_over_income"

#: Called with (partitions finished, users in them) as partitions finish.
Progress = Callable[[int, int], None]


def score(
    database_url: str,
    models_dir: Path,
    *,
    users: str = "all",
    partition_size: int = PARTITION_SIZE,
    scheduler: str | None = None,
    client: Client | None = None,
    progress: Progress | None = None,
    on_start: Callable[[runs.Run], None] | None = None,
) -> dict[str, Any]:
    """Score ``users`` (``all`` or ``ID,ID,...``) on a Dask cluster; return the summary.

    Args:
        database_url: The ledger database; every worker connects to it.
        models_dir: Where the shared household model is (trained first if there is none).
        users: Which users.
        partition_size: Users per partition (one task each).
        scheduler: Address of an existing Dask scheduler; None starts a local cluster.
        client: A Dask client to use instead (tests, the benchmark).
        progress: Receives (partitions finished, their users) as partitions finish.
        on_start: Receives the run (new or resumed) before any partition is submitted.

    Returns:
        ``users``, ``series``, ``seconds``, ``series_per_second`` and ``failures`` of this
        invocation, the run's totals under ``run``, and ``resumed`` / ``skipped_partitions``.
    """
    started = time.perf_counter()
    engine = database_engine(database_url, fresh=True)
    try:
        _, model = versioned_population_model(models_dir)
        version = model_version(models_dir)
        user_ids = runs.select_users(engine, users)
        parts = runs.partition(user_ids, partition_size)
        key = runs.params_key(KIND, user_ids, partition_size, version)
        run = runs.start_or_resume(engine, KIND, key, version, parts)
        if on_start is not None:
            on_start(run)
        if client is not None:
            outcomes = _submit(client, database_url, model, version, run, progress)
        else:
            with batch_client(scheduler) as own:
                outcomes = _submit(own, database_url, model, version, run, progress)
        seconds = time.perf_counter() - started
        totals = runs.finish(engine, run.id, seconds=seconds)
    finally:
        engine.dispose()
    series = sum(o["series"] for o in outcomes)
    return {
        "run_id": run.id,
        "resumed": run.resumed,
        "partitions": run.n_partitions,
        "skipped_partitions": run.n_partitions - len(run.pending),
        "users": sum(o["users"] for o in outcomes),
        "series": series,
        "seconds": round(seconds, 3),
        "series_per_second": round(series / seconds, 1) if seconds > 0 else None,
        "failures": [f for o in outcomes for f in o["failures"]],
        "run": totals,
    }


def _submit(
    client: Client,
    database_url: str,
    model: HouseholdForecaster,
    version: str,
    run: runs.Run,
    progress: Progress | None,
) -> list[dict[str, Any]]:
    if not run.pending:
        return []
    shared = client.scatter(model, broadcast=True)
    futures = {
        client.submit(
            score_partition,
            database_url,
            shared,
            version,
            run.id,
            p.number,
            p.user_ids,
            key=f"fincast-score-{run.id}-{p.number}",
            pure=False,
        ): p
        for p in run.pending
    }
    outcomes = []
    for done, future in enumerate(as_completed(futures), start=1):
        part = futures[future]
        try:
            outcome = future.result()
        except Exception as exc:  # a partition that could not run at all (database, worker)
            outcome = _partition_failed(database_url, run.id, part, exc)
        outcomes.append(outcome)
        if progress is not None:
            progress(done, len(part.user_ids))
    return outcomes


def _partition_failed(
    database_url: str, run_id: int, part: runs.Partition, exc: BaseException
) -> dict[str, Any]:
    reason = f"partition {part.number} failed: {type(exc).__name__}: {exc}"
    failures = [{"user_id": None, "partition": part.number, "reason": reason}]
    engine = _engine(database_url)
    with engine.begin() as conn:
        runs.mark_partition(
            conn,
            run_id,
            part.number,
            status=runs.FAILED,
            users=0,
            series=0,
            failures=failures,
            seconds=0.0,
        )
    return {"users": 0, "series": 0, "failures": failures}


# ------------------------------------------------------------------ one partition (a worker)

_ENGINES: dict[str, Engine] = {}


def _engine(url: str) -> Engine:
    """One engine per database per worker process, reused by its tasks."""
    if url not in _ENGINES:
        _ENGINES[url] = database_engine(url, fresh=True)
    return _ENGINES[url]


def score_partition(
    database_url: str,
    model: HouseholdForecaster,
    version: str,
    run_id: int,
    number: int,
    user_ids: Sequence[int],
) -> dict[str, Any]:
    """Score one partition's users and store the results; return users, series, failures."""
    started = time.perf_counter()
    engine = _engine(database_url)
    computed_at = utcnow()
    failures: list[dict[str, Any]] = []
    households: list[dict[str, Any]] = []
    insights: list[tuple[Any, ...]] = []
    series = 0
    with Session(engine) as session:
        # Versions first: were the ledger to change while this runs, the stamp is the older
        # version, so the API never serves these results for the newer data.
        versions = {u: digest(v) for u, v in partition_versions(session, user_ids).items()}
        bills = partition_bills(session, user_ids)
    found = partition_households(engine, user_ids)
    scored = [u for u in user_ids if u in found]
    for user in user_ids:
        if user not in found:
            reason = InputError("no complete month of transactions to forecast from")
            failures.append({"user_id": user, "reason": f"{type(reason).__name__}: {reason}"})
    outcomes = _serve_all(model, [found[u].arrays for u in scored], [bills[u] for u in scored])
    for user, served in zip(scored, outcomes, strict=True):
        if isinstance(served, Exception):
            failures.append({"user_id": user, "reason": f"{type(served).__name__}: {served}"})
            continue
        stamp = versions[user]
        households.append(
            {
                "user_id": user,
                "data_version": stamp,
                "model_version": version,
                "payload": public(served),
                "computed_at": computed_at,
            }
        )
        series += len(served["series"])
        insights.extend(_insights(user, served, found[user].trailing))
    position = {u: k for k, u in enumerate(user_ids)}
    failures.sort(key=lambda f: position[f["user_id"]])
    seconds = time.perf_counter() - started
    with engine.begin() as conn:
        write_results(conn, user_ids, households, insights)
        runs.mark_partition(
            conn,
            run_id,
            number,
            status=runs.DONE,
            users=len(households),
            series=series,
            failures=failures,
            seconds=seconds,
        )
    return {"users": len(households), "series": series, "failures": failures}


def _serve_all(
    model: HouseholdForecaster,
    arrays: Sequence[HouseholdArrays],
    bills: Sequence[KnownBills],
) -> list[dict[str, Any] | Exception]:
    """:func:`serve_many` of the partition; should it fail as a whole, one user at a time.

    ``serve_many`` returns the reasons of households it refuses in their place; anything
    else a broken household raises would stop the batch call, so the partition then serves
    each household on its own and lists that one's error.
    """
    try:
        return list(serve_many(model, arrays, horizon=HORIZON, level=LEVEL, bills=bills))
    except Exception:  # one bad household must not fail its partition: find it
        out: list[dict[str, Any] | Exception] = []
        for one, bill in zip(arrays, bills, strict=True):
            try:
                out.extend(serve_many(model, [one], horizon=HORIZON, level=LEVEL, bills=[bill]))
            except Exception as exc:
                out.append(exc)
        return out


def monthly_tables(engine: Engine, user_ids: Sequence[int]) -> dict[int, pd.DataFrame]:
    """Each user's monthly table, from one panel query and one pivot for all of them.

    The layout of :func:`fincast.panel.panel_to_monthly_wide` (``year_month,
    total_income, <categories>, total_expense, savings``), which pivots one user at a time
    (about 18 ms each); the batch tests check the tables give what the API's path gives.
    """
    panel = build_panel(engine, user_ids)
    if panel.empty:
        return {}
    uid = panel[UID].str.split("/", n=1, expand=True)
    frame = pd.DataFrame({"user": uid[0].astype(int), "series": uid[1], DS: panel[DS], Y: panel[Y]})
    wide = frame.pivot_table(index=["user", DS], columns="series", values=Y, aggfunc="sum")
    tables = {}
    for user, rows in wide.groupby(level=0, sort=False):
        mine = rows.droplevel(0).dropna(axis=1, how="all").fillna(0.0)
        cats = sorted(c for c in mine.columns if c.startswith(CATEGORY_PREFIX))
        out = pd.DataFrame({"year_month": mine.index.strftime("%Y-%m")})
        out[TOTAL_INCOME] = mine[TOTAL_INCOME].to_numpy()
        for cat in cats:
            out[cat.removeprefix(CATEGORY_PREFIX)] = mine[cat].to_numpy()
        out[TOTAL_EXPENSE] = mine[TOTAL_EXPENSE].to_numpy()
        out[SAVINGS] = mine[SAVINGS].to_numpy()
        tables[int(user)] = out
    return tables


def _insights(
    user: int, served: dict[str, Any], trailing: dict[str, float]
) -> list[tuple[Any, ...]]:
    """The overspending odds of next month, read from the same forecast (no budgets).

    ``trailing`` is what :func:`fincast.insights.overspending.trailing_averages` gives for
    the user's monthly table.
    """
    risk = overspending(served["_forecast"], trailing)
    rows = [
        (user, OVERSPENDING, c.category, risk.month, c.probability_over_limit)
        for c in risk.categories
    ]
    rows.append(
        (
            user,
            EXPENSE_OVER_INCOME,
            "total",
            risk.month,
            risk.probability_expense_over_income,
        )
    )
    return rows


__all__ = ["PARTITION_SIZE", "monthly_tables", "score", "score_partition"]
