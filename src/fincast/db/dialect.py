"""Portable bulk operations whose SQL differs between SQLite, PostgreSQL and MariaDB."""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import os
import re
import shutil
import sqlite3
import stat
import tempfile
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from decimal import Decimal
from operator import itemgetter
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Dialect, Engine, Enum, Insert, Table, insert, literal_column
from sqlalchemy.dialects import mysql, postgresql, sqlite
from sqlalchemy.types import TypeEngine

_FAST_DRIVERS = frozenset({"pysqlite", "pymysql", "psycopg2"})
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def insert_ignore_stmt(conn: Connection, table: Table) -> Insert:
    """An INSERT that silently skips rows breaking a unique constraint, on every dialect."""
    name = conn.dialect.name
    if name == "postgresql":
        return postgresql.insert(table).on_conflict_do_nothing()
    if name == "sqlite":
        return sqlite.insert(table).on_conflict_do_nothing()
    if name in {"mysql", "mariadb"}:
        return mysql.insert(table).prefix_with("IGNORE")
    return insert(table)


def insert_ignore(conn: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Insert ``rows``, skipping any that would duplicate a unique key."""
    if rows:
        conn.execute(insert_ignore_stmt(conn, table), list(rows))


class _Memo(dict[Any, Any]):
    """One column's values as the driver takes them, each converted on first use."""

    _LIMIT = 100_000

    def __init__(self, convert: Callable[[Any], Any], none: Any = None) -> None:
        super().__init__({None: none})
        self.convert = convert
        self.none = none

    def __missing__(self, value: Any) -> Any:
        if len(self) >= self._LIMIT:
            self.clear()
            self[None] = self.none
        out = self[value] = self.convert(value)
        return out


def _pymysql_text() -> dict[type, Callable[[Any], str]]:
    """PyMySQL's own text for dates, timestamps and decimals, which it formats for every row."""
    from pymysql import converters

    return {
        dt.date: lambda v: converters.escape_date(v)[1:-1],
        dt.datetime: lambda v: converters.escape_datetime(v)[1:-1],
        Decimal: lambda v: format(v, "f"),
    }


def _converter(
    column_type: TypeEngine[Any], dialect: Dialect, driver_text: dict[type, Callable[[Any], str]]
) -> Callable[[Any], Any] | None:
    """What turns one column's values into what the driver is handed; None: nothing to do."""
    if isinstance(column_type, Enum):
        # Rows carry an enum's stored string, which its processor would only check (the
        # table's CHECK constraint does that too): a cost per row saved.
        return None
    proc: Callable[[Any], Any] | None = column_type.dialect_impl(dialect).bind_processor(dialect)
    if proc is not None or not driver_text:
        return proc
    try:
        return driver_text.get(column_type.python_type)
    except NotImplementedError:  # a type that does not say
        return None


def copy_text(value: Any) -> str:
    """One value in PostgreSQL's ``COPY ... FROM STDIN`` text format."""
    if value is None:
        return "\\N"
    if isinstance(value, str):
        return value.translate(_COPY_ESCAPES)
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def copy_rows(
    conn: Connection, table: Table, columns: Sequence[str], rows: Iterable[Sequence[str]]
) -> None:
    """``COPY`` rows of ready :func:`copy_text` fields straight into ``table`` (PostgreSQL)."""
    buf = io.StringIO()
    buf.writelines("\t".join(row) + "\n" for row in rows)
    buf.seek(0)
    preparer = conn.dialect.identifier_preparer
    cols = ", ".join(preparer.quote(c) for c in columns)
    cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.copy_expert(f"COPY {preparer.format_table(table)} ({cols}) FROM STDIN", buf)
    finally:
        cursor.close()


def _fixed_sql(
    quote: Callable[[str], str], fixed: Mapping[str, int], expected: Sequence[str] | None = None
) -> tuple[str, str]:
    """``(", col, ...", ", value, ...")`` of the fixed integer columns, for an INSERT ... SELECT.

    Raises:
        ValueError: ``fixed`` does not name exactly the ``expected`` columns.
    """
    if expected is not None and sorted(fixed) != sorted(expected):
        raise ValueError(f"fixed columns {sorted(fixed)} are not {sorted(expected)}")
    names = "".join(f", {quote(c)}" for c in fixed)
    values = "".join(f", {int(v)}" for v in fixed.values())  # only integers into the SQL
    return names, values


class BulkInsertIgnore:
    """Insert-or-ignore of many rows into one table with the dialect's fastest bulk path.

    Rows are tuples of hashable Python values in ``columns`` order (an enum column's value
    as the string it stores), inserted in that order, so ids follow it; rows that would
    duplicate a unique key are skipped. The statement is :func:`insert_ignore_stmt`,
    compiled once. Each row is turned into what the driver takes as it arrives: values go
    through the column types' own bind processors, as SQLAlchemy would (and dates and
    decimals into PyMySQL's text for them, as PyMySQL would), each distinct value once.
    Batches go to the driver in bulk: ``executemany`` on SQLite and PyMySQL (which folds it
    into multi-row INSERTs); on psycopg2 each batch is ``COPY``-ed into a temporary staging
    table (dropped at commit) and moved with one ``INSERT ... SELECT ... ON CONFLICT DO
    NOTHING`` in row order. SQLAlchemy's per-row parameter handling for ``executemany``
    costs as much as SQLite's own insert work, hence this path; any other driver uses the
    plain Core :func:`insert_ignore`. One writer per table and transaction: it creates the
    staging table once.

    ``fixed`` are integer columns with one value for every row (an import's batch id): they
    are written into the statement, not into each row. Rows can be encoded ahead of the
    write (:attr:`encode`, by a writer of the same dialect, columns and ``fixed`` names, on
    another connection) and handed over in batches with :meth:`write_encoded`.
    """

    def __init__(
        self,
        conn: Connection,
        table: Table,
        columns: Sequence[str],
        *,
        fixed: Mapping[str, int] | None = None,
    ) -> None:
        self.conn = conn
        self.table = table
        self.columns = tuple(columns)
        # Only integers are formatted into the SQL.
        self.fixed = {name: int(value) for name, value in (fixed or {}).items()}
        dialect = conn.dialect
        stmt = insert_ignore_stmt(conn, table)
        if self.fixed:
            stmt = stmt.values({n: literal_column(str(v)) for n, v in self.fixed.items()})
        compiled = stmt.compile(dialect=dialect, column_keys=list(self.columns))
        self.sql = str(compiled)
        if compiled.positiontup is not None:
            order = list(compiled.positiontup)
        else:
            order = re.findall(r"%\((\w+)\)s", self.sql)
        if dialect.driver == "pymysql" and compiled.positiontup is None:
            self.sql = re.sub(r"%\(\w+\)s", "%s", self.sql)
        if sorted(order) != sorted(self.columns) or dialect.driver not in _FAST_DRIVERS:
            self.mode = "core"
        elif dialect.driver == "psycopg2":
            self.mode = "copy"
        else:
            self.mode = "executemany"
        driver_text = _pymysql_text() if dialect.driver == "pymysql" else {}
        memos = [
            (i, _Memo(convert))
            for i, name in enumerate(self.columns)
            if (convert := _converter(table.c[name].type, dialect, driver_text)) is not None
        ]
        reorder = (
            None
            if order == list(self.columns)
            else itemgetter(*[self.columns.index(name) for name in order])
        )
        self.encode = self._encoder(memos, reorder)
        #: The columns of an encoded row, in the order of its values ("copy": ``columns``).
        self.order = tuple(order) if self.mode == "executemany" else self.columns
        self._memos = memos
        self._positions = [self.columns.index(name) for name in self.order]
        self.staged = False

    def _encoder(
        self, memos: list[tuple[int, _Memo]], reorder: Callable[[Any], Any] | None
    ) -> Callable[[Sequence[Any]], Any]:
        """How one row becomes what the chosen path hands the driver."""
        if self.mode == "core":
            names, fixed = self.columns, self.fixed
            return lambda row: {**dict(zip(names, row, strict=True)), **fixed}
        if self.mode == "copy":
            # Each distinct value of a column is put in COPY's text form once.
            texts = [_Memo(copy_text, "\\N") for _ in self.columns]
            texts_of = list(zip(texts, range(len(texts)), strict=True))
            return lambda row: "\t".join([memo[row[i]] for memo, i in texts_of])

        def encode(row: Sequence[Any]) -> Any:
            values = list(row)
            for i, memo in memos:
                values[i] = memo[values[i]]
            return tuple(values) if reorder is None else reorder(values)

        if memos:
            return encode
        return (lambda row: row) if reorder is None else reorder

    def encode_columns(self, columns: Sequence[Sequence[Any]]) -> list[Any]:
        """Rows given as columns (``columns`` order, equal lengths), as :attr:`encode` makes them.

        The same values, with the work done a column at a time.
        """
        if self.mode == "core":
            return [self.encode(row) for row in zip(*columns, strict=True)]
        if len(columns) != len(self.columns):
            raise ValueError(f"{len(columns)} columns given, {len(self.columns)} expected")
        if self.mode == "copy":
            texts = [list(map(_Memo(copy_text, "\\N").__getitem__, col)) for col in columns]
            return list(map("\t".join, zip(*texts, strict=True)))
        cols = list(columns)
        for i, memo in self._memos:
            cols[i] = list(map(memo.__getitem__, cols[i]))
        return list(zip(*[cols[i] for i in self._positions], strict=True))

    def write(
        self,
        rows: Iterable[Sequence[Any]],
        *,
        chunk: int = 10_000,
        progress: Callable[[int], None] | None = None,
    ) -> int:
        """Insert ``rows`` in batches of ``chunk``; returns how many were offered.

        Rows are converted as they come, so memory stays flat however many there are;
        ``progress`` receives the size of each batch written.
        """
        encode = self.encode
        total = 0
        batch: list[Any] = []
        for row in rows:
            batch.append(encode(row))
            if len(batch) >= chunk:
                total += self._send(batch, progress)
                batch = []
        return total + self._send(batch, progress)

    def write_encoded(
        self,
        batches: Iterable[list[Any]],
        *,
        chunk: int = 10_000,
        progress: Callable[[int], None] | None = None,
    ) -> int:
        """Insert batches of rows already put through :attr:`encode`; returns how many.

        Consecutive batches are sent together up to ``chunk`` rows (one COPY, one
        ``executemany``).
        """
        total = 0
        pending: list[Any] = []
        for batch in batches:
            if pending and len(pending) + len(batch) > chunk:
                total += self._send(pending, progress)
                pending = []
            pending = batch if not pending else pending + batch
        return total + self._send(pending, progress)

    def _send(self, batch: list[Any], progress: Callable[[int], None] | None) -> int:
        if not batch:
            return 0
        if self.mode == "core":
            insert_ignore(self.conn, self.table, batch)
        elif self.mode == "copy":
            self._copy(batch)
        else:
            self.conn.exec_driver_sql(self.sql, batch)
        if progress is not None:
            progress(len(batch))
        return len(batch)

    def _copy(self, lines: list[str]) -> None:
        preparer = self.conn.dialect.identifier_preparer
        target = preparer.format_table(self.table)
        cols = ", ".join(preparer.quote(c) for c in self.columns)
        stage = f"fincast_stage_{self.table.name}"
        cursor = self.conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        try:
            if not self.staged:
                cursor.execute(
                    f"CREATE TEMPORARY TABLE {stage} ON COMMIT DROP AS "  # noqa: S608
                    f"SELECT {cols} FROM {target} WITH NO DATA"
                )
                cursor.execute(f"ALTER TABLE {stage} ADD COLUMN fincast_ord BIGSERIAL")
                self.staged = True
            else:
                cursor.execute(f"TRUNCATE {stage}")
            buf = io.StringIO()
            buf.writelines(line + "\n" for line in lines)
            buf.seek(0)
            cursor.copy_expert(f"COPY {stage} ({cols}) FROM STDIN", buf)
            fixed_cols, fixed_values = _fixed_sql(preparer.quote, self.fixed)
            cursor.execute(
                f"INSERT INTO {target} ({cols}{fixed_cols}) "  # noqa: S608
                f"SELECT {cols}{fixed_values} FROM {stage} "
                "ORDER BY fincast_ord ON CONFLICT DO NOTHING"
            )
        finally:
            cursor.close()


#: Stages older than this are an import that died (a killed process): removed by the next.
STALE_STAGE_SECONDS = 6 * 3600
_STAGE_DIR_PREFIX = "fincast-stage-"
_STAGE_TABLE_PREFIX = "fincast_stage_"
_COPY_READ = 1 << 20


def _remove_stale_stage_dirs(now: float) -> None:
    """Delete the stage folders of imports that died, this user's, older than a few hours."""
    root = Path(tempfile.gettempdir())
    for path in root.glob(f"{_STAGE_DIR_PREFIX}*"):
        with contextlib.suppress(OSError):
            info = path.lstat()
            if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid():
                continue
            # The stage file's time moves with every batch written: a long import is alive.
            times = [info.st_mtime, *(f.stat().st_mtime for f in path.iterdir())]
            if now - max(times) > STALE_STAGE_SECONDS:
                shutil.rmtree(path, ignore_errors=True)


class StagedInsertIgnore:
    """Rows of one write kept in a SQLite file of their own ahead of it, then moved in SQL.

    For a writer that prepares its rows before its write transaction (an import) on SQLite:
    each batch of rows (from :attr:`encode_columns`, the parameter tuples
    :class:`BulkInsertIgnore` makes) goes into a table of a private temporary database file
    as it is ready, through a plain ``sqlite3`` connection of this object (no connection of
    the engine is held while batches come, and nothing of the ledger is locked). The write
    transaction then runs on a connection the stage is :meth:`attached` to, and
    :meth:`insert` moves every row into ``table`` with one ``INSERT ... SELECT ... ON
    CONFLICT DO NOTHING`` in the order they came: ids follow that order, and rows that would
    duplicate a unique key are skipped, as with :class:`BulkInsertIgnore`. The staged
    columns have no declared type, so each value reaches ``table`` as bound and gets that
    column's affinity there, as a direct insert's.

    Why: the move is work inside SQLite alone. For 1,000,000 import rows it took 11.6 s
    against 19.4 s for ``executemany`` of the same rows into the indexed table, plus 4.1 s to
    fill the stage beforehand (docs/benchmarks.md, "Import"), and the write lock is held for
    the move only. :meth:`close` removes the file.
    """

    def __init__(
        self, conn: Connection, table: Table, columns: Sequence[str], fixed: Iterable[str] = ()
    ) -> None:
        if conn.dialect.name != "sqlite":
            raise ValueError(f"no staged insert for {conn.dialect.name}")
        self.fixed_names = tuple(fixed)
        writer = BulkInsertIgnore(conn, table, columns, fixed=dict.fromkeys(self.fixed_names, 0))
        self.encode_columns = writer.encode_columns
        self.columns = writer.order
        self.count = 0
        preparer = conn.dialect.identifier_preparer
        self._cols = ", ".join(preparer.quote(c) for c in self.columns)
        self._quote = preparer.quote
        self._target = f"main.{preparer.format_table(table)}"
        _remove_stale_stage_dirs(time.time())
        self._dir = Path(tempfile.mkdtemp(prefix=_STAGE_DIR_PREFIX))  # 0700: the user's data
        self.path = self._dir / "stage.db"
        self._db: sqlite3.Connection | None = sqlite3.connect(self.path, isolation_level=None)
        # A scratch copy: nothing to recover after a crash, so no journal and no syncing.
        self._db.execute("PRAGMA journal_mode=OFF")
        self._db.execute("PRAGMA synchronous=OFF")
        self._db.execute(f"CREATE TABLE stage ({self._cols})")
        self._insert = f"INSERT INTO stage VALUES ({', '.join('?' * len(self.columns))})"  # noqa: S608

    def add(self, batch: list[Any]) -> None:
        """Stage ``batch`` (rows from :attr:`encode_columns`)."""
        if not batch:
            return
        if self._db is None:
            raise RuntimeError("rows added to a stage after it was attached or closed")
        self._db.execute("BEGIN")
        self._db.executemany(self._insert, batch)
        self._db.execute("COMMIT")
        self.count += len(batch)

    @contextmanager
    def attached(self, conn: Connection) -> Iterator[None]:
        """Attach the stage to ``conn`` (outside a transaction: SQLite's rule) while inside.

        No batch can be added once attached. A connection that cannot detach again is
        invalidated, so the pool never hands out one with the stage still attached.
        """
        if self._db is not None:
            self._db.close()
            self._db = None
        conn.exec_driver_sql("ATTACH DATABASE ? AS fincast_stage", (str(self.path),))
        conn.commit()
        try:
            yield
        finally:
            try:
                if conn.in_transaction():
                    conn.rollback()
                conn.exec_driver_sql("DETACH DATABASE fincast_stage")
                conn.commit()
            except Exception:
                conn.invalidate()
                raise

    def insert(self, conn: Connection, fixed: Mapping[str, int]) -> int:
        """Move every staged row into the table, in ``conn``'s transaction; returns how many.

        ``conn`` is the connection the stage is :meth:`attached` to; ``fixed`` gives the
        integer value of each fixed column for every row.
        """
        names, values = _fixed_sql(self._quote, fixed, self.fixed_names)
        conn.exec_driver_sql(
            f"INSERT INTO {self._target} ({self._cols}{names}) "  # noqa: S608 - our names
            f"SELECT {self._cols}{values} FROM fincast_stage.stage ORDER BY rowid "
            "ON CONFLICT DO NOTHING"
        )
        return self.count

    def close(self) -> None:
        """Remove the stage's file."""
        if self._db is not None:
            self._db.close()
            self._db = None
        shutil.rmtree(self._dir, ignore_errors=True)


class CopyStagedInsertIgnore:
    """PostgreSQL: rows of one write ``COPY``-ed into a table of their own ahead of it.

    The counterpart of :class:`StagedInsertIgnore`: each batch (COPY text lines from
    :attr:`encode_columns`) is copied, as it is ready, into an ``UNLOGGED`` table of this
    stage in the connection's schema, on a thread of the stage while the caller prepares
    the next batch, each time on a connection of ``engine`` held for that one ``COPY`` and
    committed at once (nothing of the ledger is locked: the stage is a table nobody else
    uses). The write transaction then moves the rows with ``INSERT ... SELECT ... ON
    CONFLICT (conflict) DO NOTHING`` in the order they came (``fincast_ord``, the stage's
    primary key), ``chunk`` rows per statement.

    Why: the import's client work (reading, building and encoding rows) and the server's
    COPY then overlap instead of following each other, and the write transaction holds the
    move only (docs/benchmarks.md, "Issue 14 (speed), step 6"). :meth:`close` drops the
    table; a stage left by a killed process is dropped by the next stage created after
    :data:`STALE_STAGE_SECONDS` (its name carries its creation time).
    """

    def __init__(
        self,
        engine: Engine,
        table: Table,
        columns: Sequence[str],
        fixed: Iterable[str] = (),
        *,
        chunk: int = 50_000,
        conflict: Sequence[str] = (),
    ) -> None:
        if engine.dialect.name != "postgresql" or engine.dialect.driver != "psycopg2":
            raise ValueError(f"no COPY stage for {engine.dialect.name}+{engine.dialect.driver}")
        self.engine = engine
        self.fixed_names = tuple(fixed)
        self.chunk = int(chunk)
        self.count = 0
        preparer = engine.dialect.identifier_preparer
        self._quote = preparer.quote
        self._cols = ", ".join(preparer.quote(c) for c in columns)
        self._target = preparer.format_table(table)
        # The unique key whose duplicates are skipped (checked alone; any unique key if none).
        self._conflict = f"({', '.join(preparer.quote(c) for c in conflict)})" if conflict else ""
        now = time.time()
        self.name = f"{_STAGE_TABLE_PREFIX}{int(now)}_{uuid.uuid4().hex[:12]}"
        with engine.connect() as conn:
            self.encode_columns = BulkInsertIgnore(
                conn, table, columns, fixed=dict.fromkeys(self.fixed_names, 0)
            ).encode_columns
            self._drop_stale(conn, now)
            conn.exec_driver_sql(
                f"CREATE UNLOGGED TABLE {self.name} AS "  # noqa: S608 - our names
                f"SELECT {self._cols} FROM {self._target} WITH NO DATA"
            )
            conn.exec_driver_sql(
                f"ALTER TABLE {self.name} ADD COLUMN fincast_ord BIGSERIAL PRIMARY KEY"
            )
            conn.commit()
        self._open = True
        self._copier = ThreadPoolExecutor(1, thread_name_prefix="fincast-stage")
        self._pending: Future[None] | None = None

    def _drop_stale(self, conn: Connection, now: float) -> None:
        names = conn.exec_driver_sql(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() "
            "AND tablename LIKE %(prefix)s",
            {"prefix": _STAGE_TABLE_PREFIX.replace("_", "\\_") + "%"},
        ).scalars()
        for name in list(names):
            stamp = name[len(_STAGE_TABLE_PREFIX) :].split("_", 1)[0]
            if stamp.isdigit() and now - int(stamp) > STALE_STAGE_SECONDS:
                conn.exec_driver_sql(f"DROP TABLE IF EXISTS {self._quote(name)}")
        conn.commit()

    def add(self, batch: list[str]) -> None:
        """Copy ``batch`` (lines from :attr:`encode_columns`) into the stage, in the background.

        The ``COPY`` runs on a thread of this stage while the caller prepares the next batch;
        it waits here for the previous one first (so at most one batch is in flight, and an
        error of the previous ``COPY`` is raised here).
        """
        if not batch:
            return
        if not self._open:
            raise RuntimeError("rows added to a stage after it was closed")
        self._wait()
        buf = io.StringIO()
        buf.writelines(line + "\n" for line in batch)
        buf.seek(0)
        self._pending = self._copier.submit(self._copy, buf)
        self.count += len(batch)

    def _copy(self, buf: io.StringIO) -> None:
        with self.engine.begin() as conn:
            cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
            try:
                # Read in 1 MiB pieces: psycopg2's default 8 KiB makes hundreds of calls per
                # batch, each taking the interpreter lock from the thread reading the file.
                cursor.copy_expert(
                    f"COPY {self.name} ({self._cols}) FROM STDIN", buf, size=_COPY_READ
                )
            finally:
                cursor.close()

    def _wait(self) -> None:
        """Wait for the batch in flight, if any; raises its error."""
        pending, self._pending = self._pending, None
        if pending is not None:
            pending.result()

    def insert(self, conn: Connection, fixed: Mapping[str, int]) -> int:
        """Move every staged row into the table, in ``conn``'s transaction; returns how many."""
        names, values = _fixed_sql(self._quote, fixed, self.fixed_names)
        self._wait()
        if self.count > self.chunk:
            # Statistics, so each chunk is read in order through the key (without them the
            # planner sorts each chunk's rows, on disk past work_mem).
            conn.exec_driver_sql(f"ANALYZE {self.name}")
        for start in range(0, self.count, self.chunk):
            conn.exec_driver_sql(
                f"INSERT INTO {self._target} ({self._cols}{names}) "  # noqa: S608 - our names
                f"SELECT {self._cols}{values} FROM {self.name} "
                f"WHERE fincast_ord > {start} AND fincast_ord <= {start + self.chunk} "
                f"ORDER BY fincast_ord ON CONFLICT {self._conflict} DO NOTHING"
            )
        return self.count

    def close(self) -> None:
        """Drop the stage's table."""
        if not self._open:
            return
        self._open = False
        try:
            self._wait()
        except Exception:  # noqa: S110 - the import failed already, or fails at the insert
            pass
        finally:
            self._copier.shutdown(wait=True)
            with self.engine.connect() as conn:
                conn.exec_driver_sql(f"DROP TABLE IF EXISTS {self.name}")
                conn.commit()


def refresh_statistics(conn: Connection, table: Table) -> None:
    """Renew the planner's statistics of ``table`` after a bulk write (PostgreSQL's ANALYZE).

    Until autovacuum gets to it (a minute or more), PostgreSQL plans queries on a table that
    just grew by a million rows from the statistics of the table before, or from none: a
    re-import of 1,000,000 rows right after their import took 60.9 s, 22.9 s with this
    (docs/benchmarks.md, "Import"). Other databases: nothing (SQLite plans by its indexes
    without statistics; InnoDB renews its own in the background).
    """
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql(f"ANALYZE {conn.dialect.identifier_preparer.format_table(table)}")


@contextmanager
def bulk_write_session(conn: Connection, cache_mib: int = 512) -> Iterator[None]:
    """Give a SQLite connection a large page cache while it bulk-writes.

    Fingerprint keys are random, so index inserts touch pages all over the B-tree; with the
    default 2 MiB cache SQLite re-reads them from disk for every row.
    """
    if conn.dialect.name != "sqlite":
        yield
        return
    previous = conn.exec_driver_sql("PRAGMA cache_size").scalar()
    conn.exec_driver_sql(f"PRAGMA cache_size={-1024 * int(cache_mib)}")
    try:
        yield
    finally:
        conn.exec_driver_sql(f"PRAGMA cache_size={int(previous or -2000)}")
