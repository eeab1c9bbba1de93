"""The data version of a user's ledger: what every cached or stored forecast is keyed by.

Kept free of the forecasting engine so that writes (imports, edits) can invalidate it
without loading pandas models.

The version is read from the database on every request that needs it, never remembered
between requests: a write through any worker, or the CLI, changes the next answer of every
worker, and answers derived from the ledger can be cached under it (and sent with an
``ETag``) without ever being stale.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from sqlalchemy import Integer, Select, bindparam, case, func, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from fincast.ledger.models import Category, RecurringSeriesRecord, ReviewStatus, Transaction
from fincast.services.forecasting.cache import CACHE


class day_number(FunctionElement[int]):
    """A date as a whole number of days: cheap per row, different for every date."""

    type = Integer()
    inherit_cache = True


@compiles(day_number)
def _day_number(element: day_number, compiler: SQLCompiler, **kw: Any) -> str:
    # Portable but slow: three EXTRACTs (on SQLite, three strftime calls) per row.
    (day,) = element.clauses
    return compiler.process(
        func.extract("year", day) * 372
        + func.extract("month", day) * 31
        + func.extract("day", day),
        **kw,
    )


@compiles(day_number, "sqlite")
def _day_number_sqlite(element: day_number, compiler: SQLCompiler, **kw: Any) -> str:
    # Dates are ISO text: 'YYYY-MM-DD' -> YYYYMMDD, about 4x cheaper than strftime.
    return f"CAST(REPLACE({compiler.process(element.clauses, **kw)}, '-', '') AS INTEGER)"


@compiles(day_number, "postgresql")
def _day_number_postgresql(element: day_number, compiler: SQLCompiler, **kw: Any) -> str:
    return f"({compiler.process(element.clauses, **kw)} - DATE '1970-01-01')"


@compiles(day_number, "mysql")
@compiles(day_number, "mariadb")
def _day_number_mysql(element: day_number, compiler: SQLCompiler, **kw: Any) -> str:
    return f"TO_DAYS({compiler.process(element.clauses, **kw)})"


def _version_statement() -> Select[Any]:
    t, r = Transaction, RecurringSeriesRecord
    user_id = bindparam("user_id", type_=Integer())
    kind_code = case((Category.kind == "income", 1), (Category.kind == "expense", 2), else_=3)
    mine = Category.user_id == user_id
    return select(
        func.count(t.id),
        func.max(t.id),
        func.sum(t.amount),
        func.sum(func.coalesce(t.category_id, 0) * (t.id % 997 + 1)),
        func.sum(day_number(t.posted_date) * (t.id % 991 + 1)),
        select(func.count()).select_from(Category).where(mine).scalar_subquery(),
        select(func.sum(Category.id * kind_code)).where(mine).scalar_subquery(),
        # The confirmed bills floor the forecasts (docs/forecasting.md): confirming or
        # dismissing one, or a new expected amount, is a new version.
        select(func.sum(r.id * 1009 + r.expected_amount * 100))
        .where(r.user_id == user_id, r.status == ReviewStatus.CONFIRMED)
        .scalar_subquery(),
    ).where(t.user_id == user_id)


# Built once: building and keying this statement costs more than running it.
_VERSION = _version_statement()


def data_version(session: Session, user_id: int) -> tuple[Any, ...]:
    """A cheap fingerprint that changes whenever the user's monthly panel can change.

    One query: counts and weighted sums over the user's transactions (ids, amounts,
    categories, dates), categories (ids and kinds) and confirmed bills (ids and expected
    amounts), plus the current month (the panel leaves the month in progress out, so it
    changes when the month does).
    """
    row = session.execute(_VERSION, {"user_id": user_id}).one()
    month = dt.date.today().strftime("%Y-%m")
    return (month, *(str(v) for v in row))


def version_digest(session: Session, user_id: int) -> str:
    """:func:`data_version` as a short hex digest, for model metadata and ETags."""
    return hashlib.sha256(repr(data_version(session, user_id)).encode()).hexdigest()[:16]


def current_version(session: Session, user_id: int) -> tuple[Any, ...]:
    """The user's data version as the database holds it now (one query, never remembered)."""
    return data_version(session, user_id)


def invalidate(user_id: int) -> None:
    """``user_id``'s ledger just changed: drop this process's results cached for them.

    Correctness does not depend on it (results are keyed by :func:`current_version`, which
    every worker reads afresh); it frees what can no longer be asked for.
    """
    CACHE.discard_user(user_id)
