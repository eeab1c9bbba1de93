"""The one bulk writer of new transactions, shared by file imports and the frame loader."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, ExitStack, nullcontext
from typing import Any, cast

from sqlalchemy import Connection, Table
from sqlalchemy.exc import DBAPIError

from fincast.db.dialect import (
    BulkInsertIgnore,
    CopyStagedInsertIgnore,
    StagedInsertIgnore,
    bulk_write_session,
)
from fincast.ingest.rows import TRANSACTION_COLUMNS, TransactionRow
from fincast.ingest.spool import ChunkSpool, spool_chunks
from fincast.ledger import revisions
from fincast.ledger.models import Transaction

CHUNK = 10_000
#: Rows per COPY into the staging table and INSERT from it (PostgreSQL): fewer, larger
#: statements; a chunk's text is a few MiB.
COPY_CHUNK = 50_000
_TABLE = cast(Table, Transaction.__table__)
#: The ledger's key of a row: a re-imported row has the same (its other unique key is the id).
_KEY = ("account_id", "fingerprint")
log = logging.getLogger(__name__)


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


def write_encoded_transactions(
    conn: Connection,
    batches: Iterable[list[Any]],
    *,
    columns: Sequence[str],
    fixed: Mapping[str, int],
    user_ids: Iterable[int],
    cache_mib: int = 128,
) -> int:
    """Insert batches of encoded rows (:class:`TransactionStage`), skipping stored fingerprints.

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


class TransactionStage:
    """An import's new rows between its reads and its write transaction, ready for the driver.

    Each batch is encoded with :attr:`encode_columns` (the batch given as columns) and
    handed to :meth:`add`; in the write transaction, on a connection the stage is
    :meth:`attached` to, :meth:`write` inserts every row, skipping stored fingerprints. No
    connection of the engine is held in between (``conn`` serves to make the stage). On
    SQLite the batches wait in a database file of their own and the write is one ``INSERT
    ... SELECT`` inside SQLite (:class:`~fincast.db.dialect.StagedInsertIgnore`); on
    PostgreSQL each batch is ``COPY``-ed into an unlogged table of its own as it comes, and
    the write moves them in SQL (:class:`~fincast.db.dialect.CopyStagedInsertIgnore`; where
    the role may not create a table, as MariaDB always: the batches wait in a temporary file
    and go through :func:`write_encoded_transactions`, multi-row ``INSERT`` or ``COPY``
    through a staging table in the transaction). :meth:`close` (or leaving the ``with``)
    removes what is staged.
    """

    def __init__(self, conn: Connection, columns: Sequence[str], fixed: Iterable[str] = ()) -> None:
        self.columns = tuple(columns)
        self._stack = ExitStack()
        self._staged: StagedInsertIgnore | CopyStagedInsertIgnore | None = None
        self._spool: ChunkSpool[Any] | None = None
        if conn.dialect.name == "sqlite":
            self._staged = StagedInsertIgnore(conn, _TABLE, self.columns, fixed)
        elif conn.dialect.driver == "psycopg2":
            try:
                self._staged = CopyStagedInsertIgnore(
                    conn.engine, _TABLE, self.columns, fixed, chunk=COPY_CHUNK, conflict=_KEY
                )
            except DBAPIError as exc:  # no CREATE on the schema: the spool below
                log.info("import: rows spooled to a file, no stage table (%s)", exc.orig)
        if self._staged is not None:
            self._stack.callback(self._staged.close)
            self.encode_columns = self._staged.encode_columns
        else:
            self._spool = self._stack.enter_context(spool_chunks())
            writer = BulkInsertIgnore(conn, _TABLE, self.columns, fixed=dict.fromkeys(fixed, 0))
            self.encode_columns = writer.encode_columns

    def __enter__(self) -> TransactionStage:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def count(self) -> int:
        """Rows staged so far."""
        if self._staged is not None:
            return self._staged.count
        assert self._spool is not None
        return self._spool.count

    def add(self, batch: list[Any]) -> None:
        """Keep ``batch`` (rows from :attr:`encode_columns`) for the write."""
        if self._staged is not None:
            self._staged.add(batch)
        else:
            assert self._spool is not None
            self._spool.add(batch)

    def attached(self, conn: Connection) -> AbstractContextManager[None]:
        """The stage readable from ``conn`` while inside (enter it before the transaction)."""
        if isinstance(self._staged, StagedInsertIgnore):
            return self._staged.attached(conn)
        return nullcontext()

    def write(
        self,
        conn: Connection,
        fixed: Mapping[str, int],
        user_ids: Iterable[int],
        cache_mib: int = 128,
    ) -> int:
        """Insert every staged row (in ``conn``'s transaction); returns how many were offered.

        ``fixed`` gives the value of each fixed column for every row; ``user_ids`` are the
        rows' owners (their data-revision tokens change at commit).
        """
        if self._staged is None:
            assert self._spool is not None
            return write_encoded_transactions(
                conn,
                self._spool.replay(),
                columns=self.columns,
                fixed=fixed,
                user_ids=user_ids,
                cache_mib=cache_mib,
            )
        try:
            with bulk_write_session(conn, cache_mib=cache_mib):
                return self._staged.insert(conn, fixed)
        finally:
            revisions.touch(conn, *user_ids)

    def close(self) -> None:
        """Remove what is staged."""
        self._stack.close()
