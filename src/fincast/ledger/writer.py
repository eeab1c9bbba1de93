"""The one bulk writer of new transactions, shared by file imports and the frame loader."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import cast

from sqlalchemy import Connection, Table

from fincast.db.dialect import BulkInsertIgnore, bulk_write_session
from fincast.ingest.rows import TRANSACTION_COLUMNS, TransactionRow
from fincast.ledger import revisions
from fincast.ledger.models import Transaction

CHUNK = 10_000
_TABLE = cast(Table, Transaction.__table__)
_USER = TRANSACTION_COLUMNS.index("user_id")


def write_transactions(
    conn: Connection,
    rows: Iterable[TransactionRow],
    *,
    cache_mib: int = 128,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Insert ``rows`` in order, skipping any whose fingerprint the account has already.

    Each row holds the values of :data:`~fincast.ingest.rows.TRANSACTION_COLUMNS`. Rows are
    written in chunks as they come, so memory stays flat however many there are;
    ``progress`` receives the size of each chunk written. Returns how many rows were offered
    (inserted plus skipped). ``cache_mib`` is SQLite's page cache while writing.
    """
    writer = BulkInsertIgnore(conn, _TABLE, TRANSACTION_COLUMNS)
    users: set[int] = set()

    def seen(rows: Iterable[TransactionRow]) -> Iterator[TransactionRow]:
        for row in rows:
            users.add(cast(int, row[_USER]))
            yield row

    try:
        with bulk_write_session(conn, cache_mib=cache_mib):
            return writer.write(seen(rows), chunk=CHUNK, progress=progress)
    finally:
        # PostgreSQL's COPY path writes through a DBAPI cursor the engine's events do not
        # see: name the users so their data-revision tokens change at commit.
        revisions.touch(conn, *users)
