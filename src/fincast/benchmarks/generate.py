"""Benchmark of the synthetic-household generator: generation plus writing the files."""

from __future__ import annotations

import datetime as dt
import os
import platform
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fincast.synth import generate_households, write_households


def bench_generate(
    users: int,
    months: int,
    seed: int = 42,
    *,
    out_dir: str | Path | None = None,
    progress: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Time generating ``users`` x ``months`` households and writing their files.

    Args:
        users: Number of households.
        months: Number of calendar months.
        seed: Generator seed.
        out_dir: Where to write; a temporary folder (removed afterwards) when omitted.
        progress: Called with a step name as generation proceeds.

    Returns:
        Timings (``seconds`` = generate + write, wall clock; ``cpu_seconds`` = CPU time of
        this process, all threads, which stays meaningful on a busy machine), row counts,
        rows per second, megabytes written, the load average, the date and the machine.
    """
    temporary = out_dir is None
    target = Path(tempfile.mkdtemp(prefix="fincast-bench-") if out_dir is None else out_dir)
    try:
        c0, t0 = time.process_time(), time.perf_counter()
        households = generate_households(users, months, seed, progress=progress)
        t1 = time.perf_counter()
        paths = write_households(households, target)
        c2, t2 = time.process_time(), time.perf_counter()
        written = sum(p.stat().st_size for p in paths.values())
    finally:
        if temporary:
            shutil.rmtree(target, ignore_errors=True)
    rows = len(households.transactions)
    seconds = t2 - t0
    return {
        "users": users,
        "months": months,
        "seed": seed,
        "rows": rows,
        "rows_per_user_month": round(rows / (users * months), 1),
        "generate_seconds": round(t1 - t0, 2),
        "write_seconds": round(t2 - t1, 2),
        "seconds": round(seconds, 2),
        "cpu_seconds": round(c2 - c0, 2),
        "rows_per_second": round(rows / seconds),
        "mb_written": round(written / 1e6, 1),
        "load_average_1min": round(os.getloadavg()[0], 2),
        "date": dt.date.today().isoformat(),
        "machine": f"{os.cpu_count()} cores, {platform.system()} {platform.machine()}, "
        f"Python {platform.python_version()}",
    }
