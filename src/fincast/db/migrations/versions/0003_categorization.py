"""Learned categorization: the model's suggestion and its confidence on each transaction.

Revision ID: 0003_categorization
Revises: 0002_auth_sessions
Create Date: 2026-12-02 07:15:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_categorization"
down_revision: str | None = "0002_auth_sessions"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("transactions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("suggested_category_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("category_confidence", sa.Float(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_transactions_suggested_category_id"),
            ["suggested_category_id"],
            unique=False,
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_transactions_suggested_category_id_categories"),
            "categories",
            ["suggested_category_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade() -> None:
    with op.batch_alter_table("transactions", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_transactions_suggested_category_id_categories"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_transactions_suggested_category_id"))
        batch_op.drop_column("category_confidence")
        batch_op.drop_column("suggested_category_id")
