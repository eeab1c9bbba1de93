"""Recurring series and anomaly flags get a currency (ISO 4217, NOT NULL).

Detection now runs per currency: a payee paid from a EUR account and from a USD one is two
series, so the currency joins a series' key, (user, payee key, cadence, currency). Existing
series get their account's currency; those without an account, the user's primary currency
(the rule of 0010, written out again here so this migration keeps meaning what it meant
when it was written); a user without accounts, USD. An anomaly flag gets its transaction's
account's currency; a month or category-spike flag the currency its subject names
(``2024-05 EUR``), else the primary one.

The downgrade keeps one series per (user, payee key, cadence), the old key: the one the
user decided about (confirmed or dismissed) if any, else the oldest.

Revision ID: 0011_detection_currencies
Revises: 0010_plan_currencies
Create Date: 2026-12-07 14:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011_detection_currencies"
down_revision: str | None = "0010_plan_currencies"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TABLES = ("recurring_series", "anomalies")
#: The currency of rows whose user has no account (a new account's default).
_NO_ACCOUNT = "USD"
_OLD_KEY = "uq_recurring_series_user_id_payee_key_cadence"
_NEW_KEY = "uq_recurring_series_user_id_payee_key_cadence_currency"
_CURRENCY = sa.String(length=3)


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


def _named_currencies(conn: sa.Connection) -> list[dict[str, object]]:
    """Month and category-spike flags whose subject ends in a currency (``2024-05 EUR``)."""
    rows = conn.execute(
        sa.text(
            "SELECT id, subject FROM anomalies WHERE transaction_id IS NULL "
            "AND kind IN ('category_spike', 'monthly_behaviour')"
        )
    ).all()
    out: list[dict[str, object]] = []
    for flag_id, subject in rows:
        _, _, code = str(subject).rpartition(" ")
        if len(code) == 3 and code.isalpha() and " " in str(subject):
            out.append({"c": code.upper(), "i": int(flag_id)})
    return out


def upgrade() -> None:
    conn = op.get_bind()
    for table in _TABLES:
        # Plain ADD COLUMN first (nullable): the rows are filled before NOT NULL is set.
        op.add_column(table, sa.Column("currency", _CURRENCY, nullable=True))
    primary = _primary_currencies(conn)
    conn.execute(
        sa.text(
            "UPDATE recurring_series SET currency = (SELECT UPPER(a.currency) FROM accounts a "
            "WHERE a.id = recurring_series.account_id) WHERE account_id IS NOT NULL"
        )
    )
    conn.execute(
        sa.text(
            "UPDATE anomalies SET currency = (SELECT UPPER(a.currency) FROM transactions t "
            "JOIN accounts a ON a.id = t.account_id WHERE t.id = anomalies.transaction_id) "
            "WHERE transaction_id IS NOT NULL"
        )
    )
    named = _named_currencies(conn)
    if named:
        conn.execute(sa.text("UPDATE anomalies SET currency = :c WHERE id = :i"), named)
    for table in _TABLES:
        # Constant identifiers of this module only.
        update = sa.text(
            f"UPDATE {table} SET currency = :c WHERE user_id = :u AND currency IS NULL"  # noqa: S608
        )
        if primary:
            conn.execute(update, [{"c": c, "u": u} for u, c in primary.items()])
        conn.execute(
            sa.text(f"UPDATE {table} SET currency = :c WHERE currency IS NULL"),  # noqa: S608
            {"c": _NO_ACCOUNT},
        )
    if conn.dialect.name == "sqlite":
        # SQLite sets NOT NULL and changes a table's UNIQUE only by rebuilding it; no table
        # refers to these two, so the rebuild deletes nothing (docs/architecture.md, rule 8).
        with op.batch_alter_table("recurring_series") as batch:
            batch.alter_column("currency", existing_type=_CURRENCY, nullable=False)
            batch.drop_constraint(_OLD_KEY, type_="unique")
            batch.create_unique_constraint(
                _NEW_KEY, ["user_id", "payee_key", "cadence", "currency"]
            )
        with op.batch_alter_table("anomalies") as batch:
            batch.alter_column("currency", existing_type=_CURRENCY, nullable=False)
    else:
        for table in _TABLES:
            op.alter_column(table, "currency", existing_type=_CURRENCY, nullable=False)
        # the new key first: MariaDB keeps an index on user_id for its foreign key meanwhile
        op.create_unique_constraint(
            _NEW_KEY, "recurring_series", ["user_id", "payee_key", "cadence", "currency"]
        )
        op.drop_constraint(_OLD_KEY, "recurring_series", type_="unique")


def _keep_one_series_per_old_key(conn: sa.Connection) -> None:
    """Delete all but one series of each (user, payee key, cadence): a decided one first."""
    rows = conn.execute(
        sa.text("SELECT id, user_id, payee_key, cadence, status FROM recurring_series ORDER BY id")
    ).all()
    kept: dict[tuple[int, str, str], tuple[int, bool]] = {}
    dropped: list[int] = []
    for series_id, user_id, payee_key, cadence, status in rows:
        key = (int(user_id), str(payee_key), str(cadence))
        decided = str(status) != "new"
        seen = kept.get(key)
        if seen is None:
            kept[key] = (int(series_id), decided)
        elif decided and not seen[1]:
            dropped.append(seen[0])
            kept[key] = (int(series_id), decided)
        else:
            dropped.append(int(series_id))
    if dropped:
        conn.execute(
            sa.text("DELETE FROM recurring_series WHERE id = :i"), [{"i": i} for i in dropped]
        )


def downgrade() -> None:
    conn = op.get_bind()
    _keep_one_series_per_old_key(conn)
    if conn.dialect.name == "sqlite":
        with op.batch_alter_table("recurring_series") as batch:
            batch.drop_constraint(_NEW_KEY, type_="unique")
            batch.create_unique_constraint(_OLD_KEY, ["user_id", "payee_key", "cadence"])
            batch.drop_column("currency")
    else:
        op.create_unique_constraint(
            _OLD_KEY, "recurring_series", ["user_id", "payee_key", "cadence"]
        )
        op.drop_constraint(_NEW_KEY, "recurring_series", type_="unique")
        op.drop_column("recurring_series", "currency")
    # SQLite 3.35+ drops a column in place (ALTER TABLE ... DROP COLUMN), without a rebuild.
    op.drop_column("anomalies", "currency")
