"""`fincast benchmark api`: the API under load on loopback, driven by wrk (or Python).

It builds the scenario itself: a throw-away database (a temporary SQLite file, or a fresh
schema in the PostgreSQL database given with ``--database-url``, dropped afterwards) with one
user holding ``months`` of transactions and ``users - 1`` others; starts ``fincast serve``
with ``workers`` processes on a free port; warms every worker; then loads one endpoint at a
time with ``clients`` connections for ``seconds`` each:

1. ``GET /api/transactions?limit=50``
2. ``GET /api/insights/monthly``
3. ``POST /api/predict/expense`` (cached: the warm-up computed it)
4. writes: ``POST /api/transactions`` on a fifth of the connections while the other four
   fifths read the transaction list, both measured;

and finally checks, over fresh connections (so over every worker), that each write is seen
by the very next read of the list and of the monthly insights.

The load comes from ``wrk`` when it is on the PATH (a C load generator; a Python one on
the same two cores measures mostly itself), else from asyncio + httpx closed-loop clients.
Each phase also reports the server's CPU milliseconds per request (all its processes,
from /proc) and the machine's load average, the figures that stay comparable when other
jobs share the cores.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

PASSWORD = "bench-password-123"  # noqa: S105 - a throw-away user in a temporary database
EMAIL = "bench@bench.invalid"
EXPENSE_PLAN = (
    ("housing", 1, 1400.0, 0.0),
    ("groceries", 9, 45.0, 15.0),
    ("dining", 6, 28.0, 12.0),
    ("transport", 5, 30.0, 10.0),
    ("utilities", 2, 70.0, 20.0),
    ("subscriptions", 3, 12.0, 3.0),
    ("shopping", 4, 60.0, 40.0),
    ("entertainment", 2, 35.0, 15.0),
)
#: The issue's targets: reads at >= 300 rps with p99 < 300 ms, writes p99 < 500 ms.
READ_RPS, READ_P99_MS, WRITE_P99_MS = 300.0, 300.0, 500.0
LIST = "GET /api/transactions?limit=50"
MONTHLY = "GET /api/insights/monthly"
PREDICT = "POST /api/predict/expense"
WRITE = "POST /api/transactions"
LIST_DURING_WRITES = "GET /api/transactions?limit=50 (during writes)"


@dataclass(frozen=True)
class Target:
    """One endpoint to load; ``write`` posts a new transaction with every request."""

    name: str
    method: str
    path: str
    body: str | None = None
    write: bool = False


@dataclass
class Result:
    """What one load generator measured on one target."""

    requests: int
    errors: int
    seconds: float
    p50_ms: float
    p99_ms: float
    max_ms: float

    def row(self, name: str, tool: str, connections: int) -> dict[str, Any]:
        """The result as a report row."""
        return {
            "endpoint": name,
            "tool": tool,
            "connections": connections,
            "requests": self.requests,
            "errors": self.errors,
            "rps": round(self.requests / self.seconds, 1) if self.seconds else 0.0,
            "p50_ms": round(self.p50_ms, 1),
            "p99_ms": round(self.p99_ms, 1),
            "max_ms": round(self.max_ms, 1),
        }


def free_port() -> int:
    """A TCP port free on loopback right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# -- the scenario ------------------------------------------------------------------------


def seed_demo(database_url: str, email: str, months: int = 36, others: int = 20) -> int:
    """Create the benchmark user with ``months`` of history and ``others`` extra users."""
    from fincast.db import migrate
    from fincast.db.engine import make_engine, session_scope
    from fincast.ledger import service as ledger
    from fincast.ledger.models import CategorySource, Transaction
    from fincast.services import auth

    engine = make_engine(database_url)
    migrate.upgrade(engine)
    rng = random.Random(7)
    today = dt.date.today().replace(day=1)
    start = (today - dt.timedelta(days=31 * months)).replace(day=1)
    main_id = 0
    with session_scope(engine) as s:
        for u in range(others + 1):
            addr = email if u == 0 else f"other{u}@bench.invalid"
            user = ledger.create_user(s, addr, password_hash=auth.HASHER.hash(PASSWORD))
            main_id = main_id or user.id
            acc = ledger.get_or_create_account(s, user.id, "Checking")
            cats = ledger.category_ids(s, user.id)
            rows, n, day = [], 0, start
            while day < today:
                plan = [("income", 1, -4300.0, 50.0), *EXPENSE_PLAN]
                for slug, count, mean, sd in plan:
                    for _ in range(count):
                        n += 1
                        amount = -round(max(1.0, rng.gauss(mean, sd)) if mean > 0 else mean, 2)
                        rows.append(
                            Transaction(
                                user_id=user.id,
                                account_id=acc.id,
                                posted_date=day.replace(day=rng.randint(1, 28)),
                                amount=Decimal(str(amount)),
                                currency="USD",
                                payee=f"{slug} merchant {rng.randint(1, 9)}",
                                category_id=cats[slug],
                                category_source=CategorySource.RULE,
                                fingerprint=f"bench-{user.id}-{n}",
                            )
                        )
                day = (day + dt.timedelta(days=32)).replace(day=1)
            s.add_all(rows)
    engine.dispose()
    return main_id


@contextmanager
def scenario_database(database_url: str | None, workdir: Path) -> Iterator[str]:
    """The URL of an empty database for one run: a SQLite file, or a fresh PostgreSQL schema.

    A PostgreSQL schema is dropped afterwards; the URL names it through ``search_path`` so
    the server started with it sees only the scenario's tables.
    """
    if database_url is None:
        yield f"sqlite:///{workdir / 'bench.db'}"
        return
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    url = make_url(database_url)
    if url.get_backend_name() != "postgresql":
        raise ValueError("--database-url: only PostgreSQL is supported (default: a SQLite file)")
    name = f"fincast_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{name}"'))
    try:
        scoped = url.update_query_dict({"options": f"-csearch_path={name}"})
        yield scoped.render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{name}" CASCADE'))
        admin.dispose()


@contextmanager
def running_server(database_url: str, workdir: Path, workers: int) -> Iterator[tuple[str, int]]:
    """``fincast serve`` on a free loopback port; yields its base URL and process id."""
    import httpx

    port = free_port()
    env = {
        **os.environ,
        "FINCAST_DATABASE_URL": database_url,
        "FINCAST_DATA_DIR": str(workdir / "data"),
        "FINCAST_LOG_LEVEL": "warning",
        # The benchmark logs in once; counters in memory keep the database for the load.
        "FINCAST_RATE_LIMIT_STORAGE": "memory",
    }
    cmd = [sys.executable, "-m", "fincast.cli.main", "serve", "--port", str(port)]
    cmd += ["--workers", str(workers), "--log-level", "warning"]
    proc = subprocess.Popen(cmd, env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(1200):
            if proc.poll() is not None:
                raise RuntimeError(f"fincast serve exited with {proc.returncode}")
            try:
                if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        else:
            raise RuntimeError("the API did not become ready")
        yield base, proc.pid
    finally:
        proc.terminate()
        proc.wait(timeout=60)


def server_cpu_seconds(pid: int) -> float | None:
    """CPU seconds (user + system) used so far by ``pid`` and its children (Linux /proc)."""
    ticks = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return None
    total = 0
    for p in [str(pid), *children]:
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


# -- load generators ----------------------------------------------------------------------

_WRK_SCRIPT = """
local method, path, body, write = {method}, {path}, {body}, {write}
local account, day, counter = {account}, {day}, 0
wrk.headers["Authorization"] = {auth}
wrk.headers["Content-Type"] = "application/json"
local threads_made = 0
function setup(thread)
  threads_made = threads_made + 1
  thread:set("tid", threads_made)
end
function request()
  counter = counter + 1
  if write then
    local b = string.format(
      '{{"account_id":%d,"posted_date":"%s","amount":"-%d.%02d","payee":"bench write %d-%d"}}',
      account, day, 1 + counter % 97, counter % 100, tid, counter)
    return wrk.format("POST", path, nil, b)
  end
  return wrk.format(method, path, nil, body)
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'FINCAST_JSON {{"requests":%d,"duration_us":%d,"errors":%d,' ..
    '"p50_us":%d,"p99_us":%d,"max_us":%d}}\\n',
    summary.requests, summary.duration, e.connect + e.read + e.write + e.status + e.timeout,
    latency:percentile(50), latency:percentile(99), latency.max))
end
"""


def _lua(value: Any) -> str:
    """A Python string, bool or None as a Lua literal (JSON strings are Lua strings here)."""
    if value is None:
        return "nil"
    if isinstance(value, bool):
        return "true" if value else "false"
    return json.dumps(value)


def wrk_load(
    base: str, token: str, target: Target, connections: int, seconds: float, *, account: int
) -> Result:
    """Load ``target`` with wrk (two threads, ``connections`` connections, ``seconds``)."""
    script = _WRK_SCRIPT.format(
        method=_lua(target.method),
        path=_lua(target.path),
        body=_lua(target.body),
        write=_lua(target.write),
        account=account,
        day=_lua(dt.date.today().isoformat()),
        auth=_lua(f"Bearer {token}"),
    )
    wrk = shutil.which("wrk")
    if wrk is None:
        raise RuntimeError("wrk is not on the PATH (Debian: apt-get install wrk)")
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as fh:
        fh.write(script)
    try:
        out = subprocess.run(
            [
                wrk,
                f"-t{min(2, connections)}",
                f"-c{connections}",
                f"-d{max(1, round(seconds))}s",
                "--timeout",
                "10s",
                "-s",
                fh.name,
                base,
            ],
            capture_output=True,
            text=True,
            check=True,
            timeout=seconds + 60,
        ).stdout
    finally:
        os.unlink(fh.name)
    line = next(x for x in out.splitlines() if x.startswith("FINCAST_JSON "))
    data = json.loads(line.removeprefix("FINCAST_JSON "))
    return Result(
        requests=max(0, data["requests"] - data["errors"]),
        errors=data["errors"],
        seconds=data["duration_us"] / 1e6,
        p50_ms=data["p50_us"] / 1000,
        p99_ms=data["p99_us"] / 1000,
        max_ms=data["max_us"] / 1000,
    )


def python_load(
    base: str, token: str, target: Target, connections: int, seconds: float, *, account: int
) -> Result:
    """Load ``target`` with asyncio + httpx closed-loop clients (when wrk is not installed)."""
    return asyncio.run(_python_load(base, token, target, connections, seconds, account))


async def _python_load(
    base: str, token: str, target: Target, connections: int, seconds: float, account: int
) -> Result:
    import httpx

    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    latencies: list[float] = []
    errors = 0
    counter = 0
    day = dt.date.today().isoformat()
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    start = time.perf_counter()
    deadline = start + seconds
    async with httpx.AsyncClient(base_url=base, headers=headers, limits=limits, timeout=10) as c:

        async def client() -> None:
            nonlocal errors, counter
            while time.perf_counter() < deadline:
                counter += 1
                body = target.body
                if target.write:
                    body = json.dumps(
                        {
                            "account_id": account,
                            "posted_date": day,
                            "amount": f"-{1 + counter % 97}.{counter % 100:02d}",
                            "payee": f"bench write {counter}",
                        }
                    )
                t0 = time.perf_counter()
                try:
                    r = await c.request(target.method, target.path, content=body)
                    ok = r.status_code < 400
                except httpx.HTTPError:
                    ok = False
                if ok:
                    latencies.append(time.perf_counter() - t0)
                else:
                    errors += 1

        await asyncio.gather(*(client() for _ in range(connections)))
    elapsed = time.perf_counter() - start
    lat = sorted(latencies) or [0.0]
    q = statistics.quantiles(lat, n=100, method="inclusive") if len(lat) > 1 else lat * 99
    return Result(len(latencies), errors, elapsed, q[49] * 1000, q[98] * 1000, lat[-1] * 1000)


Loader = Callable[..., Result]


# -- the run ------------------------------------------------------------------------------


def _login(base: str) -> tuple[str, int]:
    """A token for the benchmark user and the id of their account."""
    import httpx

    r = httpx.post(f"{base}/api/auth/token", data={"username": EMAIL, "password": PASSWORD})
    r.raise_for_status()
    token = r.json()["access_token"]
    accounts = httpx.get(f"{base}/api/accounts", headers={"Authorization": f"Bearer {token}"})
    accounts.raise_for_status()
    return token, int(accounts.json()["data"][0]["id"])


def _warm(base: str, token: str, workers: int) -> None:
    """Compute every cached answer in every worker before anything is timed.

    The first prediction may train the shared household model (a minute at most); the other
    workers then load it on their first prediction. Sequential fresh connections can all be
    accepted by the same worker, so the warm-up sends from several connections at once, in
    rounds, until every worker must have answered each endpoint.
    """
    import httpx

    headers = {"Authorization": f"Bearer {token}"}
    httpx.post(f"{base}/api/predict/expense", json={}, headers=headers, timeout=600)

    def client() -> None:
        with httpx.Client(base_url=base, headers=headers, timeout=120) as c:
            for _ in range(5):
                for method, path, body in (
                    ("POST", "/api/predict/expense", {}),
                    ("GET", "/api/insights/monthly", None),
                    ("GET", "/api/transactions?limit=50", None),
                ):
                    c.request(method, path, json=body).raise_for_status()

    with ThreadPoolExecutor(max_workers=8 * workers) as pool:
        for done in [pool.submit(client) for _ in range(8 * workers)]:
            done.result()


def read_after_write(base: str, token: str, account: int, checks: int) -> dict[str, int]:
    """Write, then read at once over a new connection; count reads that missed the write.

    Each check posts a transaction dated in a complete month (so the monthly insights must
    change) and reads the list filtered to its payee and the monthly overview, each over a
    fresh connection, which may land on any worker.
    """
    import httpx

    headers = {"Authorization": f"Bearer {token}"}
    month = (dt.date.today().replace(day=1) - dt.timedelta(days=40)).replace(day=10)
    key = month.strftime("%Y-%m")
    stale_list = stale_monthly = 0

    def spent(overview: dict[str, Any]) -> Decimal:
        row = next(r for r in overview["data"] if r["year_month"] == key)
        return Decimal(str(row["total_expense"]))

    before = spent(httpx.get(f"{base}/api/insights/monthly", headers=headers).json())
    for i in range(checks):
        payee = f"read-after-write {uuid.uuid4().hex[:12]}"
        body = {"account_id": account, "posted_date": month.isoformat(), "amount": "-1.00"}
        r = httpx.post(f"{base}/api/transactions", json={**body, "payee": payee}, headers=headers)
        r.raise_for_status()
        listed = httpx.get(f"{base}/api/transactions", params={"q": payee}, headers=headers)
        stale_list += listed.json()["count"] != 1
        after = spent(httpx.get(f"{base}/api/insights/monthly", headers=headers).json())
        stale_monthly += after != before + Decimal(i + 1)
    return {"checks": checks, "stale_list": stale_list, "stale_monthly": stale_monthly}


def _phase(
    pid: int, loads: list[tuple[Target, int, Callable[[], Result]]], tool: str
) -> list[dict[str, Any]]:
    """Run ``loads`` at the same time; one row each, with server CPU and machine load."""
    load_before = round(os.getloadavg()[0], 2)
    cpu_before = server_cpu_seconds(pid)
    results: dict[str, Result] = {}
    failures: list[BaseException] = []

    def run(name: str, fn: Callable[[], Result]) -> None:
        try:
            results[name] = fn()
        except BaseException as exc:  # handed to the caller below
            failures.append(exc)

    threads = [threading.Thread(target=run, args=(t.name, fn)) for t, _, fn in loads]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    if failures:
        raise failures[0]
    cpu_after = server_cpu_seconds(pid)
    load_after = round(os.getloadavg()[0], 2)
    total = sum(r.requests + r.errors for r in results.values())
    cpu_ms = None
    if cpu_before is not None and cpu_after is not None and total:
        cpu_ms = round((cpu_after - cpu_before) * 1000 / total, 2)
    rows = []
    for target, connections, _ in loads:
        row = results[target.name].row(target.name, tool, connections)
        row.update(server_cpu_ms_per_request=cpu_ms, load_before=load_before, load_after=load_after)
        rows.append(row)
    return rows


def run(
    clients: int = 50,
    seconds: float = 10.0,
    workers: int = 2,
    *,
    users: int = 21,
    months: int = 36,
    database_url: str | None = None,
    tool: str = "auto",
    checks: int = 20,
) -> dict[str, Any]:
    """Run the whole benchmark; returns ``{"rows", "read_after_write", "targets", ...}``.

    Args:
        clients: Concurrent connections per phase.
        seconds: Length of each phase.
        workers: Server processes.
        users: Seeded users; the first (``months`` of history) is measured.
        months: Months of history per seeded user.
        database_url: A PostgreSQL URL to run on (a fresh schema, dropped afterwards);
            default a temporary SQLite file.
        tool: ``wrk``, ``python`` or ``auto`` (wrk when it is on the PATH).
        checks: Write-then-read checks at the end.
    """
    if tool == "auto":
        tool = "wrk" if shutil.which("wrk") else "python"
    if tool == "wrk" and not shutil.which("wrk"):
        raise RuntimeError("wrk is not on the PATH (Debian: apt-get install wrk)")
    loader: Loader = wrk_load if tool == "wrk" else python_load
    writers = max(1, clients // 5)
    with tempfile.TemporaryDirectory(prefix="fincast-bench-api-") as tmp:
        workdir = Path(tmp)
        with scenario_database(database_url, workdir) as url:
            seed_demo(url, EMAIL, months=months, others=users - 1)
            with running_server(url, workdir, workers) as (base, pid):
                token, account = _login(base)
                _warm(base, token, workers)

                def load(target: Target, connections: int) -> Callable[[], Result]:
                    return lambda: loader(
                        base, token, target, connections, seconds, account=account
                    )

                reads = [
                    Target(LIST, "GET", "/api/transactions?limit=50"),
                    Target(MONTHLY, "GET", "/api/insights/monthly"),
                    Target(PREDICT, "POST", "/api/predict/expense", body="{}"),
                ]
                rows = []
                for target in reads:
                    rows += _phase(pid, [(target, clients, load(target, clients))], tool)
                write = Target(WRITE, "POST", "/api/transactions", write=True)
                during = Target(LIST_DURING_WRITES, "GET", "/api/transactions?limit=50")
                rows += _phase(
                    pid,
                    [
                        (write, writers, load(write, writers)),
                        (during, clients - writers, load(during, clients - writers)),
                    ],
                    tool,
                )
                consistency = read_after_write(base, token, account, checks)
    return {
        "backend": "sqlite" if database_url is None else "postgresql",
        "workers": workers,
        "clients": clients,
        "seconds_per_phase": seconds,
        "users": users,
        "months": months,
        "tool": tool,
        "rows": rows,
        "read_after_write": consistency,
        "targets": targets(rows, consistency),
    }


def targets(rows: list[dict[str, Any]], consistency: dict[str, int]) -> list[dict[str, Any]]:
    """Each target of the issue with what was measured and whether it was met."""
    by_name = {r["endpoint"]: r for r in rows}
    out = []
    for name in (LIST, MONTHLY, PREDICT):
        r = by_name[name]
        met = r["rps"] >= READ_RPS and r["p99_ms"] < READ_P99_MS and r["errors"] == 0
        out.append(
            {
                "target": f"{name}: >= {READ_RPS:.0f} rps, p99 < {READ_P99_MS:.0f} ms, no errors",
                "measured": f"{r['rps']} rps, p99 {r['p99_ms']} ms, {r['errors']} errors",
                "met": met,
            }
        )
    w = by_name[WRITE]
    stale = consistency["stale_list"] + consistency["stale_monthly"]
    out.append(
        {
            "target": f"{WRITE} under load: p99 < {WRITE_P99_MS:.0f} ms, next read sees it",
            "measured": (
                f"p99 {w['p99_ms']} ms, {w['errors']} errors; {stale} stale reads in "
                f"{2 * consistency['checks']}"
            ),
            "met": w["p99_ms"] < WRITE_P99_MS and w["errors"] == 0 and stale == 0,
        }
    )
    return out


def to_markdown(report: dict[str, Any]) -> str:
    """The report as Markdown tables (endpoints, then targets)."""
    cols = [
        "endpoint",
        "connections",
        "requests",
        "errors",
        "rps",
        "p50_ms",
        "p99_ms",
        "max_ms",
        "server_cpu_ms_per_request",
        "load_before",
        "load_after",
    ]
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    lines += ["| " + " | ".join(str(r.get(c, "")) for c in cols) + " |" for r in report["rows"]]
    raw = report["read_after_write"]
    lines += [
        "",
        f"Read after write: {raw['checks']} writes, {raw['stale_list']} stale list reads, "
        f"{raw['stale_monthly']} stale monthly reads.",
        "",
        "| target | measured | met |",
        "|---|---|---|",
    ]
    lines += [
        f"| {t['target']} | {t['measured']} | {'met' if t['met'] else 'MISSED'} |"
        for t in report["targets"]
    ]
    return "\n".join(lines)
