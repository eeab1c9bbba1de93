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
from fincast.ledger import revisions
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
#: Seconds the write lock must be held before the kill: longer than a short write's few
#: milliseconds (the rate-limit counter, a token's last use), shorter than the big file's
#: insert (about 0.3 s on SQLite since the rows move from their stage in one statement).
HELD = 0.05
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
    made = fincast(
        "users",
        "create",
        "crash@example.com",
        "--password",
        "a horse battery staple",
        env=db.env(tmp_path),
    )
    assert made.returncode == 0, made.stderr
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
    kill_when(proc, held_for(db.writing, HELD), "the import's write transaction was open")
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
        kill_when(proc, held_for(db.writing, HELD), "the upload's write transaction was open")
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
    # Written as that fincast wrote them: no data-revision tokens (the column comes later).
    with engine.connect() as conn, revisions.kept(conn), conn.begin():
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


_PAIR_WRITER = """
import os, signal, sys
from pathlib import Path
import numpy as np
from fincast.services.forecasting import modelfiles as mf

folder, point = Path(sys.argv[1]), sys.argv[2]
real_write, real_keep = mf.write_private_file, mf._keep_current_payload

def die():
    os.kill(os.getpid(), signal.SIGKILL)

def keep(*args):
    real_keep(*args)
    if point == "kept":
        die()

def write(path, data):
    real_write(path, data)
    if point == "payload" and path.suffix == ".npz":
        die()
    if point == "meta" and path.name.endswith(".meta.json"):
        die()

mf._keep_current_payload, mf.write_private_file = keep, write
mf.save_model_file(folder, "m", "test", {"w": np.full(1000, 2.0)})
"""


@pytest.mark.parametrize(
    ("point", "expected"), [("kept", 1.0), ("payload", 1.0), ("meta", 2.0), ("none", 2.0)]
)
def test_a_model_pair_killed_between_its_files_is_the_old_or_the_new(
    tmp_path: Path, point: str, expected: float
) -> None:
    """kill -9 after each step of replacing a model's payload and metadata.

    Before the kept payload, a kill between the payload's rename and the metadata's left the
    new payload beside the old metadata: neither model loaded ("payload hash mismatch").
    """
    import numpy as np

    from fincast.errors import ModelFileError
    from fincast.services.forecasting.modelfiles import (
        list_models,
        load_model_file,
        save_model_file,
    )

    save_model_file(tmp_path, "m", "test", {"w": np.full(1000, 1.0)})
    done = subprocess.run(
        [sys.executable, "-c", _PAIR_WRITER, str(tmp_path), point],
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == (0 if point == "none" else -signal.SIGKILL), done.stderr
    _, arrays = load_model_file(tmp_path, "m", "test")
    assert float(arrays["w"][0]) == expected and arrays["w"].shape == (1000,)
    assert [(m["name"], m["valid"]) for m in list_models(tmp_path)] == [("m", True)]
    kept = sorted(tmp_path.glob("m.npz.prev-*"))
    if point in ("kept", "payload"):
        # The kept payload is accepted only for its signed hash: a flipped byte is refused.
        original = kept[0].read_bytes()
        kept[0].write_bytes(original[:-5] + bytes(b ^ 0xFF for b in original[-5:]))
        with pytest.raises(ModelFileError, match="hash mismatch"):
            load_model_file(tmp_path, "m", "test")
        kept[0].write_bytes(original)
    # The next write completes and leaves only the pair behind.
    save_model_file(tmp_path, "m", "test", {"w": np.full(1000, 3.0)})
    assert float(load_model_file(tmp_path, "m", "test")[1]["w"][0]) == 3.0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.meta.json", "m.npz"]


# -- a training run in the server ------------------------------------------------------------


def _group_cpu_seconds(pgid: int) -> float:
    """CPU time (user + system) of every live process in the process group ``pgid``."""
    total = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid:  # field 5 of stat, the process group
            total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def test_a_server_killed_while_training_keeps_the_data_and_the_previous_model(
    db: CrashDatabase, tmp_path: Path
) -> None:
    """kill -9 of the server while ``POST /api/train`` retrains the shared model.

    The models folder holds a population model of an older layout (signed by this
    installation, so the server rebuilds it on first use, inside the request): the kill
    lands in that training run. Afterwards the database is consistent and holds every
    acknowledged row, the model file is still a complete, verified pair (the previous one,
    or the new one if the write had finished), and a restarted server trains and answers.
    """
    import numpy as np

    from fincast.services.forecasting.household import KIND, POPULATION_MODEL
    from fincast.services.forecasting.modelfiles import (
        list_models,
        load_model_file,
        save_model_file,
    )

    models = tmp_path / "models"
    save_model_file(models, POPULATION_MODEL, KIND, {"layout_of_another_version": np.zeros(3)})
    previous = hashlib.sha256((models / f"{POPULATION_MODEL}.npz").read_bytes()).hexdigest()
    env = db.env(tmp_path, FINCAST_MODELS_DIR=str(models))
    rows = 400
    data = write_csv(tmp_path / "history.csv", rows)
    proc, base = _serve_with(env)
    try:
        headers = _login(base)
        r = httpx.post(
            f"{base}/api/accounts", headers=headers, json={"name": "Checking", "type": "checking"}
        )
        assert r.status_code == 201, r.text
        assert _upload(base, headers, int(r.json()["id"]), data).status_code == 201
        failures: list[BaseException] = []
        answers: list[str] = []

        def train() -> None:
            try:
                r = httpx.post(f"{base}/api/train", headers=headers, json={}, timeout=600)
                answers.append(f"{r.status_code} {r.text[:300]}")
            except httpx.HTTPError as exc:  # the server dies under it
                failures.append(exc)

        idle = _group_cpu_seconds(proc.pid)
        client = threading.Thread(target=train)
        client.start()
        # A second of CPU into the request: the household model is being fitted.
        kill_when(
            proc,
            lambda: _group_cpu_seconds(proc.pid) - idle > 1.0,
            "the training run was under way",
        )
        client.join(timeout=60)
        assert failures, f"the killed server still answered the training run: {answers}"
    finally:
        _stop(proc)
    db.wait_for_no_backend()

    db.check_integrity()
    assert _counts(db.engine) == (rows, [("history.csv", rows)])
    listed = {m["name"]: m for m in list_models(models)}
    assert listed[POPULATION_MODEL]["valid"], listed
    meta, arrays = load_model_file(models, POPULATION_MODEL, kind=KIND)
    if meta["payload_sha256"] == previous:
        assert set(arrays) == {"layout_of_another_version"}  # the previous model, intact
    with db.engine.begin() as conn:  # nothing holds a lock: another write goes through
        conn.execute(text("UPDATE users SET display_name = 'after the crash'"))

    proc, base = _serve_with(env)  # a restarted server finishes the training
    try:
        headers = _login(base)
        r = httpx.post(f"{base}/api/train", headers=headers, json={}, timeout=600)
    finally:
        _stop(proc)
    assert r.status_code == 200, r.text
    assert r.json()["models"][0]["shared_model"]["name"] == POPULATION_MODEL
    meta, arrays = load_model_file(models, POPULATION_MODEL, kind=KIND)
    assert meta["payload_sha256"] != previous and "layout_of_another_version" not in arrays
    # No kept payload and no temporary file is left beside the pair.
    assert sorted(p.name for p in models.iterdir() if p.is_file()) == [
        f"{POPULATION_MODEL}.meta.json",
        f"{POPULATION_MODEL}.npz",
    ]
