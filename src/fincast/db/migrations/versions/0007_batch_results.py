"""Batch results (issue 16): runs, partitions, forecasts, served households and insights.

Revision ID: 0007_batch_results
Revises: 0006_import_mappings
Create Date: 2026-12-03 06:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007_batch_results"
down_revision: str | None = "0006_import_mappings"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_MONEY = sa.Numeric(precision=18, scale=2)


def _user_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["user_id"], ["users.id"], name=op.f(f"fk_{table}_user_id_users"), ondelete="CASCADE"
    )


def upgrade() -> None:
    op.create_table(
        "batch_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("params_key", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("model_version", sa.String(length=64), nullable=False),
        sa.Column("n_partitions", sa.Integer(), nullable=False),
        sa.Column("summary", sa.JSON(), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_batch_runs")),
    )
    op.create_index(op.f("ix_batch_runs_params_key"), "batch_runs", ["params_key"])
    op.create_table(
        "batch_partitions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("user_ids", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("users", sa.Integer(), nullable=False),
        sa.Column("series", sa.Integer(), nullable=False),
        sa.Column("failures", sa.JSON(), nullable=False),
        sa.Column("seconds", sa.Float(), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["batch_runs.id"],
            name=op.f("fk_batch_partitions_run_id_batch_runs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_batch_partitions")),
        sa.UniqueConstraint("run_id", "number", name=op.f("uq_batch_partitions_run_id_number")),
    )
    op.create_table(
        "batch_forecasts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("series", sa.String(length=64), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("horizon", sa.Integer(), nullable=False),
        sa.Column("point", _MONEY, nullable=False),
        sa.Column("lo_95", _MONEY, nullable=False),
        sa.Column("hi_95", _MONEY, nullable=False),
        sa.Column("data_version", sa.String(length=16), nullable=False),
        sa.Column("model_version", sa.String(length=64), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        _user_fk("batch_forecasts"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_batch_forecasts")),
        sa.UniqueConstraint(
            "user_id",
            "series",
            "month",
            "horizon",
            name=op.f("uq_batch_forecasts_user_id_series_month_horizon"),
        ),
    )
    op.create_table(
        "batch_households",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("data_version", sa.String(length=16), nullable=False),
        sa.Column("model_version", sa.String(length=64), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        _user_fk("batch_households"),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_batch_households")),
    )
    op.create_table(
        "batch_insights",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("subject", sa.String(length=64), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("data_version", sa.String(length=16), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        _user_fk("batch_insights"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_batch_insights")),
        sa.UniqueConstraint(
            "user_id",
            "kind",
            "subject",
            "month",
            name=op.f("uq_batch_insights_user_id_kind_subject_month"),
        ),
    )


def downgrade() -> None:
    op.drop_table("batch_insights")
    op.drop_table("batch_households")
    op.drop_table("batch_forecasts")
    op.drop_table("batch_partitions")
    op.drop_index(op.f("ix_batch_runs_params_key"), table_name="batch_runs")
    op.drop_table("batch_runs")
