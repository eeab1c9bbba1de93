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
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from functools import partial
from multiprocessing import get_context
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


#: The bare baseline's tables: ``ledger`` is the ledger's own ``transactions`` table of a fresh
#: migrated database (every index, foreign key and check), ``minimal`` a table of the five
#: values a fingerprinted row needs with one unique index (the yardstick before 2026-12-06).
BARE_TABLES = ("ledger", "minimal")


def bare_import(
    csv_path: Path, db_path: Path, *, account_id: int = 1, table: str = "ledger"
) -> dict[str, float]:
    """The bare read-parse-fingerprint-insert of a benchmark CSV: the yardstick of an import.

    What any fast importer of this file must do and nothing else: pyarrow's CSV reader in
    blocks, each distinct date, amount and payee parsed or normalised once (per block), the
    content fingerprint (same text as the ledger's) over whole columns with its occurrence
    index, and one ``executemany`` of plain tuples per block into a SQLite table with a
    unique fingerprint index, with the pragmas and page cache the ledger's import uses. No
    layout detection, categorisation, routing, suggestions or checks of the ledger's data.

    ``table`` (:data:`BARE_TABLES`): ``ledger`` inserts into the ``transactions`` table of
    a freshly migrated database (its user, account and import batch made before the clock
    starts; the values that are one for the whole file, as SQL literals; the categories and
    suggestions an import adds left empty), so the yardstick stores what an import stores in
    the table an import stores it in; ``minimal`` into a table of its own with the five
    values and the fingerprint index only. Returns wall and CPU seconds.
    """
    import hashlib
    import sqlite3
    from decimal import ROUND_HALF_UP, Decimal

    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pacsv

    from fincast.ingest.fingerprint import normalize_payee

    if table not in BARE_TABLES:
        raise ValueError(f"bare_import: table must be one of {BARE_TABLES}, not {table!r}")
    if table == "ledger":
        user_id, account_id, batch_id = _bare_ledger(db_path)
    t0, c0 = time.perf_counter(), time.process_time()
    conn = sqlite3.connect(db_path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA cache_size=-131072")
    if table == "ledger":
        conn.execute("PRAGMA foreign_keys=ON")
        stamp = dt.datetime.now(dt.UTC).replace(tzinfo=None).isoformat(sep=" ")
        # Integers and a timestamp this function made: the values of every row, as SQL.
        sql = (
            "INSERT INTO transactions (posted_date, amount, payee_raw, payee, fingerprint, "  # noqa: S608
            "user_id, account_id, currency, created_at, import_batch_id) "
            f"VALUES (?, ?, ?, ?, ?, {user_id}, {account_id}, 'USD', '{stamp}', {batch_id}) "
            "ON CONFLICT DO NOTHING"
        )
    else:
        conn.execute(
            "CREATE TABLE bare (id INTEGER PRIMARY KEY, posted_date DATE NOT NULL, "
            "amount NUMERIC NOT NULL, payee TEXT, description TEXT, fingerprint TEXT NOT NULL)"
        )
        conn.execute("CREATE UNIQUE INDEX ux_bare_fingerprint ON bare (fingerprint)")
        sql = (
            "INSERT INTO bare (posted_date, amount, payee, description, fingerprint) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING"
        )
    cent = Decimal("0.01")
    sha256 = hashlib.sha256
    occurrences: dict[str, int] = {}
    prefix = f"c|{account_id}|"
    reader = pacsv.open_csv(
        csv_path,
        read_options=pacsv.ReadOptions(block_size=1 << 20),
        convert_options=pacsv.ConvertOptions(
            column_types={n: pa.string() for n in ("Date", "Description", "Amount")}
        ),
    )
    conn.execute("BEGIN")
    rows = 0
    for batch in reader:
        dates = pc.dictionary_encode(batch.column("Date"))
        amounts = pc.dictionary_encode(batch.column("Amount"))
        payees = pc.dictionary_encode(batch.column("Description"))
        iso = [dt.date.fromisoformat(v.strip()).isoformat() for v in dates.dictionary.to_pylist()]
        money = [
            format(Decimal(v).quantize(cent, rounding=ROUND_HALF_UP), ".2f")
            for v in amounts.dictionary.to_pylist()
        ]
        norm = pc.take(
            pa.array([normalize_payee(v) for v in payees.dictionary.to_pylist()]), payees.indices
        )
        day = pc.take(pa.array(iso), dates.indices)
        amount = pc.take(pa.array(money), amounts.indices)
        keys = pc.binary_join_element_wise(day, amount, norm, "|").to_pylist()
        fingerprints = []
        for key in keys:
            occ = occurrences.get(key, 0)
            occurrences[key] = occ + 1
            fingerprints.append(sha256(f"{prefix}{key}|{occ}".encode()).hexdigest())
        payee = batch.column("Description").to_pylist()
        second = norm.to_pylist() if table == "ledger" else payee
        conn.executemany(
            sql,
            zip(day.to_pylist(), amount.to_pylist(), payee, second, fingerprints, strict=True),
        )
        rows += batch.num_rows
    conn.execute("COMMIT")
    conn.close()
    return {
        "rows": rows,
        "seconds": time.perf_counter() - t0,
        "cpu_seconds": time.process_time() - c0,
    }


def _bare_ledger(db_path: Path) -> tuple[int, int, int]:
    """A fresh migrated ledger at ``db_path``: its user, account and import batch ids."""
    from fincast.ledger import batches
    from fincast.ledger import service as ledger

    engine = make_engine(f"sqlite:///{db_path}")
    try:
        migrate.upgrade(engine)
        with session_scope(engine) as session:
            user_id = ledger.get_or_create_user(session, "bare@fincast.invalid").id
            account_id = ledger.get_or_create_account(session, user_id, "Bare checking").id
        with engine.begin() as conn:
            file = batches.BatchFile(user_id, account_id, "bare.csv", "csv", "0" * 64)
            batch_id = batches.start_batch(conn, file)
        return int(user_id), int(account_id), int(batch_id)
    finally:
        engine.dispose()


def bench_import(*, rows: int, database_url: str | None = None) -> dict[str, Any]:
    """Import a generated CSV of ``rows`` rows twice (fresh, then all duplicates) and time it.

    Wall-clock and CPU seconds of this process are both reported: on a shared machine the
    first depends on the load, the second much less (the database server's CPU is not in it).
    The bare read-parse-fingerprint-insert of the same file into SQLite (:func:`bare_import`)
    runs right after, into the ledger's table (``import_to_bare_ratio`` is the import's wall
    time over its) and into the minimal table (``import_to_minimal_bare_ratio``).
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
        # The yardstick, right after on the same file (a child process, so its memory is
        # not in the import's peak RSS).
        with ProcessPoolExecutor(1, mp_context=get_context("spawn")) as pool:
            bare = pool.submit(bare_import, csv_path, workdir / "bare.db").result()
            minimal = pool.submit(
                bare_import, csv_path, workdir / "minimal.db", table="minimal"
            ).result()
    (first, seconds, cpu_seconds), (second, reimport_seconds, reimport_cpu) = runs
    return {
        "rows": rows,
        "backend": backend,
        "file_mb": round(size / 2**20, 1),
        "imported": first.imported,
        "import_seconds": round(seconds, 2),
        "import_cpu_seconds": round(cpu_seconds, 2),
        "rows_per_second": round(rows / seconds),
        "reimport_seconds": round(reimport_seconds, 2),
        "reimport_cpu_seconds": round(reimport_cpu, 2),
        "duplicates": second.duplicates,
        "peak_rss_mb": round(peak_kib / 1024, 1),
        "bare_sqlite_seconds": round(bare["seconds"], 2),
        "bare_sqlite_cpu_seconds": round(bare["cpu_seconds"], 2),
        "import_to_bare_ratio": round(seconds / bare["seconds"], 2),
        "bare_minimal_sqlite_seconds": round(minimal["seconds"], 2),
        "import_to_minimal_bare_ratio": round(seconds / minimal["seconds"], 2),
    }
