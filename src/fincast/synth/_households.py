"""Generate synthetic households and write them as CSV files plus a ground-truth JSON."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from fincast.errors import InputError
from fincast.synth import _frames
from fincast.synth._calendar import MAX_MONTHS, month_grid
from fincast.synth._frames import GroundTruth
from fincast.synth._simulate import STEPS, Simulation
from fincast.taxonomy import CATEGORY_BY_SLUG, CategoryKind

MAX_USERS = 10_000_000
GENERATION_STEPS: tuple[str, ...] = (*STEPS, "assemble")

FILES = {
    "transactions": "transactions.csv",
    "monthly": "monthly.csv",
    "sample_transactions": "sample_transactions.csv",
    "sample_monthly": "sample_monthly_data.csv",
    "ground_truth": "ground_truth.json",
}
SAMPLE_TRANSACTION_COLUMNS = ("date", "category", "amount", "payee", "description")
_BATCH_ROWS = 262_144


@dataclass(frozen=True)
class Households:
    """A generated population: transactions, its monthly panel and the injected truth.

    Attributes:
        transactions: Columns of ``transactions.csv``; strings are categoricals, ``date`` is
            ``datetime64[ns]``, ``amount`` exact decimals (``pd.ArrowDtype(decimal128(18, 2))``).
            Sorted by user, then date.
        monthly: Columns of ``monthly.csv``, one row per user and calendar month.
        ground_truth: What was injected (anomalies, recurring streams, price changes, raises,
            job losses).
        seed: The seed the data came from.
        start: First month, ``YYYY-MM``.
        n_users: Number of households.
        n_months: Number of calendar months.
    """

    transactions: pd.DataFrame
    monthly: pd.DataFrame
    ground_truth: GroundTruth
    seed: int
    start: str
    n_users: int
    n_months: int

    @property
    def first_user(self) -> str:
        """The id of the first household (the one the sample files describe)."""
        return str(self.monthly["user_id"].cat.categories[0])

    def sample_transactions(self) -> pd.DataFrame:
        """Income and expense rows of the first household, amounts as positive magnitudes."""
        tx = self.transactions
        n = int(np.searchsorted(tx["user_id"].cat.codes.to_numpy(), 1))
        first = tx.iloc[:n]
        kinds = first["category"].map(lambda s: CATEGORY_BY_SLUG[s].kind).astype(str)
        keep = (kinds != CategoryKind.TRANSFER.value).to_numpy()
        first = first.loc[keep]
        amount = pc.abs(pa.array(first["amount"].array))
        return pd.DataFrame(
            {
                "date": first["date"].to_numpy(),
                "category": first["category"].astype(str).to_numpy(),
                "amount": pd.arrays.ArrowExtensionArray(amount),
                "payee": first["payee"].astype(str).to_numpy(),
                "description": first["description"].astype(str).to_numpy(),
            }
        )

    def sample_monthly(self) -> pd.DataFrame:
        """The monthly rows of the first household, without the ``user_id`` column."""
        first = self.monthly.iloc[: self.n_months]
        out = first.drop(columns="user_id").reset_index(drop=True)
        out["year_month"] = out["year_month"].astype(str)
        return out


def validate_arguments(n_users: int, n_months: int, seed: int, start: str) -> None:
    """Check generator arguments; raise InputError naming the bad one."""
    if isinstance(n_users, bool) or not isinstance(n_users, int | np.integer) or n_users < 1:
        raise InputError(f"users must be a whole number of at least 1, got {n_users!r}")
    if n_users > MAX_USERS:
        raise InputError(f"users must be at most {MAX_USERS:,}, got {n_users:,}")
    if isinstance(n_months, bool) or not isinstance(n_months, int | np.integer) or n_months < 1:
        raise InputError(f"months must be a whole number of at least 1, got {n_months!r}")
    if n_months > MAX_MONTHS:
        raise InputError(f"months must be at most {MAX_MONTHS}, got {n_months}")
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise InputError(f"seed must be a non-negative whole number, got {seed!r}")
    month_grid(start, 1)  # raises InputError for a bad start


def generate_households(
    n_users: int,
    n_months: int,
    seed: int,
    start: str = "2023-01",
    *,
    progress: Callable[[str], None] | None = None,
) -> Households:
    """Simulate ``n_users`` households over ``n_months`` calendar months from ``start``.

    Args:
        n_users: Number of households (at least 1).
        n_months: Number of calendar months (at least 1).
        seed: Seed of the one random generator; the same arguments give the same data.
        start: First month as ``YYYY-MM``.
        progress: Called with a step name after each of ``GENERATION_STEPS``.

    Returns:
        The transactions, the monthly panel and the ground truth.

    Raises:
        InputError: If an argument is out of range or ``start`` is not ``YYYY-MM``.
    """
    validate_arguments(n_users, n_months, seed, start)
    n_users, n_months, seed = int(n_users), int(n_months), int(seed)
    grid = month_grid(start, n_months)
    sim = Simulation(np.random.default_rng(seed), grid, n_users)
    rows, truth = sim.run(progress)
    users = _frames.user_labels(n_users)
    households = Households(
        transactions=_frames.transactions_frame(rows, users),
        monthly=_frames.monthly_frame(_frames.monthly_cents(rows, n_users, n_months), users, grid),
        ground_truth=_frames.ground_truth(truth, rows, sim.ledger.streams, users, grid),
        seed=seed,
        start=grid.labels[0],
        n_users=n_users,
        n_months=n_months,
    )
    if progress is not None:
        progress("assemble")
    return households


def _arrow_table(df: pd.DataFrame) -> pa.Table:
    table = pa.Table.from_pandas(df, preserve_index=False)
    for name in ("date",):
        if name in table.column_names and pa.types.is_timestamp(table.schema.field(name).type):
            i = table.column_names.index(name)
            table = table.set_column(i, name, pc.cast(table.column(name), pa.date32()))
    return table


def write_csv(
    df: pd.DataFrame, path: Path, *, progress: Callable[[int], None] | None = None
) -> int:
    """Write a frame as CSV (no quoting: values are CSV-safe by construction); return bytes.

    Batches are encoded in parallel threads (arrow releases the GIL) and written in order,
    so the file is the same byte for byte whatever the number of threads.
    """
    table = _arrow_table(df)
    options = pacsv.WriteOptions(include_header=False, quoting_style="none")

    def encode(batch: pa.RecordBatch) -> pa.Buffer:
        buffer = pa.BufferOutputStream()
        pacsv.write_csv(batch, buffer, write_options=options)
        return buffer.getvalue()

    batches = table.to_batches(max_chunksize=_BATCH_ROWS)
    workers = max(1, min(os.cpu_count() or 1, 4))
    window = 2 * workers  # bounds the encoded batches held in memory
    with pa.OSFile(str(path), "wb") as sink, ThreadPoolExecutor(workers) as pool:
        # arrow would quote header names; write them plainly ourselves
        sink.write((",".join(table.column_names) + "\n").encode())
        for start in range(0, len(batches), window):
            chunk = batches[start : start + window]
            for batch, encoded in zip(chunk, pool.map(encode, chunk), strict=True):
                sink.write(encoded)
                if progress is not None:
                    progress(batch.num_rows)
    return path.stat().st_size


def _records(df: pd.DataFrame) -> str:
    if df.empty:
        return "[]"
    # one record per line; pandas' encoder is much faster than json.dumps per record
    lines = df.to_json(orient="records", lines=True, date_format="iso").rstrip("\n")
    return "[\n" + lines.replace("\n", ",\n") + "\n]"


def ground_truth_json(h: Households) -> str:
    """Return the ground truth as JSON text (one record per line in each list)."""
    gt = h.ground_truth
    meta: dict[str, Any] = {
        "seed": h.seed,
        "start": h.start,
        "n_users": h.n_users,
        "n_months": h.n_months,
        "amounts": "signed 2-decimal strings as in transactions.csv; negative = money out",
    }
    parts = [f'"meta": {json.dumps(meta)}']
    for name in ("anomalies", "recurring", "price_changes", "raises", "job_losses"):
        parts.append(f'"{name}": {_records(getattr(gt, name))}')
    return "{\n" + ",\n".join(parts) + "\n}\n"


def read_ground_truth(path: str | Path) -> GroundTruth:
    """Read a ``ground_truth.json`` written by ``write_households`` back into frames."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    frames = {
        name: pd.DataFrame(data.get(name, []))
        for name in ("anomalies", "recurring", "price_changes", "raises", "job_losses")
    }
    return GroundTruth(**frames)


def write_households(
    h: Households,
    out_dir: str | Path,
    *,
    progress: Callable[[int], None] | None = None,
) -> dict[str, Path]:
    """Write the five files of a generated population into ``out_dir``; return their paths.

    Args:
        h: The generated households.
        out_dir: Folder to write into (created if missing).
        progress: Called with the number of transaction rows written, batch by batch.

    Returns:
        The path of each file, keyed like ``FILES``.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = {key: out / name for key, name in FILES.items()}
    write_csv(h.transactions, paths["transactions"], progress=progress)
    write_csv(h.monthly, paths["monthly"])
    write_csv(h.sample_transactions(), paths["sample_transactions"])
    write_csv(h.sample_monthly(), paths["sample_monthly"])
    paths["ground_truth"].write_text(ground_truth_json(h), encoding="utf-8")
    return paths
