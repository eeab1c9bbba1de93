"""Benchmark: build the monthly panel for many synthetic households on a real database."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

from rich.progress import Progress
from sqlalchemy import Engine, func, select

from fincast.db import migrate
from fincast.ledger.loader import load_transactions_frame
from fincast.ledger.models import Transaction
from fincast.panel import build_panel


def bench_panel(
    engine: Engine, *, users: int, months: int, seed: int = 1, repeats: int = 3
) -> dict[str, Any]:
    """Load ``users`` synthetic households (once) and time ``build_panel`` over all of them."""
    from fincast.synth import generate_households

    migrate.upgrade(engine)
    with engine.connect() as conn:
        have = conn.execute(select(func.count()).select_from(Transaction)).scalar_one()
    load_seconds = None
    if have == 0:
        households = generate_households(n_users=users, n_months=months, seed=seed, start="2022-01")
        tx = households.transactions
        t0 = time.perf_counter()
        with Progress() as progress:
            task = progress.add_task("loading transactions", total=len(tx))
            load_transactions_frame(engine, tx, progress=lambda n: progress.advance(task, n))
        load_seconds = time.perf_counter() - t0
    with engine.connect() as conn:
        n_tx = conn.execute(select(func.count()).select_from(Transaction)).scalar_one()
    timings = []
    panel = None
    for _ in range(repeats):
        t0 = time.perf_counter()
        panel = build_panel(engine, as_of=dt.date(2100, 1, 1))
        timings.append(time.perf_counter() - t0)
    assert panel is not None
    return {
        "dialect": engine.dialect.name,
        "transactions": int(n_tx),
        "series": int(panel["unique_id"].nunique()),
        "panel_rows": len(panel),
        "load_seconds": None if load_seconds is None else round(load_seconds, 1),
        "build_seconds_best": round(min(timings), 2),
        "build_seconds_all": [round(t, 2) for t in timings],
    }
