"""Write generated households as CSV files plus a ground-truth JSON, and read the truth back."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from fincast.synth.households import Households
from fincast.synth.truth import GroundTruth

FILES = {
    "transactions": "transactions.csv",
    "monthly": "monthly.csv",
    "sample_transactions": "sample_transactions.csv",
    "sample_monthly": "sample_monthly_data.csv",
    "ground_truth": "ground_truth.json",
}
_BATCH_ROWS = 262_144
_TRUTH_TABLES = ("anomalies", "recurring", "price_changes", "raises", "job_losses")


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
    for name in _TRUTH_TABLES:
        parts.append(f'"{name}": {_records(getattr(gt, name))}')
    return "{\n" + ",\n".join(parts) + "\n}\n"


def read_ground_truth(path: str | Path) -> GroundTruth:
    """Read a ``ground_truth.json`` written by ``write_households`` back into frames."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    frames = {name: pd.DataFrame(data.get(name, [])) for name in _TRUTH_TABLES}
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
