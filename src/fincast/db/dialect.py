"""Portable bulk operations whose SQL differs between SQLite, PostgreSQL and MariaDB."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, Insert, Table, insert
from sqlalchemy.dialects import mysql, postgresql, sqlite


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


def bulk_insert_ignore_tuples(
    conn: Connection, table: Table, columns: Sequence[str], rows: Sequence[tuple[Any, ...]]
) -> None:
    """Fast bulk insert of driver-ready tuples, skipping rows that duplicate a unique key.

    Bypasses SQLAlchemy's per-row parameter processing: values must already be what the
    driver accepts (ISO strings for dates and timestamps, strings for decimals). PostgreSQL
    uses ``execute_values`` (one statement per page) instead of a row-by-row executemany.
    """
    if not rows:
        return
    name = conn.dialect.name
    cols = ", ".join(columns)
    if name == "postgresql":
        from psycopg2.extras import execute_values

        sql = f"INSERT INTO {table.name} ({cols}) VALUES %s ON CONFLICT DO NOTHING"  # noqa: S608
        cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        try:
            execute_values(cursor, sql, rows, page_size=2000)
        finally:
            cursor.close()
        return
    marks = ", ".join(["?" if name == "sqlite" else "%s"] * len(columns))
    verb = "INSERT OR IGNORE" if name == "sqlite" else "INSERT IGNORE"
    sql = f"{verb} INTO {table.name} ({cols}) VALUES ({marks})"
    conn.exec_driver_sql(sql, list(rows))


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
