"""Batch forecasts and insights become rows of the stored household forecast.

``batch_forecasts`` becomes a view of ``batch_households.payload`` (the served answer, which
holds every series' months, forecasts and ranges): the ~200 rows a user has were written a
second time, each with the household's stamps, a surrogate id and a second unique index,
and writing them was most of a batch partition's database time (docs/benchmarks.md, "Batch
scoring"). ``batch_insights`` keeps its rows under their natural key and refers to
``batch_households`` (deleted with it) instead of repeating its stamps. Stored rows are
kept (the forecasts are in the payloads already; insights of a user without a stored
household could not be served and are dropped).

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


#: The view, in each dialect's JSON functions. Horizon h is the h-th month of a series.
_VIEW = {
    "postgresql": """
CREATE VIEW batch_forecasts AS
SELECT h.user_id,
       CAST(s.value ->> 'name' AS VARCHAR(64)) AS series,
       CAST(m.value ->> 'month' AS VARCHAR(7)) AS month,
       CAST(m.horizon AS INTEGER) AS horizon,
       CAST(m.value ->> 'forecast' AS NUMERIC(18, 2)) AS point,
       CAST(m.value ->> 'lower' AS NUMERIC(18, 2)) AS lo_95,
       CAST(m.value ->> 'upper' AS NUMERIC(18, 2)) AS hi_95
FROM batch_households h
CROSS JOIN LATERAL json_array_elements(h.payload -> 'series') AS s(value)
CROSS JOIN LATERAL json_array_elements(s.value -> 'months') WITH ORDINALITY AS m(value, horizon)
""",
    "sqlite": """
CREATE VIEW batch_forecasts AS
SELECT h.user_id AS user_id,
       json_extract(s.value, '$.name') AS series,
       json_extract(m.value, '$.month') AS month,
       CAST(m.key AS INTEGER) + 1 AS horizon,
       json_extract(m.value, '$.forecast') AS point,
       json_extract(m.value, '$.lower') AS lo_95,
       json_extract(m.value, '$.upper') AS hi_95
FROM batch_households h, json_each(h.payload, '$.series') s, json_each(s.value, '$.months') m
""",
    "mysql": """
CREATE VIEW batch_forecasts AS
SELECT h.user_id, x.series, x.month, x.horizon, x.point, x.lo_95, x.hi_95
FROM batch_households h,
JSON_TABLE(h.payload, '$.series[*]' COLUMNS (
    series VARCHAR(64) PATH '$.name',
    NESTED PATH '$.months[*]' COLUMNS (
        horizon FOR ORDINALITY,
        month VARCHAR(7) PATH '$.month',
        point DECIMAL(18, 2) PATH '$.forecast',
        lo_95 DECIMAL(18, 2) PATH '$.lower',
        hi_95 DECIMAL(18, 2) PATH '$.upper'
    )
)) AS x
""",
}


def _view_sql() -> str:
    dialect = op.get_bind().dialect.name
    return _VIEW.get(dialect, _VIEW["mysql"])  # MariaDB reports itself as mysql


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
    op.drop_table("batch_forecasts")
    op.execute(_view_sql())
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
    """Back to 0007's tables (the view's rows stored again): ids in key order, the stamps
    from each user's household row."""
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
        if table == "batch_forecasts":
            op.execute("DROP VIEW batch_forecasts")
        else:
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
