"""Import mappings: an account keeps its confirmed CSV mapping and the bank's id for it.

``accounts.import_mapping`` holds the CSV column mapping the user confirmed in the import
preview (the JSON that ``fincast.ingest.mapping.mapping_from_dict`` reads), reused for the
account's next files. ``accounts.bank_ref`` is the file's own id or name of the account (an
OFX ``ACCTID``, a Mint ``Account Name``), which multi-account files are matched by.

Revision ID: 0006_import_mappings
Revises: 0005_account_archive
Create Date: 2026-12-03 06:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006_import_mappings"
down_revision: str | None = "0005_account_archive"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ADD COLUMNs, never a batch rebuild of ``accounts`` (see 0005_account_archive).
    op.add_column("accounts", sa.Column("import_mapping", sa.JSON(), nullable=True))
    op.add_column("accounts", sa.Column("bank_ref", sa.String(length=100), nullable=True))


def downgrade() -> None:
    op.drop_column("accounts", "bank_ref")
    op.drop_column("accounts", "import_mapping")
