"""Budgets, savings goals and debts get a currency of their own (ISO 4217, NOT NULL).

Until now they counted in the user's primary currency. Existing rows get exactly that: the
currency of the accounts holding most of the user's transactions (ties: the user's first
account's, then the alphabetically first), the rule of ``fincast.panel.user_currencies``
written out here so this migration keeps meaning what it meant when it was written; a debt
tied to an account gets that account's currency; a user without accounts gets USD, the
currency a new account defaults to.

Revision ID: 0010_plan_currencies
Revises: 0009_batch_rows_of_households
Create Date: 2026-12-06 22:45:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010_plan_currencies"
down_revision: str | None = "0009_batch_rows_of_households"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TABLES = ("budgets", "savings_goals", "debts")
#: The currency of rows whose user has no account (a new account's default).
_NO_ACCOUNT = "USD"


def _primary_currencies(conn: sa.Connection) -> dict[int, str]:
    """Each user's primary currency, from their accounts' transaction counts."""
    rows = conn.execute(
        sa.text(
            "SELECT a.user_id, a.id, a.currency, COUNT(t.id) FROM accounts a "
            "LEFT JOIN transactions t ON t.account_id = a.id "
            "GROUP BY a.user_id, a.id, a.currency ORDER BY a.user_id, a.id"
        )
    ).all()
    counts: dict[int, dict[str, int]] = {}
    first: dict[int, str] = {}
    for user_id, _, currency, n in rows:
        code = str(currency).upper()
        first.setdefault(int(user_id), code)
        mine = counts.setdefault(int(user_id), {})
        mine[code] = mine.get(code, 0) + int(n)
    out: dict[int, str] = {}
    for user_id, per in counts.items():
        used = {c: n for c, n in per.items() if n}
        if not used:
            out[user_id] = first[user_id]
        else:
            out[user_id] = min(used, key=lambda c: (-used[c], c != first[user_id], c))
    return out


def upgrade() -> None:
    conn = op.get_bind()
    for table in _TABLES:
        # Plain ADD COLUMN first (nullable): the rows are filled before NOT NULL is set.
        op.add_column(table, sa.Column("currency", sa.String(length=3), nullable=True))
    primary = _primary_currencies(conn)
    for table in _TABLES:
        # Constant identifiers of this module only.
        update = sa.text(f"UPDATE {table} SET currency = :c WHERE user_id = :u")  # noqa: S608
        if primary:
            conn.execute(update, [{"c": c, "u": u} for u, c in primary.items()])
        conn.execute(
            sa.text(f"UPDATE {table} SET currency = :c WHERE currency IS NULL"),  # noqa: S608
            {"c": _NO_ACCOUNT},
        )
    conn.execute(
        sa.text(
            "UPDATE debts SET currency = (SELECT UPPER(a.currency) FROM accounts a "
            "WHERE a.id = debts.account_id) WHERE account_id IS NOT NULL"
        )
    )
    for table in _TABLES:
        if conn.dialect.name == "sqlite":
            # SQLite sets NOT NULL only by rebuilding the table; no table refers to these
            # three, so the rebuild deletes nothing (docs/architecture.md, rule 8).
            with op.batch_alter_table(table) as batch:
                batch.alter_column("currency", existing_type=sa.String(length=3), nullable=False)
        else:
            op.alter_column(table, "currency", existing_type=sa.String(length=3), nullable=False)


def downgrade() -> None:
    for table in _TABLES:
        # SQLite 3.35+ drops a column in place (ALTER TABLE ... DROP COLUMN), without a rebuild.
        op.drop_column(table, "currency")
