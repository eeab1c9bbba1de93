"""Account balances now and month by month (the accounts page and net worth over time).

One GROUP BY over the user's transactions (account, year, month); the running sums start
from each account's opening balance.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fincast.ledger.models import Account, Transaction


@dataclass(frozen=True)
class AccountBalance:
    """One account's balance at the end of each month with transactions, and now."""

    account_id: int
    name: str
    currency: str
    archived: bool
    balance: Decimal
    months: dict[str, Decimal] = field(default_factory=dict)


def account_balances(session: Session, user_id: int) -> list[AccountBalance]:
    """Every account of ``user_id`` (archived ones too: their history stays in net worth)."""
    t = Transaction
    year, month = func.extract("year", t.posted_date), func.extract("month", t.posted_date)
    rows = session.execute(
        select(t.account_id, year, month, func.sum(t.amount))
        .where(t.user_id == user_id)
        .group_by(t.account_id, year, month)
        .order_by(t.account_id, year, month)
    ).all()
    accounts = session.scalars(
        select(Account).where(Account.user_id == user_id).order_by(Account.id)
    ).all()
    by_account: dict[int, list[tuple[str, Decimal]]] = {}
    for account_id, y, m, total in rows:
        by_account.setdefault(account_id, []).append((f"{int(y):04d}-{int(m):02d}", total))
    out = []
    for account in accounts:
        running = Decimal(account.opening_balance or 0)
        months: dict[str, Decimal] = {}
        for key, total in by_account.get(account.id, []):
            running += Decimal(total or 0)
            months[key] = running
        out.append(
            AccountBalance(
                account_id=account.id,
                name=account.name,
                currency=account.currency,
                archived=bool(account.archived),
                balance=running,
                months=months,
            )
        )
    return out
