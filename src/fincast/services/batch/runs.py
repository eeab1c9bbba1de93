"""Batch runs and their partitions in the database: what makes a batch resumable.

A run is identified by what it is asked to do (``params_key``: kind, users, partition size,
model). Its partitions are stored with their users before any work starts; a partition is
marked done in the same transaction that writes its results, so after a crash or kill a
rerun with the same parameters finds the unfinished run and does only what is not done.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, func, insert, select, update

from fincast.errors import InputError
from fincast.ledger.models import BatchPartition, BatchRun, User, utcnow

RUNNING = "running"
DONE = "done"
PENDING = "pending"
FAILED = "failed"


@dataclass(frozen=True)
class Partition:
    """One partition to work on: its number in the run and its users (ascending ids)."""

    number: int
    user_ids: tuple[int, ...]


@dataclass(frozen=True)
class Run:
    """A run as the orchestrator sees it: its id, whether it resumed, what is left to do."""

    id: int
    resumed: bool
    n_partitions: int
    pending: tuple[Partition, ...]


def select_users(engine: Engine, users: str) -> list[int]:
    """The user ids ``users`` names: ``all`` or a comma-separated list of ids."""
    text = users.strip().lower()
    with engine.connect() as conn:
        known = [int(u) for u in conn.execute(select(User.id).order_by(User.id)).scalars()]
    if text == "all":
        return known
    wanted: list[int] = []
    for part in text.split(","):
        part = part.strip()
        if not part.isdigit():
            raise InputError(f"--users: {part!r} is not a user id (give 'all' or ID,ID,...)")
        wanted.append(int(part))
    missing = sorted(set(wanted) - set(known))
    if missing:
        raise InputError(f"--users: no user with id {missing[0]} (of {len(missing)} unknown)")
    return sorted(set(wanted))


def partition(user_ids: Sequence[int], size: int) -> list[Partition]:
    """Consecutive partitions of at most ``size`` users."""
    if size < 1:
        raise InputError(f"--partition-size must be at least 1, got {size}")
    ids = sorted(user_ids)
    return [Partition(n, tuple(ids[i : i + size])) for n, i in enumerate(range(0, len(ids), size))]


def params_key(kind: str, user_ids: Sequence[int], size: int, model_version: str) -> str:
    """What identifies a run's work: the same key resumes the same run."""
    blob = json.dumps([kind, sorted(user_ids), size, model_version]).encode()
    return hashlib.sha256(blob).hexdigest()


def start_or_resume(
    engine: Engine, kind: str, key: str, model_version: str, parts: Sequence[Partition]
) -> Run:
    """The unfinished run with ``key`` (its partitions not done yet), or a new run of ``parts``."""
    with engine.begin() as conn:
        run_id = conn.execute(
            select(BatchRun.id)
            .where(BatchRun.params_key == key, BatchRun.status == RUNNING)
            .order_by(BatchRun.id.desc())
            .limit(1)
        ).scalar()
        if run_id is not None:
            rows = conn.execute(
                select(BatchPartition.number, BatchPartition.user_ids)
                .where(BatchPartition.run_id == run_id, BatchPartition.status != DONE)
                .order_by(BatchPartition.number)
            ).all()
            total = conn.execute(
                select(func.count()).where(BatchPartition.run_id == run_id)
            ).scalar_one()
            pending = tuple(Partition(int(n), tuple(int(u) for u in ids)) for n, ids in rows)
            return Run(int(run_id), True, int(total), pending)
        run_id = conn.execute(
            insert(BatchRun)
            .values(
                kind=kind,
                params_key=key,
                status=RUNNING,
                model_version=model_version,
                n_partitions=len(parts),
                started_at=utcnow(),
            )
            .returning(BatchRun.id)
        ).scalar_one()
        if parts:
            conn.execute(
                insert(BatchPartition),
                [
                    {
                        "run_id": run_id,
                        "number": p.number,
                        "user_ids": list(p.user_ids),
                        "status": PENDING,
                        "users": 0,
                        "series": 0,
                        "failures": [],
                        "seconds": 0.0,
                    }
                    for p in parts
                ],
            )
    return Run(int(run_id), False, len(parts), tuple(parts))


def mark_partition(
    conn: Connection,
    run_id: int,
    number: int,
    *,
    status: str,
    users: int,
    series: int,
    failures: list[dict[str, Any]],
    seconds: float,
) -> None:
    """Record a partition's outcome (inside the transaction that wrote its results)."""
    conn.execute(
        update(BatchPartition)
        .where(BatchPartition.run_id == run_id, BatchPartition.number == number)
        .values(
            status=status,
            users=users,
            series=series,
            failures=failures,
            seconds=seconds,
            finished_at=utcnow(),
        )
    )


def finish(engine: Engine, run_id: int, *, seconds: float) -> dict[str, Any]:
    """Close the run when every partition is done; return its summary (all partitions)."""
    with engine.begin() as conn:
        rows = conn.execute(
            select(
                BatchPartition.status,
                BatchPartition.users,
                BatchPartition.series,
                BatchPartition.failures,
            ).where(BatchPartition.run_id == run_id)
        ).all()
        failures = [f for r in rows for f in (r.failures or [])]
        complete = all(r.status == DONE for r in rows)
        summary: dict[str, Any] = {
            "run_id": run_id,
            "partitions": len(rows),
            "partitions_done": sum(r.status == DONE for r in rows),
            "users": sum(int(r.users) for r in rows),
            "series": sum(int(r.series) for r in rows),
            "seconds": round(seconds, 3),
            "failures": failures,
            "complete": complete,
        }
        values: dict[str, Any] = {"summary": summary}
        if complete:
            values |= {"status": DONE, "finished_at": utcnow()}
        conn.execute(update(BatchRun).where(BatchRun.id == run_id).values(**values))
    return summary
