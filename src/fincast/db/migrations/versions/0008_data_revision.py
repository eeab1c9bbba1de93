"""Each user gets a data-revision token, renewed by every write to their ledger.

Reading it replaces a fingerprint over all of the user's transactions on every request that
serves a cached answer (fincast/ledger/revisions.py). Existing users start with a random
token each, so caches built on another database never match theirs.

Revision ID: 0008_data_revision
Revises: 0007_batch_results
Create Date: 2026-12-03 06:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008_data_revision"
down_revision: str | None = "0007_batch_results"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# A random 62-bit number per row, in each dialect's words.
_RANDOM = {
    "sqlite": "abs(random()) % 4611686018427387904",
    "postgresql": "floor(random() * 4611686018427387904)::bigint",
    "mysql": "floor(rand() * 4611686018427387904)",
    "mariadb": "floor(rand() * 4611686018427387904)",
}


def upgrade() -> None:
    # A plain ADD COLUMN (no batch rebuild: users is referenced with ON DELETE CASCADE).
    op.add_column(
        "users",
        sa.Column("data_revision", sa.BigInteger(), nullable=False, server_default="0"),
    )
    dialect = op.get_bind().dialect.name
    random = _RANDOM.get(dialect, _RANDOM["mysql"])  # a constant of this module
    op.execute(f"UPDATE users SET data_revision = {random}")  # noqa: S608


def downgrade() -> None:
    op.drop_column("users", "data_revision")
