"""kill -9 in the middle of an import, a migration or a model write, with real processes.

Each test waits until the process is inside its write (see tests/support/crash.py), kills it
with SIGKILL, then checks that the database is consistent, that everything acknowledged
before the kill is still there, and that running the same command again completes without
duplicating anything. SQLite and PostgreSQL.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine, MetaData, Table, func, insert, inspect, select, text

from fincast.config import write_private_file
from fincast.db import migrate
from fincast.ledger.models import ImportBatch, Transaction
from tests.support.crash import (
    CRASH_BACKENDS,
    CrashDatabase,
    crash_database,
    fincast,
    held_for,
    kill_when,
    start_fincast,
)

#: Rows of the file the killed import is working on: enough that its write takes a while.
BIG = 30_000
SMALL = 40


def write_csv(path: Path, rows: int, *, start: int = 0) -> Path:
    """A bank CSV of ``rows`` distinct transactions."""
    day0 = dt.date(2015, 1, 1)
    with path.open("w") as fh:
        fh.write("Date,Description,Amount\n")
        for i in range(start, start + rows):
            day = day0 + dt.timedelta(days=i % 3000)
            fh.write(f"{day.isoformat()},Shop {i % 997} ref {i},-{1 + i % 400}.{i % 100:02d}\n")
    return path


@pytest.fixture(params=CRASH_BACKENDS)
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[CrashDatabase]:
    with crash_database(request.param, tmp_path) as database:
        yield database


def _counts(engine: Engine) -> tuple[int, list[tuple[str, int]]]:
    with engine.connect() as conn:
        n = conn.scalar(select(func.count()).select_from(Transaction))
        batches = conn.execute(
            select(ImportBatch.file_name, ImportBatch.n_imported).order_by(ImportBatch.id)
        ).all()
    return int(n or 0), [(str(f), int(k)) for f, k in batches]


def _import(db: CrashDatabase, tmp: Path, path: Path) -> dict[str, object]:
    done = fincast(
        "import",
        str(path),
        "--account",
        "Checking",
        "--user",
        "crash@example.com",
        "--json",
        env=db.env(tmp),
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_a_killed_cli_import_leaves_nothing_half_done(db: CrashDatabase, tmp_path: Path) -> None:
    small = write_csv(tmp_path / "small.csv", SMALL, start=10**6)
    big = write_csv(tmp_path / "big.csv", BIG)
    assert _import(db, tmp_path, small)["imported"] == SMALL  # acknowledged

    proc = start_fincast(
        "import",
        str(big),
        "--account",
        "Checking",
        "--user",
        "crash@example.com",
        env=db.env(tmp_path),
    )
    kill_when(proc, held_for(db.writing, 0.2), "the import's write transaction was open")
    db.wait_for_no_backend()

    db.check_integrity()
    assert _counts(db.engine) == (SMALL, [("small.csv", SMALL)])
    first = _import(db, tmp_path, big)
    again = _import(db, tmp_path, big)
    assert (first["imported"], first["duplicates"]) == (BIG, 0)
    assert (again["imported"], again["duplicates"]) == (0, BIG)
    n, batches = _counts(db.engine)
    assert n == SMALL + BIG
    assert batches == [("small.csv", SMALL), ("big.csv", BIG), ("big.csv", 0)]


# -- the server --------------------------------------------------------------------------


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _serve(db: CrashDatabase, tmp: Path) -> tuple[subprocess.Popen[bytes], str]:
    return _serve_with(db.env(tmp))


def _serve_with(env: dict[str, str]) -> tuple[subprocess.Popen[bytes], str]:
    port = _free_port()
    proc = start_fincast("serve", "--port", str(port), "--log-level", "warning", env=env)
    base = f"http://127.0.0.1:{port}"
    for _ in range(600):
        if proc.poll() is not None:
            err = proc.stderr.read().decode() if proc.stderr else "exited"
            _stop(proc)
            raise RuntimeError(err)
        try:
            if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                return proc, base
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    _stop(proc)
    raise RuntimeError("server did not become ready")


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """Stop a server and every worker of its process group."""
    if proc.poll() is None:
        proc.terminate()
        proc.wait(timeout=60)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)  # a worker the supervisor left behind
    if proc.stderr:
        proc.stderr.close()


def _login(base: str) -> dict[str, str]:
    email, password = "crash-api@example.com", "correct horse battery"
    httpx.post(f"{base}/api/auth/register", json={"email": email, "password": password})
    r = httpx.post(f"{base}/api/auth/token", data={"username": email, "password": password})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def _upload(base: str, headers: dict[str, str], account: int, path: Path) -> httpx.Response:
    with path.open("rb") as fh:
        return httpx.post(
            f"{base}/api/imports",
            headers=headers,
            data={"account_id": str(account)},
            files={"file": (path.name, fh, "text/csv")},
            timeout=600,
        )


def test_a_killed_server_loses_no_acknowledged_import(db: CrashDatabase, tmp_path: Path) -> None:
    small = write_csv(tmp_path / "small.csv", SMALL, start=10**6)
    big = write_csv(tmp_path / "big.csv", BIG)
    proc, base = _serve(db, tmp_path)
    try:
        headers = _login(base)
        r = httpx.post(
            f"{base}/api/accounts", headers=headers, json={"name": "Checking", "type": "checking"}
        )
        assert r.status_code == 201, r.text
        account = int(r.json()["id"])
        assert _upload(base, headers, account, small).status_code == 201  # acknowledged

        failures: list[BaseException] = []
        answers: list[str] = []

        def upload_big() -> None:
            try:
                r = _upload(base, headers, account, big)
                answers.append(f"{r.status_code} {r.text[:300]}")
            except httpx.HTTPError as exc:  # the server dies under it
                failures.append(exc)

        client = threading.Thread(target=upload_big)
        client.start()
        # held a while: the rate-limit counter and the token's last use are short writes
        kill_when(proc, held_for(db.writing, 0.2), "the upload's write transaction was open")
        client.join(timeout=60)
        assert failures, f"the killed server still answered the upload: {answers}"
    finally:
        _stop(proc)
    db.wait_for_no_backend()

    db.check_integrity()
    assert _counts(db.engine) == (SMALL, [("small.csv", SMALL)])
    proc, base = _serve(db, tmp_path)  # a restarted server
    try:
        headers = _login(base)
        first = _upload(base, headers, account, big)
        again = _upload(base, headers, account, big)
    finally:
        _stop(proc)
    assert first.status_code == again.status_code == 201
    assert (first.json()["imported"], again.json()["imported"]) == (BIG, 0)
    assert _counts(db.engine)[0] == SMALL + BIG


# -- a migration ---------------------------------------------------------------------------

FIRST_REVISION = "0001_initial"
#: Rows of the tables later migrations rebuild (SQLite copies a table to alter it).
MIGRATED_ROWS = 100_000


def _seed_at_first_revision(engine: Engine) -> None:
    """Rows in the tables as the first revision laid them out (not today's models)."""
    now = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    meta = MetaData()
    with engine.begin() as conn:
        users, accounts, transactions, tokens = (
            Table(name, meta, autoload_with=conn)
            for name in ("users", "accounts", "transactions", "auth_tokens")
        )
        conn.execute(
            insert(users).values(id=1, email="m@example.com", is_active=True, created_at=now)
        )
        conn.execute(
            insert(accounts).values(
                id=1,
                user_id=1,
                name="Checking",
                type="checking",
                currency="USD",
                opening_balance=Decimal("0.00"),
                created_at=now,
            )
        )
        for start in range(0, MIGRATED_ROWS, 10_000):
            conn.execute(
                insert(transactions),
                [
                    {
                        "user_id": 1,
                        "account_id": 1,
                        "posted_date": dt.date(2015, 1, 1) + dt.timedelta(days=i % 3000),
                        "amount": Decimal(f"-{1 + i % 400}.{i % 100:02d}"),
                        "currency": "USD",
                        "payee": f"shop {i}",
                        "fingerprint": f"fp-{i}",
                        "created_at": now,
                    }
                    for i in range(start, min(start + 10_000, MIGRATED_ROWS))
                ],
            )
        conn.execute(
            insert(tokens),
            [
                {"user_id": 1, "kind": "personal", "token_hash": f"{i:064d}", "created_at": now}
                for i in range(MIGRATED_ROWS // 3)
            ],
        )


def test_a_killed_migration_reruns_and_keeps_every_row(db: CrashDatabase, tmp_path: Path) -> None:
    migrate.upgrade(db.engine, FIRST_REVISION)
    _seed_at_first_revision(db.engine)
    db.engine.dispose()

    proc = start_fincast("db", "upgrade", env=db.env(tmp_path))
    kill_when(proc, held_for(db.writing, 0.2), "the migration's write transaction was open")
    db.wait_for_no_backend()

    db.check_integrity()
    with db.engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(text("transactions"))) == MIGRATED_ROWS
    assert migrate.current_revision(db.engine) == FIRST_REVISION  # all of it or none of it
    db.engine.dispose()
    done = fincast("db", "upgrade", env=db.env(tmp_path))
    assert done.returncode == 0, done.stderr
    assert migrate.is_current(db.engine)
    db.check_integrity()
    with db.engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(Transaction)) == MIGRATED_ROWS
        assert conn.scalar(text("SELECT count(*) FROM auth_tokens")) == MIGRATED_ROWS // 3
        names = set(inspect(conn).get_table_names())
    assert not any(n.startswith("_alembic_tmp") for n in names)


# -- model files ---------------------------------------------------------------------------

_WRITER = """
import sys
from pathlib import Path
from fincast.config import write_private_file
target, n, SIZE = Path(sys.argv[1]), 0, 32 << 20
while True:
    n += 1
    write_private_file(target, bytes([n % 251]) * SIZE)
"""


def test_a_model_file_killed_while_written_is_old_or_new_never_half(tmp_path: Path) -> None:
    target = tmp_path / "population.npz"
    size = 32 << 20  # big enough that a kill lands in the middle of writing it
    target.write_bytes(b"\x00" * size)
    for _ in range(5):
        proc = subprocess.Popen(
            [sys.executable, "-c", _WRITER, str(target)],
            stderr=subprocess.PIPE,
            start_new_session=True,  # kill_when kills the process group
        )
        # Most of the writer's time is spent writing: wait until it has replaced the file
        # once, then kill it, most likely in the middle of the next write.
        before = target.stat().st_mtime_ns
        kill_when(proc, lambda: target.stat().st_mtime_ns != before, "the file was rewritten")
        data = target.read_bytes()
        assert len(data) == size and len(set(data)) == 1, "a half-written file"
    # The killed writers' temporary files are swept by the next write.
    write_private_file(target, b"new")
    assert [p.name for p in tmp_path.iterdir()] == [target.name]


def test_a_killed_training_leaves_the_previous_model_usable(tmp_path: Path) -> None:
    from fincast.services.forecasting.modelfiles import list_models
    from tests.support.population import with_population

    models = with_population(tmp_path / "models")
    digest = hashlib.sha256((models / "population.npz").read_bytes()).hexdigest()
    env = {**os.environ, "FINCAST_DATA_DIR": str(tmp_path / "var"), "FINCAST_ENV": "test"}
    proc = start_fincast(
        "train-population", "--households", "400", "--models-dir", str(models), env=env
    )

    def training() -> bool:  # a second of CPU: the population is being fitted
        with open(f"/proc/{proc.pid}/stat") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
        return int(fields[11]) / os.sysconf("SC_CLK_TCK") > 1.0

    kill_when(proc, training, "training was under way")
    listed = {m["name"]: m for m in list_models(models)}
    assert listed["population"]["valid"], listed
    assert hashlib.sha256((models / "population.npz").read_bytes()).hexdigest() == digest
    done = fincast(
        "train-population",
        "--households",
        "20",
        "--months",
        "24",
        "--models-dir",
        str(models),
        env=env,
    )
    assert done.returncode == 0, done.stderr
    assert {m["name"]: m for m in list_models(models)}["population"]["valid"]
