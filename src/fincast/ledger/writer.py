"""The one bulk writer of new transactions, shared by file imports and the frame loader."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any, cast

from sqlalchemy import Connection, Table

from fincast.db.dialect import BulkInsertIgnore, bulk_write_session
from fincast.ingest.rows import TRANSACTION_COLUMNS, TransactionRow
from fincast.ledger import revisions
from fincast.ledger.models import Transaction

CHUNK = 10_000
#: Rows per COPY into the staging table and INSERT from it (PostgreSQL): fewer, larger
#: statements; a chunk's text is a few MiB.
COPY_CHUNK = 50_000
_TABLE = cast(Table, Transaction.__table__)


def write_transactions(
    conn: Connection,
    rows: Iterable[TransactionRow] | Iterable[Sequence[Any]],
    *,
    columns: Sequence[str] = TRANSACTION_COLUMNS,
    cache_mib: int = 128,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Insert ``rows`` in order, skipping any whose fingerprint the account has already.

    Each row holds the values of ``columns`` (by default
    :data:`~fincast.ingest.rows.TRANSACTION_COLUMNS`; ``user_id`` among them). Rows are
    written in chunks as they come, so memory stays flat however many there are;
    ``progress`` receives the size of each chunk written. Returns how many rows were offered
    (inserted plus skipped). ``cache_mib`` is SQLite's page cache while writing.
    """
    writer = BulkInsertIgnore(conn, _TABLE, columns)
    users: set[int] = set()
    user = list(columns).index("user_id")

    def seen(rows: Iterable[Sequence[Any]]) -> Iterator[Sequence[Any]]:
        for row in rows:
            users.add(cast(int, row[user]))
            yield row

    try:
        with bulk_write_session(conn, cache_mib=cache_mib):
            chunk = COPY_CHUNK if writer.mode == "copy" else CHUNK
            return writer.write(seen(rows), chunk=chunk, progress=progress)
    finally:
        # PostgreSQL's COPY path writes through a DBAPI cursor the engine's events do not
        # see: name the users so their data-revision tokens change at commit.
        revisions.touch(conn, *users)


def transaction_encoder(
    conn: Connection, columns: Sequence[str], fixed: Iterable[str] = ()
) -> Callable[[Sequence[Any]], Any]:
    """How :func:`write_encoded_transactions` takes each row: as the driver will, made ahead.

    An import encodes its rows before its write transaction (``conn`` is any connection of
    the same engine), so the transaction only hands them to the driver. ``fixed`` names the
    columns given to the write once for every row (not in ``columns``).
    """
    return BulkInsertIgnore(conn, _TABLE, columns, fixed=dict.fromkeys(fixed, 0)).encode


def write_encoded_transactions(
    conn: Connection,
    batches: Iterable[list[Any]],
    *,
    columns: Sequence[str],
    fixed: Mapping[str, int],
    user_ids: Iterable[int],
    cache_mib: int = 128,
) -> int:
    """Insert batches of rows from :func:`transaction_encoder`, skipping stored fingerprints.

    ``fixed`` holds the integer columns with one value for every row (the import batch);
    ``user_ids`` are the owners of the rows (their data-revision tokens change at commit).
    Returns how many rows were offered (inserted plus skipped).
    """
    writer = BulkInsertIgnore(conn, _TABLE, columns, fixed=fixed)
    try:
        with bulk_write_session(conn, cache_mib=cache_mib):
            chunk = COPY_CHUNK if writer.mode == "copy" else CHUNK
            return writer.write_encoded(batches, chunk=chunk)
    finally:
        revisions.touch(conn, *user_ids)
