"""Accounts can be archived: kept with their history, hidden from new imports and pickers.

Revision ID: 0005_account_archive
Revises: 0004_recurring_anomalies
Create Date: 2026-12-02 19:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005_account_archive"
down_revision: str | None = "0004_recurring_anomalies"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A plain ADD COLUMN, never a batch rebuild: on SQLite a rebuild drops ``accounts``, and
    # with foreign keys on (db/engine.py) inside the one migration transaction that would
    # cascade into every transaction row.
    op.add_column(
        "accounts", sa.Column("archived", sa.Boolean(), nullable=False, server_default=sa.false())
    )


def downgrade() -> None:
    # SQLite 3.35+ drops a column in place (ALTER TABLE ... DROP COLUMN), without a rebuild.
    op.drop_column("accounts", "archived")
