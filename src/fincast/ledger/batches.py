"""Import batches: the record of each imported file, written next to its transactions."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Connection, Table, func, insert, select, update

from fincast.ledger.models import ImportBatch, ImportStatus, Transaction, utcnow

_BATCHES = cast(Table, ImportBatch.__table__)
_TX = cast(Table, Transaction.__table__)


@dataclass(frozen=True)
class BatchFile:
    """The file an import batch records, and the account it goes into."""

    user_id: int
    account_id: int
    filename: str
    format: str
    sha256: str


def _add(conn: Connection, file: BatchFile, status: ImportStatus, **values: Any) -> int:
    result = conn.execute(
        insert(_BATCHES).values(
            user_id=file.user_id,
            account_id=file.account_id,
            file_name=file.filename[:255],
            format=file.format[:16],
            sha256=file.sha256,
            status=status.value,
            created_at=utcnow(),
            **values,
        )
    )
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])


def start_batch(conn: Connection, file: BatchFile) -> int:
    """Record a file whose import begins (as completed: a failure rolls the record back)."""
    return _add(conn, file, ImportStatus.COMPLETED)


def record_failed_batch(conn: Connection, file: BatchFile, error: Exception) -> int:
    """Record a file whose import failed, with the error that stopped it."""
    return _add(
        conn,
        file,
        ImportStatus.FAILED,
        n_rows=0,
        n_imported=0,
        n_duplicates=0,
        n_skipped=0,
        errors=[str(error)[:2000]],
    )


def count_batch_transactions(conn: Connection, batch_id: int) -> int:
    """How many transactions batch ``batch_id`` added."""
    stmt = select(func.count()).select_from(_TX).where(_TX.c.import_batch_id == batch_id)
    return int(conn.execute(stmt).scalar_one())


def finish_batch(
    conn: Connection,
    batch_id: int,
    *,
    n_rows: int,
    n_imported: int,
    n_duplicates: int,
    n_skipped: int,
    notes: list[str],
) -> None:
    """Store the counts and notes of batch ``batch_id`` once its rows are written."""
    conn.execute(
        update(_BATCHES)
        .where(_BATCHES.c.id == batch_id)
        .values(
            n_rows=n_rows,
            n_imported=n_imported,
            n_duplicates=n_duplicates,
            n_skipped=n_skipped,
            errors=notes or None,
        )
    )
