"""Import benchmark: a generated CSV of N rows into SQLite, PostgreSQL or MariaDB.

Run with ``fincast benchmark import --rows 1000000 [--database-url URL]``. A server database
gets a fresh schema (PostgreSQL) or database (MariaDB) that is dropped afterwards.
"""

from __future__ import annotations

import datetime as dt
import random
import resource
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from fincast.db import migrate
from fincast.db.engine import make_engine, session_scope

_MERCHANTS = (
    "WHOLE FOODS MARKET",
    "STARBUCKS STORE",
    "SHELL OIL",
    "AMAZON MKTPLACE PMTS",
    "NETFLIX.COM",
    "UBER TRIP",
    "CVS PHARMACY",
    "TARGET",
    "COMCAST CABLE",
    "LOCAL DINER",
    "CITY PARKING",
    "HOME DEPOT",
    "TRADER JOE'S",
    "SPOTIFY",
    "DELTA AIR LINES",
    "CORNER BAKERY",
)


def write_csv(path: Path, rows: int, *, seed: int = 0) -> int:
    """Write a bank-style CSV (Date, Description, Amount) of ``rows`` rows; returns bytes."""
    rng = random.Random(seed)
    start = dt.date(2015, 1, 1)
    dates = [(start + dt.timedelta(days=i)).isoformat() for i in range(3650)]
    with path.open("w", encoding="utf-8", newline="") as fh:
        fh.write("Date,Description,Amount\n")
        block: list[str] = []
        for i in range(rows):
            day = dates[i * len(dates) // rows]
            if rng.random() < 0.03:
                line = f"{day},PAYROLL ACME CORP,{rng.randint(150000, 400000) / 100:.2f}\n"
            else:
                merchant = _MERCHANTS[rng.randrange(len(_MERCHANTS))]
                store = rng.randrange(1000)
                line = f"{day},{merchant} #{store},-{rng.randint(100, 25000) / 100:.2f}\n"
            block.append(line)
            if len(block) >= 10_000:
                fh.write("".join(block))
                block.clear()
        fh.write("".join(block))
    return path.stat().st_size


@contextmanager
def _database(database_url: str | None, workdir: Path) -> Iterator[Engine]:
    if database_url is None:
        engine = make_engine(f"sqlite:///{workdir / 'bench.db'}")
        try:
            yield engine
        finally:
            engine.dispose()
        return
    url = make_url(database_url)
    name = f"fincast_bench_{uuid.uuid4().hex[:10]}"
    backend = url.get_backend_name()
    if backend == "sqlite":
        engine = make_engine(database_url)
        try:
            yield engine
        finally:
            engine.dispose()
        return
    admin = create_engine(database_url, isolation_level="AUTOCOMMIT")
    if backend == "postgresql":
        with admin.connect() as conn:
            conn.execute(text(f'CREATE SCHEMA "{name}"'))
        engine = make_engine(
            url.render_as_string(hide_password=False),
            connect_args={"options": f"-csearch_path={name}"},
        )
    else:
        with admin.connect() as conn:
            conn.execute(text(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4"))
        engine = make_engine(url.set(database=name).render_as_string(hide_password=False))
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.connect() as conn:
            if backend == "postgresql":
                conn.execute(text(f'DROP SCHEMA "{name}" CASCADE'))
            else:
                conn.execute(text(f"DROP DATABASE `{name}`"))
        admin.dispose()


def bench_import(*, rows: int, database_url: str | None = None) -> dict[str, Any]:
    """Import a generated CSV of ``rows`` rows twice (fresh, then all duplicates) and time it.

    Wall-clock and CPU seconds of this process are both reported: on a shared machine the
    first depends on the load, the second much less (the database server's CPU is not in it).
    """
    from fincast.ledger import service as ledger
    from fincast.services.imports import import_file

    with tempfile.TemporaryDirectory(prefix="fincast-bench-") as tmp:
        workdir = Path(tmp)
        csv_path = workdir / "bench.csv"
        size = write_csv(csv_path, rows)
        with _database(database_url, workdir) as engine:
            migrate.upgrade(engine)
            with session_scope(engine) as session:
                user = ledger.get_or_create_user(session, "bench@fincast.invalid")
                account = ledger.get_or_create_account(session, user.id, "Bench checking")
                user_id, account_id = user.id, account.id
            run_import = partial(
                import_file, engine, data=csv_path, filename=csv_path.name, max_bytes=size + 1
            )
            runs = []
            for _ in range(2):  # a fresh import, then the same file again: all duplicates
                t0, c0 = time.perf_counter(), time.process_time()
                result = run_import(user_id=user_id, account_id=account_id)
                runs.append((result, time.perf_counter() - t0, time.process_time() - c0))
            backend = engine.dialect.name
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    (first, seconds, cpu_seconds), (second, reimport_seconds, _) = runs
    return {
        "rows": rows,
        "backend": backend,
        "file_mb": round(size / 2**20, 1),
        "imported": first.imported,
        "import_seconds": round(seconds, 2),
        "import_cpu_seconds": round(cpu_seconds, 2),
        "rows_per_second": round(rows / seconds),
        "reimport_seconds": round(reimport_seconds, 2),
        "duplicates": second.duplicates,
        "peak_rss_mb": round(peak_kib / 1024, 1),
    }
