"""The one bulk writer of new transactions, shared by file imports and the frame loader."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
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
