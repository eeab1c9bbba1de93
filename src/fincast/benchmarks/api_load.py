"""`fincast benchmark api`: a load test of the API on loopback (asyncio + httpx).

It builds a throw-away SQLite database with demo-sized data (one user with three years of
transactions, plus other users), starts ``fincast serve`` in a subprocess on a free port,
warms the prediction cache, then runs ``--clients`` concurrent closed-loop clients for
``--seconds`` against the transaction list and the three prediction endpoints.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

PASSWORD = "bench-password-123"  # noqa: S105 - a throw-away user in a temporary database
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


@dataclass
class Stats:
    """Latencies (seconds) and failures of one endpoint."""

    latencies: list[float] = field(default_factory=list)
    errors: int = 0

    def row(self, name: str, seconds: float) -> dict[str, object]:
        """p50/p99 in ms, requests per second and errors."""
        lat = sorted(self.latencies)
        if not lat:
            return {"endpoint": name, "requests": 0, "errors": self.errors}
        q = statistics.quantiles(lat, n=100, method="inclusive") if len(lat) > 1 else lat * 99
        return {
            "endpoint": name,
            "requests": len(lat),
            "errors": self.errors,
            "rps": round(len(lat) / seconds, 1),
            "p50_ms": round(q[49] * 1000, 1),
            "p99_ms": round(q[98] * 1000, 1),
            "max_ms": round(lat[-1] * 1000, 1),
        }


def free_port() -> int:
    """A TCP port free on loopback right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


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


async def _run_load(base: str, token: str, clients: int, seconds: float) -> dict[str, Stats]:
    import httpx

    headers = {"Authorization": f"Bearer {token}"}
    targets: list[tuple[str, str, str, dict[str, object] | None]] = [
        ("GET /api/transactions", "GET", "/api/transactions?limit=50", None),
        (
            "GET /api/transactions (filtered)",
            "GET",
            "/api/transactions?limit=50&q=merchant&amount_max=-20&offset=50",
            None,
        ),
        ("POST /api/predict/expense", "POST", "/api/predict/expense", {}),
        ("POST /api/predict/categories", "POST", "/api/predict/categories", {}),
        ("POST /api/predict/savings", "POST", "/api/predict/savings", {}),
    ]
    stats: dict[str, Stats] = defaultdict(Stats)
    deadline = time.perf_counter() + seconds
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=base, headers=headers, limits=limits, timeout=30) as c:

        async def worker(i: int) -> None:
            k = i
            while time.perf_counter() < deadline:
                name, method, url, body = targets[k % len(targets)]
                k += 1
                t0 = time.perf_counter()
                try:
                    r = await c.request(method, url, json=body)
                    ok = r.status_code == 200
                except httpx.HTTPError:
                    ok = False
                elapsed = time.perf_counter() - t0
                if ok:
                    stats[name].latencies.append(elapsed)
                else:
                    stats[name].errors += 1

        await asyncio.gather(*(worker(i) for i in range(clients)))
    return stats


def run(
    clients: int, seconds: float, workers: int = 1, *, users: int = 21, months: int = 36
) -> list[dict[str, object]]:
    """Run the benchmark; returns one row per endpoint plus an ``all`` row.

    ``users`` households with ``months`` of history are seeded; the first one is measured.
    """
    import httpx

    with tempfile.TemporaryDirectory(prefix="fincast-bench-") as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        email = "bench@bench.invalid"
        seed_demo(url, email, months=months, others=users - 1)
        port = free_port()
        env = {
            **os.environ,
            "FINCAST_DATABASE_URL": url,
            "FINCAST_DATA_DIR": tmp,
            "FINCAST_LOG_LEVEL": "warning",
        }
        cmd = [
            sys.executable,
            "-m",
            "fincast.cli.main",
            "serve",
            "--port",
            str(port),
            "--workers",
            str(workers),
            "--log-level",
            "warning",
        ]
        proc = subprocess.Popen(cmd, env=env)
        base = f"http://127.0.0.1:{port}"
        try:
            for _ in range(300):
                try:
                    if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                time.sleep(0.1)
            else:
                raise RuntimeError("the API did not become ready")
            token = httpx.post(
                f"{base}/api/auth/token", data={"username": email, "password": PASSWORD}
            ).json()["access_token"]
            # Warm every worker's cache: fresh connections spread over the workers.
            for _ in range(4 * workers):
                for path in ("expense", "categories", "savings"):
                    httpx.post(
                        f"{base}/api/predict/{path}",
                        json={},
                        headers={"Authorization": f"Bearer {token}"},
                        timeout=300,
                    ).raise_for_status()
            stats = asyncio.run(_run_load(base, token, clients, seconds))
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    rows = [s.row(name, seconds) for name, s in sorted(stats.items())]
    total = Stats(
        latencies=[x for s in stats.values() for x in s.latencies],
        errors=sum(s.errors for s in stats.values()),
    )
    rows.append(total.row("all", seconds))
    return rows


def to_markdown(rows: list[dict[str, object]]) -> str:
    """The result as a Markdown table."""
    cols = ["endpoint", "requests", "errors", "rps", "p50_ms", "p99_ms", "max_ms"]
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    lines += ["| " + " | ".join(str(r.get(c, "")) for c in cols) + " |" for r in rows]
    return "\n".join(lines)
