"""Portable bulk operations whose SQL differs between SQLite, PostgreSQL and MariaDB."""

from __future__ import annotations

from collections.abc import Sequence
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
