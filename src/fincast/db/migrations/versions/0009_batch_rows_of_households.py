"""Batch forecasts and insights become rows of the stored household forecast.

Their key is their natural one (no surrogate id and second unique index), and they refer
to ``batch_households`` (deleted with it) instead of repeating its data version, model and
time on each of the ~200 rows a user has: writing them was most of a batch partition's
database time (docs/benchmarks.md, "Batch scoring"). Stored rows are kept (those of a user
without a stored household could not be served and are dropped).

Revision ID: 0009_batch_rows_of_households
Revises: 0008_data_revision
Create Date: 2026-12-03 14:40:00.000000
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0009_batch_rows_of_households"
down_revision: str | None = "0008_data_revision"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_MONEY = sa.Numeric(precision=18, scale=2)
_FORECAST_KEY = ("user_id", "series", "month", "horizon")
_FORECAST_VALUES = ("point", "lo_95", "hi_95")
_INSIGHT_KEY = ("user_id", "kind", "subject", "month")
_INSIGHT_VALUES = ("value",)


def _forecast_columns() -> list[sa.Column[Any]]:
    return [
        sa.Column("user_id", sa.Integer(), nullable=False, autoincrement=False),
        sa.Column("series", sa.String(length=64), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("horizon", sa.Integer(), nullable=False, autoincrement=False),
        sa.Column("point", _MONEY, nullable=False),
        sa.Column("lo_95", _MONEY, nullable=False),
        sa.Column("hi_95", _MONEY, nullable=False),
    ]


def _insight_columns() -> list[sa.Column[Any]]:
    return [
        sa.Column("user_id", sa.Integer(), nullable=False, autoincrement=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("subject", sa.String(length=64), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
    ]


def _household_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["user_id"],
        ["batch_households.user_id"],
        name=op.f(f"fk_{table}_user_id_batch_households"),
        ondelete="CASCADE",
    )


def _move(table: str, columns: Sequence[str], create: object) -> None:
    """Copy ``columns`` of ``table`` aside, recreate it (``create()``), copy them back."""
    names = ", ".join(columns)
    held = f"{table}_0009"
    # Constant identifiers of this module only.
    op.execute(f"CREATE TABLE {held} AS SELECT {names} FROM {table}")  # noqa: S608
    op.drop_table(table)
    create()  # type: ignore[operator]
    op.execute(
        f"INSERT INTO {table} ({names}) SELECT {names} FROM {held} "  # noqa: S608
        "WHERE user_id IN (SELECT user_id FROM batch_households)"
    )
    op.drop_table(held)


def upgrade() -> None:
    _move(
        "batch_forecasts",
        _FORECAST_KEY + _FORECAST_VALUES,
        lambda: op.create_table(
            "batch_forecasts",
            *_forecast_columns(),
            _household_fk("batch_forecasts"),
            sa.PrimaryKeyConstraint(*_FORECAST_KEY, name=op.f("pk_batch_forecasts")),
        ),
    )
    _move(
        "batch_insights",
        _INSIGHT_KEY + _INSIGHT_VALUES,
        lambda: op.create_table(
            "batch_insights",
            *_insight_columns(),
            _household_fk("batch_insights"),
            sa.PrimaryKeyConstraint(*_INSIGHT_KEY, name=op.f("pk_batch_insights")),
        ),
    )


def downgrade() -> None:
    """Back to 0007's tables: ids in key order, the stamps from each user's household row."""
    downgrades: tuple[
        tuple[str, tuple[str, ...], tuple[str, ...], list[sa.Column[Any]], tuple[str, ...]], ...
    ] = (
        (
            "batch_forecasts",
            _FORECAST_KEY,
            _FORECAST_VALUES,
            _forecast_columns(),
            ("data_version", "model_version", "computed_at"),
        ),
        (
            "batch_insights",
            _INSIGHT_KEY,
            _INSIGHT_VALUES,
            _insight_columns(),
            ("data_version", "computed_at"),
        ),
    )
    for table, key, values, columns, stamps in downgrades:
        held = f"{table}_0009"
        names = ", ".join(key + values)
        op.execute(f"CREATE TABLE {held} AS SELECT {names} FROM {table}")  # noqa: S608
        op.drop_table(table)
        extra: list[sa.Column[Any]] = [
            sa.Column("data_version", sa.String(length=16), nullable=False),
            sa.Column("model_version", sa.String(length=64), nullable=False),
            sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        ]
        op.create_table(
            table,
            sa.Column("id", sa.Integer(), nullable=False),
            *columns,
            *[c for c in extra if c.name in stamps],
            sa.ForeignKeyConstraint(
                ["user_id"],
                ["users.id"],
                name=op.f(f"fk_{table}_user_id_users"),
                ondelete="CASCADE",
            ),
            sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}")),
            sa.UniqueConstraint(*key, name=op.f(f"uq_{table}_{'_'.join(key)}")),
        )
        qualified = ", ".join(f"h.{c}" for c in stamps)
        op.execute(
            f"INSERT INTO {table} ({names}, {', '.join(stamps)}) "  # noqa: S608
            f"SELECT {', '.join(f'x.{c}' for c in key + values)}, {qualified} "
            f"FROM {held} x JOIN batch_households h ON h.user_id = x.user_id "
            f"ORDER BY {', '.join(f'x.{c}' for c in key)}"
        )
        op.drop_table(held)
