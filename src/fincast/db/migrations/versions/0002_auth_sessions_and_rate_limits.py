"""Auth sessions and rate limits: token trees (session_id, parent_id) and shared counters.

Revision ID: 0002_auth_sessions
Revises: 0001_initial
Create Date: 2026-12-02 05:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002_auth_sessions"
down_revision: str | None = "0001_initial"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("auth_tokens", schema=None) as batch_op:
        batch_op.add_column(sa.Column("session_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("parent_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_auth_tokens_session_id"), ["session_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_auth_tokens_parent_id"), ["parent_id"], unique=False)
    # Tokens from before this revision cannot be linked to their login: each is its own session.
    op.execute("UPDATE auth_tokens SET session_id = id")

    op.create_table(
        "rate_limit_counters",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_rate_limit_counters")),
    )
    with op.batch_alter_table("rate_limit_counters", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_rate_limit_counters_expires_at"), ["expires_at"], unique=False
        )


def downgrade() -> None:
    op.drop_table("rate_limit_counters")
    with op.batch_alter_table("auth_tokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_auth_tokens_parent_id"))
        batch_op.drop_index(batch_op.f("ix_auth_tokens_session_id"))
        batch_op.drop_column("parent_id")
        batch_op.drop_column("session_id")
