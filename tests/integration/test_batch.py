"""``fincast batch score`` on a real Dask LocalCluster (two worker processes).

Against PostgreSQL (CI requires it) and SQLite: the stored results equal what the API's
in-process path computes for the same users, a bad user is listed while the others are
scored, a killed run resumes without redoing finished partitions, and the API serves the
stored forecast only while it matches the user's data version and the model.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from dask.distributed import Client, LocalCluster
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from fincast.db import migrate
from fincast.errors import InputError
from fincast.ledger import service
from fincast.ledger.bulk import bulk_load_transactions
from fincast.ledger.loader import load_transactions_frame
from fincast.ledger.models import (
    BatchHousehold,
    BatchInsight,
    BatchPartition,
    BatchRun,
    Transaction,
    User,
    batch_forecasts,
)
from fincast.services.batch.results import batch_prediction
from fincast.services.batch.score import score
from fincast.services.forecasting.cache import CACHE
from fincast.services.forecasting.household import train_population
from fincast.services.forecasting.predictions import predict
from fincast.services.forecasting.versions import current_version
from fincast.synth import generate_households
from tests.support.crash import CrashDatabase, crash_database

GOOD = 6


@pytest.fixture(scope="module")
def client() -> Iterator[Client]:
    """A real local cluster: two worker processes, one thread each."""
    with (
        LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
        ) as cluster,
        Client(cluster) as c,
    ):
        yield c


@pytest.fixture(scope="module")
def models(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small household model of this module's own (seconds to train, same code path)."""
    folder = tmp_path_factory.mktemp("models")
    train_population(folder, households=60, months=48)
    return folder


@pytest.fixture(params=["postgresql", "sqlite"])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[CrashDatabase]:
    with crash_database(request.param, tmp_path) as database:
        migrate.upgrade(database.engine)
        yield database


@pytest.fixture()
def pg(tmp_path: Path) -> Iterator[CrashDatabase]:
    with crash_database("postgresql", tmp_path) as database:
        migrate.upgrade(database.engine)
        yield database


def _load(db: CrashDatabase) -> dict[str, int]:
    """GOOD synthetic households, one with two months only, one with no transactions."""
    bulk_load_transactions(db.engine, generate_households(GOOD, 24, 16_016).transactions)
    short = generate_households(1, 2, 99).transactions
    short["user_id"] = "short"
    load_transactions_frame(db.engine, short)
    with Session(db.engine) as session, session.begin():
        empty = service.create_user(session, "empty@example.org").id
        ids = {u.email.split("@")[0]: u.id for u in session.scalars(select(User))}
    return {**ids, "empty": empty}


def _on_demand(db: CrashDatabase, user: int, models: Path, horizon: int = 12) -> dict:
    CACHE.discard_user(user)
    with Session(db.engine) as session:
        out = predict(
            db.engine,
            session,
            user,
            "household",
            {"horizon": horizon, "level": 95.0},
            models_dir=models,
        )
    out.pop("own_backtest")
    return json.loads(json.dumps(out))


def test_batch_results_equal_the_in_process_path(
    db: CrashDatabase, client: Client, models: Path
) -> None:
    users = _load(db)
    summary = score(db.url, models, partition_size=3, client=client)

    good = [users[f"u{i:05d}"] for i in range(1, GOOD + 1)]
    assert summary["users"] == GOOD
    assert summary["partitions"] == 3 and summary["skipped_partitions"] == 0
    reasons = {f["user_id"]: f["reason"] for f in summary["failures"]}
    assert set(reasons) == {users["short"], users["empty"]}
    assert "at least 3 complete months" in reasons[users["short"]]
    assert "no complete month" in reasons[users["empty"]]
    assert summary["run"]["complete"] is True

    with Session(db.engine) as session:
        stored = {h.user_id: h for h in session.scalars(select(BatchHousehold))}
        assert set(stored) == set(good)
        n_series = 0
        for user in good:
            expected = _on_demand(db, user, models)
            assert stored[user].payload == expected
            rows = session.execute(
                select(batch_forecasts).where(batch_forecasts.c.user_id == user)
            ).all()
            by_key = {(r.series, r.horizon): r for r in rows}
            for entry in expected["series"]:
                for h, month in enumerate(entry["months"], start=1):
                    row = by_key[(entry["name"], h)]
                    assert row.month == month["month"]
                    assert float(row.point) == pytest.approx(month["forecast"], abs=0.005)
                    assert float(row.lo_95) == pytest.approx(month["lower"], abs=0.005)
                    assert float(row.hi_95) == pytest.approx(month["upper"], abs=0.005)
            assert len(by_key) == 12 * len(expected["series"])
            n_series += len(expected["series"])
            version = current_version(session, user)
            assert (
                batch_prediction(
                    session, user, version, "household", {"horizon": 12, "level": 95.0}, models
                )
                == expected
            )
        assert summary["series"] == n_series
        odds = session.scalars(select(BatchInsight.value)).all()
        assert odds and all(0.0 <= p <= 1.0 for p in odds)

    # Idempotent: a second run replaces the results, it does not add to them.
    counts = _counts(db)
    again = score(db.url, models, partition_size=3, client=client)
    assert again["users"] == GOOD and not again["resumed"]
    assert _counts(db) == counts


def test_score_runs_on_an_existing_scheduler_for_chosen_users(
    db: CrashDatabase, client: Client, models: Path
) -> None:
    users = _load(db)
    chosen = [users["u00002"], users["u00005"]]
    address = client.scheduler.address
    summary = score(
        db.url, models, users=",".join(map(str, chosen)), partition_size=1, scheduler=address
    )
    assert summary["users"] == 2 and summary["partitions"] == 2 and summary["failures"] == []
    with Session(db.engine) as session:
        assert sorted(session.scalars(select(BatchHousehold.user_id))) == sorted(chosen)
    with pytest.raises(InputError, match="no user with id 999999"):
        score(db.url, models, users="999999", client=client)


def _counts(db: CrashDatabase) -> tuple[int, int, int]:
    with Session(db.engine) as session:
        return tuple(
            int(session.scalar(select(func.count()).select_from(m)))
            for m in (batch_forecasts, BatchHousehold, BatchInsight)
        )


def test_the_api_serves_stored_results_only_while_current(
    db: CrashDatabase, client: Client, models: Path
) -> None:
    users = _load(db)
    score(db.url, models, partition_size=4, client=client)
    me, other = users["u00001"], users["u00002"]
    with Session(db.engine) as session, session.begin():
        # Mark the stored answer so that serving it is visible.
        payload = dict(session.get(BatchHousehold, me).payload)
        payload["method"] = "stored by the batch"
        session.execute(
            update(BatchHousehold).where(BatchHousehold.user_id == me).values(payload=payload)
        )
    served = _on_demand(db, me, models, horizon=3)
    assert served["method"] == "stored by the batch"
    assert served["months"] == payload["months"][:3]
    assert all(len(s["months"]) == 3 for s in served["series"])
    # Another level is not stored: scored on demand.
    CACHE.discard_user(me)
    with Session(db.engine) as session:
        other_level = predict(
            db.engine, session, me, "household", {"horizon": 3, "level": 80.0}, models_dir=models
        )
        # Each user's stored forecast is their own: another user's lookup never returns it.
        theirs = batch_prediction(
            session, other, current_version(session, other), "household", {"horizon": 3}, models
        )
        assert theirs is not None and theirs["method"] != "stored by the batch"
        assert theirs["series"] != served["series"]
    assert other_level["method"] != "stored by the batch"
    # New data: a new version, so the stored forecast is stale and not served.
    with Session(db.engine) as session, session.begin():
        account = service.find_account(session, me, "Checking")
        assert account is not None
        session.add(
            Transaction(
                user_id=me,
                account_id=account.id,
                posted_date=dt.date(2024, 1, 15),
                amount=Decimal("-12.34"),
                currency="USD",
                fingerprint="test-new-row",
            )
        )
    fresh = _on_demand(db, me, models, horizon=3)
    assert fresh["method"] != "stored by the batch"
    assert fresh["series"] and fresh["months"] == served["months"]


def test_a_killed_batch_resumes_without_redoing_finished_partitions(
    pg: CrashDatabase, client: Client, models: Path, tmp_path: Path
) -> None:
    db = pg
    _load(db)
    env = db.env(tmp_path, FINCAST_MODELS_DIR=str(models))
    cmd = [
        sys.executable,
        "-m",
        "fincast.cli.main",
        "batch",
        "score",
        "--partition-size",
        "1",
        "--json",
    ]
    log = tmp_path / "batch.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            cmd, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    finished: dict[int, dt.datetime] = {}
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and proc.poll() is None:
            finished = _done(db)
            if finished:
                break
            time.sleep(0.02)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    assert finished, log.read_text()[-3000:]
    db.wait_for_no_backend()
    finished = _done(db)
    with Session(db.engine) as session:
        total = session.scalar(select(func.count()).select_from(BatchPartition))
        assert session.scalar(select(BatchRun.status)) == "running"
    assert 0 < len(finished) < total

    summary = score(db.url, models, partition_size=1, client=client)
    assert summary["resumed"] is True
    assert summary["skipped_partitions"] == len(finished)
    assert summary["run"]["complete"] is True
    assert summary["run"]["users"] == GOOD
    after = _done(db)
    assert len(after) == total
    # The partitions finished before the kill were not done again.
    assert {n: after[n] for n in finished} == finished
    with Session(db.engine) as session:
        assert session.scalar(select(func.count()).select_from(BatchHousehold)) == GOOD


def _done(db: CrashDatabase) -> dict[int, dt.datetime]:
    with Session(db.engine) as session:
        rows = session.execute(
            select(BatchPartition.number, BatchPartition.finished_at).where(
                BatchPartition.status == "done"
            )
        ).all()
    return {int(n): at for n, at in rows}
